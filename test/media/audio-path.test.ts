// A sox tone through encode -> RTP over loopback -> jitter buffer -> decode,
// measured at the far line; then the same with loss and reordering injected.
import assert from 'node:assert/strict';
import { createSocket, type Socket } from 'node:dgram';
import type { AudioFrame, FrameEncoding } from '../../src/media/frame.js';
import { g711Decode, g711Encode } from '../../src/hw/g711.js';
import { MediaClock } from '../../src/media/media-clock.js';
import type { MediaSession } from '../../src/media/media-session.js';
import { l16Samples } from '../../src/media/transcoder.js';
import { soxTone } from '../peers/signals.js';
import { peakFrequency, rms } from './audio-tools.js';
import { eventually } from '../support/waiting.js';
import { collect, description, openPair } from './session-pair.js';

type Codec = 'PCMU' | 'PCMA' | 'opus';

/** A relay that drops and swaps packets on their way from a to b. */
async function lossyRelay(to: () => number, dropEvery: number, swapEvery: number): Promise<{ socket: Socket; port: number; dropped: number; swapped: number }> {
  const socket = createSocket('udp4');
  await new Promise<void>((r) => socket.bind(0, '127.0.0.1', r));
  const state = { socket, port: socket.address().port, dropped: 0, swapped: 0 };
  let n = 0;
  let held: Buffer | undefined;
  socket.on('message', (m) => {
    n++;
    if (m.length > 12 && m[1]! & 0x7f && (m[1]! & 0x7f) >= 96 && (m[1]! & 0x7f) < 110 && m.length <= 16) {
      socket.send(m, to(), '127.0.0.1'); // leave RFC 4733 packets alone
      return;
    }
    if (n > 10 && n % dropEvery === 0) {
      state.dropped++;
      return;
    }
    if (n > 10 && n % swapEvery === 0 && !held) {
      held = m; // send after the next one: a reordered pair
      return;
    }
    socket.send(m, to(), '127.0.0.1');
    if (held) {
      socket.send(held, to(), '127.0.0.1');
      held = undefined;
      state.swapped++;
    }
  });
  return state;
}

async function playTone(
  codec: Codec,
  impair?: { dropEvery: number; swapEvery: number },
  lines: { tx: FrameEncoding; rx: FrameEncoding } = { tx: 'L16', rx: 'L16' },
): Promise<{ out: Int16Array; rx: MediaSession; relay?: { dropped: number; swapped: number } }> {
  const clock = new MediaClock(20);
  const [tx, rx] = await openPair({ lineEncoding: lines.tx, clock }, { lineEncoding: lines.rx, clock, jitterBuffer: { minDelayMs: 60 } });
  let relay: Awaited<ReturnType<typeof lossyRelay>> | undefined;
  try {
    if (impair) relay = await lossyRelay(() => rx.localRtpPort, impair.dropEvery, impair.swapEvery);
    tx.negotiate(description(rx, codec, relay ? { remoteRtpPort: relay.port } : {}));
    rx.negotiate(description(tx, codec));
    const frames: AudioFrame[] = collect(rx);
    const tone = soxTone(1000, 1.2);
    let f = 0;
    // The line side: one 20 ms frame per tick of the same clock, as the card would.
    const feed = (): void => {
      if ((f + 1) * 160 > tone.length) return;
      const pcm = tone.slice(f * 160, (f + 1) * 160);
      if (lines.tx === 'L16') tx.write({ encoding: 'L16', samples: 160, data: new Uint8Array(pcm.buffer) });
      else tx.write({ encoding: lines.tx, samples: 160, data: g711Encode(lines.tx, pcm, new Uint8Array(160)) });
      f++;
    };
    clock.add(feed);
    // The whole tone sent, and 400 ms more played out on the far side for the jitter buffer's delay.
    await eventually('the tone through and 400 ms after it', () => (f + 1) * 160 > tone.length && frames.length * 160 >= tone.length + 3200);
    clock.remove(feed);
    const out = new Int16Array(frames.length * 160);
    frames.forEach((fr, i) => out.set(fr.encoding === 'L16' ? l16Samples(fr.data) : g711Decode(fr.encoding, fr.data, new Int16Array(160)), i * 160));
    return { out, rx, ...(relay ? { relay: { dropped: relay.dropped, swapped: relay.swapped } } : {}) };
  } finally {
    relay?.socket.close();
    tx.close();
    rx.close();
  }
}

