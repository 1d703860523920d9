// Q.931 messages: the header of clause 4.1-4.4, the IE sequence of clause 4.5,
// and the error handling of clause 5.8. decodeMessage never throws: it says
// what the call control should do with what arrived.
import { Cause } from '../call/q850.js';
import { EXT } from './ie/ie-codec.js';
import { OPAQUE_CODESET0, SINGLE_OCTET_CODESET0, type OpaqueIe } from './ie/opaque.js';
import { SENDING_COMPLETE } from './ie/sending-complete.js';
import { CODESET_MASK, NON_LOCKING, SHIFT, SHIFT_MASK, shiftOctet } from './ie/shift.js';
import {
  KIND_BY_IDENTIFIER,
  codecOf,
  type IeKind,
  type InformationElement,
  type TypedIe,
} from './information-element.js';
import { MessageType, ProtocolDiscriminator, isMaintenanceDiscriminator, messageTypeName } from './message-type.js';
import { CALL_CLEARING } from './messages/call-clearing.js';
import { CALL_ESTABLISHMENT } from './messages/call-establishment.js';
import { CALL_INFORMATION } from './messages/call-information.js';
import { MAINTENANCE } from './messages/maintenance.js';
import { REPEAT_LIMIT, type MessageRule } from './messages/message-rule.js';
import { MISCELLANEOUS } from './messages/miscellaneous.js';
import { variantProfile, type SwitchVariant, type VariantProfile } from './variants/switch-variant.js';

/*
 * Clause numbers are those of ITU-T Q.931 (05/98); older editions number the
 * error-handling clauses of 5.8 differently.
 *
 * Q.931 clause 4.1, the general message organization:
 *
 *         8     7     6     5     4     3     2     1
 *      +-----------------------------------------------+
 *  1   |            protocol discriminator             |   clause 4.2
 *      +-----------------------+-----------------------+
 *  2   |   0     0     0     0 | length of call ref.   |   clause 4.3
 *      +-----+-----------------+-----------------------+
 *  3   |flag |       call reference value              |   0..15 octets
 *      +-----+-----------------------------------------+
 *      |  0  |           message type                  |   clause 4.4
 *      +-----+-----------------------------------------+
 *      |     other information elements as required    |   clause 4.5
 *      +-----------------------------------------------+
 */
const CR_LENGTH_OCTET = 1;
const CR_SPARE_MASK = 0xf0;
const CR_LENGTH_MASK = 0x0f;
const CR_FLAG = 0x80;
const SEVEN_BITS = 0x7f;
const OCTET = 0xff;
/** Clause 4.4: message type 0000 0000 escapes to nationally specific message types. */
const MESSAGE_TYPE_ESCAPE = 0x00;
/** Table 4-3 note: codeset 0 identifiers 0000 xxxx are "comprehension required". */
const COMPREHENSION_REQUIRED_MASK = 0xf0;
const SINGLE_OCTET_TYPE1_MASK = 0xf0;
/** Clause 4.5.1: 1010 xxxx are whole-octet (type 2) single-octet IEs; others carry 4 bits of contents. */
const TYPE2_SINGLE_OCTET = 0xa0;
const MAX_IE_CONTENTS = 255;


export interface CallReference {
  /** The call reference value; 0 with length > 0 is the global call reference (clause 4.3). */
  value: number;
  /** Clause 4.3: 0 = sent from the side that allocated the call reference, 1 = sent to it. */
  flag: 0 | 1;
  /** Octets of call reference value: 2 on a PRI, 1 on a BRI, 0 for the dummy call reference. */
  length: number;
}

export interface Q931Message {
  /** 0x08 for call control, 0x03 / 0x43 for national maintenance (SERVICE). */
  protocolDiscriminator: number;
  callReference: CallReference;
  /** MessageType or MaintenanceMessageType code. */
  messageType: number;
  /** The IEs in the order they travel, shifts included. */
  ies: InformationElement[];
}

/** Why an IE was not taken (clause 5.8.5 - 5.8.7). */
export type IeProblem = 'unrecognized' | 'unexpected' | 'content' | 'duplicated' | 'missing' | 'truncated';

export interface IeError {
  codeset: number;
  identifier: number;
  problem: IeProblem;
  /** The IE is mandatory in this message, or "comprehension required" (clause 5.8.7.1). */
  mandatory: boolean;
  detail: string;
}

/** A cause to send with its diagnostic (Q.850 clause 2.2.7: the IE identifiers for 96, 99, 100). */
export interface CauseReport {
  cause: number;
  diagnostic?: Uint8Array;
}

