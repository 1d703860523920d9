// Call establishment messages, Q.931 clause 3.1 (Table 4-2 "call establishment").
import { MessageType } from '../message-type.js';
import type { MessageRule } from './message-rule.js';

export const CALL_ESTABLISHMENT: readonly MessageRule[] = [
  { name: 'ALERTING', messageType: MessageType.ALERTING, clause: 'Q.931 clause 3.1.1', mandatory: [], onMandatoryError: 'status' },
  { name: 'CALL_PROCEEDING', messageType: MessageType.CALL_PROCEEDING, clause: 'Q.931 clause 3.1.2', mandatory: [], onMandatoryError: 'status' },
  { name: 'CONNECT', messageType: MessageType.CONNECT, clause: 'Q.931 clause 3.1.3', mandatory: [], onMandatoryError: 'status' },
  { name: 'CONNECT_ACKNOWLEDGE', messageType: MessageType.CONNECT_ACKNOWLEDGE, clause: 'Q.931 clause 3.1.4', mandatory: [], onMandatoryError: 'status' },
  // Clause 3.1.8: progress indicator is mandatory in PROGRESS.
  { name: 'PROGRESS', messageType: MessageType.PROGRESS, clause: 'Q.931 clause 3.1.8', mandatory: ['progress-indicator'], onMandatoryError: 'status' },
  // Clause 3.1.14: bearer capability is mandatory in SETUP; clause 5.8.6.1: a SETUP with a
  // mandatory IE missing is answered with RELEASE COMPLETE.
  { name: 'SETUP', messageType: MessageType.SETUP, clause: 'Q.931 clause 3.1.14', mandatory: ['bearer-capability'], onMandatoryError: 'release-complete' },
  { name: 'SETUP_ACKNOWLEDGE', messageType: MessageType.SETUP_ACKNOWLEDGE, clause: 'Q.931 clause 3.1.15', mandatory: [], onMandatoryError: 'status' },
];
