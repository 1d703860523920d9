// Call clearing and restart messages, Q.931 clauses 3.1.5, 3.1.9, 3.1.10 and 3.4.
import { RestartClass } from '../ie/restart-indicator.js';
import { MessageType } from '../message-type.js';
import type { InformationElement, TypedIe } from '../information-element.js';
import type { MessageRule } from './message-rule.js';

function restartClass(ies: readonly InformationElement[]): number | undefined {
  const ri = ies.find((ie) => ie.kind === 'restart-indicator');
  return ri?.kind === 'restart-indicator' ? ri.restartClass : undefined;
}

function indicatedChannels(ies: readonly InformationElement[]): readonly TypedIe['kind'][] {
  return restartClass(ies) === RestartClass.INDICATED_CHANNELS ? ['channel-identification'] : [];
}

/** Clause 5.5.2: a restart of all interfaces with a channel identification follows 5.8.7.3. */
function allInterfaces(ies: readonly InformationElement[]): readonly TypedIe['kind'][] {
  return restartClass(ies) === RestartClass.ALL_INTERFACES ? ['channel-identification'] : [];
}

export const CALL_CLEARING: readonly MessageRule[] = [
  // Clause 5.8.6.1: a DISCONNECT without cause is cleared with RELEASE cause 96.
  { name: 'DISCONNECT', messageType: MessageType.DISCONNECT, clause: 'Q.931 clause 3.1.5', mandatory: ['cause'], onMandatoryError: 'release', clearing: 'respond' },
  // Clause 3.1.9: the cause is mandatory only in the first clearing message, so the codec
  // does not demand it; clause 5.8.6.1 still fixes the reaction when it is wrong.
  { name: 'RELEASE', messageType: MessageType.RELEASE, clause: 'Q.931 clause 3.1.9', mandatory: [], onMandatoryError: 'process-respond', clearing: 'respond' },
  { name: 'RELEASE_COMPLETE', messageType: MessageType.RELEASE_COMPLETE, clause: 'Q.931 clause 3.1.10', mandatory: [], onMandatoryError: 'process', clearing: 'last' },
  // Clause 3.4.1 / 3.4.2: the restart indicator is mandatory; clause 5.5.2: a restart of
  // "indicated channels" without channel identification follows 5.8.6.1. The channel
  // identification may be repeated for several interfaces (Table 3-50 note 2).
  {
    name: 'RESTART',
    messageType: MessageType.RESTART,
    clause: 'Q.931 clause 3.4.1',
    mandatory: ['restart-indicator'],
    onMandatoryError: 'status',
    conditionalMandatory: indicatedChannels,
    conditionalUnexpected: allInterfaces,
    repeat: { 'channel-identification': Infinity },
  },
  {
    name: 'RESTART_ACKNOWLEDGE',
    messageType: MessageType.RESTART_ACKNOWLEDGE,
    clause: 'Q.931 clause 3.4.2',
    mandatory: ['restart-indicator'],
    onMandatoryError: 'status',
    repeat: { 'channel-identification': Infinity },
  },
];
