// The Q.931 codec's public surface, for the call state machines and the trace.
export * from './message.js';
export * from './message-type.js';
export * from './information-element.js';
export type { MessageRule, MandatoryErrorReaction } from './messages/message-rule.js';
export { variantProfile, isSwitchVariant, SWITCH_VARIANTS } from './variants/switch-variant.js';
export type { SwitchVariant, VariantProfile, NameCarriage } from './variants/switch-variant.js';
export { TransferCapability, UserInfoLayer1 } from './ie/bearer-capability.js';
export { bChannel, ChannelSelection, CHANNEL_TYPE_B, spanChannelError } from './ie/channel-identification.js';
export type { SpanType } from './ie/channel-identification.js';
export {
  TypeOfNumber,
  NumberingPlan,
  Presentation,
  Screening,
  typeOfNumberName,
  numberingPlanName,
  typeOfNumberCode,
  numberingPlanCode,
} from './ie/party-number.js';
export { causeIe, Location } from './ie/cause.js';
export { ProgressDescription } from './ie/progress-indicator.js';
export { Notification } from './ie/notification-indicator.js';
export { RestartClass } from './ie/restart-indicator.js';
export { ChannelStatus } from './ie/change-status.js';
export { callingNameIes, callingName } from './variants/calling-name.js';
export { progressIndicatorFor, interworkingProgressFor, calledPartyNumberFor, callingPartyNumberFor, setupChannelFor } from './variants/variant-defaults.js';
export { unknownCallReferenceAction, unexpectedMessageAction } from './message-sequence.js';
export { qsigCallingName, qsigCallingNameFacility } from './variants/qsig-name.js';
export { summarizeMessage } from './message-summary.js';
