// Call information phase messages, Q.931 clause 3.1 (suspend/resume, user information).
import { MessageType } from '../message-type.js';
import type { MessageRule } from './message-rule.js';

export const CALL_INFORMATION: readonly MessageRule[] = [
  { name: 'RESUME', messageType: MessageType.RESUME, clause: 'Q.931 clause 3.1.11', mandatory: [], onMandatoryError: 'status' },
  // Clause 3.1.12: channel identification is mandatory in RESUME ACKNOWLEDGE.
  { name: 'RESUME_ACKNOWLEDGE', messageType: MessageType.RESUME_ACKNOWLEDGE, clause: 'Q.931 clause 3.1.12', mandatory: ['channel-identification'], onMandatoryError: 'status' },
  { name: 'RESUME_REJECT', messageType: MessageType.RESUME_REJECT, clause: 'Q.931 clause 3.1.13', mandatory: ['cause'], onMandatoryError: 'status' },
  { name: 'SUSPEND', messageType: MessageType.SUSPEND, clause: 'Q.931 clause 3.1.18', mandatory: [], onMandatoryError: 'status' },
  { name: 'SUSPEND_ACKNOWLEDGE', messageType: MessageType.SUSPEND_ACKNOWLEDGE, clause: 'Q.931 clause 3.1.19', mandatory: [], onMandatoryError: 'status' },
  { name: 'SUSPEND_REJECT', messageType: MessageType.SUSPEND_REJECT, clause: 'Q.931 clause 3.1.20', mandatory: ['cause'], onMandatoryError: 'status' },
  // User-user IE is mandatory; the codec passes it through as an opaque IE, so it does not check it.
  { name: 'USER_INFORMATION', messageType: MessageType.USER_INFORMATION, clause: 'Q.931 clause 3.3 (user signalling bearer)', mandatory: [], onMandatoryError: 'status' },
];
