// Maintenance messages SERVICE / SERVICE ACKNOWLEDGE (ANSI T1.607 Annex; NI-2
// national protocol discriminator 0x43, AT&T and DMS-100 0x03), absent from ETSI and QSIG.
import { MaintenanceMessageType } from '../message-type.js';
import type { MessageRule } from './message-rule.js';

export const MAINTENANCE: readonly MessageRule[] = [
  { name: 'SERVICE', messageType: MaintenanceMessageType.SERVICE, maintenance: true, clause: 'ANSI T1.607 Annex (SERVICE)', mandatory: ['change-status', 'channel-identification'], onMandatoryError: 'status' },
  { name: 'SERVICE_ACKNOWLEDGE', messageType: MaintenanceMessageType.SERVICE_ACKNOWLEDGE, maintenance: true, clause: 'ANSI T1.607 Annex (SERVICE ACKNOWLEDGE)', mandatory: ['change-status', 'channel-identification'], onMandatoryError: 'status' },
];
