import assert from 'node:assert/strict';
import { createSocket } from 'node:dgram';
import type { AudioFrame } from '../../src/media/frame.js';
import { MediaDescriptionError, type MediaSession } from '../../src/media/media-session.js';
import { blankRtpPacket, decodeRtp, encodeRtp, type RtpPacket } from '../../src/media/rtp-packet.js';
import { eventually, quietFor } from '../support/waiting.js';
import { collect, description, keys, nextFrame, openPair } from './session-pair.js';

function ulawFrame(n: number): AudioFrame {
  const data = new Uint8Array(160);
  for (let i = 0; i < 160; i++) data[i] = (n * 7 + i) & 0xff;
  return { encoding: 'PCMU', samples: 160, data };
}

/** The RTP packets a PCMU session sends, as a plain UDP socket receives them, once `count` have come after `write` fed it. */
async function sentPackets(write: (a: MediaSession) => void, count: number): Promise<{ packets: RtpPacket[]; ssrc: number }> {
  const [a, b] = await openPair({ lineEncoding: 'PCMU' }, { lineEncoding: 'PCMU' });
  const sink = createSocket('udp4');
  await new Promise<void>((r) => sink.bind(0, '127.0.0.1', r));
  const received: Buffer[] = [];
  sink.on('message', (m) => received.push(m));
  try {
    a.negotiate(description(b, 'PCMU', { remoteRtpPort: sink.address().port }));
    write(a);
    await eventually(`${count} RTP packets at the sink`, () => received.length >= count);
    const packets = received.map((m) => {
      const r = decodeRtp(m);
      assert.ok(r.ok);
      return r.value;
    });
    return { packets, ssrc: a.ssrc };
  } finally {
    sink.close();
    a.close();
    b.close();
  }
}