/** What the call control must do with a received message (Q.931 clause 5.8). */
export type Q931Action =
  /**
   * Act on the message. `status`: also send STATUS with this cause (clause 5.8.7.1/5.8.7.2).
   * `respondWith`: a DISCONNECT or RELEASE; put this cause into the RELEASE or RELEASE
   * COMPLETE that answers it instead (clause 5.8.6.1 for RELEASE, 5.8.7.1 a) and b)).
   */
  | { kind: 'process'; status?: CauseReport; respondWith?: CauseReport }
  /** Drop the message without any reply (clause 5.8.1, 5.8.2, 5.8.3.1). */
  | { kind: 'ignore'; clause: string; reason: string }
  /** Do not act on it; send STATUS with the cause (clause 5.8.3.2, 5.8.4, 5.8.6.1). */
  | ({ kind: 'status'; clause: string; reason: string } & CauseReport)
  /** A SETUP that cannot be taken: answer RELEASE COMPLETE with the cause (clause 5.8.6.1). */
  | ({ kind: 'release-complete'; clause: string; reason: string } & CauseReport)
  /** A DISCONNECT without cause: clear with RELEASE carrying the cause (clause 5.8.6.1). */
  | ({ kind: 'release'; clause: string; reason: string } & CauseReport);

export interface DecodeResult {
  /** The message as far as its header could be read; null when ignored at the header. */
  message: Q931Message | null;
  action: Q931Action;
  /** Every IE the decoder did not take, in message order. */
  ieErrors: IeError[];
}

const RULES: readonly MessageRule[] = [...CALL_ESTABLISHMENT, ...CALL_INFORMATION, ...CALL_CLEARING, ...MISCELLANEOUS, ...MAINTENANCE];
const CALL_RULES = new Map(RULES.filter((r) => !r.maintenance).map((r) => [r.messageType, r]));
const MAINTENANCE_RULES = new Map(RULES.filter((r) => r.maintenance).map((r) => [r.messageType, r]));

/** The contents rule of a message type, or undefined when the codec does not know it. */
export function messageRule(messageType: number, protocolDiscriminator: number = ProtocolDiscriminator.Q931): MessageRule | undefined {
  return (isMaintenanceDiscriminator(protocolDiscriminator) ? MAINTENANCE_RULES : CALL_RULES).get(messageType);
}

/** Clause 5.8.3.2: only these messages may use the global call reference. */
const GLOBAL_CR_MESSAGES: ReadonlySet<number> = new Set([MessageType.RESTART, MessageType.RESTART_ACKNOWLEDGE, MessageType.STATUS]);

function ignore(clause: string, reason: string, message: Q931Message | null = null): DecodeResult {
  return { message, action: { kind: 'ignore', clause, reason }, ieErrors: [] };
}

/**
 * Decodes one Q.931 message (the contents of a Q.921 I-frame). Never throws:
 * even a bad variant name (a configuration slip) comes back as an ignored
 * message whose reason names it.
 */
export function decodeMessage(bytes: Uint8Array, variant: SwitchVariant | VariantProfile): DecodeResult {
  try {
    return decode(bytes, variantProfile(variant));
  } catch (e) {
    return ignore('Q.931 clause 5.8', `message of ${bytes.length} octets not decoded: ${(e as Error).message}`);
  }
}

