import assert from 'node:assert/strict';
import fc from 'fast-check';
import { addressBytes, addressPair, ipDatagram, largestPayload } from '../../src/ops/ip-datagram.js';

/** The ones' complement sum of a region that includes its checksum: 0xffff when the checksum is right (RFC 1071 §1). */
function onesSum(...parts: Uint8Array[]): number {
  const all = Buffer.concat(parts);
  let sum = 0;
  for (let i = 0; i < all.length; i += 2) sum += (all[i]! << 8) | (all[i + 1] ?? 0);
  while (sum > 0xffff) sum = (sum & 0xffff) + (sum >>> 16);
  return sum;
}

/** A decoder written from RFC 791 / RFC 8200 / RFC 768 / RFC 9293 independently of the encoder. */
function decode(b: Buffer) {
  const version = b[0]! >> 4;
  const headerLength = version === 4 ? (b[0]! & 0x0f) * 4 : 40;
  const protocol = version === 4 ? b[9]! : b[6]!;
  const src = version === 4 ? b.subarray(12, 16) : b.subarray(8, 24);
  const dst = version === 4 ? b.subarray(16, 20) : b.subarray(24, 40);
  const totalLength = version === 4 ? b.readUInt16BE(2) : 40 + b.readUInt16BE(4);
  const l4 = b.subarray(headerLength);
  const l4HeaderLength = protocol === 17 ? 8 : (l4[12]! >> 4) * 4;
  const pseudo = Buffer.alloc(version === 4 ? 12 : 40);
  pseudo.set(src, 0);
  pseudo.set(dst, src.length);
  if (version === 4) {
    pseudo[9] = protocol;
    pseudo.writeUInt16BE(l4.length, 10);
  } else {
    pseudo.writeUInt32BE(l4.length, 32);
    pseudo[39] = protocol;
  }
  return {
    version,
    protocol,
    src: Uint8Array.from(src),
    dst: Uint8Array.from(dst),
    totalLength,
    ipChecksumOk: version === 6 || onesSum(b.subarray(0, 20)) === 0xffff,
    l4ChecksumOk: onesSum(pseudo, l4) === 0xffff,
    udpLength: protocol === 17 ? l4.readUInt16BE(4) : undefined,
    srcPort: l4.readUInt16BE(0),
    dstPort: l4.readUInt16BE(2),
    seq: protocol === 6 ? l4.readUInt32BE(4) : undefined,
    ack: protocol === 6 ? l4.readUInt32BE(8) : undefined,
    payload: Uint8Array.from(l4.subarray(l4HeaderLength)),
  };
}

/** The IPv6 address with every group written out, 8 groups of 4 hex digits. */
function expanded(bytes: Uint8Array): string {
  return Array.from({ length: 8 }, (_, i) => ((bytes[2 * i]! << 8) | bytes[2 * i + 1]!).toString(16).padStart(4, '0')).join(':');
}

