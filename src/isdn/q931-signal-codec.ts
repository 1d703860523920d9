// The Q.931 codec (message.ts) seen from call control: signals in, octets out,
// and back, for one switch variant and one span type.
import type { PartyNumber, Presentation as PresentationName } from '../call/pstn-leg.js';
import {
  ChannelSelection,
  MaintenanceMessageType,
  MessageType,
  ProtocolDiscriminator,
  TransferCapability,
  UserInfoLayer1,
  bChannel,
  causeIe,
  decodeMessage,
  encodeMessage,
  messageTypeName,
  numberingPlanCode,
  numberingPlanName,
  typeOfNumberCode,
  typeOfNumberName,
  variantProfile,
  type InformationElement,
  type Q931Message,
  type SwitchVariant,
  type VariantProfile,
} from './q931.js';
import type { CallReference, Signal, SignalCodec, SignalDecodeResult, SignalType } from './q931-signal.js';

/** Q.931 clause 4.3: a PRI uses 2-octet call reference values. */
const CR_LENGTH = 2;
const PRESENTATION_CODES: Record<PresentationName, number> = { allowed: 0, restricted: 1, unavailable: 2 };
const PRESENTATION_NAMES: PresentationName[] = ['allowed', 'restricted', 'unavailable', 'unavailable'];

/**
 * Under maintenance protocol discriminator 0x43 the two SERVICE codes are the
 * other way round: SERVICE 0x07, SERVICE ACKNOWLEDGE 0x0f (as the switches and
 * libpri use them; under 0x03 SERVICE is 0x0f as in ANSI T1.607).
 */
const PD_NEW_MAINTENANCE = 0x43;

function maintenanceCode(type: 'SERVICE' | 'SERVICE_ACKNOWLEDGE', pd: number): number {
  const swapped = pd === PD_NEW_MAINTENANCE;
  const service = type === 'SERVICE' ? !swapped : swapped;
  return service ? MaintenanceMessageType.SERVICE : MaintenanceMessageType.SERVICE_ACKNOWLEDGE;
}

export interface SignalCodecOptions {
  variant: SwitchVariant | VariantProfile;
  /** The span's law for the bearer capability of a SETUP: mu-law on T1, A-law on E1. */
  law: 'mu-law' | 'a-law';
}

export class Q931SignalCodec implements SignalCodec {
  readonly profile: VariantProfile;

  constructor(private readonly options: SignalCodecOptions) {
    this.profile = variantProfile(options.variant);
  }

  encode(s: Signal): Uint8Array {
    const maintenance = s.type === 'SERVICE' || s.type === 'SERVICE_ACKNOWLEDGE';
    const pd = maintenance ? (this.profile.maintenanceDiscriminator ?? ProtocolDiscriminator.MAINTENANCE) : ProtocolDiscriminator.Q931;
    const messageType = maintenance
      ? maintenanceCode(s.type as 'SERVICE' | 'SERVICE_ACKNOWLEDGE', pd)
      : MessageType[s.type as keyof typeof MessageType];
    const callReference =
      s.callRef === 'global'
        ? { value: 0, flag: 0 as const, length: CR_LENGTH }
        : s.callRef === 'dummy'
          ? { value: 0, flag: 0 as const, length: 0 }
          : { value: s.callRef.value, flag: s.callRef.flag, length: CR_LENGTH };
    const ies: InformationElement[] = [];
    // Q.931 clause 4.5.1: codeset 0 IEs go in ascending order of identifier.
    if (s.changeStatus !== undefined) ies.push({ kind: 'change-status', channel: true, status: s.changeStatus });
    if (s.bearer) {
      const law = s.bearer.law ?? this.options.law;
      ies.push({
        kind: 'bearer-capability',
        codingStandard: 0,
        transferCapability:
          s.bearer.capability === 'speech'
            ? TransferCapability.SPEECH
            : s.bearer.capability === 'audio-3.1k'
              ? TransferCapability.AUDIO_3K1
              : TransferCapability.UNRESTRICTED_DIGITAL,
        transferMode: 0,
        transferRate: 0x10,
        ...(s.bearer.capability === 'unrestricted-digital'
          ? {}
          : { layer1Protocol: law === 'a-law' ? UserInfoLayer1.G711_ALAW : UserInfoLayer1.G711_ULAW }),
      });
    }
    if (s.cause !== undefined) ies.push(causeIe(s.cause));
    if (s.callState !== undefined) ies.push({ kind: 'call-state', codingStandard: 0, value: s.callState });
    if (s.channel) {
      if (s.channel.selection === 'channels') {
        ies.push(bChannel(s.channel.channels[0] ?? 0, s.channel.exclusive));
        const last = ies[ies.length - 1];
        if (last?.kind === 'channel-identification' && s.channel.channels.length > 1) last.channels = [...s.channel.channels];
      } else {
        ies.push({
          kind: 'channel-identification',
          interfaceType: 'primary',
          exclusive: s.channel.exclusive,
          dChannel: false,
          selection: s.channel.selection === 'any' ? ChannelSelection.ANY : ChannelSelection.NO_CHANNEL,
        });
      }
    }
    for (const d of s.progress ?? []) {
      ies.push({
        kind: 'progress-indicator',
        codingStandard: this.profile.progressCodingStandard,
        location: this.profile.progressLocation,
        description: d,
      });
    }
    if (s.calling) {
      ies.push({
        kind: 'calling-party-number',
        typeOfNumber: s.calling.typeOfNumber ? typeOfNumberCode(s.calling.typeOfNumber) : this.profile.defaultTypeOfNumber,
        numberingPlan: s.calling.numberingPlan ? numberingPlanCode(s.calling.numberingPlan) : this.profile.defaultNumberingPlan,
        presentation: PRESENTATION_CODES[s.calling.presentation ?? 'allowed'],
        screening: 0,
        digits: s.calling.digits,
      });
    }
    if (s.called) {
      ies.push({
        kind: 'called-party-number',
        typeOfNumber: s.called.typeOfNumber ? typeOfNumberCode(s.called.typeOfNumber) : this.profile.defaultTypeOfNumber,
        numberingPlan: s.called.numberingPlan ? numberingPlanCode(s.called.numberingPlan) : this.profile.defaultNumberingPlan,
        digits: s.called.digits,
      });
    }
    if (s.restartClass !== undefined) ies.push({ kind: 'restart-indicator', restartClass: s.restartClass });
    // Q.931 clause 4.5.27: sending complete is a single-octet IE; Table 4-3 puts it first.
    if (s.sendingComplete) ies.unshift({ kind: 'sending-complete' });
    const msg: Q931Message = { protocolDiscriminator: pd, callReference, messageType, ies };
    return encodeMessage(msg, this.profile);
  }

