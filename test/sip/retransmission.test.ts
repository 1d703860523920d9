import assert from 'node:assert/strict';
import { once } from 'node:events';
import type { SipRelease } from '../../src/call/sip-leg.js';
import { SipEndpoint } from '../../src/sip/sip-endpoint.js';
import type { SipTimerValues } from '../../src/sip/retransmission.js';
import { BoundRtpPort } from './bound-rtp-port.js';
import { intervals, LossyRelay } from './lossy-relay.js';
import { eventually, quietFor } from '../support/waiting.js';

const media = (): Promise<BoundRtpPort> => BoundRtpPort.open();

/** A calls B through the relay (its outbound proxy); B admits 127.0.0.1. */
async function pair(timers: SipTimerValues, lossRate: number, seed: number) {
  const b = await SipEndpoint.start({ transport: { protocol: 'udp', timers }, trunks: [], inbound: { allowAddresses: ['127.0.0.1'] }, media });
  const relay = await LossyRelay.open({ address: '127.0.0.1', port: b.port }, lossRate, seed);
  const a = await SipEndpoint.start({
    transport: { protocol: 'udp', timers, outboundProxy: { host: '127.0.0.1', port: relay.frontPort } },
    trunks: [{ name: 'b', host: '127.0.0.1', port: b.port }],
    media,
  });
  return { a, b, relay, close: async () => (await Promise.all([a.stop(), b.stop()]), relay.close()) };
}

/** Each measured interval is the expected one within 40 ms + 25 % (timer jitter on a loaded box). */
function assertIntervals(measured: number[], expected: number[], what: string): void {
  assert.equal(measured.length, expected.length, `${what}: ${measured.join(', ')} ms`);
  measured.forEach((m, i) => {
    const e = expected[i]!;
    assert.ok(Math.abs(m - e) <= 40 + 0.25 * e, `${what}: interval ${i + 1} is ${m} ms, RFC 3261 says ${e} ms (all: ${measured.join(', ')})`);
  });
}

