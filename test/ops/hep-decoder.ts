// A HEP3 decoder for the tests, written from the spec apart from src/ops/hep-exporter.ts.
import assert from 'node:assert/strict';

export interface Decoded {
  family?: number;
  protocol?: number;
  src?: Uint8Array;
  dst?: Uint8Array;
  srcPort?: number;
  dstPort?: number;
  seconds?: number;
  micros?: number;
  protoType?: number;
  agentId?: number;
  authKey?: string;
  payload?: Uint8Array;
  correlationId?: string;
}

/** A HEP3 decoder that walks chunks by type and length, as Homer's heplify-server does; throws on any inconsistency. */
export function decodeHep3(b: Buffer): Decoded {
  assert.equal(b.subarray(0, 4).toString('latin1'), 'HEP3');
  assert.equal(b.readUInt16BE(4), b.length, 'total length');
  const out: Decoded = {};
  let off = 6;
  while (off < b.length) {
    assert.equal(b.readUInt16BE(off), 0, 'generic vendor');
    const type = b.readUInt16BE(off + 2);
    const length = b.readUInt16BE(off + 4);
    assert.ok(length >= 6 && off + length <= b.length, `chunk 0x${type.toString(16)} of length ${length} at ${off}`);
    const v = b.subarray(off + 6, off + length);
    switch (type) {
      case 1: out.family = v.readUInt8(0); break;
      case 2: out.protocol = v.readUInt8(0); break;
      case 3: case 5: out.src = Uint8Array.from(v); break;
      case 4: case 6: out.dst = Uint8Array.from(v); break;
      case 7: out.srcPort = v.readUInt16BE(0); break;
      case 8: out.dstPort = v.readUInt16BE(0); break;
      case 9: out.seconds = v.readUInt32BE(0); break;
      case 10: out.micros = v.readUInt32BE(0); break;
      case 11: out.protoType = v.readUInt8(0); break;
      case 12: out.agentId = v.readUInt32BE(0); break;
      case 14: out.authKey = v.toString('utf8'); break;
      case 15: out.payload = Uint8Array.from(v); break;
      case 17: out.correlationId = v.toString('utf8'); break;
      default: assert.fail(`unexpected chunk type 0x${type.toString(16)}`);
    }
    off += length;
  }
  return out;
}

