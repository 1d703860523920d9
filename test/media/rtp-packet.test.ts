import assert from 'node:assert/strict';
import fc from 'fast-check';
import { decodeRtp, encodeRtp } from '../../src/media/rtp-packet.js';

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

  it('never throws on random bytes', () => {
    fc.assert(fc.property(fc.uint8Array({ maxLength: 300 }), (b) => void decodeRtp(b)));
    // and on random bytes behind a valid first octet, where the deeper checks run
    fc.assert(fc.property(fc.integer({ min: 0x80, max: 0xbf }), fc.uint8Array({ maxLength: 100 }), (b0, rest) => void decodeRtp(Uint8Array.from([b0, ...rest]))));
  });
});