describe('media session over loopback', () => {
  it('carries 100 calls at once on the shared RTP engine, each its own frames byte for byte, none lost or crossed', async () => {
    const pairs = await Promise.all(Array.from({ length: 100 }, () => openPair({ lineEncoding: 'PCMU' }, { lineEncoding: 'PCMU', jitterBuffer: { minDelayMs: 100 } })));
    try {
      for (const [a, b] of pairs) {
        a.negotiate(description(b, 'PCMU'));
        b.negotiate(description(a, 'PCMU'));
      }
      const got = pairs.map(([, b]) => collect(b));
      const frame = (call: number, n: number): AudioFrame => {
        const data = new Uint8Array(160).fill(n + 1);
        data[0] = call;
        return { encoding: 'PCMU', samples: 160, data };
      };
      for (let n = 0; n < 10; n++) {
        pairs.forEach(([a], call) => a.write(frame(call, n)));
        await nextFrame();
      }
      // Frames of a call, in order; concealment (0xff silence or PLC) may sit between them.
      const ofCall = (call: number): AudioFrame[] => got[call]!.filter((f) => f.data[0] === call && f.data.subarray(1).every((x) => x === f.data[1]));
      // Played out behind the 100 ms jitter buffer.
      await eventually('every call\'s 10 frames played out', () => {
        const short = pairs.findIndex((_, call) => ofCall(call).length < 10);
        if (short >= 0) assert.fail(`call ${short} played ${JSON.stringify(ofCall(short).map((f) => f.data[1]))} so far`);
        return true;
      }, { timeoutMs: 10000 });
      pairs.forEach(([, b], call) => {
        const ours = ofCall(call);
        assert.deepEqual(ours.map((f) => f.data[1]), [1, 2, 3, 4, 5, 6, 7, 8, 9, 10], `call ${call}`);
        assert.equal(b.stats().packetsReceived, 10, `call ${call}`);
        assert.equal(b.stats().lost, 0, `call ${call}`);
      });
    } finally {
      for (const [a, b] of pairs) {
        a.close();
        b.close();
      }
    }
  });

  it('carries PCMU line frames to a PCMU line byte for byte (pass-through, no decoding)', async () => {
    // A deep buffer so that timer jitter on a busy machine causes no concealment to blend in.
    const [a, b] = await openPair({ lineEncoding: 'PCMU' }, { lineEncoding: 'PCMU', jitterBuffer: { minDelayMs: 100 } });
    try {
      a.negotiate(description(b, 'PCMU'));
      b.negotiate(description(a, 'PCMU'));
      const got = collect(b);
      const sent: AudioFrame[] = [];
      for (let n = 0; n < 10; n++) {
        const f = ulawFrame(n);
        sent.push(f);
        a.write(f);
        await nextFrame();
      }
      // Every sent frame arrives unchanged and in order; frames in between
      // (if the timer let the buffer run dry) are concealment, counted as such.
      const matched = (): number => {
        let i = 0;
        for (const f of got) if (i < sent.length && Buffer.from(f.data).equals(Buffer.from(sent[i]!.data))) i++;
        return i;
      };
      // Played out behind the 100 ms jitter buffer.
      await eventually('the 10 frames played out byte for byte', () => matched() >= 10);
      const i = matched();
      assert.equal(i, 10, `only ${i} of 10 frames arrived byte for byte`);
      const extra = got.filter((f) => f.data.some((x) => x !== 0xff)).length - 10;
      assert.ok(extra <= b.stats().concealed, `${extra} audible frames that were neither sent nor counted as concealed`);
      assert.equal(a.stats().packetsSent, 10);
      assert.equal(b.stats().packetsReceived, 10);
      assert.equal(b.stats().lost, 0);
    } finally {
      a.close();
      b.close();
    }
  });

  it('sends RFC 4733 digits that the far session reports once each, with their duration', async () => {
    const [a, b] = await openPair({ lineEncoding: 'PCMU' }, { lineEncoding: 'PCMU' });
    try {
      a.negotiate(description(b, 'PCMU'));
      b.negotiate(description(a, 'PCMU'));
      const digits: [string, number][] = [];
      b.on('digit', (d, ms) => digits.push([d, ms]));
      assert.equal(a.sendDigits('12#', 100), '');
      await eventually('three digits', () => digits.length >= 3);
      assert.deepEqual(digits.map((d) => d[0]), ['1', '2', '#']);
      for (const [, ms] of digits) assert.equal(ms, 100);
      assert.equal(b.stats().digitsReceived, 3);
    } finally {
      a.close();
      b.close();
    }
  });

  it('latches to the source of the first packet (symmetric RTP) instead of the SDP address', async () => {
    const [a, b] = await openPair({ lineEncoding: 'PCMU' }, { lineEncoding: 'PCMU' });
    const nat = createSocket('udp4');
    await new Promise<void>((r) => nat.bind(0, '127.0.0.1', r));
    try {
      // b believes a is at a dead port; a's first packet teaches it the real one.
      b.negotiate(description(a, 'PCMU', { remoteRtpPort: 9 }));
      a.negotiate(description(b, 'PCMU'));
      collect(a);
      a.write(ulawFrame(1));
      await eventually('a\'s first packet at b', () => b.stats().packetsReceived >= 1);
      b.write(ulawFrame(2));
      await eventually('b\'s packet at a', () => a.stats().packetsReceived >= 1);
      assert.equal(b.stats().sendingTo, `127.0.0.1:${a.localRtpPort}`);
      assert.equal(a.stats().packetsReceived, 1);
    } finally {
      nat.close();
      a.close();
      b.close();
    }
  });

  it("takes RTP only from the SDP's address, then only from the latched one: a third party can neither be heard nor take the call's audio", async () => {
    const [a, b] = await openPair({ lineEncoding: 'PCMU' }, { lineEncoding: 'PCMU' });
    const stranger = createSocket('udp4');
    await new Promise<void>((r) => stranger.bind(0, '127.0.0.5', r));
    const spray = (n: number): void => {
      for (let i = 0; i < n; i++) stranger.send(encodeRtp({ ...blankRtpPacket(), sequenceNumber: i, timestamp: i * 160, ssrc: 0xbad, payload: new Uint8Array(160) }), b.localRtpPort, '127.0.0.1');
    };
    try {
      b.negotiate(description(a, 'PCMU'));
      a.negotiate(description(b, 'PCMU'));
      collect(b);
      spray(20);
      // Time for the spray to arrive: what is asserted is that nothing was taken.
      await quietFor(100);
      assert.equal(b.stats().packetsReceived, 0, 'nothing taken before the peer spoke');
      assert.equal(b.stats().sendingTo, `127.0.0.1:${a.localRtpPort}`, 'not latched to the stranger');
      a.write(ulawFrame(1));
      await eventually('the peer\'s packet taken', () => b.stats().packetsReceived === 1);
      spray(20);
      // As above: proving that nothing more is taken.
      await quietFor(100);
      assert.equal(b.stats().packetsReceived, 1, "the stranger's packets after latching are dropped too");
      assert.equal(b.stats().packetsFromStrangers, 40);
    } finally {
      stranger.close();
      a.close();
      b.close();
    }
  });

  it('reports an RTP timeout with a cause naming the peer when media stops', async () => {
    const [a, b] = await openPair({ lineEncoding: 'PCMU', rtpTimeoutSeconds: 1 }, { lineEncoding: 'PCMU' });
    try {
      a.negotiate(description(b, 'PCMU'));
      const timeout = await new Promise<{ seconds: number; cause: string }>((resolve, reject) => {
        a.once('rtp-timeout', resolve);
        setTimeout(() => reject(new Error('no rtp-timeout within 3 s')), 3000);
      });
      assert.equal(timeout.seconds, 1);
      assert.match(timeout.cause, new RegExp(`no RTP or RTCP from 127\\.0\\.0\\.1:${b.localRtpPort} for 1 s`));
    } finally {
      a.close();
      b.close();
    }
  });

  it('sends no audio when the stream is recvonly or inactive (RFC 3264 §6.1)', async () => {
    const [a, b] = await openPair({ lineEncoding: 'PCMU' }, { lineEncoding: 'PCMU' });
    try {
      a.negotiate(description(b, 'PCMU', { direction: 'inactive' }));
      b.negotiate(description(a, 'PCMU'));
      a.write(ulawFrame(1));
      // Nothing may reach b.
      await quietFor(50);
      assert.equal(b.stats().packetsReceived, 0);
      a.negotiate(description(b, 'PCMU', { direction: 'sendrecv' }));
      a.write(ulawFrame(2));
      await eventually('the frame sent sendrecv', () => b.stats().packetsReceived >= 1);
      assert.equal(b.stats().packetsReceived, 1);
    } finally {
      a.close();
      b.close();
    }
  });

  it('puts random sequence/timestamp starts and the marker on the first packet (RFC 3550 §5.1)', async () => {
    const { packets: p, ssrc } = await sentPackets((a) => {
      for (let n = 0; n < 3; n++) a.write(ulawFrame(n));
    }, 3);
    assert.equal(p.length, 3);
    assert.deepEqual(p.map((x) => x.marker), [true, false, false]);
    assert.equal((p[1]!.sequenceNumber - p[0]!.sequenceNumber) & 0xffff, 1);
    assert.equal((p[2]!.timestamp - p[1]!.timestamp) >>> 0, 160);
    assert.equal(p[0]!.ssrc, ssrc);
  });

  it('sends a burst of line frames from one reused buffer in order, each as written, none dropped', async () => {
    // A card catching up after a stall hands over several frames at once, all in its one tick buffer.
    const { packets: p } = await sentPackets((a) => {
      const tick = new Uint8Array(160);
      for (let n = 0; n < 7; n++) {
        tick.fill(n + 1);
        a.write({ encoding: 'PCMU', samples: 160, data: tick });
      }
    }, 7);
    assert.deepEqual(p.map((x) => x.payload[0]), [1, 2, 3, 4, 5, 6, 7], 'each frame as it was when written');
    for (let i = 1; i < p.length; i++) {
      assert.equal((p[i]!.sequenceNumber - p[i - 1]!.sequenceNumber) & 0xffff, 1);
      assert.equal((p[i]!.timestamp - p[i - 1]!.timestamp) >>> 0, 160);
    }
  });

  it('carries audio and digits over SRTP with SDES keys, and drops packets with the wrong key', async () => {
    const [a, b] = await openPair({ lineEncoding: 'PCMU' }, { lineEncoding: 'PCMU' });
    const k = keys();
    try {
      a.negotiate(description(b, 'PCMU', { crypto: { local: k.a, remote: k.b } }));
      b.negotiate(description(a, 'PCMU', { crypto: { local: k.b, remote: k.a } }));
      const got = collect(b);
      const digits: string[] = [];
      b.on('digit', (d) => digits.push(d));
      for (let n = 0; n < 5; n++) {
        a.write(ulawFrame(n));
        await nextFrame();
      }
      a.sendDigits('5');
      await eventually('the five frames and the digit', () => b.stats().packetsReceived >= 5 && digits.length >= 1);
      assert.deepEqual(Buffer.from(got.find((f) => f.data.some((x) => x !== 0xff))!.data), Buffer.from(ulawFrame(0).data));
      assert.deepEqual(digits, ['5']);
      // a now keys with a wrong remote key: b must refuse what a sends.
      const warnings: string[] = [];
      b.on('warning', (w) => warnings.push(w));
      const before = b.stats().packetsReceived;
      const wrong = { ...k.a, masterKey: new Uint8Array(16).fill(9) };
      a.negotiate(description(b, 'PCMU', { crypto: { local: wrong, remote: k.b } }));
      a.write(ulawFrame(9));
      await eventually('b to refuse the packet', () => warnings.some((w) => /authenticate/i.test(w)));
      assert.equal(b.stats().packetsReceived, before);
    } finally {
      a.close();
      b.close();
    }
  });

  it('refuses a description whose send payload type is not an audio codec, naming it', async () => {
    const [a, b] = await openPair({ lineEncoding: 'PCMU' }, { lineEncoding: 'PCMU' });
    try {
      assert.throws(() => a.negotiate(description(b, 'PCMU', { sendPayloadType: 101 })), (e: unknown) => e instanceof MediaDescriptionError && /telephone-event/.test(e.message));
      assert.throws(() => a.negotiate(description(b, 'PCMU', { sendPayloadType: 96 })), /96 is not in the negotiated rtpmap/);
    } finally {
      a.close();
      b.close();
    }
  });
});
