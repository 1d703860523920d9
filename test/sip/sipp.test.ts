import assert from 'node:assert/strict';
import { once } from 'node:events';
import type { SipRelease } from '../../src/call/sip-leg.js';
import type { SipCall } from '../../src/sip/sip-call.js';
import { SipEndpoint, type SipEndpointOptions } from '../../src/sip/sip-endpoint.js';
import type { TrunkOptions } from '../../src/sip/trunk-options.js';
import { BoundRtpPort } from './bound-rtp-port.js';
import { LossyRelay } from './lossy-relay.js';
import { runSipp, startSipp } from '../peers/sipp.js';
import { eventually } from '../support/waiting.js';

const codecs = [
  { codec_pt: '0', codec_name: 'PCMU', codec_rate: '8000', ours: 'PCMU' },
  { codec_pt: '8', codec_name: 'PCMA', codec_rate: '8000', ours: 'PCMA' },
  { codec_pt: '111', codec_name: 'opus', codec_rate: '48000/2', ours: 'opus' },
] as const;

interface Harness {
  endpoint: SipEndpoint;
  media: BoundRtpPort[];
  calls: SipCall[];
  logs: { event: string; detail: Record<string, unknown> }[];
}

async function gateway(protocol: 'udp' | 'tcp', extra: Partial<SipEndpointOptions> = {}): Promise<Harness> {
  const media: BoundRtpPort[] = [];
  const calls: SipCall[] = [];
  const logs: Harness['logs'] = [];
  const endpoint = await SipEndpoint.start({
    transport: { protocol },
    trunks: [],
    media: async () => {
      const m = await BoundRtpPort.open();
      media.push(m);
      return m;
    },
    log: (event, detail) => logs.push({ event, detail }),
    ...extra,
  });
  endpoint.on('incoming', (c) => calls.push(c));
  return { endpoint, media, calls, logs };
}

for (const protocol of ['udp', 'tcp'] as const) {
  describe(`SIP against SIPp over ${protocol.toUpperCase()}`, function () {
    this.timeout(20000);
    let h: Harness;
    afterEach(async () => h?.endpoint.stop());

    it('answers SIPp calls offering PCMU, PCMA or opus; hold and resume by re-INVITE; BYE with Reason ends the leg', async () => {
      h = await gateway(protocol, { inbound: { allowAddresses: ['127.0.0.1'] } });
      const released: SipRelease[] = [];
      h.endpoint.on('incoming', (call) => {
        call.on('released', (r) => released.push(r));
        call.ringing(false);
        setTimeout(() => call.answer(), 50);
      });
      for (const c of codecs) {
        const before = h.media.length;
        const r = await runSipp({ scenario: 'uac-call-hold.xml', transport: protocol, remote: `127.0.0.1:${h.endpoint.port}`, keys: c });
        assert.equal(r.code, 0, `SIPp ${c.codec_name}: ${r.output}`);
        const m = h.media[before]!;
        const seen = m.negotiations.map((n) => `${n.codec}/${n.direction}`);
        // RFC 3264 §8.4: hold (peer sendonly) leaves us recvonly; resume brings sendrecv back.
        assert.deepEqual(seen, [`${c.ours}/sendrecv`, `${c.ours}/recvonly`, `${c.ours}/sendrecv`]);
        assert.equal(m.negotiations[0]!.telephoneEventPayloadType, 101);
      }
      await eventually('the three calls released', () => released.length >= 3);
      assert.equal(released.length, 3);
      for (const r of released) assert.deepEqual([r.by, r.cause], ['remote', 16]);
      assert.deepEqual(
        h.calls.map((c) => [c.direction, c.from.digits, c.to.digits]),
        Array(3).fill(['incoming', '5551000', '2000']),
      );
    });

    it('places a call to SIPp, which answers with each codec; our BYE carries Q.850 cause 16', async () => {
      h = await gateway(protocol);
      for (const c of codecs) {
        const sipp = await startSipp({ scenario: 'uas-answer.xml', transport: protocol, keys: c });
        const trunk: TrunkOptions = { name: 'sipp', host: '127.0.0.1', port: sipp.port };
        await h.endpoint.addTrunk(trunk);
        const before = h.media.length;
        const call = h.endpoint.call('sipp', { digits: '5551000' }, { digits: '2000' });
        const progress = once(call, 'progress');
        call.invite();
        assert.deepEqual(await progress, [180, false]);
        await once(call, 'answered');
        assert.equal(h.media[before]!.negotiations[0]!.codec, c.ours);
        call.release(16);
        const r = await sipp.done;
        assert.equal(r.code, 0, `SIPp ${c.codec_name}: ${r.output}`);
        h.endpoint.removeTrunk('sipp');
      }
    });

    it('reports 486 with the Q.850 cause from the Reason header', async () => {
      h = await gateway(protocol);
      const sipp = await startSipp({ scenario: 'uas-busy.xml', transport: protocol });
      await h.endpoint.addTrunk({ name: 'sipp', host: '127.0.0.1', port: sipp.port });
      const call = h.endpoint.call('sipp', { digits: '5551000' }, { digits: '2000' });
      call.invite();
      const [r] = (await once(call, 'released')) as [SipRelease];
      assert.deepEqual([r.by, r.status, r.cause], ['remote', 486, 17]);
      assert.equal((await sipp.done).code, 0);
    });

    it('ends an incoming call that SIPp CANCELs before answer, with 487 to the INVITE', async () => {
      h = await gateway(protocol, { inbound: { allowAddresses: ['127.0.0.1'] } });
      const released: SipRelease[] = [];
      h.endpoint.on('incoming', (call) => {
        call.on('released', (r) => released.push(r));
        call.ringing(false);
      });
      const r = await runSipp({ scenario: 'uac-cancel.xml', transport: protocol, remote: `127.0.0.1:${h.endpoint.port}` });
      assert.equal(r.code, 0, r.output);
      assert.deepEqual(released.map((x) => [x.by, x.reason, x.cause]), [['remote', 'CANCEL', 16]]);
    });
  });
}

