// The typed information elements of a Q.931 message, and the codeset 0 codec
// registry (Q.931 Table 4-3).
import type { IeCodec } from './ie/ie-codec.js';
import { bearerCapability, type BearerCapability } from './ie/bearer-capability.js';
import { callState, type CallState } from './ie/call-state.js';
import { calledPartyNumber, type CalledPartyNumber } from './ie/called-party-number.js';
import { callingPartyNumber, type CallingPartyNumber } from './ie/calling-party-number.js';
import { cause, type CauseIe } from './ie/cause.js';
import { changeStatus, type ChangeStatus } from './ie/change-status.js';
import { channelIdentification, type ChannelIdentification } from './ie/channel-identification.js';
import { connectedNumber, type ConnectedNumber } from './ie/connected-number.js';
import { display, type Display } from './ie/display.js';
import { facility, type Facility } from './ie/facility.js';
import { highLayerCompatibility, type HighLayerCompatibility } from './ie/high-layer-compatibility.js';
import { lowLayerCompatibility, type LowLayerCompatibility } from './ie/low-layer-compatibility.js';
import { notificationIndicator, type NotificationIndicator } from './ie/notification-indicator.js';
import type { OpaqueIe } from './ie/opaque.js';
import { progressIndicator, type ProgressIndicator } from './ie/progress-indicator.js';
import { redirectingNumber, type RedirectingNumber } from './ie/redirecting-number.js';
import { restartIndicator, type RestartIndicator } from './ie/restart-indicator.js';
import { SENDING_COMPLETE, type SendingComplete } from './ie/sending-complete.js';
import { shiftOctet, type Shift } from './ie/shift.js';

export type {
  BearerCapability,
  CallState,
  CalledPartyNumber,
  CallingPartyNumber,
  CauseIe,
  ChangeStatus,
  ChannelIdentification,
  ConnectedNumber,
  Display,
  Facility,
  HighLayerCompatibility,
  LowLayerCompatibility,
  NotificationIndicator,
  OpaqueIe,
  ProgressIndicator,
  RedirectingNumber,
  RestartIndicator,
  SendingComplete,
  Shift,
};

/** An information element of a message, in the order it travels. */
export type InformationElement =
  | BearerCapability
  | CallState
  | CalledPartyNumber
  | CallingPartyNumber
  | CauseIe
  | ChangeStatus
  | ChannelIdentification
  | ConnectedNumber
  | Display
  | Facility
  | HighLayerCompatibility
  | LowLayerCompatibility
  | NotificationIndicator
  | ProgressIndicator
  | RedirectingNumber
  | RestartIndicator
  | SendingComplete
  | Shift
  | OpaqueIe;

export type IeKind = InformationElement['kind'];

/** The variable-length codeset 0 IEs the codec decodes into typed objects. */
export type TypedIe = Exclude<InformationElement, SendingComplete | Shift | OpaqueIe>;

type CodecTable = { [K in TypedIe['kind']]: IeCodec<Extract<TypedIe, { kind: K }>> };

export const IE_CODECS: CodecTable = {
  'bearer-capability': bearerCapability,
  'call-state': callState,
  'called-party-number': calledPartyNumber,
  'calling-party-number': callingPartyNumber,
  cause,
  'change-status': changeStatus,
  'channel-identification': channelIdentification,
  'connected-number': connectedNumber,
  display,
  facility,
  'high-layer-compatibility': highLayerCompatibility,
  'low-layer-compatibility': lowLayerCompatibility,
  'notification-indicator': notificationIndicator,
  'progress-indicator': progressIndicator,
  'redirecting-number': redirectingNumber,
  'restart-indicator': restartIndicator,
};

/** Codeset 0 identifier -> kind, for the decoder. */
export const KIND_BY_IDENTIFIER: ReadonlyMap<number, TypedIe['kind']> = new Map(
  (Object.entries(IE_CODECS) as [TypedIe['kind'], IeCodec<TypedIe>][]).map(([kind, codec]) => [codec.identifier, kind]),
);

/** The codec of a typed IE; typed loosely so one call site serves every kind. */
export function codecOf(kind: TypedIe['kind']): IeCodec<TypedIe> {
  return IE_CODECS[kind];
}

/** The (codeset, identifier) pair a typed or single-octet IE travels under. */
export function identifierOf(ie: InformationElement): { codeset: number; identifier: number } {
  switch (ie.kind) {
    case 'opaque':
      return { codeset: ie.codeset, identifier: ie.identifier };
    case 'sending-complete':
      return { codeset: 0, identifier: SENDING_COMPLETE };
    case 'shift':
      return { codeset: 0, identifier: shiftOctet(ie) };
    default:
      return { codeset: 0, identifier: codecOf(ie.kind).identifier };
  }
}
