// The QSIG calling name (ECMA-164 / ISO/IEC 13868) as a ROSE invoke in a
// facility IE (Q.932 clause 4.6.2, ECMA-165 networking extensions). Only the
// callingName operation with a simple presentation-allowed name is built; the
// reader walks BER defensively and never throws.
import { EXT } from '../ie/ie-codec.js';

/*
 * Facility IE contents (ECMA-165 clause 11.3.3):
 *   9f                      octet 3: ext, service discriminator 11111 "networking extensions"
 *   aa 06 80 01 00 82 01 00 NetworkFacilityExtension [10] { sourceEntity [0] endPINX,
 *                                                           destinationEntity [2] endPINX }
 *   8b 01 00                InterpretationApdu [11] discardAnyUnrecognisedInvokePdu
 *   a1 LL                   ROSE Invoke [1] {
 *     02 01 id                invokeId INTEGER
 *     02 01 00                operation value INTEGER 0 = callingName (ECMA-164)
 *     80 LL name              argument: namePresentationAllowedSimple [0] IMPLICIT NameData }
 */
const NETWORKING_EXTENSIONS = 0x1f;
const SERVICE_DISCRIMINATOR_MASK = 0x1f;
const TAG_NFE = 0xaa;
const TAG_INTERPRETATION = 0x8b;
const TAG_INVOKE = 0xa1;
const TAG_INTEGER = 0x02;
const TAG_NAME_ALLOWED_SIMPLE = 0x80;
const TAG_NAME_ALLOWED_EXTENDED = 0xa1;
const TAG_OCTET_STRING = 0x04;
const OPERATION_CALLING_NAME = 0;
const END_PINX = 0;
const DISCARD_UNRECOGNISED_INVOKE = 0;
/** ECMA-164 NameData: 1..50 octets. */
const MAX_NAME = 50;
const LATIN1_MAX = 0xff;
const BER_LONG_LENGTH = 0x80;
const BER_LENGTH_OCTETS_MASK = 0x7f;

export function qsigCallingNameFacility(name: string, invokeId = 1): Uint8Array {
  const codes = [...name].map((c) => c.codePointAt(0) ?? 0);
  if (codes.length < 1 || codes.length > MAX_NAME || codes.some((c) => c > LATIN1_MAX)) {
    throw new RangeError(`QSIG calling name: ${codes.length} characters, needs 1..${MAX_NAME} Latin-1 characters`);
  }
  const text = Uint8Array.from(codes);
  if (!Number.isInteger(invokeId) || invokeId < 0 || invokeId > 0x7f) throw new RangeError(`QSIG calling name: invoke id ${invokeId} does not fit 0..127`);
  const invoke = [TAG_INTEGER, 1, invokeId, TAG_INTEGER, 1, OPERATION_CALLING_NAME, TAG_NAME_ALLOWED_SIMPLE, text.length, ...text];
  return Uint8Array.from([
    EXT | NETWORKING_EXTENSIONS,
    TAG_NFE, 6, 0x80, 1, END_PINX, 0x82, 1, END_PINX,
    TAG_INTERPRETATION, 1, DISCARD_UNRECOGNISED_INVOKE,
    TAG_INVOKE, invoke.length, ...invoke,
  ]);
}

interface Tlv {
  tag: number;
  value: Uint8Array;
  end: number;
}

/** One BER TLV at `at` with single-octet tags, or null when it does not fit. */
function tlv(b: Uint8Array, at: number): Tlv | null {
  const tag = b[at];
  let len = b[at + 1];
  if (tag === undefined || len === undefined) return null;
  let start = at + 2;
  if (len & BER_LONG_LENGTH) {
    const n = len & BER_LENGTH_OCTETS_MASK;
    if (n === 0 || n > 2) return null;
    len = 0;
    for (let i = 0; i < n; i++) {
      const o = b[start + i];
      if (o === undefined) return null;
      len = len * 256 + o;
    }
    start += n;
  }
  if (start + len > b.length) return null;
  return { tag, value: b.subarray(start, start + len), end: start + len };
}

function children(b: Uint8Array): Tlv[] | null {
  const out: Tlv[] = [];
  for (let at = 0; at < b.length; ) {
    const t = tlv(b, at);
    if (t === null) return null;
    out.push(t);
    at = t.end;
  }
  return out;
}

function latin1(b: Uint8Array): string {
  return String.fromCharCode(...b);
}

/** The presentation-allowed calling name of a QSIG facility IE's contents, if it carries one. */
export function qsigCallingName(facility: Uint8Array): string | undefined {
  if (((facility[0] ?? 0) & SERVICE_DISCRIMINATOR_MASK) !== NETWORKING_EXTENSIONS) return undefined;
  for (const component of children(facility.subarray(1)) ?? []) {
    if (component.tag !== TAG_INVOKE) continue;
    const parts = children(component.value);
    const op = parts?.[1];
    const arg = parts?.[2];
    if (op?.tag !== TAG_INTEGER || op.value.length !== 1 || op.value[0] !== OPERATION_CALLING_NAME || arg === undefined) continue;
    if (arg.tag === TAG_NAME_ALLOWED_SIMPLE) return latin1(arg.value);
    if (arg.tag === TAG_NAME_ALLOWED_EXTENDED) {
      // namePresentationAllowedExtended: SEQUENCE { nameData OCTET STRING, characterSet INTEGER OPTIONAL }
      const data = children(arg.value)?.[0];
      if (data?.tag === TAG_OCTET_STRING) return latin1(data.value);
    }
  }
  return undefined;
}
