// Channel identification, Q.931 clause 4.5.13 (identifier 0x18).
import { EXT, checkField, fail, groupEnd, ok, type IeCodec, type IeResult } from './ie-codec.js';
import type { VariantProfile } from '../variants/switch-variant.js';

/*
 *         8     7     6     5     4     3     2     1
 *      +-----+-----+-----+-----+-----+-----+-----------+
 *  3   | ext | int.| int.|spare|pref/| D-ch| info chan.|
 *      |  1  | id  | type|  0  |excl | ind.| selection |
 *      +-----+-----+-----+-----+-----+-----+-----------+
 *  3.1 | ext |      interface identifier (bit 7 = 1)   |   octets while ext = 0
 *      +-----+-----------+-----+-----------------------+
 *  3.2 | ext | coding std| nr/ | channel type /        |   primary rate only
 *      |  1  |           | map | map element type      |
 *      +-----+-----------+-----+-----------------------+
 *  3.3 | ext |  channel number (nr/map = 0) or slot map (nr/map = 1)   |
 *      +-----+-----------------------------------------+
 * T1 23B+D: channels 1..24; E1 30B+D: timeslots 1..31 (16 is the D-channel).
 */
const INTERFACE_ID_PRESENT = 0x40;
const INTERFACE_TYPE_PRIMARY = 0x20;
const EXCLUSIVE = 0x08;
const D_CHANNEL = 0x04;
const SELECTION_MASK = 0x03;
const CODING_SHIFT = 5;
const TWO_BITS = 0x03;
const NUMBER_MAP = 0x10;
const CHANNEL_TYPE_MASK = 0x0f;
const SEVEN_BITS = 0x7f;
/** Octet 3.2 channel type "B-channel units" (Q.931 Table 4-15). */
export const CHANNEL_TYPE_B = 0x03;

/** Information channel selection (octet 3 bits 2-1): on a PRI 1 = "as indicated", 3 = "any channel". */
export const ChannelSelection = { NO_CHANNEL: 0, AS_INDICATED: 1, B2: 2, ANY: 3 } as const;

export interface ChannelIdentification {
  kind: 'channel-identification';
  /** Octet 3 bit 6: 'basic' for BRI, 'primary' for T1/E1 spans. */
  interfaceType: 'basic' | 'primary';
  /** Octet 3 bit 4: true = only the indicated channel is acceptable. */
  exclusive: boolean;
  /** Octet 3 bit 3: the D-channel itself is meant. */
  dChannel: boolean;
  /** ChannelSelection (octet 3 bits 2-1). */
  selection: number;
  /** Octet 3.1 when the interface is identified explicitly (NFAS). */
  interfaceIdentifier?: number;
  /** Octet 3.2 coding standard (0 ITU-T). */
  codingStandard?: number;
  /** Octet 3.2 channel type, CHANNEL_TYPE_B for B-channels. */
  channelType?: number;
  /** Octet 3.3 channel numbers (nr/map = 0). */
  channels?: number[];
  /** Octet 3.3 slot map octets (nr/map = 1). */
  slotMap?: Uint8Array;
}

const NAME = 'channel identification';

function decode(c: Uint8Array, variant: VariantProfile): IeResult<ChannelIdentification> {
  const o3 = c[0];
  if (o3 === undefined) return fail(`${NAME}: empty, octet 3 needs 1 octet`);
  if (!(o3 & EXT)) return fail(`${NAME}: octet 3 lacks the extension bit`);
  const ci: ChannelIdentification = {
    kind: 'channel-identification',
    interfaceType: o3 & INTERFACE_TYPE_PRIMARY ? 'primary' : 'basic',
    exclusive: (o3 & EXCLUSIVE) !== 0,
    dChannel: (o3 & D_CHANNEL) !== 0,
    selection: o3 & SELECTION_MASK,
  };
  let at = 1;
  if (o3 & INTERFACE_ID_PRESENT) {
    // Clause 4.5.13 octet 3.1; ETSI EN 300 403-1 clause 4.5.13 has no explicit interface.
    if (!variant.interfaceIdentifier) return fail(`${NAME}: ${variant.title} has no interface identifier`);
    const end = groupEnd(c, at);
    if (end < 0 || end - at > 4) return fail(`${NAME}: interface identifier runs past the ${c.length} octets`);
    let id = 0;
    for (let i = at; i < end; i++) id = id * 128 + ((c[i] ?? 0) & SEVEN_BITS);
    ci.interfaceIdentifier = id;
    at = end;
  }
  if (at === c.length) return ok(ci);
  if (ci.interfaceType === 'basic') return fail(`${NAME}: basic interface with ${c.length - at} octets after octet 3`);
  const o32 = c[at] ?? 0;
  if (!(o32 & EXT)) return fail(`${NAME}: octet 3.2 lacks the extension bit`);
  ci.codingStandard = (o32 >> CODING_SHIFT) & TWO_BITS;
  ci.channelType = o32 & CHANNEL_TYPE_MASK;
  at++;
  const rest = c.slice(at);
  if (o32 & NUMBER_MAP) {
    if (rest.length === 0) return fail(`${NAME}: slot map indicated, no map octets`);
    ci.slotMap = rest;
    return ok(ci);
  }
  // Octet 3.3: channel numbers, ext = 0 means another follows.
  if (rest.length === 0) return fail(`${NAME}: channel number indicated, octet 3.3 missing`);
  if (!((rest[rest.length - 1] ?? 0) & EXT)) return fail(`${NAME}: last channel number lacks the extension bit`);
  const channels: number[] = [];
  for (let i = 0; i < rest.length; i++) {
    const o = rest[i] ?? 0;
    if (o & EXT && i !== rest.length - 1) return fail(`${NAME}: octets after the last channel number`);
    channels.push(o & SEVEN_BITS);
  }
  ci.channels = channels;
  return ok(ci);
}

