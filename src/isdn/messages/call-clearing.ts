// Call clearing and restart messages, Q.931 clauses 3.1.5-3.1.9 and 3.3.
import { MessageType } from '../message-type.js';
import type { MessageRule } from './message-rule.js';

export const CALL_CLEARING: readonly MessageRule[] = [
  // Clause 5.8.6.1: a DISCONNECT without cause is cleared with RELEASE cause 96.
  { name: 'DISCONNECT', messageType: MessageType.DISCONNECT, clause: 'Q.931 clause 3.1.5', mandatory: ['cause'], onMandatoryError: 'release', clearing: true },
  // Clause 3.1.9: the cause is mandatory only in the first clearing message, so the codec
  // does not demand it; clause 5.8.6.1 still fixes the reaction when it is wrong.
  { name: 'RELEASE', messageType: MessageType.RELEASE, clause: 'Q.931 clause 3.1.9', mandatory: [], onMandatoryError: 'process-respond', clearing: true },
  { name: 'RELEASE_COMPLETE', messageType: MessageType.RELEASE_COMPLETE, clause: 'Q.931 clause 3.1.10', mandatory: [], onMandatoryError: 'process', clearing: true },
  // Clause 3.3.1 / 3.3.2: the restart indicator is mandatory.
  { name: 'RESTART', messageType: MessageType.RESTART, clause: 'Q.931 clause 3.3.1', mandatory: ['restart-indicator'], onMandatoryError: 'status' },
  { name: 'RESTART_ACKNOWLEDGE', messageType: MessageType.RESTART_ACKNOWLEDGE, clause: 'Q.931 clause 3.3.2', mandatory: ['restart-indicator'], onMandatoryError: 'status' },
];