  decode(octets: Uint8Array): SignalDecodeResult {
    let r: ReturnType<typeof decodeMessage>;
    try {
      r = decodeMessage(octets, this.profile);
    } catch (e) {
      return { ok: false, error: `Q.931 decoder failed: ${(e as Error).message}` };
    }
    const msg = r.message;
    if (!msg) return { ok: false, error: r.action.kind === 'ignore' ? `${r.action.clause}: ${r.action.reason}` : 'unreadable message' };
    let name = messageTypeName(msg.messageType, msg.protocolDiscriminator) as SignalType | undefined;
    if (msg.protocolDiscriminator === PD_NEW_MAINTENANCE && (name === 'SERVICE' || name === 'SERVICE_ACKNOWLEDGE')) {
      name = name === 'SERVICE' ? 'SERVICE_ACKNOWLEDGE' : 'SERVICE';
    }
    const cr = msg.callReference;
    const callRef: CallReference = cr.length === 0 ? 'dummy' : cr.value === 0 ? 'global' : { value: cr.value, flag: cr.flag };
    const base = { callRef, ...(name ? { type: name } : {}) };
    switch (r.action.kind) {
      case 'ignore':
        return { ok: false, error: `${r.action.clause}: ${r.action.reason}`, ...base };
      case 'status':
      case 'release-complete':
      case 'release':
        return { ok: false, error: `${r.action.clause}: ${r.action.reason}`, cause: r.action.cause, ...base };
      default:
        break;
    }
    if (!name) return { ok: false, error: `message type 0x${msg.messageType.toString(16)} unknown`, cause: 97, ...base };
    const s: Signal = { type: name, callRef };
    for (const ie of msg.ies) {
      switch (ie.kind) {
        case 'bearer-capability':
          s.bearer = {
            capability:
              ie.transferCapability === TransferCapability.SPEECH
                ? 'speech'
                : ie.transferCapability === TransferCapability.AUDIO_3K1
                  ? 'audio-3.1k'
                  : 'unrestricted-digital',
            ...(ie.layer1Protocol === UserInfoLayer1.G711_ALAW
              ? { law: 'a-law' as const }
              : ie.layer1Protocol === UserInfoLayer1.G711_ULAW
                ? { law: 'mu-law' as const }
                : {}),
          };
          break;
        case 'cause':
          s.cause ??= ie.value;
          break;
        case 'call-state':
          s.callState = ie.value;
          break;
        case 'channel-identification':
          s.channel = {
            selection:
              ie.selection === ChannelSelection.ANY
                ? 'any'
                : ie.selection === ChannelSelection.NO_CHANNEL
                  ? 'none'
                  : ie.channels?.length
                    ? 'channels'
                    : 'any',
            channels: ie.channels ?? [],
            exclusive: ie.exclusive,
          };
          break;
        case 'progress-indicator':
          (s.progress ??= []).push(ie.description);
          break;
        case 'calling-party-number':
          s.calling = partyNumber(ie);
          break;
        case 'called-party-number':
          s.called = partyNumber(ie);
          break;
        case 'sending-complete':
          s.sendingComplete = true;
          break;
        case 'restart-indicator':
          s.restartClass = ie.restartClass;
          break;
        case 'change-status':
          s.changeStatus = ie.status;
          break;
        case 'display':
          s.display = ie.text;
          break;
        default:
          break;
      }
    }
    return { ok: true, signal: s };
  }
}

function partyNumber(ie: { typeOfNumber: number; numberingPlan: number; presentation?: number; digits: string }): PartyNumber {
  const p: PartyNumber = {
    digits: ie.digits,
    typeOfNumber: typeOfNumberName(ie.typeOfNumber),
    numberingPlan: numberingPlanName(ie.numberingPlan),
  };
  if (ie.presentation !== undefined) p.presentation = PRESENTATION_NAMES[ie.presentation & 3] ?? 'allowed';
  return p;
}
