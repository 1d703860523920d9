// The voice modem backend over a real pseudo-terminal pair (socat) and the
// serialport binding, against the simulated AT+V modem.
import assert from 'node:assert/strict';
import { VoiceModem, type ModemLeg, type ModemLog } from '../../src/hw/voice-modem.js';
import { Cause } from '../../src/call/q850.js';
import type { AudioFrame } from '../../src/media/frame.js';
import { SimVoiceModem } from '../../src/sim/voice-modem-sim.js';
import { eventually } from '../support/waiting.js';

function memoryLog(): ModemLog & { lines: string[] } {
  const lines: string[] = [];
  const add = (f: object, m: string): void => void lines.push(`${m} ${JSON.stringify(f)}`);
  return { lines, info: add, warn: add, error: add };
}

function incoming(modem: VoiceModem, ms = 8000): Promise<ModemLeg> {
  return new Promise((resolve, reject) => {
    const t = setTimeout(() => reject(new Error(`no incoming call within ${ms} ms`)), ms);
    modem.once('incoming', (leg) => {
      clearTimeout(t);
      resolve(leg as ModemLeg);
    });
  });
}

function released(leg: ModemLeg): Promise<number> {
  return new Promise((resolve) => leg.once('released', resolve));
}

describe('voice modem backend over a pty @slow', () => {
  let sim: SimVoiceModem;
  let modem: VoiceModem | undefined;
  let log: ReturnType<typeof memoryLog>;

  beforeEach(async () => {
    sim = await SimVoiceModem.start({ ringIntervalMs: 700 });
    log = memoryLog();
  });

  afterEach(async () => {
    await modem?.close();
    modem = undefined;
    await sim.close();
  });

  const open = async (extra: Partial<Parameters<typeof VoiceModem.open>[0]> = {}): Promise<VoiceModem> => {
    modem = await VoiceModem.open({ name: 'modem1', path: sim.path, log, commandTimeoutMs: 1500, ringGapMs: 3000, ...extra });
    return modem;
  };

  it('initialises voice mode, checks compression and line selection, turns caller ID on, and picks G.711 µ-law', async () => {
    const m = await open();
    for (const c of ['AT+FCLASS=8', 'AT+VSM=?', 'AT+VSM=4,8000', 'AT+VLS=?', 'AT+VLS?', 'AT+VCID=1']) assert.ok(sim.commands.includes(c), `${c} in ${sim.commands.join(' ')}`);
    assert.equal(m.encoding, 'PCMU');
    assert.equal(m.freeChannels(), 1);
  });

  it('receives a call with caller ID, answers on the configured ring, carries audio both ways (DLE shielded), and clears on busy', async () => {
    const m = await open({ answerAfterRings: 2 });
    const got = incoming(m);
    sim.ring({ date: '1129', time: '0745', number: '5551234', name: 'ADA LOVELACE' });
    const leg = await got;
    assert.equal(leg.calling.digits, '5551234');
    assert.equal(leg.calling.name, 'ADA LOVELACE');
    let answered = false;
    leg.on('answered', () => (answered = true));
    const frames: AudioFrame[] = [];
    leg.audio.onFrame((f) => frames.push(f));
    leg.answer();
    await eventually('answered', () => answered, { timeoutMs: 4000 });
    assert.ok(sim.commands.filter((c) => c === 'AT+VLS=1').length === 1);
    assert.equal(sim.ringsSent, 2, 'off hook on the second ring, not before');
    // Bytes 0x10 (DLE) must arrive intact in both directions.
    const speech = Uint8Array.from({ length: 320 }, (_, i) => (i % 7 === 0 ? 0x10 : (i * 37) & 0xff));
    sim.play(speech);
    await eventually('the far end\'s speech reaches the leg', () => frames.some((f) => f.data.includes(0x10) && f.data[0] !== 0xff), { timeoutMs: 2000 });
    const all = Buffer.concat(frames.map((f) => Buffer.from(f.data)));
    assert.ok(all.includes(Buffer.from(speech.subarray(0, 160))), 'the first frame of speech, byte for byte');
    const out = Uint8Array.from({ length: 160 }, (_, i) => (i % 5 === 0 ? 0x10 : 0x55));
    leg.audio.write({ encoding: 'PCMU', samples: 160, data: out });
    await eventually('our audio reaches the far end', () => Buffer.from(sim.received).includes(Buffer.from(out)), { timeoutMs: 2000 });
    const cause = released(leg);
    const t0 = Date.now();
    sim.event('b');
    assert.equal(await cause, Cause.NORMAL_CLEARING);
    assert.ok(Date.now() - t0 < 1000);
    await eventually('the modem goes on hook', () => !sim.offhook, { timeoutMs: 3000 });
    assert.ok(log.lines.some((l) => l.includes('busy tone reported by the modem')));
  });

  it('places a call: dials the digits, passes far-end DTMF, releases on hang-up', async () => {
    const m = await open();
    const leg = m.originate({ digits: '' }, { digits: '0800555123' })!;
    const seen: string[] = [];
    for (const e of ['proceeding', 'progress', 'answered'] as const) leg.on(e, () => seen.push(e));
    const digits: string[] = [];
    leg.on('digit', (d) => digits.push(d));
    leg.setup();
    await eventually('answered', () => seen.includes('answered'), { timeoutMs: 4000 });
    assert.equal(sim.dialed, '0800555123');
    assert.deepEqual(seen, ['proceeding', 'progress', 'answered']);
    sim.event('4');
    sim.event('2');
    await eventually('far-end digits', () => digits.join('') === '42', { timeoutMs: 2000 });
    leg.release(Cause.NORMAL_CLEARING);
    await eventually('on hook', () => !sim.offhook, { timeoutMs: 3000 });
    assert.equal(m.freeChannels(), 1);
  });

  for (const [code, what] of [['d', 'dial tone after the call'], ['l', 'loop current interrupted']] as const) {
    it(`releases the call with cause 16 on DLE ${code} (${what})`, async () => {
      const m = await open();
      const leg = m.originate({ digits: '' }, { digits: '1' })!;
      let answered = false;
      leg.on('answered', () => (answered = true));
      leg.setup();
      await eventually('answered', () => answered, { timeoutMs: 4000 });
      const cause = released(leg);
      sim.event(code);
      assert.equal(await cause, Cause.NORMAL_CLEARING);
      assert.ok(log.lines.some((l) => l.includes(what)));
      await eventually('on hook', () => !sim.offhook, { timeoutMs: 3000 });
    });
  }

  it('runs a call in 16-bit linear when the modem offers no G.711', async () => {
    await sim.close();
    sim = await SimVoiceModem.start({ compression: 'linear' });
    const m = await open();
    assert.equal(m.encoding, 'L16');
    assert.ok(sim.commands.includes('AT+VSM=130,8000'));
    const leg = m.originate({ digits: '' }, { digits: '2' })!;
    const frames: AudioFrame[] = [];
    leg.audio.onFrame((f) => frames.push(f));
    let answered = false;
    leg.on('answered', () => (answered = true));
    leg.setup();
    await eventually('answered', () => answered, { timeoutMs: 4000 });
    const speech = Buffer.alloc(320);
    for (let i = 0; i < 160; i++) speech.writeInt16LE(i % 2 ? 0x1010 : -4000, i * 2);
    sim.play(speech);
    await eventually('linear speech arrives', () => frames.some((f) => f.encoding === 'L16' && f.data.length === 320 && Buffer.from(f.data).equals(speech)), { timeoutMs: 2000 });
    // A µ-law frame from the call side is turned into linear for this modem.
    leg.audio.write({ encoding: 'PCMU', samples: 160, data: new Uint8Array(160).fill(0x00) });
    await eventually('our audio arrives as linear', () => sim.received.length >= 320, { timeoutMs: 2000 });
    assert.equal(Buffer.from(sim.received.slice(0, 2)).readInt16LE(0), -32124, 'µ-law 0x00 is -32124 in linear');
    leg.release(Cause.NORMAL_CLEARING);
  });

  it('reports no dial tone with cause 34', async () => {
    await sim.close();
    sim = await SimVoiceModem.start({ noDialTone: true });
    const m = await open();
    const leg = m.originate({ digits: '' }, { digits: '123' })!;
    const cause = released(leg);
    leg.setup();
    assert.equal(await cause, Cause.NO_CIRCUIT_AVAILABLE);
    assert.ok(log.lines.some((l) => l.includes('NO DIALTONE')));
  });

  it('recovers from a garbled response: the call fails with cause 41, the modem is reset, the next call works', async () => {
    const m = await open();
    sim.garbleNext('AT+VLS=1');
    const first = incoming(m);
    sim.ring({ number: '5550001' }, 2);
    const leg = await first;
    const cause = released(leg);
    leg.answer();
    assert.equal(await cause, Cause.TEMPORARY_FAILURE);
    assert.ok(log.lines.some((l) => l.includes('garbled response') && l.includes('AT+VLS=1')), log.lines.join('\n'));
    await eventually('reset done', () => m.resets === 1 && m.freeChannels() === 1, { timeoutMs: 5000 });
    const leg2 = m.originate({ digits: '' }, { digits: '99' })!;
    let answered = false;
    leg2.on('answered', () => (answered = true));
    leg2.setup();
    await eventually('the next call is answered', () => answered, { timeoutMs: 4000 });
    assert.equal(sim.dialed, '99');
  });

  it('recovers from a garbled response during init', async () => {
    sim.garbleNext('AT+VCID=1');
    const m = await open();
    assert.equal(m.resets, 1);
    assert.equal(m.freeChannels(), 1);
    assert.ok(log.lines.some((l) => l.includes('garbled')));
  });

  it('releases a silent call that never clears after the inactivity limit, saying why', async () => {
    const m = await open({ inactivityMs: 800 });
    const leg = m.originate({ digits: '' }, { digits: '5' })!;
    const cause = released(leg);
    const t0 = Date.now();
    leg.setup();
    assert.equal(await cause, Cause.RECOVERY_ON_TIMER_EXPIRY);
    assert.ok(Date.now() - t0 >= 800);
    assert.ok(log.lines.some((l) => l.includes('inactivity limit') && l.includes('800 ms')));
    await eventually('on hook', () => !sim.offhook, { timeoutMs: 3000 });
  });
});
