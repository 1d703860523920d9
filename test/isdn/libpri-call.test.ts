import assert from 'node:assert/strict';
import { once } from 'node:events';
import type { PriCall } from '../../src/isdn/pri-call.js';
import type { SwitchVariant } from '../../src/isdn/q931.js';
import { startPair, type Pair } from './pri-peer-pair.js';
import type { PeerEvent } from '../peers/libpri.js';
import { eventually } from '../support/waiting.js';

const VARIANTS: SwitchVariant[] = ['national', 'dms100', '5ess', '4ess', 'euroisdn', 'qsig'];
/** Variants with the national maintenance messages SERVICE / SERVICE ACKNOWLEDGE. */
const MAINTENANCE = new Set<SwitchVariant>(['national', 'dms100', '5ess', '4ess']);
/** Numbers of 7 digits are complete (the dial plan of these tests); shorter ones wait for overlap digits. */
const complete = (d: string): boolean => d.length >= 7;

/** What the harness reports when a call it holds is cleared by us: DISCONNECT, or RELEASE (COMPLETE). */
const CLEARED = ['disconnect', 'hangup'];


function released(call: PriCall): Promise<number> {
  return new Promise((resolve) => call.once('released', resolve));
}

/** We place a call; libpri takes it through CALL PROCEEDING, ALERTING and CONNECT. */
async function connectOutgoing(p: Pair, called: string): Promise<{ call: PriCall; id: string }> {
  const call = p.span.originate({ digits: '2000' }, { digits: called });
  assert.ok(call, `no free channel for ${called}: ${p.span.freeChannels()} free`);
  const answered = once(call, 'answered');
  const alerting = once(call, 'alerting');
  call.setup();
  const ring = await p.peer.waitFor('ring', { called });
  const id = ring.fields.id!;
  p.peer.command(`proceed ${id}`);
  p.peer.command(`alert ${id}`);
  p.peer.command(`answer ${id}`);
  await alerting;
  await answered;
  return { call, id };
}

/** libpri places a call; we alert and answer it. */
async function connectIncoming(p: Pair, id: string, called: string): Promise<PriCall> {
  p.peer.command(`call ${id} any ${called} 3000`);
  const call = await p.incomingTo(called);
  assert.equal(call.calling.digits, '3000');
  call.alert();
  await p.peer.waitFor('ringing', { id });
  call.answer();
  await p.peer.waitFor('answer', { id });
  return call;
}

