import assert from 'node:assert/strict';
import { once } from 'node:events';
import type { PriCall } from '../../src/isdn/pri-call.js';
import type { SwitchVariant } from '../../src/isdn/q931.js';
import { startPair, fastTimers, type Pair } from './pri-peer-pair.js';

const VARIANTS: SwitchVariant[] = ['national', 'dms100', '5ess', 'euroisdn', 'qsig'];
/** Variants with the national maintenance messages SERVICE / SERVICE ACKNOWLEDGE. */
const MAINTENANCE = new Set<SwitchVariant>(['national', 'dms100', '5ess']);
/** Numbers of 7 digits are complete (the dial plan of these tests); shorter ones wait for overlap digits. */
const complete = (d: string): boolean => d.length >= 7;

/** What the harness reports when a call it holds is cleared by us: DISCONNECT, or RELEASE (COMPLETE). */
const CLEARED = ['disconnect', 'hangup'];

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

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
          timers: { T309: 10000, T303: 2000 },
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
        await sleep(50);
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
        await sleep(100);
        assert.equal(p.span.freeChannels(), total);
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
        await sleep(fastTimers.T200 * 3);
        const deadline = Date.now() + 5000;
        while (p.span.freeChannels() < total && Date.now() < deadline) await sleep(50);
        assert.equal(p.span.freeChannels(), total, `channels after restore: ${p.span.freeChannels()}`);
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