describe('IP datagrams of the traces', () => {
  it('reads an IPv6 address in any RFC 4291 §2.2 form: compressed, expanded, with a dotted IPv4 tail (property)', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 16, maxLength: 16 }), fc.nat(7), fc.nat(8), (raw, at, zeros) => {
        // Runs of zero groups so that "::" appears in the canonical form.
        const bytes = Uint8Array.from(raw);
        bytes.fill(0, 2 * at, Math.min(16, 2 * (at + zeros)));
        const full = expanded(bytes);
        // Node's URL parser writes the canonical (RFC 5952) compressed form.
        const canonical = new URL(`http://[${full}]/`).hostname.slice(1, -1);
        assert.deepEqual(addressBytes(full), bytes, full);
        assert.deepEqual(addressBytes(canonical), bytes, canonical);
        const dotted = `${full.split(':').slice(0, 6).join(':')}:${Array.from(bytes.subarray(12)).join('.')}`;
        assert.deepEqual(addressBytes(dotted), bytes, dotted);
      }),
      { numRuns: 500 },
    );
  });

  it('reads IPv4 addresses, drops a zone, and refuses names', () => {
    fc.assert(
      fc.property(fc.ipV4(), (a) => {
        assert.deepEqual(addressBytes(a), Uint8Array.from(a.split('.').map(Number)));
      }),
    );
    assert.deepEqual(addressBytes('fe80::1%eth0'), addressBytes('fe80::1'));
    assert.equal(addressBytes('sip.example.com'), undefined);
    assert.equal(addressBytes(''), undefined);
  });

  it('puts a dual-stack peer in one family: a v4-mapped address is IPv4 again, a v4 next to a v6 is mapped', () => {
    assert.equal(addressPair('::ffff:192.0.2.1', '198.51.100.2').family, 4);
    assert.deepEqual(addressPair('::ffff:192.0.2.1', '198.51.100.2').src, Uint8Array.from([192, 0, 2, 1]));
    const mixed = addressPair('2001:db8::1', '192.0.2.9');
    assert.equal(mixed.family, 6);
    assert.equal(expanded(mixed.dst), '0000:0000:0000:0000:0000:ffff:c000:0209');
    assert.deepEqual(addressPair('gateway.example', '192.0.2.1').src, new Uint8Array(4));
  });

  it('builds datagrams whose lengths and checksums an independent decoder accepts, and carries every field (property)', () => {
    const endpoint = fc.record({ address: fc.oneof(fc.ipV4(), fc.ipV6()), port: fc.integer({ min: 0, max: 65535 }) });
    fc.assert(
      fc.property(
        fc.constantFrom(4 as const, 6 as const),
        endpoint,
        endpoint,
        fc.constantFrom('udp' as const, 'tcp' as const),
        fc.uint8Array({ maxLength: 3000 }),
        fc.nat(),
        fc.nat(),
        (family, a, b, transport, payload, seq, ack) => {
          // Both ends of one family, as a socket has them.
          const pick = (e: { address: string; port: number }, fallback: string) => (e.address.includes(':') === (family === 6) ? e : { ...e, address: fallback });
          const src = pick(a, family === 4 ? '192.0.2.1' : '2001:db8::1');
          const dst = pick(b, family === 4 ? '198.51.100.2' : '2001:db8::2');
          const d = decode(ipDatagram({ src, dst, transport, payload, seq, ack, id: 7 }));
          assert.equal(d.version, family);
          assert.equal(d.protocol, transport === 'udp' ? 17 : 6);
          assert.deepEqual(d.src, addressBytes(src.address));
          assert.deepEqual(d.dst, addressBytes(dst.address));
          assert.equal(d.srcPort, src.port);
          assert.equal(d.dstPort, dst.port);
          assert.deepEqual(d.payload, payload);
          assert.equal(d.totalLength, (family === 4 ? 20 : 40) + (transport === 'udp' ? 8 : 20) + payload.length);
          assert.ok(d.ipChecksumOk, 'IPv4 header checksum');
          assert.ok(d.l4ChecksumOk, `${transport} checksum`);
          if (transport === 'udp') assert.equal(d.udpLength, 8 + payload.length);
          else {
            assert.equal(d.seq, seq >>> 0);
            assert.equal(d.ack, ack >>> 0);
          }
        },
      ),
      { numRuns: 300 },
    );
  });

  it('refuses a payload no datagram can carry instead of writing a wrong length', () => {
    assert.equal(largestPayload(4, 'udp'), 65507);
    const src = { address: '127.0.0.1', port: 1 };
    assert.throws(() => ipDatagram({ src, dst: src, transport: 'udp', payload: new Uint8Array(65508) }), /does not fit one IPv4 datagram/);
    assert.equal(ipDatagram({ src, dst: src, transport: 'udp', payload: new Uint8Array(65507) }).readUInt16BE(2), 65535);
  });
});
