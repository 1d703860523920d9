import assert from 'node:assert/strict';
import fc from 'fast-check';
import { decodeRtcp, encodeRtcp, type RtcpPacket } from '../../src/media/rtcp-packet.js';

const u32 = fc.integer({ min: 0, max: 0xffffffff });
const block = fc.record({
  ssrc: u32,
  fractionLost: fc.integer({ min: 0, max: 255 }),
  cumulativeLost: fc.integer({ min: -0x800000, max: 0x7fffff }),
  extendedHighestSequence: u32,
  jitter: u32,
  lastSr: u32,
  delaySinceLastSr: u32,
});
const sr = fc.record({ type: fc.constant('sr' as const), ssrc: u32, ntpSeconds: u32, ntpFraction: u32, rtpTimestamp: u32, packetCount: u32, octetCount: u32, reports: fc.array(block, { maxLength: 4 }) });
const rr = fc.record({ type: fc.constant('rr' as const), ssrc: u32, reports: fc.array(block, { maxLength: 4 }) });
const text = fc.string({ maxLength: 40 });
const sdes = fc.record({ type: fc.constant('sdes' as const), chunks: fc.array(fc.record({ ssrc: u32, cname: text }), { minLength: 1, maxLength: 3 }) });
const bye = fc.record({ type: fc.constant('bye' as const), ssrcs: fc.array(u32, { maxLength: 3 }), reason: fc.option(text, { nil: undefined }) });

describe('RTCP compound packets (RFC 3550 §6)', () => {
  it('round-trips SR/RR + SDES + BYE compounds', () => {
    fc.assert(
      fc.property(fc.oneof(sr, rr), fc.array(fc.oneof(sdes, bye), { maxLength: 3 }), (first, rest) => {
        const packets = JSON.parse(JSON.stringify([first, ...rest])) as RtcpPacket[];
        const r = decodeRtcp(encodeRtcp(packets));
        assert.ok(r.ok, r.ok ? '' : r.error);
        assert.deepEqual(r.value, packets);
      }),
    );
  });

  it('reads a receiver report: loss fraction, signed cumulative loss, jitter (§6.4.2)', () => {
    const bytes = Buffer.from('81c90007' + '00000001' + '00000002' + '40fffffe' + '00010005' + '00000020' + '11223344' + '00010000', 'hex');
    const r = decodeRtcp(bytes);
    assert.ok(r.ok);
    const p = r.value[0]!;
    assert.equal(p.type, 'rr');
    if (p.type !== 'rr') return;
    assert.equal(p.reports[0]!.fractionLost, 0x40);
    assert.equal(p.reports[0]!.cumulativeLost, -2);
    assert.equal(p.reports[0]!.extendedHighestSequence, 0x10005);
    assert.equal(p.reports[0]!.jitter, 32);
  });

  it('refuses a compound whose lengths do not add up or whose version is not 2 (§A.2)', () => {
    const cut = encodeRtcp([{ type: 'rr', ssrc: 1, reports: [] }]).subarray(0, 6);
    const c = decodeRtcp(cut);
    assert.ok(!c.ok && /stray octets|runs past/.test(c.error), c.ok ? '' : c.error);
    const v1 = Uint8Array.from(encodeRtcp([{ type: 'rr', ssrc: 1, reports: [] }]));
    v1[0] = (v1[0]! & 0x3f) | 0x40;
    const r = decodeRtcp(v1);
    assert.ok(!r.ok && /version 1/.test(r.error));
  });

  it('accepts a reduced-size compound that does not start with SR or RR (RFC 5506 §3)', () => {
    const r = decodeRtcp(encodeRtcp([{ type: 'sdes', chunks: [{ ssrc: 1, cname: 'x' }] }]));
    assert.ok(r.ok);
    assert.deepEqual(r.value, [{ type: 'sdes', chunks: [{ ssrc: 1, cname: 'x' }] }]);
  });

  it('never throws on random bytes', () => {
    fc.assert(fc.property(fc.uint8Array({ maxLength: 200 }), (b) => void decodeRtcp(b)));
    fc.assert(
      fc.property(fc.constantFrom(0xc8, 0xc9, 0xca, 0xcb), fc.integer({ min: 0x80, max: 0xbf }), fc.uint8Array({ maxLength: 120 }), (pt, b0, rest) => {
        const b = Uint8Array.from([0x80, 0xc9, 0, 1, 0, 0, 0, 1, b0, pt, 0, rest.length >> 2, ...rest]);
        void decodeRtcp(b);
      }),
    );
  });
});