function decode(bytes: Uint8Array, profile: VariantProfile): DecodeResult {
  const pd = bytes[0];
  // Clause 5.8.2: too short to hold a message type -> ignore.
  if (pd === undefined) return ignore('Q.931 clause 5.8.2', 'empty message');
  // Clause 5.8.1: a protocol discriminator other than Q.931 (or the variant's maintenance one) -> ignore.
  const maintenance = isMaintenanceDiscriminator(pd);
  if (pd !== ProtocolDiscriminator.Q931 && !(maintenance && profile.maintenanceDiscriminator !== null)) {
    return ignore('Q.931 clause 5.8.1', `protocol discriminator 0x${hex(pd)} is not Q.931 on ${profile.title}`);
  }
  const crOctet = bytes[CR_LENGTH_OCTET];
  if (crOctet === undefined) return ignore('Q.931 clause 5.8.2', `message of ${bytes.length} octet has no call reference`);
  // Clause 5.8.3.1: bits 8-5 of the length octet not 0000, or a length the interface
  // does not support -> ignore.
  if (crOctet & CR_SPARE_MASK) return ignore('Q.931 clause 5.8.3.1', `call reference length octet 0x${hex(crOctet)} has spare bits set`);
  const crLength = crOctet & CR_LENGTH_MASK;
  if (crLength > profile.maxCallReferenceLength) {
    return ignore('Q.931 clause 5.8.3.1', `call reference of ${crLength} octets, ${profile.title} allows ${profile.maxCallReferenceLength}`);
  }
  const typeAt = CR_LENGTH_OCTET + 1 + crLength;
  const mt = bytes[typeAt];
  if (mt === undefined) return ignore('Q.931 clause 5.8.2', `message of ${bytes.length} octets ends before its message type at octet ${typeAt + 1}`);
  let value = 0;
  let flag: 0 | 1 = 0;
  for (let i = 0; i < crLength; i++) {
    let o = bytes[CR_LENGTH_OCTET + 1 + i] ?? 0;
    if (i === 0) {
      flag = o & CR_FLAG ? 1 : 0;
      o &= SEVEN_BITS;
    }
    value = value * 256 + o;
  }
  const message: Q931Message = { protocolDiscriminator: pd, callReference: { value, flag, length: crLength }, messageType: mt, ies: [] };
  const rule = mt & EXT || mt === MESSAGE_TYPE_ESCAPE ? undefined : messageRule(mt, pd);
  const ieErrors = decodeIes(bytes, typeAt + 1, profile, rule, message.ies);
  return { message, action: decideAction(message, rule, ieErrors), ieErrors };
}

