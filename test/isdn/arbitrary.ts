// fast-check generators of valid Q.931 messages for a switch variant.
import fc from 'fast-check';
import type { InformationElement, Q931Message, SwitchVariant, VariantProfile } from '../../src/isdn/q931.js';
import { MessageType, MaintenanceMessageType, variantProfile } from '../../src/isdn/q931.js';

const u = (max: number) => fc.integer({ min: 0, max });
const bytes = (min: number, max: number) => fc.uint8Array({ minLength: min, maxLength: max });
const ia5 = (max: number) => fc.string({ unit: fc.integer({ min: 0, max: 0x7f }).map((c) => String.fromCharCode(c)), maxLength: max });
/** Octets ending an ext-bit group: the last has bit 8 set, the others clear. */
const group = (min: number, max: number) =>
  fc.array(u(0x7f), { minLength: min, maxLength: max }).map((a) => Uint8Array.from(a.map((o, i) => (i === a.length - 1 ? o | 0x80 : o))));

function optional<T>(arb: fc.Arbitrary<T>): fc.Arbitrary<T | undefined> {
  return fc.option(arb, { nil: undefined });
}

/** Drops undefined fields so deepEqual sees what the decoder produces. */
function compact<T extends object>(o: T): T {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as T;
}

function bearerCapability(): fc.Arbitrary<InformationElement> {
  return fc
    .record({
      codingStandard: u(3),
      transferCapability: u(31),
      transferMode: u(3),
      transferRate: u(31),
      rateMultiplier: u(127),
      layer1: optional(fc.record({ p: u(31), ext: optional(group(1, 4)) })),
      layer2Protocol: optional(u(31)),
      layer3: optional(fc.record({ p: u(31), ext: optional(group(1, 2)) })),
    })
    .map((r) =>
      compact({
        kind: 'bearer-capability' as const,
        codingStandard: r.codingStandard,
        transferCapability: r.transferCapability,
        transferMode: r.transferMode,
        transferRate: r.transferRate,
        rateMultiplier: r.transferRate === 0x18 ? r.rateMultiplier : undefined,
        layer1Protocol: r.layer1?.p,
        layer1Extension: r.layer1?.ext,
        layer2Protocol: r.layer2Protocol,
        layer3Protocol: r.layer3?.p,
        layer3Extension: r.layer3?.ext,
      }),
    );
}

function channelIdentification(v: VariantProfile): fc.Arbitrary<InformationElement> {
  const primary = fc
    .record({
      exclusive: fc.boolean(),
      dChannel: fc.boolean(),
      selection: u(3),
      interfaceIdentifier: v.interfaceIdentifier ? optional(u(0x3fff)) : fc.constant(undefined),
      tail: fc.oneof(
        fc.constant(undefined),
        fc.record({ codingStandard: u(3), channelType: u(15), channels: fc.array(u(127), { minLength: 1, maxLength: 3 }) }),
        fc.record({ codingStandard: u(3), channelType: u(15), slotMap: bytes(1, 4) }),
      ),
    })
    .map((r) => compact({ kind: 'channel-identification' as const, interfaceType: 'primary' as const, exclusive: r.exclusive, dChannel: r.dChannel, selection: r.selection, interfaceIdentifier: r.interfaceIdentifier, ...(r.tail ?? {}) }));
  const basic = fc
    .record({ exclusive: fc.boolean(), dChannel: fc.boolean(), selection: u(3) })
    .map((r) => ({ kind: 'channel-identification' as const, interfaceType: 'basic' as const, ...r }));
  return fc.oneof(primary, basic);
}

function partyNumber(kind: 'called-party-number' | 'calling-party-number' | 'connected-number' | 'redirecting-number'): fc.Arbitrary<InformationElement> {
  return fc
    .record({ typeOfNumber: u(7), numberingPlan: u(15), digits: ia5(20), ps: optional(fc.record({ presentation: u(3), screening: u(3) })), reason: u(15), withReason: fc.boolean() })
    .map((r) => {
      const base = { kind, typeOfNumber: r.typeOfNumber, numberingPlan: r.numberingPlan, digits: r.digits };
      if (kind === 'called-party-number' || r.ps === undefined) return base;
      if (kind === 'redirecting-number' && r.withReason) return { ...base, ...r.ps, reason: r.reason };
      return { ...base, ...r.ps };
    });
}