describe('inbound security and registration against SIPp', function () {
  this.timeout(20000);
  let h: Harness;
  afterEach(async () => h?.endpoint.stop());

  it('refuses an INVITE from an unknown address with 403, logs the source, and never raises a call', async () => {
    h = await gateway('udp');
    const r = await runSipp({ scenario: 'uac-forbidden.xml', transport: 'udp', remote: `127.0.0.1:${h.endpoint.port}` });
    assert.equal(r.code, 0, r.output);
    assert.equal(h.calls.length, 0);
    const refused = h.logs.find((l) => l.event === 'inbound-refused');
    assert.match(String(refused?.detail.source), /^127\.0\.0\.1:\d+$/);
  });

  it('stays silent instead when configured so (no answer at all)', async () => {
    h = await gateway('udp', { inbound: { unknownSource: 'silence' } });
    const r = await runSipp({ scenario: 'uac-forbidden.xml', transport: 'udp', remote: `127.0.0.1:${h.endpoint.port}`, timeoutS: 2 });
    assert.notEqual(r.code, 0, 'SIPp must time out waiting for an answer');
    assert.equal(h.calls.length, 0);
    assert.ok(h.logs.some((l) => l.event === 'inbound-refused'));
  });

  it('admits a caller that answers the digest challenge (RFC 3261 §22)', async () => {
    h = await gateway('udp', { inbound: { users: [{ username: 'alice', password: 's3cret' }], realm: 'gw.test' } });
    h.endpoint.on('incoming', (call) => call.answer());
    const r = await runSipp({ scenario: 'uac-digest.xml', transport: 'udp', remote: `127.0.0.1:${h.endpoint.port}`, extra: ['-au', 'alice', '-ap', 's3cret', '-auth_uri', `2000@127.0.0.1:${h.endpoint.port}`] });
    assert.equal(r.code, 0, r.output);
    assert.equal(h.calls.length, 1);
  });

  it('refuses a caller with the wrong password', async () => {
    h = await gateway('udp', { inbound: { users: [{ username: 'alice', password: 's3cret' }], realm: 'gw.test' } });
    const r = await runSipp({ scenario: 'uac-digest.xml', transport: 'udp', remote: `127.0.0.1:${h.endpoint.port}`, extra: ['-au', 'alice', '-ap', 'guess', '-auth_uri', `2000@127.0.0.1:${h.endpoint.port}`], timeoutS: 3 });
    assert.notEqual(r.code, 0);
    assert.equal(h.calls.length, 0);
    assert.ok(h.logs.some((l) => l.event === 'inbound-refused' && /wrong password/.test(String(l.detail.reason))));
  });

  it('registers a trunk with digest MD5 at a SIPp registrar', async () => {
    h = await gateway('udp');
    const sipp = await startSipp({ scenario: 'registrar-digest.xml', transport: 'udp', keys: { algorithm: 'MD5' }, extra: ['-d', '300'] });
    const registered = once(h.endpoint, 'registration');
    await h.endpoint.addTrunk({ name: 'reg', host: '127.0.0.1', port: sipp.port, domain: 'sipp.test', register: { username: 'alice', password: 's3cret', expires: 60 } });
    assert.deepEqual((await registered).slice(0, 2), ['reg', true]);
    const r = await sipp.done;
    assert.equal(r.code, 0, r.output);
  });
});