function decodeIes(bytes: Uint8Array, start: number, variant: VariantProfile, rule: MessageRule | undefined, ies: InformationElement[]): IeError[] {
  const errors: IeError[] = [];
  const counts = new Map<IeKind, number>();
  const mandatory = new Set<number>((rule?.mandatory ?? []).map((k) => codecOf(k).identifier));
  const limits = { ...REPEAT_LIMIT, ...rule?.repeat };
  let locked = 0;
  let once: number | null = null;
  // Clause 5.8.5.2: only the first occurrences up to the message's limit are handled, even
  // when the first one turns out malformed; the rest are ignored.
  const admit = (kind: IeKind, codeset: number, identifier: number): boolean => {
    const n = (counts.get(kind) ?? 0) + 1;
    counts.set(kind, n);
    if (n <= (limits[kind] ?? 1)) return true;
    errors.push({ codeset, identifier, problem: 'duplicated', mandatory: false, detail: `${kind} repeated ${n} times` });
    return false;
  };
  const take = (ie: InformationElement, codeset: number, identifier: number): void => {
    if (admit(ie.kind, codeset, identifier)) ies.push(ie);
  };
  let at = start;
  while (at < bytes.length) {
    const id = bytes[at] ?? 0;
    if (id & EXT) {
      // Single-octet IEs (clause 4.5.1, Table 4-3).
      at++;
      if ((id & SHIFT_MASK) === SHIFT) {
        // Clause 4.5.3 locking shift / 4.5.4 non-locking shift.
        const codeset = id & CODESET_MASK;
        const locking = (id & NON_LOCKING) === 0;
        if (once !== null) {
          // Clause 4.5.4: a shift right after a non-locking shift supersedes it ("as though
          // a locking Shift only had been received"); the first one shifted nothing.
          dropOrphanShift(ies, ies.length - 1);
          once = null;
        }
        if (locking && codeset <= locked) {
          // Clause 4.5.2 / 4.5.3: a locking shift goes only to a higher codeset. Not taken,
          // so the IEs after it stay in the active codeset; reported as a content error.
          errors.push({ codeset: locked, identifier: id, problem: 'content', mandatory: false, detail: `locking shift from codeset ${locked} to codeset ${codeset}` });
          continue;
        }
        ies.push({ kind: 'shift', locking, codeset });
        if (locking) locked = codeset;
        else once = codeset;
        continue;
      }
      const codeset = once ?? locked;
      const shiftAt = once !== null ? ies.length - 1 : -1;
      once = null;
      if (codeset === 0 && id === SENDING_COMPLETE) take({ kind: 'sending-complete' }, 0, id);
      else if (
        (codeset === 0 && SINGLE_OCTET_CODESET0.has((id & SINGLE_OCTET_TYPE1_MASK) === TYPE2_SINGLE_OCTET ? id : id & SINGLE_OCTET_TYPE1_MASK)) ||
        variant.codesets.includes(codeset)
      ) {
        take({ kind: 'opaque', codeset, identifier: id, data: new Uint8Array(0) }, codeset, id);
      } else {
        errors.push({ codeset, identifier: id, problem: 'unrecognized', mandatory: false, detail: `single-octet IE 0x${hex(id)} in codeset ${codeset}` });
      }
      dropOrphanShift(ies, shiftAt);
      continue;
    }
    const codeset = once ?? locked;
    const shiftAt = once !== null ? ies.length - 1 : -1;
    once = null;
    const len = bytes[at + 1];
    const kind = codeset === 0 ? KIND_BY_IDENTIFIER.get(id) : undefined;
    if (len === undefined || at + 2 + len > bytes.length) {
      // The last IE runs past the end of the message: a content error of that IE.
      const have = len === undefined ? 0 : bytes.length - at - 2;
      errors.push({
        codeset,
        identifier: id,
        problem: 'truncated',
        mandatory: codeset === 0 && mandatory.has(id),
        detail: `IE 0x${hex(id)} announces ${len ?? '?'} octets, ${have} remain`,
      });
      dropOrphanShift(ies, shiftAt);
      break;
    }
    const contents = bytes.subarray(at + 2, at + 2 + len);
    at += 2 + len;
    if (kind !== undefined) {
      if (admit(kind, codeset, id)) {
        const r = codecOf(kind).decode(contents, variant);
        if (r.ok) ies.push(r.value);
        else errors.push({ codeset, identifier: id, problem: 'content', mandatory: mandatory.has(id), detail: r.error });
      }
    } else if ((codeset === 0 && OPAQUE_CODESET0.has(id)) || (codeset !== 0 && variant.codesets.includes(codeset))) {
      const ie: OpaqueIe = { kind: 'opaque', codeset, identifier: id, data: contents.slice() };
      take(ie, codeset, id);
    } else {
      errors.push({
        codeset,
        identifier: id,
        problem: 'unrecognized',
        // Clause 5.8.7.1: an unrecognized codeset 0 IE coded "comprehension required".
        mandatory: codeset === 0 && (id & COMPREHENSION_REQUIRED_MASK) === 0,
        detail: `IE 0x${hex(id)} (${len} octets) in codeset ${codeset} is not recognized`,
      });
    }
    dropOrphanShift(ies, shiftAt);
  }
  // Clause 5.8.7.3: a recognized IE the message does not allow is handled as unrecognized.
  for (const kind of rule?.conditionalUnexpected?.(ies) ?? []) {
    const identifier = codecOf(kind).identifier;
    for (let i = ies.length - 1; i >= 0; i--) {
      if (ies[i]?.kind !== kind) continue;
      ies.splice(i, 1);
      errors.push({ codeset: 0, identifier, problem: 'unexpected', mandatory: false, detail: `${codecOf(kind).name} not allowed here` });
    }
  }
  // Clause 5.8.6.1: mandatory IEs that never arrived; a malformed one is a mandatory
  // content error (clause 5.8.6.2), also when only the other IEs made it mandatory.
  for (const kind of [...(rule?.mandatory ?? []), ...(rule?.conditionalMandatory?.(ies) ?? [])]) {
    const identifier = codecOf(kind).identifier;
    if (ies.some((ie) => ie.kind === kind)) continue;
    const wrong = errors.filter((e) => e.codeset === 0 && e.identifier === identifier && e.problem !== 'duplicated');
    if (wrong.length > 0) wrong.forEach((e) => (e.mandatory = true));
    else errors.push({ codeset: 0, identifier, problem: 'missing', mandatory: true, detail: `mandatory ${codecOf(kind).name} missing` });
  }
  return errors;
}

/**
 * A non-locking shift whose IE was not taken leaves the list: kept, it would
 * move the next IE into its codeset when the message is encoded again.
 */
function dropOrphanShift(ies: InformationElement[], shiftAt: number): void {
  if (shiftAt >= 0 && shiftAt === ies.length - 1) ies.pop();
}

function report(cause: number, errors: readonly IeError[]): CauseReport {
  return { cause, diagnostic: Uint8Array.from(errors.map((e) => e.identifier)) };
}

