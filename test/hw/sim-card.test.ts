// The DAHDI backend end to end over the emulated card's syscall table:
// every signalling event both ways, D-channel frames, alarms, audio and the
// bounded queues.
import assert from 'node:assert/strict';
import { addon } from '../../src/hw/addon.js';
import { Card } from '../../src/hw/card.js';
import { CardClosedError, CardError } from '../../src/hw/errors.js';
import { SimCard } from '../../src/hw/sim-card.js';
import { eventually } from '../support/waiting.js';
import { channelEvent, eventsFor, farEvent } from './sim-helpers.js';

// Span 1: T1 PRI (channels 1-24, D-channel 24); span 2: E1 CAS (25-55);
// span 3: analog, 2 FXO (56, 57) and 2 FXS (58, 59) ports.
const layout = [
  { type: 't1' as const },
  { type: 'e1' as const, pri: false },
  { type: 'analog' as const, ports: ['fxo' as const, 'fxo' as const, 'fxs' as const, 'fxs' as const] },
];

describe('emulated card through the DAHDI backend', () => {
  let sim: SimCard;
  let card: Card;

  beforeEach(() => {
    sim = new SimCard(layout);
    card = Card.open({
      kernel: sim,
      channels: [
        { number: 1, span: 1 },
        { number: 2, span: 1, txQueueFrames: 4 },
        { number: 24, span: 1, mode: 'hdlc' },
        { number: 25, span: 2 },
        { number: 26, span: 2, hardwareDtmf: true },
        { number: 56, span: 3 },
        { number: 58, span: 3 },
      ],
    });
  });

  afterEach(() => {
    card.close();
    sim.close();
  });

  describe('FXO port (central office on the far end)', () => {
    it('reports ring begin and ring end as the office rings', async () => {
      const fxo = card.channel(56);
      const begin = channelEvent(fxo, 'ringBegin');
      sim.ring(56, true);
      await begin;
      const end = channelEvent(fxo, 'ringOffhook');
      sim.ring(56, false);
      await end;
    });

    it('seizes and releases the loop, which the office sees', async () => {
      const fxo = card.channel(56);
      const seized = farEvent(sim, (e) => e.channel === 56 && e.kind === 'hook', 'hook');
      fxo.hook('offhook');
      assert.deepEqual(await seized, { channel: 56, kind: 'hook', offhook: true });
      assert.equal(sim.state(56).nearOffhook, true);
      const released = farEvent(sim, (e) => e.channel === 56 && e.kind === 'hook', 'hook');
      fxo.hook('onhook');
      assert.deepEqual(await released, { channel: 56, kind: 'hook', offhook: false });
    });

    it('reports polarity reversal and loss of loop current (disconnect supervision)', async () => {
      const fxo = card.channel(56);
      const pol = channelEvent(fxo, 'polarity');
      sim.reversePolarity(56, true);
      await pol;
      const drop = channelEvent(fxo, 'onhook');
      sim.setLoopCurrent(56, false);
      await drop;
      assert.equal(sim.state(56).battery, false);
    });

    it('flashes the hook: the office sees the flash, then hook complete after the flash time', async () => {
      const fxo = card.channel(56);
      fxo.hook('offhook');
      const flash = farEvent(sim, (e) => e.channel === 56 && e.kind === 'flash', 'flash');
      const t0 = Date.now();
      const done = channelEvent(fxo, 'hookComplete');
      fxo.hook('flash');
      await flash;
      await done;
      assert.ok(Date.now() - t0 >= 700, 'hook complete came before the 750 ms flash time');
    });

    it('refuses a channel number that is not a whole int32, rather than ringing the channel it wraps onto', () => {
      for (const bad of [2 ** 32 + 56, 56.5, Number.NaN]) {
        assert.throws(() => sim.ring(bad, true), (e: unknown) => e instanceof CardError && e.code === 'EINVAL' && /channel must be a whole number/.test(e.message), String(bad));
      }
      assert.equal(sim.state(56).ringing, false);
    });

    it('refuses to ring a central office with a typed error naming the channel', () => {
      assert.throws(() => card.channel(56).hook('ring'), (e: unknown) => e instanceof CardError && e.code === 'EINVAL' && /channel 56/.test(e.message));
    });
  });

  describe('FXS port (phone on the far end)', () => {
    it('rings the phone, which answers: ringer on, ring trip, ringOffhook, then on-hook', async () => {
      const fxs = card.channel(58);
      const ringing = farEvent(sim, (e) => e.channel === 58 && e.kind === 'ring', 'ring');
      const ringerOn = channelEvent(fxs, 'ringerOn');
      fxs.hook('ring');
      assert.deepEqual(await ringing, { channel: 58, kind: 'ring', on: true });
      await ringerOn;
      const tripped = farEvent(sim, (e) => e.channel === 58 && e.kind === 'ring', 'ring stop');
      const answered = channelEvent(fxs, 'ringOffhook');
      sim.offhook(58);
      await answered;
      assert.deepEqual(await tripped, { channel: 58, kind: 'ring', on: false });
      const flash = channelEvent(fxs, 'winkFlash');
      sim.hookFlash(58);
      await flash;
      const hungUp = channelEvent(fxs, 'onhook');
      sim.onhook(58);
      await hungUp;
    });

    it('stops ringing on request: the phone sees the ring end and the card reports ringer off', async () => {
      const fxs = card.channel(58);
      fxs.hook('ring');
      await channelEvent(fxs, 'ringerOn');
      const off = channelEvent(fxs, 'ringerOff');
      const stop = farEvent(sim, (e) => e.channel === 58 && e.kind === 'ring' && !e.on, 'ring stop');
      fxs.hook('ringoff');
      await off;
      await stop;
      assert.equal(sim.state(58).ringing, false);
    });

    it('reverses polarity towards the phone', async () => {
      const rev = farEvent(sim, (e) => e.channel === 58 && e.kind === 'polarity', 'polarity');
      card.channel(58).setPolarity(true);
      assert.deepEqual(await rev, { channel: 58, kind: 'polarity', reversed: true });
    });

    it('cannot ring a phone that is off hook', () => {
      sim.offhook(58);
      assert.throws(() => card.channel(58).hook('ring'), (e: unknown) => e instanceof CardError && e.code === 'EBUSY');
    });
  });

  describe('CAS channel (E1, E&M signalling)', () => {
    it('reports received bit changes with the bits', async () => {
      const ch = card.channel(25);
      const changed = channelEvent(ch, 'bitsChanged');
      sim.setBits(25, 0b1001);
      assert.equal((await changed).bits, 0b1001);
      assert.equal(ch.rxBits(), 0b1001);
    });

    it('sends bits and hook state to the far end', async () => {
      const ch = card.channel(25);
      const bits = farEvent(sim, (e) => e.channel === 25 && e.kind === 'bits', 'bits');
      ch.setTxBits(0b0101);
      assert.deepEqual(await bits, { channel: 25, kind: 'bits', bits: 0b0101 });
      const seize = farEvent(sim, (e) => e.channel === 25 && e.kind === 'hook', 'hook');
      ch.hook('offhook');
      assert.deepEqual(await seize, { channel: 25, kind: 'hook', offhook: true });
      assert.equal(sim.state(25).txBits, 0xf);
    });

    it('winks both ways: the far wink arrives as winkFlash, ours ends with hook complete', async () => {
      const ch = card.channel(25);
      const wf = channelEvent(ch, 'winkFlash');
      sim.wink(25);
      await wf;
      const seen = farEvent(sim, (e) => e.channel === 25 && e.kind === 'wink', 'wink');
      const done = channelEvent(ch, 'hookComplete');
      ch.hook('wink');
      await seen;
      await done;
      assert.equal(sim.state(25).txBits, 0, 'bits return on-hook after the wink');
    });

    it('turns the far E&M seizure into ringOffhook and its release into onhook', async () => {
      const ch = card.channel(25);
      const seize = channelEvent(ch, 'ringOffhook');
      sim.offhook(25);
      await seize;
      const release = channelEvent(ch, 'onhook');
      sim.onhook(25);
      await release;
    });

    it('reports hardware DTMF only on channels that asked for it', async () => {
      const ch = card.channel(26);
      const down = channelEvent(ch, 'dtmfDown');
      const up = channelEvent(ch, 'dtmfUp');
      assert.equal(sim.hardwareDtmf(26, '7'), true);
      assert.equal((await down).digit, '7');
      assert.equal((await up).digit, '7');
      assert.equal(sim.hardwareDtmf(25, '7'), false);
    });
  });

  describe('D-channel (HDLC)', () => {
    it('delivers whole frames from the switch, byte for byte', async () => {
      const d = card.channel(24);
      const frames: Buffer[] = [];
      d.on('frame', (f) => frames.push(f));
      const sent = [Buffer.from([0x02, 0x01, 0x7f]), Buffer.from([0x00, 0x01, 0x01, 0x01]), Buffer.alloc(260, 0xa5)];
      for (const f of sent) sim.sendFrame(24, f);
      await eventually('the three frames', () => frames.length >= sent.length);
      assert.deepEqual(frames, sent);
      assert.equal(d.counters().hdlcFramesIn, 3);
    });

    it('sends whole frames to the switch', async () => {
      const got = farEvent(sim, (e) => e.channel === 24 && e.kind === 'frame', 'frame');
      card.channel(24).writeFrame(Buffer.from([0x00, 0x01, 0x03, 0x08, 0x01, 0x05]));
      const e = await got;
      assert.ok(e.kind === 'frame');
      assert.deepEqual([...e.frame], [0x00, 0x01, 0x03, 0x08, 0x01, 0x05]);
    });

    it('reports bad FCS and aborted frames', async () => {
      const d = card.channel(24);
      const bad = channelEvent(d, 'hdlcBadFcs');
      sim.sendBadFrame(24, 'badFcs');
      await bad;
      const abort = channelEvent(d, 'hdlcAbort');
      sim.sendBadFrame(24, 'abort');
      await abort;
    });

    it('reports an overrun when frames arrive faster than the card buffers them, keeping the newest 32', async () => {
      const d = card.channel(24);
      const frames: Buffer[] = [];
      d.on('frame', (f) => frames.push(f));
      const overrun = channelEvent(d, 'hdlcOverrun');
      sim.sendFrames(24, Array.from({ length: 40 }, (_, i) => Buffer.from([0x02, 0x01, i])));
      await overrun;
      await eventually('32 frames', () => frames.length >= 32);
      assert.deepEqual(frames.map((f) => f[2]), Array.from({ length: 32 }, (_, i) => i + 8));
    });

    it('refuses an empty frame and audio on a D-channel', () => {
      assert.throws(() => card.channel(24).writeFrame(new Uint8Array(0)), (e: unknown) => e instanceof CardError && e.code === 'EINVAL');
      assert.throws(() => card.channel(24).writeAudio(new Int16Array(160)), (e: unknown) => e instanceof CardError && e.code === 'EINVAL');
    });
  });

  describe('alarms', () => {
    it('raises RED on the span, every channel hears it, and status shows it; clearing gives noAlarm', async () => {
      const span = card.span(1);
      const alarm = new Promise<string[]>((resolve) => span.once('alarm', resolve));
      const chAlarm = channelEvent(card.channel(1), 'alarm');
      const dAlarm = channelEvent(card.channel(24), 'alarm');
      sim.setAlarms(1, ['red']);
      assert.deepEqual(await alarm, ['red']);
      await chAlarm;
      await dAlarm;
      assert.deepEqual(span.status().alarmNames, ['red']);
      const cleared = new Promise<void>((resolve) => span.once('noAlarm', resolve));
      const chClear = channelEvent(card.channel(2), 'noAlarm');
      sim.setAlarms(1, []);
      await cleared;
      await chClear;
      assert.deepEqual(span.status().alarmNames, []);
    });

    it('reports YELLOW and BLUE by name, only on the span that has them', async () => {
      const other = eventsFor(card.channel(56), 200);
      const alarm = new Promise<string[]>((resolve) => card.span(2).once('alarm', resolve));
      sim.setAlarms(2, ['yellow', 'blue']);
      assert.deepEqual(await alarm, ['yellow', 'blue']);
      assert.deepEqual((await other).filter((e) => e.kind === 'alarm'), []);
    });

    it('reads line error counters from the span status', () => {
      sim.addLineErrors(2, { bpv: 3, crc4: 2, ebit: 1, fas: 4 });
      const s = card.span(2).status();
      assert.deepEqual([s.bpvCount, s.crc4Count, s.ebitCount, s.fasCount], [3, 2, 1, 4]);
      assert.equal(s.spanType, 'E1');
      assert.equal(s.totalChannels, 31);
    });
  });

  describe('audio and the bounded queues', () => {
    it('hands the far end\'s audio to the channel in 20 ms frames', async () => {
      const ramp = Int16Array.from({ length: 320 }, (_, i) => i * 10);
      const frames: Int16Array[] = [];
      const ch = card.channel(1);
      ch.on('audio', (f) => frames.push(Int16Array.from(f)));
      sim.sendAudio(1, ramp);
      const all = await eventually('the whole ramp at the channel', () => {
        const all = Int16Array.from(frames.flatMap((f) => [...f]));
        return all.indexOf(3190) >= 0 && all;
      });
      assert.ok(frames.every((f) => f.length === 160));
      const start = all.indexOf(10) - 1;
      assert.ok(start >= 0, 'the ramp never arrived');
      assert.deepEqual([...all.subarray(start, start + 320)], [...ramp]);
    });

    it('sends queued frames to the line in order', async () => {
      const ch = card.channel(2);
      sim.receiveAudio(2, 80000);
      const a = new Int16Array(160).fill(1000);
      const b = new Int16Array(160).fill(-1000);
      ch.writeAudio(Int16Array.from([...a, ...b]));
      const heard: number[] = [];
      const out = await eventually('both frames on the line', () => {
        heard.push(...sim.receiveAudio(2));
        return heard.includes(-1000) && heard.lastIndexOf(-1000) - heard.indexOf(1000) >= 319 && heard;
      });
      const at = out.indexOf(1000);
      assert.ok(at >= 0, 'queued audio never reached the line');
      assert.deepEqual(out.slice(at, at + 320), [...a, ...b]);
    });

    it('counts an overrun for each frame dropped from a full queue (the oldest go)', async () => {
      const ch = card.channel(2);
      const before = ch.counters();
      const frames = Array.from({ length: 10 }, (_, i) => new Int16Array(160).fill(100 * (i + 1)));
      ch.writeAudio(Int16Array.from(frames.flatMap((f) => [...f])));
      const after = ch.counters();
      assert.equal(after.overruns - before.overruns, 6, 'a queue of 4 keeps the last 4 of 10 frames');
      const out: number[] = [];
      await eventually('the last queued frame on the line', () => {
        out.push(...sim.receiveAudio(2, 80000));
        return out.includes(1000) && out.lastIndexOf(1000) - out.indexOf(1000) >= 159;
      });
      const levels = [...new Set(out)].filter((v) => v !== 0);
      assert.deepEqual(levels, [700, 800, 900, 1000]);
    });

    it('writes silence and counts an underrun on every tick with nothing queued', async () => {
      const ch = card.channel(1);
      const before = ch.counters();
      const after = await eventually('ten ticks', () => {
        const now = ch.counters();
        return now.framesRead - before.framesRead >= 10 && now;
      });
      const ticks = after.framesRead - before.framesRead;
      assert.ok(after.underruns - before.underruns >= ticks - 1);
      assert.ok(sim.receiveAudio(1).every((s) => s === 0));
    });

    it('refuses audio that is not whole frames', () => {
      assert.throws(() => card.channel(1).writeAudio(new Int16Array(100)), (e: unknown) => e instanceof CardError && /whole frames of 160/.test(e.message));
    });
  });

  describe('ticks', () => {
    it('delivers one batch per tick carrying a frame of every audio channel', async () => {
      const ticks: number[] = [];
      const t0 = performance.now();
      card.on('tick', (t) => ticks.push([...t.handles()].length));
      await eventually('15 ticks', () => ticks.length >= 15);
      // 50 a second, however long the wait really took on a loaded machine.
      const expected = (performance.now() - t0) / 20;
      assert.ok(Math.abs(ticks.length - expected) <= 3, `${ticks.length} ticks in ${(expected * 20).toFixed(0)} ms (50 a second expected)`);
      assert.ok(ticks.slice(1).every((n) => n === 6), `frames per tick: ${ticks.join(',')}`);
    });
  });
});

