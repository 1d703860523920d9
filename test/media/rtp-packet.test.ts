import assert from 'node:assert/strict';
import fc from 'fast-check';
import { decodeRtp, decodeRtpInto, encodeRtp, type RtpPacket } from '../../src/media/rtp-packet.js';

const packet = fc.record({
  marker: fc.boolean(),
  payloadType: fc.integer({ min: 0, max: 127 }),
  sequenceNumber: fc.integer({ min: 0, max: 0xffff }),
  timestamp: fc.integer({ min: 0, max: 0xffffffff }),
  ssrc: fc.integer({ min: 0, max: 0xffffffff }),
  csrc: fc.array(fc.integer({ min: 0, max: 0xffffffff }), { maxLength: 15 }),
  extension: fc.option(fc.record({ profile: fc.integer({ min: 0, max: 0xffff }), data: fc.integer({ min: 0, max: 8 }).chain((w) => fc.uint8Array({ minLength: 4 * w, maxLength: 4 * w })) }), { nil: undefined }),
  payload: fc.uint8Array({ maxLength: 400 }),
});

describe('RTP packets (RFC 3550 §5.1)', () => {
  it('reads a captured PCMU packet: version 2, marker, PT 0, seq, timestamp, SSRC', () => {
    const hex = '8080' + '1234' + '000000a0' + 'deadbeef' + 'ff'.repeat(160);
    const r = decodeRtp(Buffer.from(hex, 'hex'));
    assert.ok(r.ok);
    assert.equal(r.value.marker, true);
    assert.equal(r.value.payloadType, 0);
    assert.equal(r.value.sequenceNumber, 0x1234);
    assert.equal(r.value.timestamp, 160);
    assert.equal(r.value.ssrc, 0xdeadbeef);
    assert.equal(r.value.payload.length, 160);
  });

  it('strips padding counted by the last octet (§5.1 P bit)', () => {
    const r = decodeRtp(Buffer.from('a0000001000000000000000001020300000004', 'hex'));
    assert.ok(r.ok);
    assert.deepEqual([...r.value.payload], [1, 2, 3]);
  });

  it('refuses version 1, short headers and bad padding with the reason', () => {
    const v1 = decodeRtp(Buffer.from('400000010000000000000000', 'hex'));
    assert.ok(!v1.ok && /version 1/.test(v1.error));
    const short = decodeRtp(Buffer.from('8000', 'hex'));
    assert.ok(!short.ok && /shorter than the 12-octet header/.test(short.error));
    const pad = decodeRtp(Buffer.from('a000000100000000000000000010', 'hex'));
    assert.ok(!pad.ok && /padding/.test(pad.error));
  });

  it('round-trips any packet through encode and decode', () => {
    fc.assert(
      fc.property(packet, (p) => {
        const r = decodeRtp(encodeRtp(p));
        assert.ok(r.ok, r.ok ? '' : r.error);
        const { extension, ...rest } = r.value;
        const { extension: ext0, ...rest0 } = p;
        assert.deepEqual({ ...rest, payload: [...rest.payload] }, { ...rest0, payload: [...rest0.payload] });
        assert.deepEqual(extension ? { profile: extension.profile, data: [...extension.data] } : undefined, ext0 ? { profile: ext0.profile, data: [...ext0.data] } : undefined);
      }),
    );
  });

  it('decodes a datagram in place inside a shared buffer, into a reused packet, as decodeRtp decodes it alone', () => {
    const plain = (p: RtpPacket): unknown => ({ ...p, csrc: [...p.csrc], payload: [...p.payload], extension: p.extension ? { profile: p.extension.profile, data: [...p.extension.data] } : undefined });
    const reused: RtpPacket = { marker: false, payloadType: 0, sequenceNumber: 0, timestamp: 0, ssrc: 0, csrc: [], payload: new Uint8Array(0) };
    fc.assert(
      fc.property(fc.array(fc.tuple(packet, fc.uint8Array({ maxLength: 30 }), fc.uint8Array({ maxLength: 30 })), { minLength: 1, maxLength: 4 }), (datagrams) => {
        // Several datagrams back to back with other octets around them, as the engine's receive buffer holds them.
        for (const [p, before, after] of datagrams) {
          const alone = encodeRtp(p);
          const shared = Uint8Array.from([...before, ...alone, ...after]);
          const error = decodeRtpInto(shared, reused, before.length, before.length + alone.length);
          const r = decodeRtp(alone);
          assert.ok(r.ok && error === undefined, error);
          assert.deepEqual(plain(reused), plain(r.value));
        }
      }),
    );
    // A malformed datagram inside the buffer is refused with the reason decodeRtp gives for it alone.
    const shared = Uint8Array.from([0x80, 0, 1, 2, 3, 0x40, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]);
    assert.equal(decodeRtpInto(shared, reused, 5, 17), 'RTP version 1, expected 2');
    assert.equal(decodeRtpInto(shared, reused, 5, 12), 'RTP packet of 7 octets is shorter than the 12-octet header');
  });

  it('never throws on random bytes', () => {
    fc.assert(fc.property(fc.uint8Array({ maxLength: 300 }), (b) => void decodeRtp(b)));
    // and on random bytes behind a valid first octet, where the deeper checks run
    fc.assert(fc.property(fc.integer({ min: 0x80, max: 0xbf }), fc.uint8Array({ maxLength: 100 }), (b0, rest) => void decodeRtp(Uint8Array.from([b0, ...rest]))));
  });
});
