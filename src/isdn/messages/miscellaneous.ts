// Miscellaneous messages, Q.931 clauses 3.1 and 3.3 (Table 4-2 "miscellaneous") and FACILITY (Q.932 clause 4.3).
import { MessageType } from '../message-type.js';
import type { MessageRule } from './message-rule.js';

export const MISCELLANEOUS: readonly MessageRule[] = [
  { name: 'SEGMENT', messageType: MessageType.SEGMENT, clause: 'Q.931 Annex H (message segmentation)', mandatory: [], onMandatoryError: 'status' },
  { name: 'CONGESTION_CONTROL', messageType: MessageType.CONGESTION_CONTROL, clause: 'Q.931 clause 3.3 (user signalling bearer)', mandatory: [], onMandatoryError: 'status' },
  { name: 'INFORMATION', messageType: MessageType.INFORMATION, clause: 'Q.931 clause 3.1.6', mandatory: [], onMandatoryError: 'status' },
  // Clause 3.1.7: the notification indicator is mandatory in NOTIFY.
  { name: 'NOTIFY', messageType: MessageType.NOTIFY, clause: 'Q.931 clause 3.1.7', mandatory: ['notification-indicator'], onMandatoryError: 'status' },
  // Clause 3.1.16: cause and call state are mandatory in STATUS.
  { name: 'STATUS', messageType: MessageType.STATUS, clause: 'Q.931 clause 3.1.16', mandatory: ['cause', 'call-state'], onMandatoryError: 'status' },
  { name: 'STATUS_ENQUIRY', messageType: MessageType.STATUS_ENQUIRY, clause: 'Q.931 clause 3.1.17', mandatory: [], onMandatoryError: 'status' },
  // Q.932 clause 4.3.1.x: the facility IE is mandatory in FACILITY.
  { name: 'FACILITY', messageType: MessageType.FACILITY, clause: 'Q.932 clause 4.3.1', mandatory: ['facility'], onMandatoryError: 'status' },
];