describe('REGISTER through 20 % packet loss (seeded relay) to a SIPp registrar', function () {
  this.timeout(20000);

  it('completes the challenged REGISTER, retransmitting on Timer E (RFC 3261 §17.1.2.2)', async () => {
    const sipp = await startSipp({ scenario: 'registrar-digest.xml', transport: 'udp', keys: { algorithm: 'MD5' }, timeoutS: 15, extra: ['-d', '3000'] });
    const relay = await LossyRelay.open({ address: '127.0.0.1', port: sipp.port }, 0.2, 7);
    const T1 = 100;
    // Make sure loss bites: the first REGISTER and the first 401 are always dropped.
    let registers = 0;
    let challenges = 0;
    relay.dropRule = (p) => (p.first.startsWith('REGISTER') && ++registers === 1) || (p.first.startsWith('SIP/2.0 401') && ++challenges === 1);
    const h = await gateway('udp', { transport: { protocol: 'udp', timers: { T1, T2: 400, T4: 500 }, outboundProxy: { host: '127.0.0.1', port: relay.frontPort } } });
    try {
      const registered = once(h.endpoint, 'registration');
      await h.endpoint.addTrunk({ name: 'reg', host: '127.0.0.1', port: sipp.port, domain: 'sipp.test', register: { username: 'alice', password: 's3cret', expires: 60 } });
      assert.deepEqual((await registered).slice(0, 2), ['reg', true]);
      const r = await sipp.done;
      assert.equal(r.code, 0, r.output);
      const first = relay.times((p) => p.first.startsWith('REGISTER') && p.cseq.startsWith(relay.packets.find((x) => x.first.startsWith('REGISTER'))!.cseq));
      // The first REGISTER was dropped: it went again T1 later.
      assert.ok(first.length >= 2 && Math.abs(first[1]! - first[0]! - T1) <= 40 + 0.25 * T1, `REGISTER sent at ${first.join(', ')} ms`);
      assert.ok(relay.packets.some((p) => p.dropped));
    } finally {
      await h.endpoint.stop();
      relay.close();
    }
  });
});

describe('SDP offer/answer edge cases against SIPp', function () {
  this.timeout(20000);
  let h: Harness;
  afterEach(async () => h?.endpoint.stop());

  it('refuses an offer with no common codec with 488, before the call layer sees it', async () => {
    h = await gateway('udp', { inbound: { allowAddresses: ['127.0.0.1'] } });
    const r = await runSipp({ scenario: 'uac-no-common-codec.xml', transport: 'udp', remote: `127.0.0.1:${h.endpoint.port}` });
    assert.equal(r.code, 0, r.output);
    assert.equal(h.calls.length, 0);
  });

  it('answers an offerless INVITE with an offer in the 200 and takes the answer from the ACK', async () => {
    h = await gateway('udp', { inbound: { allowAddresses: ['127.0.0.1'] } });
    h.endpoint.on('incoming', (call) => call.answer());
    const r = await runSipp({ scenario: 'uac-offerless.xml', transport: 'udp', remote: `127.0.0.1:${h.endpoint.port}` });
    assert.equal(r.code, 0, r.output);
    assert.equal(h.media[0]?.negotiations[0]?.codec, 'PCMA');
  });

  it('sends early media as a 183 with the SDP answer, then answers', async () => {
    h = await gateway('udp', { inbound: { allowAddresses: ['127.0.0.1'] } });
    h.endpoint.on('incoming', (call) => {
      call.ringing(true);
      setTimeout(() => call.answer(), 100);
    });
    const r = await runSipp({ scenario: 'uac-early-media.xml', transport: 'udp', remote: `127.0.0.1:${h.endpoint.port}` });
    assert.equal(r.code, 0, r.output);
    assert.equal(h.media.length, 1);
    assert.equal(h.media[0]!.negotiations[0]!.codec, 'PCMU');
  });
});

describe('UPDATE (RFC 3311) against SIPp', function () {
  this.timeout(20000);
  let h: Harness;
  afterEach(async () => h?.endpoint.stop());

  it('answers an in-dialog UPDATE that puts us on hold with recvonly, and the media follows', async () => {
    h = await gateway('udp', { inbound: { allowAddresses: ['127.0.0.1'] } });
    h.endpoint.on('incoming', (call) => call.answer());
    const r = await runSipp({ scenario: 'uac-update-hold.xml', transport: 'udp', remote: `127.0.0.1:${h.endpoint.port}`, keys: codecs[1] });
    assert.equal(r.code, 0, r.output);
    assert.deepEqual(h.media[0]!.negotiations.map((n) => n.direction), ['sendrecv', 'recvonly']);
  });
});
