// Bearer capability, Q.931 clause 4.5.5 (identifier 0x04).
import { EXT, checkField, fail, groupEnd, ok, type IeCodec, type IeResult } from './ie-codec.js';

/*
 *         8     7     6     5     4     3     2     1
 *      +-----+-----------+-----------------------------+
 *  3   | ext | coding std|  information transfer capab. |
 *      +-----+-----------+-----------------------------+
 *  4   | ext | transfer  |  information transfer rate   |
 *      |     |   mode    |                              |
 *      +-----+-----------+-----------------------------+
 *  4.1 | ext |          rate multiplier (rate = 11000)  |   only for multirate
 *      +-----+-----------+-----------------------------+
 *  5*  | ext |  0  1     |  user info layer 1 protocol  |   5a..5d follow while ext = 0
 *  6*  | ext |  1  0     |  user info layer 2 protocol  |
 *  7*  | ext |  1  1     |  user info layer 3 protocol  |   7a, 7b follow while ext = 0
 */
const CODING_SHIFT = 5;
const TWO_BITS = 0x03;
const FIVE_BITS = 0x1f;
const SEVEN_BITS = 0x7f;
const LAYER_ID_SHIFT = 5;
const LAYER_ID_MASK = 0x60;
const RATE_MULTIRATE = 0x18;

export const TransferCapability = {
  SPEECH: 0x00,
  UNRESTRICTED_DIGITAL: 0x08,
  RESTRICTED_DIGITAL: 0x09,
  AUDIO_3K1: 0x10,
  UNRESTRICTED_DIGITAL_TONES: 0x11,
  VIDEO: 0x18,
} as const;

export const UserInfoLayer1 = { V110: 0x01, G711_ULAW: 0x02, G711_ALAW: 0x03, G721: 0x04 } as const;

export interface BearerCapability {
  kind: 'bearer-capability';
  /** 0 ITU-T, 1 ISO/IEC, 2 national, 3 network specific. */
  codingStandard: number;
  /** TransferCapability. */
  transferCapability: number;
  /** 0 circuit, 2 packet. */
  transferMode: number;
  /** 0x10 64 kbit/s, 0x11 2x64, 0x13 384k, 0x15 1536k, 0x17 1920k, 0x18 multirate. */
  transferRate: number;
  /** Octet 4.1, present exactly when transferRate is multirate. */
  rateMultiplier?: number;
  /** Octet 5 bits 5-1 (UserInfoLayer1). */
  layer1Protocol?: number;
  /** Octets 5a..5d as received (rate adaption, modem type). */
  layer1Extension?: Uint8Array;
  layer2Protocol?: number;
  layer3Protocol?: number;
  /** Octets 7a, 7b as received. */
  layer3Extension?: Uint8Array;
}

const NAME = 'bearer capability';

function decode(c: Uint8Array): IeResult<BearerCapability> {
  if (c.length < 2) return fail(`${NAME}: ${c.length} octets, octets 3 and 4 need 2`);
  const o3 = c[0] ?? 0;
  const o4 = c[1] ?? 0;
  // Q.931 clause 4.5.5: octets 3 and 4 are single octets (ext = 1).
  if (!(o3 & EXT) || !(o4 & EXT)) return fail(`${NAME}: octet 3 or 4 lacks the extension bit`);
  const bc: BearerCapability = {
    kind: 'bearer-capability',
    codingStandard: (o3 >> CODING_SHIFT) & TWO_BITS,
    transferCapability: o3 & FIVE_BITS,
    transferMode: (o4 >> CODING_SHIFT) & TWO_BITS,
    transferRate: o4 & FIVE_BITS,
  };
  let at = 2;
  if (bc.transferRate === RATE_MULTIRATE) {
    const o41 = c[at];
    if (o41 === undefined) return fail(`${NAME}: multirate without octet 4.1 (rate multiplier)`);
    bc.rateMultiplier = o41 & SEVEN_BITS;
    at++;
  }
  let lastLayer = 0;
  while (at < c.length) {
    const head = c[at] ?? 0;
    const layer = (head & LAYER_ID_MASK) >> LAYER_ID_SHIFT;
    if (layer === 0 || layer <= lastLayer) return fail(`${NAME}: octet ${at + 3} has layer id ${layer} out of order`);
    const end = groupEnd(c, at);
    if (end < 0) return fail(`${NAME}: layer ${layer} octet group runs past the ${c.length} octets`);
    const protocol = head & FIVE_BITS;
    const extension = c.slice(at + 1, end);
    if (layer === 1) {
      bc.layer1Protocol = protocol;
      if (extension.length > 0) bc.layer1Extension = extension;
    } else if (layer === 2) {
      if (extension.length > 0) return fail(`${NAME}: layer 2 octet 6 has ${extension.length} extension octets, allows none`);
      bc.layer2Protocol = protocol;
    } else {
      bc.layer3Protocol = protocol;
      if (extension.length > 0) bc.layer3Extension = extension;
    }
    lastLayer = layer;
    at = end;
  }
  return ok(bc);
}

function layerLength(protocol: number | undefined, extension: Uint8Array | undefined): number {
  return protocol === undefined ? 0 : 1 + (extension?.length ?? 0);
}

function length(bc: BearerCapability): number {
  return (
    2 +
    (bc.transferRate === RATE_MULTIRATE ? 1 : 0) +
    layerLength(bc.layer1Protocol, bc.layer1Extension) +
    layerLength(bc.layer2Protocol, undefined) +
    layerLength(bc.layer3Protocol, bc.layer3Extension)
  );
}

function putLayer(out: Uint8Array, at: number, layer: number, protocol: number | undefined, ext: Uint8Array | undefined): number {
  if (protocol === undefined) return at;
  checkField(NAME, `layer ${layer} protocol`, protocol, FIVE_BITS);
  const hasExt = ext !== undefined && ext.length > 0;
  out[at++] = (hasExt ? 0 : EXT) | (layer << LAYER_ID_SHIFT) | protocol;
  if (hasExt) {
    // The extension octets keep their own ext bits; the last must end the group.
    ext.forEach((o, i) => (out[at + i] = i === ext.length - 1 ? o | EXT : o & ~EXT));
    at += ext.length;
  }
  return at;
}

function encode(bc: BearerCapability): Uint8Array {
  checkField(NAME, 'coding standard', bc.codingStandard, TWO_BITS);
  checkField(NAME, 'transfer capability', bc.transferCapability, FIVE_BITS);
  checkField(NAME, 'transfer mode', bc.transferMode, TWO_BITS);
  checkField(NAME, 'transfer rate', bc.transferRate, FIVE_BITS);
  const out = new Uint8Array(length(bc));
  out[0] = EXT | (bc.codingStandard << CODING_SHIFT) | bc.transferCapability;
  out[1] = EXT | (bc.transferMode << CODING_SHIFT) | bc.transferRate;
  let at = 2;
  if (bc.transferRate === RATE_MULTIRATE) {
    const m = bc.rateMultiplier ?? 1;
    checkField(NAME, 'rate multiplier', m, SEVEN_BITS);
    out[at++] = EXT | m;
  }
  at = putLayer(out, at, 1, bc.layer1Protocol, bc.layer1Extension);
  at = putLayer(out, at, 2, bc.layer2Protocol, undefined);
  putLayer(out, at, 3, bc.layer3Protocol, bc.layer3Extension);
  return out;
}

export const bearerCapability: IeCodec<BearerCapability> = {
  identifier: 0x04,
  name: NAME,
  decode,
  encode,
  length,
};
