// National maintenance messages SERVICE / SERVICE ACKNOWLEDGE (ANSI T1.607
// Annex, NI-2; protocol discriminator 0x03, AT&T 0x43), absent from ETSI and QSIG.
import { MaintenanceMessageType } from '../message-type.js';
import type { MessageRule } from './message-rule.js';

export const MAINTENANCE: readonly MessageRule[] = [
  { name: 'SERVICE', messageType: MaintenanceMessageType.SERVICE, maintenance: true, clause: 'ANSI T1.607 Annex (SERVICE)', mandatory: ['change-status', 'channel-identification'], onMandatoryError: 'status' },
  { name: 'SERVICE_ACKNOWLEDGE', messageType: MaintenanceMessageType.SERVICE_ACKNOWLEDGE, maintenance: true, clause: 'ANSI T1.607 Annex (SERVICE ACKNOWLEDGE)', mandatory: ['change-status', 'channel-identification'], onMandatoryError: 'status' },
];