/** The part of the output where the tone plays: from the first loud frame, 0.8 s. */
function toneSection(out: Int16Array): Int16Array {
  let start = 0;
  while (start + 160 <= out.length && rms(out.subarray(start, start + 160)) < 1000) start += 160;
  // Opus's encoder needs a few frames to settle: skip 100 ms.
  return out.subarray(start + 800, start + 800 + 6400);
}

describe('audio through RTP over loopback @slow', function () {
  this.timeout(15000);

  it('the sox tone itself measures 1000 Hz (checks the measurement)', () => {
    const m = peakFrequency(soxTone(1000, 0.8));
    assert.equal(m.freq, 1000);
    assert.ok(m.share > 0.9, `share ${m.share}`);
  });

  for (const codec of ['PCMU', 'PCMA', 'opus'] as const) {
    it(`a 1 kHz tone comes out at 1 kHz through ${codec}`, async () => {
      const { out, rx } = await playTone(codec);
      const section = toneSection(out);
      assert.equal(section.length, 6400, 'less than 0.8 s of tone arrived');
      const m = peakFrequency(section);
      assert.ok(Math.abs(m.freq - 1000) <= 2, `${codec}: peak at ${m.freq} Hz`);
      assert.ok(m.share > 0.8, `${codec}: only ${(m.share * 100).toFixed(0)} % of the energy near 1 kHz`);
      assert.equal(rx.stats().lost, 0);
    });
  }

  it('a 1 kHz tone from a PCMU line through Opus RTP comes out at 1 kHz on a PCMA line', async () => {
    const { out } = await playTone('opus', undefined, { tx: 'PCMU', rx: 'PCMA' });
    const section = toneSection(out);
    assert.equal(section.length, 6400, 'less than 0.8 s of tone arrived');
    const m = peakFrequency(section);
    assert.ok(Math.abs(m.freq - 1000) <= 2, `peak at ${m.freq} Hz`);
    assert.ok(m.share > 0.8, `only ${(m.share * 100).toFixed(0)} % of the energy near 1 kHz`);
  });

  for (const codec of ['PCMU', 'opus'] as const) {
    it(`with loss and reordering injected, ${codec} counts them and concealment fills the gaps`, async () => {
      const { out, rx, relay } = await playTone(codec, { dropEvery: 9, swapEvery: 7 });
      const s = rx.stats();
      assert.ok(relay!.dropped >= 4 && relay!.swapped >= 4, JSON.stringify(relay));
      assert.equal(s.lost, relay!.dropped, `stats ${JSON.stringify(s)}`);
      assert.ok(s.reordered >= relay!.swapped, `reordered ${s.reordered} < swapped ${relay!.swapped}`);
      assert.ok(s.concealed >= relay!.dropped, `concealed ${s.concealed} < dropped ${relay!.dropped}`);
      const section = toneSection(out);
      // No silent hole: every frame of the tone section carries sound (PLC filled
      // the losses). The tone is ~11000 rms; G.711 PLC holds it within a few dB.
      // libopus's SILK decoder dips for a frame or two after its concealment
      // when the signal is a pure tone (measured down to ~500 rms), so the
      // Opus floor is lower; a hole of silence would be under 50.
      const floor = codec === 'opus' ? 250 : 2000;
      for (let i = 0; i + 160 <= section.length; i += 160) {
        assert.ok(rms(section.subarray(i, i + 160)) > floor, `${codec}: frame at ${i / 8} ms is nearly silent (rms ${rms(section.subarray(i, i + 160)).toFixed(0)})`);
      }
      const m = peakFrequency(section);
      assert.ok(Math.abs(m.freq - 1000) <= 2, `${codec}: peak at ${m.freq} Hz`);
      assert.ok(m.share > 0.6, `${codec}: only ${(m.share * 100).toFixed(0)} % of the energy near 1 kHz`);
    });
  }
});