/** Every typed codeset 0 IE the variant can carry. */
export function typedIe(variant: SwitchVariant | VariantProfile): fc.Arbitrary<InformationElement> {
  const v = variantProfile(variant);
  return fc.oneof(
    bearerCapability(),
    channelIdentification(v),
    partyNumber('called-party-number'),
    partyNumber('calling-party-number'),
    partyNumber('connected-number'),
    partyNumber('redirecting-number'),
    fc
      .record({ codingStandard: u(3), location: u(15), recommendation: optional(u(127)), value: u(127), diagnostics: optional(bytes(1, 8)) })
      .map((r) => compact({ kind: 'cause' as const, ...r })),
    fc.record({ codingStandard: u(3), location: u(15), description: u(127) }).map((r) => ({ kind: 'progress-indicator' as const, ...r })),
    fc
      .record({ text: ia5(40), displayType: optional(fc.integer({ min: 0x80, max: 0xff })) })
      .map((r) => compact({ kind: 'display' as const, ...r })),
    fc.record({ description: u(127), extension: optional(bytes(1, 6)) }).map((r) => compact({ kind: 'notification-indicator' as const, ...r })),
    fc.constantFrom(0, 6, 7).map((restartClass) => ({ kind: 'restart-indicator' as const, restartClass })),
    fc.record({ codingStandard: u(3), value: u(63) }).map((r) => ({ kind: 'call-state' as const, ...r })),
    fc.record({ channel: fc.boolean(), status: u(7) }).map((r) => ({ kind: 'change-status' as const, ...r })),
    bytes(1, 40).map((data) => ({ kind: 'facility' as const, data })),
    bytes(2, 12).map((data) => ({ kind: 'high-layer-compatibility' as const, data })),
    bytes(1, 12).map((data) => ({ kind: 'low-layer-compatibility' as const, data })),
    fc.constant({ kind: 'sending-complete' as const }),
    fc.constantFrom(0x2c, 0x7e, 0x71, 0x6d).chain((identifier) => bytes(0, 10).map((data) => ({ kind: 'opaque' as const, codeset: 0, identifier, data }))),
  );
}

/** IEs of codesets 5-7 behind a shift, passed through. */
function shiftedTail(): fc.Arbitrary<InformationElement[]> {
  const ie = (codeset: number) =>
    fc.oneof(
      bytes(0, 12).chain((data) => fc.integer({ min: 0, max: 0x7f }).map((identifier) => ({ kind: 'opaque' as const, codeset, identifier, data }))),
      fc.integer({ min: 0x80, max: 0xff }).filter((id) => (id & 0xf0) !== 0x90).map((identifier) => ({ kind: 'opaque' as const, codeset, identifier, data: new Uint8Array(0) })),
    );
  const nonLocking = fc.constantFrom(5, 6, 7).chain((codeset) => ie(codeset).map((x) => [{ kind: 'shift' as const, locking: false, codeset }, x]));
  const locking = fc.constantFrom(5, 6, 7).chain((codeset) => fc.array(ie(codeset), { maxLength: 3 }).map((xs) => [{ kind: 'shift' as const, locking: true, codeset }, ...xs]));
  return fc.oneof(fc.constant<InformationElement[]>([]), nonLocking, locking);
}

const CALL_TYPES = Object.values(MessageType);

/** A valid message: no IE beyond its repeat limit, so decoding gives it back unchanged. */
export function message(variant: SwitchVariant): fc.Arbitrary<Q931Message> {
  const v = variantProfile(variant);
  const header = fc.oneof(
    fc.record({ pd: fc.constant(0x08), mt: fc.constantFrom(...CALL_TYPES) }),
    ...(v.maintenanceDiscriminator !== null
      ? [fc.record({ pd: fc.constant(v.maintenanceDiscriminator as number), mt: fc.constantFrom(...Object.values(MaintenanceMessageType)) })]
      : []),
  );
  return fc
    .record({
      header,
      cr: fc.oneof(fc.record({ length: fc.constant(2), value: u(0x7fff) }), fc.record({ length: fc.constant(1), value: u(0x7f) }), fc.constant({ length: 0, value: 0 })),
      flag: fc.constantFrom(0 as const, 1 as const),
      ies: fc.uniqueArray(typedIe(v), { maxLength: 8, selector: (ie) => (ie.kind === 'opaque' ? `o${ie.identifier}` : ie.kind) }),
      tail: shiftedTail(),
    })
    .map((r) => ({
      protocolDiscriminator: r.header.pd,
      callReference: { value: r.cr.value, flag: r.cr.length === 0 ? 0 : r.flag, length: r.cr.length },
      messageType: r.header.mt,
      ies: [...r.ies, ...r.tail],
    }))
    .filter((m) => !restartOfAllWithChannel(m));
}

/** Q.931 clause 5.5.2: the decoder drops this channel identification on purpose (5.8.7.3). */
function restartOfAllWithChannel(m: Q931Message): boolean {
  return (
    m.protocolDiscriminator === 0x08 &&
    m.messageType === MessageType.RESTART &&
    m.ies.some((ie) => ie.kind === 'restart-indicator' && ie.restartClass === 7) &&
    m.ies.some((ie) => ie.kind === 'channel-identification')
  );
}