for (const variant of VARIANTS) {
  for (const side of ['user', 'network'] as const) {
    describe(`PRI against libpri: ${variant}, we are the ${side} side`, function () {
      this.timeout(20000);
      let p: Pair;
      let n = 0;
      const number = (): string => `55${String(10000 + ++n).slice(-5)}`;

      before(async () => {
        p = await startPair(variant, side, {
          peerOverlap: true,
          peerService: MAINTENANCE.has(variant),
          overlapSending: true,
          overlapReceiving: true,
          numberComplete: complete,
          timers: { T309: 10000, T303: 2000, T316: 2000 },
        });
      });
      after(async () => {
        await p?.close();
      });
      afterEach(function () {
        if (this.currentTest?.state === 'failed') {
          console.log(`libpri said:\n${p.peer.output}\nwe said:\n${p.trace.slice(-80).join('\n')}`);
        }
      });

      it('brings the link up and has its RESTART at link-up acknowledged (Q.931 clause 5.5)', () => {
        assert.ok(p.span.isUp);
        assert.ok(p.trace.some((l) => l.includes('<- RESTART_ACKNOWLEDGE')));
        assert.equal(p.span.freeChannels(), variant === 'euroisdn' ? 30 : 23);
      });

      // libpri restarts single channels only (its pri_restart() sends nothing); our interface RESTART is the link-up one above.
      it('answers libpri\'s RESTART of a channel with RESTART ACKNOWLEDGE and offers the channel again (Q.931 clause 5.5.2)', async () => {
        const one = p.span.channelNumbers[4]!;
        const restarted = once(p.span.signalling, 'restarted');
        p.peer.command(`reset ${one}`);
        const ack = await p.peer.waitFor('restart-ack');
        assert.equal(ack.fields.channel, String(one));
        assert.deepEqual((await restarted)[0], [one]);
        assert.equal(p.span.freeChannels(), p.span.channelNumbers.length);
      });

      it('a call we place reaches connected and our release arrives with our cause', async () => {
        const { call, id } = await connectOutgoing(p, number());
        assert.equal(call.state, 10);
        call.release(16);
        const d = await p.peer.waitFor('disconnect', { id });
        assert.equal(d.fields.cause, '16');
        await p.peer.waitFor('released', { id });
      });

      it('a call we place is released by libpri with the cause it sends', async () => {
        const { call, id } = await connectOutgoing(p, number());
        const cause = released(call);
        p.peer.command(`hangup ${id} 31`);
        assert.equal(await cause, 31);
      });

      it('a call libpri places reaches connected and is released from libpri with its cause', async () => {
        const called = number();
        const call = await connectIncoming(p, 'a1', called);
        const cause = released(call);
        p.peer.command('hangup a1 16');
        assert.equal(await cause, 16);
        await p.peer.waitFor('hangup', { id: 'a1' });
      });

      it('a call libpri places is released from our end with our cause', async () => {
        const call = await connectIncoming(p, 'a2', number());
        call.release(31);
        const d = await p.peer.waitFor('disconnect', { id: 'a2' });
        assert.equal(d.fields.cause, '31');
        await p.peer.waitFor('released', { id: 'a2' });
      });

      it('PROGRESS with in-band information reaches call/ as progress with audio (Q.931 clause 5.1.6)', async () => {
        const called = number();
        const call = p.span.originate({ digits: '2000' }, { digits: called })!;
        call.setup();
        const ring = await p.peer.waitFor('ring', { called });
        const progress = once(call, 'progress');
        p.peer.command(`proceed ${ring.fields.id}`);
        p.peer.command(`progress ${ring.fields.id}`);
        assert.deepEqual(await progress, [true]);
        const cause = released(call);
        p.peer.command(`hangup ${ring.fields.id} 16`);
        assert.equal(await cause, 16);
      });

      if (MAINTENANCE.has(variant)) {
        it('a B-channel the far end takes out of service (SERVICE) is never offered, and comes back (ANSI T1.607)', async () => {
          const total = p.span.channelNumbers.length;
          const ch = p.span.channelNumbers[4]!;
          p.peer.command(`service ${ch} 2`);
          await p.peer.waitFor('service-ack', { channel: String(ch) });
          assert.equal(p.span.channelState(ch)?.service, 2);
          assert.equal(p.span.freeChannels(), total - 1);
          assert.equal(p.span.originate({ digits: '2000' }, { digits: number() }, ch), null);
          p.peer.command(`service ${ch} 0`);
          await p.peer.waitFor('service-ack', { channel: String(ch) });
          assert.equal(p.span.freeChannels(), total);
        });

        it('our SERVICE puts a channel in maintenance at the far end, and SERVICE ACKNOWLEDGE comes back', async () => {
          const ch = p.span.channelNumbers[6]!;
          const acked = once(p.span.signalling, 'service');
          p.span.setChannelService(ch, 1);
          const seen = await p.peer.waitFor('service', { channel: String(ch) });
          assert.equal(seen.fields.status, '1');
          assert.deepEqual(await acked, [ch, 1, 'us']);
          assert.equal(p.span.originate({ digits: '2000' }, { digits: number() }, ch), null);
          p.span.setChannelService(ch, 0);
          await p.peer.waitFor('service', { channel: String(ch), status: '0' });
        });
      }

      it('glare: both ends seize one B-channel at once; the network\'s call keeps it, the user\'s is moved or refused (Q.931 clause 5.7)', async () => {
        const ch = p.span.channelNumbers[9]!;
        const calledOurs = number();
        const calledTheirs = number();
        // Hold our frames until libpri's SETUP has reached us, so that the two SETUPs cross.
        const held: Uint8Array[] = [];
        const send = p.peer.pipe.send.bind(p.peer.pipe);
        p.peer.pipe.send = (f) => void held.push(f);
        const ours = p.span.originate({ digits: '2000' }, { digits: calledOurs }, ch)!;
        let cause = 0;
        ours.once('released', (c) => (cause = c));
        ours.setup();
        const theirsArrived = new Promise<PriCall>((resolve) => p.span.once('incoming', (leg) => resolve(leg as PriCall)));
        p.peer.command(`call g1 ${ch} ${calledTheirs} 3000 exclusive`);
        await eventually('libpri\'s SETUP at our side', () => p.trace.some((l) => l.includes('<- SETUP') && l.includes(`called=${calledTheirs}`)), { timeoutMs: 3000, intervalMs: 5 });
        p.peer.pipe.send = send;
        for (const f of held) send(f);
        if (side === 'user') {
          // libpri is the network: its call keeps the channel; ours is refused (44) or moved.
          const theirs = await theirsArrived;
          assert.equal(theirs.channel, ch);
          theirs.answer();
          await p.peer.waitFor('answer', { id: 'g1' });
          const ringOf = (): PeerEvent | undefined => p.peer.events.find((e) => e.name === 'ring' && e.fields.called === calledOurs);
          await eventually('our call released or moved', () => cause !== undefined || ringOf() !== undefined);
          const ring = ringOf();
          const outcome = cause ? `released ${cause}` : ring ? `moved ${ring.fields.channel}` : 'nothing';
          if (ring) p.peer.command(`hangup ${ring.fields.id} 16`);
          // libpri answers a SETUP it refuses with CALL PROCEEDING first, naming the channel it
          // has given away: we clear with 6 (channel unacceptable, clause 5.1.2) as it clears with 44.
          assert.ok(
            outcome === 'released 44' || outcome === 'released 6' || (outcome.startsWith('moved') && outcome !== `moved ${ch}`),
            outcome,
          );
          if (!ours.isReleased) ours.release(16);
          theirs.release(16);
        } else {
          // We are the network: ours keeps the channel at libpri; libpri's is refused (44) or moved.
          const ring = await p.peer.waitFor('ring', { called: calledOurs });
          assert.equal(ring.fields.channel, String(ch));
          p.peer.command(`answer ${ring.fields.id}`);
          await once(ours, 'answered');
          let moved: PriCall | undefined;
          void theirsArrived.then((leg) => (moved = leg));
          const refusedOf = (): PeerEvent | undefined => p.peer.events.find((e) => e.name === 'hangup' && e.fields.id === 'g1');
          await eventually('libpri\'s call refused or moved', () => moved !== undefined || refusedOf() !== undefined);
          const refused = refusedOf();
          const outcome = refused ? `refused ${refused.fields.cause}` : moved ? `moved ${moved.channel}` : 'nothing';
          assert.ok(outcome === 'refused 44' || (outcome.startsWith('moved') && outcome !== `moved ${ch}`), outcome);
          ours.release(16);
          for (const leg of p.span.activeCalls) if (!leg.isReleased) leg.release(16);
        }
        await eventually('every channel free', () => p.span.freeChannels() === p.span.channelNumbers.length);
      });

      for (const cause of [17, 34]) {
        it(`a call we refuse with cause ${cause} reaches libpri as ${cause}`, async () => {
          const called = number();
          p.span.once('incoming', (leg) => leg.release(cause));
          p.peer.command(`call r${cause} any ${called} 3000`);
          const h = await p.peer.waitFor('hangup', { id: `r${cause}` });
          assert.equal(h.fields.cause, String(cause));
        });

        it(`a call libpri refuses with cause ${cause} reaches us as ${cause}`, async () => {
          const called = number();
          const call = p.span.originate({ digits: '2000' }, { digits: called })!;
          const got = released(call);
          call.setup();
          const ring = await p.peer.waitFor('ring', { called });
          p.peer.command(`hangup ${ring.fields.id} ${cause}`);
          assert.equal(await got, cause);
        });
      }

      it('overlap sending: our digits after SETUP ACKNOWLEDGE complete the number at libpri (Q.931 clause 5.1.3)', async () => {
        const call = p.span.originate({ digits: '2000' }, { digits: '555' })!;
        const proceeding = once(call, 'proceeding');
        call.setup();
        const ring = await p.peer.waitFor('ring', { called: '555' });
        const id = ring.fields.id!;
        p.peer.command(`more ${id}`);
        await eventually('SETUP ACKNOWLEDGE at our side', () => p.trace.some((l) => l.includes('<- SETUP_ACKNOWLEDGE')));
        call.sendDigits('0199');
        const info = await p.peer.waitFor('info', { id });
        assert.equal(info.fields.digits, '0199');
        p.peer.command(`proceed ${id}`);
        await proceeding;
        const cause = released(call);
        p.peer.command(`hangup ${id} 16`);
        assert.equal(await cause, 16);
      });

      it('overlap receiving: libpri digits after our SETUP ACKNOWLEDGE make one incoming call (Q.931 clause 5.2.4)', async () => {
        p.peer.command('call o1 any 555 3000 overlap');
        await p.peer.waitFor('setup-ack', { id: 'o1' });
        p.peer.command('digits o1 0177');
        const call = await p.incomingTo('5550177');
        await p.peer.waitFor('proceeding', { id: 'o1' });
        call.release(16);
        await p.peer.waitFor(CLEARED, { id: 'o1' });
      });

      it('calls from libpri fill every B-channel; the next one is refused with cause 34', async function () {
        const total = p.span.channelNumbers.length;
        const ids = Array.from({ length: total }, (_, i) => `f${i}`);
        const calls = await Promise.all(
          ids.map(async (id, i) => {
            const called = `77${String(10000 + i).slice(-5)}`;
            p.peer.command(`call ${id} any ${called} 3000`);
            const call = await p.incomingTo(called, 10000);
            call.answer();
            await p.peer.waitFor('answer', { id }, 10000);
            return call;
          }),
        );
        assert.equal(new Set(calls.map((c) => c.channel)).size, total, 'every call has its own B-channel');
        assert.equal(p.span.freeChannels(), 0);
        p.peer.command('call over any 7799999 3000');
        const h = await p.peer.waitFor('hangup', { id: 'over' });
        assert.equal(h.fields.cause, '34');
        assert.equal(p.span.originate({ digits: '2000' }, { digits: '5559999' }), null, 'and we offer no channel either');
        await Promise.all(calls.map((c) => { const r = released(c); c.release(16); return r; }));
        await Promise.all(ids.map((id) => p.peer.waitFor(CLEARED, { id })));
        await eventually('every channel free', () => p.span.freeChannels() === total);
      });

      it('dropping and restoring the D-channel brings the link back without stuck channels', async () => {
        const total = p.span.channelNumbers.length;
        const { call: ours } = await connectOutgoing(p, number());
        const down = once(p.span.signalling, 'down');
        p.peer.pipe.connected = false;
        await down;
        await p.peer.waitFor('down', {}, 8000);
        const up = once(p.span.signalling, 'up');
        p.peer.pipe.connected = true;
        await up;
        await p.peer.waitFor('up', {}, 8000);
        // The active call survived T309 on our side; clear it, then every channel must be usable.
        if (!ours.isReleased) ours.release(16);
        await eventually('every channel usable after the restore', () => {
          assert.equal(p.span.freeChannels(), total);
          return true;
        });
        const again = await connectOutgoing(p, number());
        const back = await connectIncoming(p, 'd1', number());
        assert.notEqual(again.call.channel, back.channel);
        again.call.release(16);
        back.release(16);
        await p.peer.waitFor(CLEARED, { id: 'd1' });
      });
    });
  }
}

describe('PRI against libpri: RESTART of each idle channel at link-up', function () {
  this.timeout(20000);
  for (const side of ['user', 'network'] as const) {
    it(`every B-channel is restarted and acknowledged one by one (we are the ${side} side, Q.931 clause 5.5.1)`, async () => {
      const p = await startPair('national', side, { restartAtLinkUp: 'channels' });
      try {
        const total = p.span.channelNumbers.length;
        await eventually('a RESTART ACKNOWLEDGE for each channel', () => p.trace.filter((l) => l.includes('<- RESTART_ACKNOWLEDGE')).length >= total);
        const acks = p.trace.filter((l) => l.includes('<- RESTART_ACKNOWLEDGE')).length;
        assert.equal(acks, total);
        assert.equal(p.peer.count('restart'), total, 'libpri restarted each channel');
        assert.equal(p.span.freeChannels(), total);
      } finally {
        await p.close();
      }
    });
  }
});