function decideAction(msg: Q931Message, rule: MessageRule | undefined, errors: readonly IeError[]): Q931Action {
  const name = rule?.name ?? messageTypeName(msg.messageType, msg.protocolDiscriminator) ?? `0x${hex(msg.messageType)}`;
  // Clause 5.8.3.2: a message other than RESTART, RESTART ACKNOWLEDGE or STATUS on the
  // global call reference -> STATUS with cause 81 on the global call reference.
  const global = msg.callReference.length > 0 && msg.callReference.value === 0;
  if (global && !isMaintenanceDiscriminator(msg.protocolDiscriminator) && !GLOBAL_CR_MESSAGES.has(msg.messageType)) {
    return { kind: 'status', clause: 'Q.931 clause 5.8.3.2', reason: `${name} on the global call reference`, cause: Cause.INVALID_CALL_REFERENCE };
  }
  // Clause 5.8.3.2 d): a SETUP or RESUME whose call reference flag is 1 claims to come
  // from the side that did not allocate the call reference -> ignore.
  const opening = msg.messageType === MessageType.SETUP || msg.messageType === MessageType.RESUME;
  if (opening && !isMaintenanceDiscriminator(msg.protocolDiscriminator) && msg.callReference.flag === 1) {
    return { kind: 'ignore', clause: 'Q.931 clause 5.8.3.2', reason: `${name} with call reference flag 1` };
  }
  // Clause 5.8.4: an unrecognized message type -> STATUS with cause 97.
  if (rule === undefined) {
    return {
      kind: 'status',
      clause: 'Q.931 clause 5.8.4',
      reason: `message type 0x${hex(msg.messageType)} is not recognized`,
      cause: Cause.MESSAGE_TYPE_NONEXISTENT,
      diagnostic: Uint8Array.of(msg.messageType),
    };
  }
  // Clause 5.8.6.1 (missing, and per 5.8.7.1 unrecognized "comprehension required") -> 96;
  // clause 5.8.6.2 (content error) -> 100.
  const missing = errors.filter((e) => e.mandatory && (e.problem === 'missing' || e.problem === 'unrecognized'));
  const wrong = errors.filter((e) => e.mandatory && (e.problem === 'content' || e.problem === 'truncated'));
  if (missing.length > 0 || wrong.length > 0) {
    const r = missing.length > 0 ? report(Cause.MANDATORY_IE_MISSING, missing) : report(Cause.INVALID_IE_CONTENTS, wrong);
    const clause = missing.length > 0 ? 'Q.931 clause 5.8.6.1' : 'Q.931 clause 5.8.6.2';
    const reason = `${name}: ${[...missing, ...wrong].map((e) => e.detail).join('; ')}`;
    switch (rule.onMandatoryError) {
      case 'status':
        return { kind: 'status', clause, reason, ...r };
      case 'release-complete':
        return { kind: 'release-complete', clause, reason, ...r };
      case 'release':
        return { kind: 'release', clause, reason, ...r };
      case 'process-respond':
        return { kind: 'process', respondWith: r };
      case 'process':
        return { kind: 'process' };
    }
  }
  // Clause 5.8.7.1 (unrecognized -> 99) and 5.8.7.2 (content error -> 100): act on the
  // message; tell the peer with STATUS, or in the clearing response for clearing messages.
  // Departure: 5.8.7.2 would allow a STATUS during clearing too; we carry its cause in the
  // clearing response as 5.8.7.1 a)-b) do, so clearing is never interleaved with STATUS.
  const unrecognized = errors.filter((e) => e.problem === 'unrecognized' || e.problem === 'unexpected');
  const content = errors.filter((e) => e.problem === 'content' || e.problem === 'truncated');
  if (unrecognized.length === 0 && content.length === 0) return { kind: 'process' };
  const r = unrecognized.length > 0 ? report(Cause.IE_NONEXISTENT, unrecognized) : report(Cause.INVALID_IE_CONTENTS, content);
  if (rule.clearing === 'last') return { kind: 'process' };
  return rule.clearing === 'respond' ? { kind: 'process', respondWith: r } : { kind: 'process', status: r };
}

function hex(n: number): string {
  return n.toString(16).padStart(2, '0');
}

function encodeIe(ie: InformationElement, codeset: number, variant: VariantProfile): number[] | Uint8Array {
  switch (ie.kind) {
    case 'shift':
      return [shiftOctet(ie)];
    case 'sending-complete':
      return [SENDING_COMPLETE];
    case 'opaque': {
      if (ie.identifier & EXT) return [ie.identifier];
      if (ie.data.length > MAX_IE_CONTENTS) throw new RangeError(`IE 0x${hex(ie.identifier)}: ${ie.data.length} octets, at most ${MAX_IE_CONTENTS}`);
      const out = new Uint8Array(2 + ie.data.length);
      out[0] = ie.identifier;
      out[1] = ie.data.length;
      out.set(ie.data, 2);
      return out;
    }
    default: {
      const codec = codecOf(ie.kind);
      if (codeset !== 0) throw new RangeError(`${codec.name}: belongs to codeset 0, follows a shift to codeset ${codeset}`);
      const contents = codec.encode(ie, variant);
      if (contents.length > MAX_IE_CONTENTS) throw new RangeError(`${codec.name}: ${contents.length} octets, at most ${MAX_IE_CONTENTS}`);
      const out = new Uint8Array(2 + contents.length);
      out[0] = codec.identifier;
      out[1] = contents.length;
      out.set(contents, 2);
      return out;
    }
  }
}