describe('UDP retransmission (RFC 3261 §17)', function () {
  this.timeout(20000);
  // Short timers to keep the test quick; the doubling rule is what is checked.
  const T1 = 100;
  const T2 = 400;
  const timers = { T1, T2, T4: 500 };

  it('retransmits INVITE on Timer A (doubling from T1, no cap) and BYE on Timer E (doubling, capped at T2)', async () => {
    const p = await pair(timers, 0, 1);
    try {
      let invites = 0;
      let byes = 0;
      p.relay.dropRule = (pkt) => pkt.dir === 'a->b' && ((pkt.first.startsWith('INVITE') && ++invites <= 5) || (pkt.first.startsWith('BYE') && ++byes <= 5));
      let calleeReleased: Promise<unknown[]> | undefined;
      p.b.on('incoming', (call) => {
        calleeReleased = once(call, 'released');
        call.answer();
      });
      const call = p.a.call('b', { digits: '100' }, { digits: '200' });
      call.invite();
      await once(call, 'answered');
      // RFC 3261 §17.1.1.2: Timer A starts at T1 and doubles, without a cap at T2.
      assertIntervals(intervals(p.relay.times((x) => x.first.startsWith('INVITE'))), [T1, 2 * T1, 4 * T1, 8 * T1, 16 * T1], 'INVITE');
      const released = once(call, 'released');
      call.release(16);
      await released;
      const [atCallee] = (await calleeReleased!) as [SipRelease];
      assert.equal(atCallee.cause, 16, 'the callee got the BYE with its Reason');
      await eventually('six BYEs through the relay', () => p.relay.times((x) => x.first.startsWith('BYE')).length >= 6, { timeoutMs: 4 * T2 + 5000 });
      // RFC 3261 §17.1.2.2: Timer E doubles from T1 up to T2.
      assertIntervals(intervals(p.relay.times((x) => x.first.startsWith('BYE'))), [T1, 2 * T1, T2, T2, T2], 'BYE');
    } finally {
      await p.close();
    }
  });

  it('retransmits a non-2xx final response to INVITE on Timer G (capped at T2) until the ACK comes', async () => {
    const p = await pair(timers, 0, 1);
    try {
      let busy = 0;
      p.relay.dropRule = (pkt) => pkt.dir === 'b->a' && pkt.first.startsWith('SIP/2.0 486') && ++busy <= 5;
      p.b.on('incoming', (call) => call.release(17));
      const call = p.a.call('b', { digits: '100' }, { digits: '200' });
      call.invite();
      const [release] = (await once(call, 'released')) as [SipRelease];
      // RFC 3398 §7.2.4.1: cause 17 user busy -> 486; RFC 3326 Reason brings 17 back.
      assert.equal(release.status, 486);
      assert.equal(release.cause, 17);
      await eventually('the ACK through the relay', () => p.relay.times((x) => x.first.startsWith('ACK')).length >= 1, { timeoutMs: 4 * T2 + 5000 });
      // And no 486 after it: the ACK stops Timer G.
      await quietFor(2 * T2);
      // RFC 3261 §17.2.1: Timer G doubles from T1 up to T2 and stops with the ACK.
      const times = p.relay.times((x) => x.first.startsWith('SIP/2.0 486'));
      assertIntervals(intervals(times), [T1, 2 * T1, T2, T2, T2], '486');
      assert.equal(p.relay.times((x) => x.first.startsWith('ACK')).length, 1, 'one ACK, then silence');
    } finally {
      await p.close();
    }
  });

  it('completes INVITE and BYE with 20 % of packets lost both ways (seeded), one call per INVITE at the callee', async () => {
    const p = await pair({ T1: 100, T2: 400, T4: 500 }, 0.2, 20251129);
    try {
      let incoming = 0;
      const releasedAtB: Promise<unknown[]>[] = [];
      p.b.on('incoming', (call) => {
        incoming++;
        releasedAtB.push(once(call, 'released'));
        call.answer();
      });
      for (let i = 0; i < 5; i++) {
        const call = p.a.call('b', { digits: '100' }, { digits: `20${i}` });
        call.invite();
        await once(call, 'answered');
        const done = once(call, 'released');
        call.release(16);
        await done;
      }
      // The callee ends each call when a BYE (perhaps a retransmitted one) gets through.
      const atB = (await Promise.all(releasedAtB)) as [SipRelease][];
      assert.equal(incoming, 5, 'retransmitted INVITEs were absorbed, not taken as new calls');
      for (const [r] of atB) assert.equal(r.cause, 16);
      const lost = p.relay.packets.filter((x) => x.dropped).length;
      assert.ok(lost >= 5, `the relay dropped ${lost} of ${p.relay.packets.length} packets`);
    } finally {
      await p.close();
    }
  });

  it('an INVITE that gets no response at all fails with 408 after 64*T1 (Timer B on our T1), Timer A doubling until then', async () => {
    const T1b = 50;
    const p = await pair({ T1: T1b, T2: 400, T4: 500 }, 0, 2);
    try {
      p.relay.dropRule = (pkt) => pkt.dir === 'a->b';
      const call = p.a.call('b', { digits: '100' }, { digits: '300' });
      const started = performance.now();
      const released = once(call, 'released');
      call.invite();
      const [r] = (await released) as [SipRelease];
      const after = performance.now() - started;
      assert.equal(r.status, 408, `released with ${JSON.stringify(r)}`);
      // RFC 3261 §17.1.1.2: Timer B = 64*T1 (3.2 s here), not sip.js's fixed 32 s.
      assert.ok(after >= 64 * T1b - 20 && after < 64 * T1b + 1500, `408 after ${after.toFixed(0)} ms, 64*T1 is ${64 * T1b} ms`);
      const sent = intervals(p.relay.times((x) => x.first.startsWith('INVITE')));
      assertIntervals(sent.slice(0, 5), [T1b, 2 * T1b, 4 * T1b, 8 * T1b, 16 * T1b], 'INVITE');
      // Timer B ends the transaction without an ACK: the 408 was our own.
      // No ACK may follow Timer B.
      await quietFor(4 * T1b);
      assert.deepEqual(p.relay.packets.filter((x) => x.first.startsWith('ACK')), [], 'no ACK after Timer B');
    } finally {
      await p.close();
    }
  });

  it('an INVITE that got 100 Trying waits past 64*T1 for its final response (Proceeding: no Timer B)', async () => {
    const T1b = 50;
    const p = await pair({ T1: T1b, T2: 400, T4: 500 }, 0, 3);
    try {
      p.b.on('incoming', (call) => setTimeout(() => call.answer(), 64 * T1b + 800));
      const call = p.a.call('b', { digits: '100' }, { digits: '400' });
      const outcome = Promise.race([once(call, 'answered').then(() => 'answered'), once(call, 'released').then(([r]) => `released ${JSON.stringify(r)}`)]);
      call.invite();
      assert.equal(await outcome, 'answered');
      assert.ok(p.relay.packets.some((x) => x.dir === 'b->a' && x.first.startsWith('SIP/2.0 100')), 'the callee sent 100 Trying');
      const released = once(call, 'released');
      call.release(16);
      await released;
    } finally {
      await p.close();
    }
  });
});
