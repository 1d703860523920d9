// LAPD frames (ITU-T Q.921 clause 2 and 3): the address and control fields of
// every frame on the D-channel, modulo 128 (extended) numbering.
//
//        8   7   6   5   4   3   2   1
//      +-------------------------+---+---+
//   1  |          SAPI           |C/R|EA0|    Q.921 clause 3.2 (Figure 5)
//      +-----------------------------+---+
//   2  |            TEI              |EA1|
//      +-----------------------------+---+
//   3  |   control (1 octet U, 2 octets I and S)   |   clause 3.4 (Table 4)
//      +-------------------------------------------+
//   n  |   information (I, UI, FRMR, XID)          |
//      +-------------------------------------------+

/** Q.921 clause 3.3.3: SAPI 0 carries call control (Q.931). */
export const SAPI_CALL_CONTROL = 0;
/** Q.921 clause 3.3.3: SAPI 63 carries layer 2 management (TEI procedures). */
export const SAPI_MANAGEMENT = 63;
/** Q.921 clause 3.3.4.2: the group TEI (broadcast). */
export const TEI_GROUP = 127;

/** Q.921 clause 3.6 names of the commands and responses. */
export type FrameType = 'I' | 'RR' | 'RNR' | 'REJ' | 'SABME' | 'DM' | 'UI' | 'DISC' | 'UA' | 'FRMR' | 'XID';

export interface LapdFrame {
  sapi: number;
  tei: number;
  /** The C/R bit as sent (Q.921 clause 3.3.2); whether it means command depends on the sender's side. */
  cr: 0 | 1;
  type: FrameType;
  /** The P bit of a command or the F bit of a response (Q.921 clause 3.5.3). */
  pf: boolean;
  /** N(S) of an I frame (clause 3.5.2.1). */
  ns?: number;
  /** N(R) of an I or S frame (clause 3.5.2.2). */
  nr?: number;
  /** Information field of I, UI, FRMR and XID frames. */
  info?: Uint8Array;
}

export type LapdDecodeResult = { ok: true; frame: LapdFrame } | { ok: false; error: string };

const EA = 0x01;
const CR = 0x02;
const PF_U = 0x10; // P/F bit of the one-octet U format
const PF_IS = 0x01; // P/F bit in octet 5 of the I and S formats

/** Table 5 of Q.921: S format octet 4 (bits 4-3 name the function). */
const S_CODES: Record<'RR' | 'RNR' | 'REJ', number> = { RR: 0x01, RNR: 0x05, REJ: 0x09 };
/** Table 5 of Q.921: U format control octet with the P/F bit cleared. */
const U_CODES: Record<'SABME' | 'DM' | 'UI' | 'DISC' | 'UA' | 'FRMR' | 'XID', number> = {
  SABME: 0x6f,
  DM: 0x0f,
  UI: 0x03,
  DISC: 0x43,
  UA: 0x63,
  FRMR: 0x87,
  XID: 0xaf,
};
const U_BY_CODE = new Map<number, FrameType>(Object.entries(U_CODES).map(([k, v]) => [v, k as FrameType]));
const S_BY_CODE = new Map<number, FrameType>(Object.entries(S_CODES).map(([k, v]) => [v, k as FrameType]));

/** Decodes one frame; never throws: a frame Q.921 clause 2.9 calls invalid comes back as an error. */
export function decodeLapdFrame(bytes: Uint8Array): LapdDecodeResult {
  // Q.921 clause 2.9: fewer than 3 octets between flags (without FCS) is invalid.
  if (bytes.length < 3) return { ok: false, error: `LAPD frame of ${bytes.length} octets is shorter than 3` };
  const a0 = bytes[0]!;
  const a1 = bytes[1]!;
  // Q.921 clause 3.3.1: EA0 is 0 in the first address octet, EA1 is 1 in the second.
  if ((a0 & EA) !== 0 || (a1 & EA) !== 1) return { ok: false, error: `LAPD address ${hex(a0)} ${hex(a1)} has bad EA bits` };
  const sapi = a0 >> 2;
  const cr: 0 | 1 = a0 & CR ? 1 : 0;
  const tei = a1 >> 1;
  const c0 = bytes[2]!;
  if ((c0 & 0x01) === 0) {
    // I format (clause 3.4.2): N(S) in octet 4, N(R) and P in octet 5.
    if (bytes.length < 4) return { ok: false, error: 'LAPD I frame without its second control octet' };
    const c1 = bytes[3]!;
    return {
      ok: true,
      frame: { sapi, tei, cr, type: 'I', ns: c0 >> 1, nr: c1 >> 1, pf: (c1 & PF_IS) !== 0, info: bytes.slice(4) },
    };
  }
  if ((c0 & 0x03) === 0x01) {
    // S format (clause 3.4.3): no information field allowed (clause 5.8.5 b).
    const type = S_BY_CODE.get(c0);
    if (!type) return { ok: false, error: `LAPD S frame with undefined control octet ${hex(c0)}` };
    if (bytes.length !== 4) return { ok: false, error: `LAPD ${type} frame of ${bytes.length} octets (4 expected)` };
    const c1 = bytes[3]!;
    return { ok: true, frame: { sapi, tei, cr, type, nr: c1 >> 1, pf: (c1 & PF_IS) !== 0 } };
  }
  // U format (clause 3.4.4).
  const type = U_BY_CODE.get(c0 & ~PF_U);
  if (!type) return { ok: false, error: `LAPD U frame with undefined control octet ${hex(c0)}` };
  const pf = (c0 & PF_U) !== 0;
  const info = bytes.slice(3);
  if (info.length > 0 && type !== 'UI' && type !== 'FRMR' && type !== 'XID') {
    return { ok: false, error: `LAPD ${type} frame carries ${info.length} octets of information (none allowed)` };
  }
  const frame: LapdFrame = { sapi, tei, cr, type, pf };
  if (type === 'UI' || type === 'FRMR' || type === 'XID') frame.info = info;
  return { ok: true, frame };
}

/** Encodes a frame; values out of range are masked to their field width. */
export function encodeLapdFrame(frame: LapdFrame): Uint8Array {
  const head = [((frame.sapi & 0x3f) << 2) | (frame.cr ? CR : 0), ((frame.tei & 0x7f) << 1) | EA];
  let control: number[];
  switch (frame.type) {
    case 'I':
      control = [((frame.ns ?? 0) & 0x7f) << 1, (((frame.nr ?? 0) & 0x7f) << 1) | (frame.pf ? PF_IS : 0)];
      break;
    case 'RR':
    case 'RNR':
    case 'REJ':
      control = [S_CODES[frame.type], (((frame.nr ?? 0) & 0x7f) << 1) | (frame.pf ? PF_IS : 0)];
      break;
    default:
      control = [U_CODES[frame.type] | (frame.pf ? PF_U : 0)];
  }
  const info = frame.type === 'I' || frame.type === 'UI' || frame.type === 'FRMR' || frame.type === 'XID' ? (frame.info ?? new Uint8Array(0)) : new Uint8Array(0);
  const out = new Uint8Array(head.length + control.length + info.length);
  out.set(head, 0);
  out.set(control, head.length);
  out.set(info, head.length + control.length);
  return out;
}

function hex(n: number): string {
  return `0x${n.toString(16).padStart(2, '0')}`;
}