function ieLength(ie: TypedIe | InformationElement, variant: VariantProfile): number {
  switch (ie.kind) {
    case 'shift':
    case 'sending-complete':
      return 1;
    case 'opaque':
      return ie.identifier & EXT ? 1 : 2 + ie.data.length;
    default:
      return 2 + codecOf(ie.kind).length(ie, variant);
  }
}

function checkHeader(msg: Q931Message): void {
  const { value, flag, length } = msg.callReference;
  if (!Number.isInteger(msg.protocolDiscriminator) || msg.protocolDiscriminator < 0 || msg.protocolDiscriminator > OCTET) {
    throw new RangeError(`message: protocol discriminator ${msg.protocolDiscriminator} does not fit one octet`);
  }
  if (!Number.isInteger(length) || length < 0 || length > CR_LENGTH_MASK) {
    throw new RangeError(`message: call reference length ${length} does not fit (0..15)`);
  }
  const max = length === 0 ? 0 : 2 ** (8 * length - 1) - 1;
  if (!Number.isInteger(value) || value < 0 || value > max) {
    throw new RangeError(`message: call reference ${value} does not fit ${length} octets (0..${max})`);
  }
  if (flag !== 0 && flag !== 1) throw new RangeError(`message: call reference flag ${String(flag)} is not 0 or 1`);
  if (length === 0 && flag !== 0) throw new RangeError('message: the dummy call reference (length 0) has no flag');
  if (!Number.isInteger(msg.messageType) || msg.messageType < 0 || msg.messageType > SEVEN_BITS) {
    throw new RangeError(`message: message type ${msg.messageType} does not fit 7 bits`);
  }
}

/** Octets `encodeMessage` will produce. */
export function messageLength(msg: Q931Message, variant: SwitchVariant | VariantProfile): number {
  const profile = variantProfile(variant);
  return 3 + msg.callReference.length + msg.ies.reduce((n, ie) => n + ieLength(ie, profile), 0);
}

/**
 * Encodes a message. Throws a RangeError naming the field when a value does
 * not fit its octets (a programming error on our side, never peer input).
 */
export function encodeMessage(msg: Q931Message, variant: SwitchVariant | VariantProfile): Uint8Array {
  const profile = variantProfile(variant);
  checkHeader(msg);
  const parts: (number[] | Uint8Array)[] = [];
  const { value, flag, length } = msg.callReference;
  const header = [msg.protocolDiscriminator, length];
  for (let i = length - 1; i >= 0; i--) {
    const o = Math.floor(value / 256 ** i) % 256;
    header.push(i === length - 1 ? o | (flag ? CR_FLAG : 0) : o);
  }
  header.push(msg.messageType);
  parts.push(header);
  let locked = 0;
  let once: number | null = null;
  for (const ie of msg.ies) {
    const codeset = once ?? locked;
    if (ie.kind === 'shift' && ie.locking && ie.codeset <= locked) {
      throw new RangeError(`message: locking shift from codeset ${locked} to codeset ${ie.codeset}; Q.931 clause 4.5.3 allows only higher codesets`);
    }
    parts.push(encodeIe(ie, codeset, profile));
    if (ie.kind === 'shift') {
      if (ie.locking) {
        locked = ie.codeset;
        once = null;
      } else once = ie.codeset;
    } else once = null;
  }
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

/** The first IE of a kind in a message, typed. */
export function firstIe<K extends IeKind>(msg: Pick<Q931Message, 'ies'>, kind: K): Extract<InformationElement, { kind: K }> | undefined {
  return msg.ies.find((ie): ie is Extract<InformationElement, { kind: K }> => ie.kind === kind);
}

/** Every IE of a kind in a message, typed. */
export function allIes<K extends IeKind>(msg: Pick<Q931Message, 'ies'>, kind: K): Extract<InformationElement, { kind: K }>[] {
  return msg.ies.filter((ie): ie is Extract<InformationElement, { kind: K }> => ie.kind === kind);
}