describe('emulated card: opening and closing', () => {
  it('runs 8 ms frames (block size 64)', async () => {
    const sim = new SimCard([{ type: 't1' }]);
    const card = Card.open({ kernel: sim, channels: [{ number: 1, span: 1, blockSize: 64 }] });
    const sizes: number[] = [];
    card.on('tick', (t) => sizes.push(t.frameOf(0)?.length ?? 0));
    await eventually('20 ticks', () => sizes.length >= 20);
    card.close();
    sim.close();
    assert.ok(sizes.length >= 20, `${sizes.length} ticks in 200 ms (125 a second expected)`);
    assert.ok(sizes.every((n) => n === 64));
  });

  it('refuses a block size that is not a multiple of 8 from 64 to 1600, naming the channel', () => {
    const sim = new SimCard([{ type: 't1' }]);
    assert.throws(() => Card.open({ kernel: sim, channels: [{ number: 3, span: 1, blockSize: 100 }] }), (e: unknown) => e instanceof CardError && e.code === 'EINVAL' && /channel 3/.test(e.message));
    sim.close();
  });

  it('refuses a channel number, block size or queue length that is not a whole int32, leaving the channel it would wrap onto closed', () => {
    const sim = new SimCard([{ type: 't1' }]);
    const bad = [
      { number: 2 ** 32 + 1, span: 1 },
      { number: 1.5, span: 1 },
      { number: 1, span: 1, blockSize: 160.5 },
      { number: 1, span: 1, txQueueFrames: 2 ** 32 + 4 },
    ];
    for (const c of bad) {
      assert.throws(() => Card.open({ kernel: sim, channels: [c] }), (e: unknown) => e instanceof CardError && e.code === 'EINVAL' && /must be a whole number/.test(e.message), JSON.stringify(c));
      assert.equal(sim.state(1).open, false);
    }
    sim.close();
  });

  it('refuses a channel the card does not have, and one already open', () => {
    const sim = new SimCard([{ type: 't1' }]);
    assert.throws(() => Card.open({ kernel: sim, channels: [{ number: 25, span: 1 }] }), (e: unknown) => e instanceof CardError && e.code === 'ENXIO');
    const a = Card.open({ kernel: sim, channels: [{ number: 1, span: 1 }] });
    assert.throws(() => Card.open({ kernel: sim, channels: [{ number: 1, span: 1 }] }), (e: unknown) => e instanceof CardError && e.code === 'EBUSY');
    a.close();
    const b = Card.open({ kernel: sim, channels: [{ number: 1, span: 1 }] });
    assert.equal(sim.state(1).open, true);
    b.close();
    assert.equal(sim.state(1).open, false);
    sim.close();
  });

  it('cascades close from card to spans to channels', () => {
    const sim = new SimCard([{ type: 't1' }, { type: 'analog', ports: ['fxs'] }]);
    const card = Card.open({ kernel: sim, channels: [{ number: 1, span: 1 }, { number: 24, span: 1, mode: 'hdlc' }, { number: 25, span: 2 }] });
    const closed: string[] = [];
    card.spans.forEach((s) => s.on('close', () => closed.push(`span ${s.number}`)));
    card.channels.forEach((c) => c.on('close', () => closed.push(`channel ${c.number}`)));
    card.close();
    assert.deepEqual(closed, ['channel 1', 'channel 24', 'span 1', 'channel 25', 'span 2']);
    assert.ok(card.channels.every((c) => c.closed) && card.spans.every((s) => s.closed));
    assert.throws(() => card.channel(25).hook('ring'), CardClosedError);
    assert.throws(() => card.stats(), CardClosedError);
    sim.close();
  });

  it('builds T1 spans of 24 channels (D-channel 24) and E1 spans of 31 time slots (D-channel 16)', () => {
    const sim = new SimCard([{ type: 't1' }, { type: 'e1' }, { type: 'e1', pri: false }]);
    assert.equal(sim.channelCount, 24 + 31 + 31);
    assert.equal(sim.state(24).kind, 'dchannel');
    assert.equal(sim.state(23).kind, 'bearer');
    assert.deepEqual([sim.state(24 + 16).kind, sim.state(24 + 16).span, sim.state(24 + 16).position], ['dchannel', 2, 16]);
    assert.equal(sim.state(24 + 31 + 16).kind, 'bearer', 'an E1 CAS span has no D-channel');
    sim.close();
  });

  it('tells an emulated card from any other object at the addon boundary', () => {
    assert.throws(() => new (addon().Card)({} as never, [], () => {}), /kernel must be 'dahdi' or a SimCard/);
  });

  it('refuses a span or channel spec that is not an object, naming its position, as bad input (EINVAL)', () => {
    assert.throws(() => new SimCard([{ type: 't1' }, null as never]), (e: unknown) => e instanceof CardError && e.code === 'EINVAL' && /span 2 must be an object/.test(e.message));
    const sim = new SimCard([{ type: 't1' }]);
    assert.throws(() => new (addon().Card)(sim.nativeCard(), [{ number: 1 }, 7] as never, () => {}), (e: unknown) => (e as { code?: string }).code === 'EINVAL' && /channel spec 2 must be an object/.test((e as Error).message));
    assert.equal(sim.state(1).open, false);
    sim.close();
  });

  it('on this machine without the DAHDI driver, opening a DAHDI card fails naming /dev/dahdi/channel', () => {
    assert.throws(() => Card.open({ kernel: 'dahdi', channels: [{ number: 1, span: 1 }] }), (e: unknown) => e instanceof CardError && /\/dev\/dahdi\/channel/.test(e.message));
  });
});
