import assert from 'node:assert/strict';
import { createSocket } from 'node:dgram';
import { encodeRtp } from '../../src/media/rtp-packet.js';
import { eventually, quietFor } from '../support/waiting.js';
import { collect, description, nextFrame, openPair } from './session-pair.js';

describe('media session: RTCP reports and comfort noise', () => {
  it("takes the peer's report block about our stream into its stats (RFC 3550 §6.4)", async () => {
    const [a, b] = await openPair({ lineEncoding: 'PCMU' }, { lineEncoding: 'PCMU' });
    try {
      a.negotiate(description(b, 'PCMU'));
      b.negotiate(description(a, 'PCMU'));
      collect(a);
      collect(b);
      for (let n = 0; n < 10; n++) {
        b.write({ encoding: 'PCMU', samples: 160, data: new Uint8Array(160).fill(0x90) });
        await nextFrame();
      }
      // No report may come before a sends one (at close).
      await quietFor(50);
      assert.equal(b.stats().remote, undefined);
      a.close(); // SR (with a report block about b's stream) + SDES + BYE
      const remote = await eventually('a report block at b', () => b.stats().remote);
      assert.equal(remote.cumulativeLost, 0);
      assert.equal(remote.fractionLost, 0);
      assert.ok(remote.jitterMs >= 0 && remote.jitterMs < 50, `jitter ${remote.jitterMs} ms`);
    } finally {
      a.close();
      b.close();
    }
  });

  it('passes comfort noise (RFC 3389, PT 13) on undecoded, plays silence, and counts no loss', async () => {
    const [a, b] = await openPair({ lineEncoding: 'PCMU' }, { lineEncoding: 'PCMU' });
    const peer = createSocket('udp4');
    await new Promise<void>((r) => peer.bind(0, '127.0.0.1', r));
    try {
      a.negotiate(description(b, 'PCMU', { remoteRtpPort: peer.address().port }));
      const frames = collect(a);
      const noise: [number, number[]][] = [];
      const warnings: string[] = [];
      a.on('comfort-noise', (level, payload) => noise.push([level, [...payload]]));
      a.on('warning', (w) => warnings.push(w));
      const send = (seq: number, pt: number, payload: Uint8Array): void => {
        peer.send(encodeRtp({ marker: false, payloadType: pt, sequenceNumber: seq, timestamp: seq * 160, ssrc: 99, csrc: [], payload }), a.localRtpPort, '127.0.0.1');
      };
      for (let s = 0; s < 5; s++) {
        send(s, 0, new Uint8Array(160).fill(0x20));
        await nextFrame();
      }
      // RFC 3389 §3: noise level 50 (-50 dBov) and two reflection coefficients.
      send(5, 13, Uint8Array.of(50, 120, 130));
      await eventually('the comfort noise, then silence on the line', () => noise.length >= 1 && frames.length > 0 && frames.at(-1)!.data.every((x) => x === 0xff));
      assert.deepEqual(noise, [[50, [50, 120, 130]]]);
      assert.equal(a.stats().comfortNoise, 1);
      assert.equal(a.stats().lost, 0);
      assert.deepEqual(warnings, []);
      // After the loud frames, the line hears silence (0xFF), not repeated speech.
      const last = frames.at(-1)!;
      assert.ok(last.data.every((x) => x === 0xff), 'the line should hear silence after comfort noise');
    } finally {
      peer.close();
      a.close();
      b.close();
    }
  });
});
