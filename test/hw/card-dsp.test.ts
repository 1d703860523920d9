// The DSP in the card's I/O thread: every frame of a channel with a DSP runs
// through it on receive and on transmit, and its events arrive in the tick.
import assert from 'node:assert/strict';
import { Card } from '../../src/hw/card.js';
import type { DspEvent } from '../../src/hw/dsp.js';
import { CardError } from '../../src/hw/errors.js';
import { SimCard } from '../../src/hw/sim-card.js';
import { requireTool, soxDtmf, soxNoise, soxTones } from '../peers/signals.js';
import { eventually } from '../support/waiting.js';

function collect(card: Card, number: number): DspEvent[] {
  const seen: DspEvent[] = [];
  card.channel(number).on('dsp', (e) => seen.push(e));
  return seen;
}

/**
 * What channel `n` sent to the line (the far end keeps it until read), once
 * there is `ms` of it and what it sent has ended: sound, then 200 ms of silence.
 */
function lineAudio(sim: SimCard, n: number, ms: number, ended = true): Promise<Int16Array> {
  const got: number[] = [];
  return eventually(`${ms} ms of audio from channel ${n}${ended ? ', ending in silence' : ''}`, () => {
    got.push(...sim.receiveAudio(n, 80000));
    const sound = got.some((v) => Math.abs(v) > 100);
    const quietTail = got.length >= 1600 && got.slice(-1600).every((v) => Math.abs(v) <= 100);
    return got.length >= ms * 8 && (!ended || (sound && quietTail)) && Int16Array.from(got);
  }, { timeoutMs: ms + 5000 });
}

describe('card DSP: detection and generation on the I/O thread', () => {
  let sim: SimCard;
  let card: Card;
  before(() => requireTool('sox'));

  beforeEach(() => {
    // Span 1: analog, FXO on 1 (faces the office), FXS on 2 (faces a phone); span 2: E1 PRI.
    sim = new SimCard([{ type: 'analog', ports: ['fxo', 'fxs'] }, { type: 'e1' }]);
    card = Card.open({
      kernel: sim,
      channels: [
        { number: 1, span: 1, dsp: { dtmfRx: true, callerIdRx: 'bell202' } },
        { number: 2, span: 1, dsp: { callerIdTx: 'bell202', tones: [{ name: 'dial', freq1Hz: 350, freq2Hz: 440 }] } },
        { number: 3, span: 2, dsp: { echoCanceller: true, echoTailMs: 64 } },
        { number: 4, span: 2 },
      ],
    });
  });

  afterEach(() => {
    card.close();
    sim.close();
  });

  it('detects DTMF sent by the far end (sox-made tones) and reports each digit once', async () => {
    const events = collect(card, 1);
    sim.sendAudio(1, soxDtmf('4711#', { onMs: 80, offMs: 80, lowDbm0: -15 }));
    await eventually('five digits', () => events.filter((e) => e.kind === 'dtmf').length >= 5);
    assert.equal(events.flatMap((e) => (e.kind === 'dtmf' ? [e.digit] : [])).join(''), '4711#');
    assert.ok(events.some((e) => e.kind === 'dtmf-begin' && e.digit === '4'));
  });

  it('meters the received level in dBm0', async () => {
    sim.sendAudio(1, soxTones([{ hz: 1004, dbm0: -10 }], 1000), { loop: true });
    // The meter integrates over a few frames.
    await eventually('the rx level of a -10 dBm0 tone', () => {
      const { rxDbm0 } = card.channel(1).levels();
      assert.ok(Math.abs(rxDbm0 - -10) < 1, `rx level ${rxDbm0} dBm0`);
      return true;
    });
    sim.sendAudio(1, new Int16Array(0), { loop: true });
  });

  it('sends DTMF digits that a second DSP channel on the card detects', async () => {
    const events = collect(card, 1);
    card.channel(2).sendDigits('59*');
    // The far end patches what the FXS port sent (900 ms of it) into the FXO port.
    sim.sendAudio(1, await lineAudio(sim, 2, 900));
    await eventually('three digits', () => events.filter((e) => e.kind === 'dtmf').length >= 3);
    assert.equal(events.flatMap((e) => (e.kind === 'dtmf' ? [e.digit] : [])).join(''), '59*');
  });

  it('sends Bell 202 caller ID on an FXS port that the FXO port decodes', async () => {
    const events = collect(card, 1);
    card.channel(2).sendCallerId({ number: '5551234567', name: 'SIPLINE TEST', dateTime: '11290915' });
    sim.sendAudio(1, await lineAudio(sim, 2, 1200));
    await eventually('caller ID', () => events.some((e) => e.kind === 'caller-id'));
    const cid = events.find((e) => e.kind === 'caller-id');
    assert.ok(cid?.kind === 'caller-id');
    assert.equal(cid.callerId.number, '5551234567');
    assert.equal(cid.callerId.name, 'SIPLINE TEST');
  });

  it('plays a zone tone into the line, and refuses a tone the zone lacks', async () => {
    sim.receiveAudio(2, 80000);
    card.channel(2).playTone('dial');
    // The tone goes on until stopped: 300 ms of it.
    const out = await lineAudio(sim, 2, 300, false);
    card.channel(2).stopTone();
    assert.ok(out.some((s) => Math.abs(s) > 1000), 'no dial tone reached the line');
    assert.throws(() => card.channel(2).playTone('howler'), (e: unknown) => e instanceof CardError && /howler/.test(e.message));
  });

  it('cancels line echo using what it sent as the reference (ERLE above 10 dB)', async function () {
    this.timeout(10000);
    sim.setEcho(3, { lossDb: 12, delayMs: 8 });
    const speech = soxNoise(8000, -15);
    const ch = card.channel(3);
    const writer = setInterval(() => {
      try {
        ch.writeAudio(speech.subarray(0, 160 * 4));
      } catch {
        // closed at the end of the test
      }
    }, 80);
    try {
      // The canceller converges while speech goes out.
      await eventually('the canceller to converge', () => {
        const { erleDb, txDbm0, rxDbm0 } = ch.levels();
        assert.ok(txDbm0 > -20, `nothing was sent (tx ${txDbm0} dBm0)`);
        assert.ok(erleDb > 10, `ERLE only ${erleDb} dB`);
        // The echo comes back 12 dB down; what the channel hears after the canceller must be far below that.
        assert.ok(rxDbm0 < txDbm0 - 22, `heard ${rxDbm0} dBm0 while sending ${txDbm0} dBm0`);
        return true;
      }, { timeoutMs: 8000, intervalMs: 100 });
    } finally {
      clearInterval(writer);
    }
  });

  it('refuses DSP requests on a channel without a DSP, and bad digits, with typed errors', () => {
    assert.throws(() => card.channel(4).sendDigits('1'), (e: unknown) => e instanceof CardError && e.code === 'EINVAL' && /no DSP/.test(e.message));
    assert.throws(() => card.channel(2).sendDigits('12X'), (e: unknown) => e instanceof CardError && /'X'/.test(e.message));
    assert.throws(() => card.channel(1).sendCallerId({ number: '1' }), (e: unknown) => e instanceof CardError && /callerIdTx/.test(e.message));
  });

  it('refuses a bad DSP setting when the card opens, naming the channel and field', () => {
    const other = new SimCard([{ type: 't1' }]);
    assert.throws(
      () => Card.open({ kernel: other, channels: [{ number: 1, span: 1, dsp: { callerIdRx: 'morse' as never } }] }),
      (e: unknown) => e instanceof CardError && /channel 1 dsp\.callerIdRx/.test(e.message),
    );
    other.close();
  });
});
