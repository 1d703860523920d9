// An IE the codec recognizes but does not interpret: the IEs of codesets
// 5, 6 and 7 (Q.931 clause 4.5.2) and the codeset 0 IEs this gateway never
// acts on (keypad facility, user-user, subaddresses, ...). Passed through.

export interface OpaqueIe {
  kind: 'opaque';
  codeset: number;
  /** Identifier octet; with bit 8 set a single-octet IE (Q.931 clause 4.5.1) whose data is empty. */
  identifier: number;
  data: Uint8Array;
}

/** Codeset 0 IEs known to Q.931 Table 4-3 (and Q.932/Q.951/Q.952) but not decoded. */
export const OPAQUE_CODESET0: ReadonlyMap<number, string> = new Map([
  [0x00, 'segmented message'],
  [0x0d, 'extended facility'],
  [0x10, 'call identity'],
  [0x20, 'network-specific facilities'],
  [0x29, 'date/time'],
  [0x2c, 'keypad facility'],
  [0x34, 'signal'],
  [0x40, 'information rate'],
  [0x42, 'end-to-end transit delay'],
  [0x43, 'transit delay selection'],
  [0x44, 'packet layer binary parameters'],
  [0x45, 'packet layer window size'],
  [0x46, 'packet size'],
  [0x47, 'closed user group'],
  [0x4a, 'reverse charging indication'],
  [0x4d, 'connected subaddress'],
  [0x6d, 'calling party subaddress'],
  [0x71, 'called party subaddress'],
  [0x73, 'original called number'],
  [0x76, 'redirection number'],
  [0x78, 'transit network selection'],
  [0x7e, 'user-user'],
  [0x7f, 'escape for extension'],
]);

/** Single-octet IEs of codeset 0 (Q.931 Table 4-3) other than shift and sending complete. */
export const SINGLE_OCTET_CODESET0: ReadonlyMap<number, string> = new Map([
  [0xa0, 'more data'],
  [0xb0, 'congestion level'],
  [0xd0, 'repeat indicator'],
]);