function interfaceIdOctets(id: number): number[] {
  const out = [id & SEVEN_BITS];
  let rest = Math.floor(id / 128);
  while (rest > 0) {
    out.unshift(rest & SEVEN_BITS);
    rest = Math.floor(rest / 128);
  }
  return out.map((o, i, a) => (i === a.length - 1 ? o | EXT : o));
}

function build(ci: ChannelIdentification, variant: VariantProfile): number[] {
  checkField(NAME, 'selection', ci.selection, SELECTION_MASK);
  if (ci.interfaceIdentifier !== undefined && !variant.interfaceIdentifier) {
    throw new RangeError(`${NAME}: ${variant.title} has no interface identifier`);
  }
  const out: number[] = [
    EXT |
      (ci.interfaceIdentifier !== undefined ? INTERFACE_ID_PRESENT : 0) |
      (ci.interfaceType === 'primary' ? INTERFACE_TYPE_PRIMARY : 0) |
      (ci.exclusive ? EXCLUSIVE : 0) |
      (ci.dChannel ? D_CHANNEL : 0) |
      ci.selection,
  ];
  if (ci.interfaceIdentifier !== undefined) {
    checkField(NAME, 'interface identifier', ci.interfaceIdentifier, 0x0fffffff);
    out.push(...interfaceIdOctets(ci.interfaceIdentifier));
  }
  const hasMap = ci.slotMap !== undefined && ci.slotMap.length > 0;
  const hasChannels = ci.channels !== undefined && ci.channels.length > 0;
  if (hasMap || hasChannels) {
    if (ci.interfaceType !== 'primary') throw new RangeError(`${NAME}: channel numbers need a primary rate interface`);
    const coding = ci.codingStandard ?? 0;
    const type = ci.channelType ?? CHANNEL_TYPE_B;
    checkField(NAME, 'coding standard', coding, TWO_BITS);
    checkField(NAME, 'channel type', type, CHANNEL_TYPE_MASK);
    out.push(EXT | (coding << CODING_SHIFT) | (hasMap ? NUMBER_MAP : 0) | type);
    if (hasMap) out.push(...(ci.slotMap ?? []));
    else {
      const chans = ci.channels ?? [];
      chans.forEach((ch, i) => {
        checkField(NAME, 'channel number', ch, SEVEN_BITS);
        out.push(i === chans.length - 1 ? EXT | ch : ch);
      });
    }
  }
  return out;
}

export const channelIdentification: IeCodec<ChannelIdentification> = {
  identifier: 0x18,
  name: NAME,
  decode,
  encode: (ci, variant) => Uint8Array.from(build(ci, variant)),
  length: (ci, variant) => build(ci, variant).length,
};

/** A channel ID for one B-channel of a T1 or E1 span (the common SETUP form). */
export function bChannel(channel: number, exclusive: boolean, interfaceIdentifier?: number): ChannelIdentification {
  const ci: ChannelIdentification = {
    kind: 'channel-identification',
    interfaceType: 'primary',
    exclusive,
    dChannel: false,
    selection: ChannelSelection.AS_INDICATED,
    codingStandard: 0,
    channelType: CHANNEL_TYPE_B,
    channels: [channel],
  };
  if (interfaceIdentifier !== undefined) ci.interfaceIdentifier = interfaceIdentifier;
  return ci;
}

/** The B-channels a span type carries: T1 23B+D (1..23, 24 is the D-channel), E1 30B+D (1..31 without 16). */
export type SpanType = 'T1' | 'E1';

const T1_D_CHANNEL = 24;
const E1_D_CHANNEL = 16;
const E1_LAST = 31;

/**
 * Why a channel identification names no B-channel of this span, or null when
 * it does. Q.931 clause 5.1.2 / 5.2.3.1: a channel that does not exist is
 * refused with cause 82; the call control decides that, this only checks.
 * With NFAS the D-channel timeslot of another span is a B-channel, so a
 * channel ID with an interface identifier may name timeslot 24 on a T1.
 */
export function spanChannelError(ci: ChannelIdentification, span: SpanType): string | null {
  if (ci.interfaceType !== 'primary') return `${NAME}: a basic rate channel on a ${span} span`;
  if (ci.slotMap !== undefined) return null;
  for (const ch of ci.channels ?? []) {
    if (span === 'T1') {
      const last = ci.interfaceIdentifier !== undefined ? T1_D_CHANNEL : T1_D_CHANNEL - 1;
      if (ch < 1 || ch > last) return `${NAME}: channel ${ch} is not a B-channel of a T1 (1..${last})`;
    } else if (ch < 1 || ch > E1_LAST || ch === E1_D_CHANNEL) {
      return `${NAME}: timeslot ${ch} is not a B-channel of an E1 (1..15, 17..31)`;
    }
  }
  return null;
}
