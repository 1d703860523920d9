// Message types, Q.931 clause 4.4 Table 4-2, plus FACILITY (Q.932 clause 4.3)
// and the national maintenance messages SERVICE / SERVICE ACKNOWLEDGE
// (ANSI T1.607), which share codes with CONNECT ACK / CONNECT and are told
// apart by the protocol discriminator.

export const MessageType = {
  // Call establishment (Q.931 clause 3.1)
  ALERTING: 0x01,
  CALL_PROCEEDING: 0x02,
  CONNECT: 0x07,
  CONNECT_ACKNOWLEDGE: 0x0f,
  PROGRESS: 0x03,
  SETUP: 0x05,
  SETUP_ACKNOWLEDGE: 0x0d,
  // Call information phase
  RESUME: 0x26,
  RESUME_ACKNOWLEDGE: 0x2e,
  RESUME_REJECT: 0x22,
  SUSPEND: 0x25,
  SUSPEND_ACKNOWLEDGE: 0x2d,
  SUSPEND_REJECT: 0x21,
  USER_INFORMATION: 0x20,
  // Call clearing
  DISCONNECT: 0x45,
  RELEASE: 0x4d,
  RELEASE_COMPLETE: 0x5a,
  RESTART: 0x46,
  RESTART_ACKNOWLEDGE: 0x4e,
  // Miscellaneous
  SEGMENT: 0x60,
  CONGESTION_CONTROL: 0x79,
  INFORMATION: 0x7b,
  NOTIFY: 0x6e,
  STATUS: 0x7d,
  STATUS_ENQUIRY: 0x75,
  FACILITY: 0x62,
} as const;

/** Maintenance messages (protocol discriminator 0x03 or 0x43). */
export const MaintenanceMessageType = {
  SERVICE: 0x0f,
  SERVICE_ACKNOWLEDGE: 0x07,
} as const;

export type MessageTypeName = keyof typeof MessageType | keyof typeof MaintenanceMessageType;

/** Protocol discriminators (Q.931 clause 4.2). */
export const ProtocolDiscriminator = {
  Q931: 0x08,
  /** AT&T (4ESS/5ESS) and DMS-100 maintenance. */
  MAINTENANCE: 0x03,
  /** National (NI-2) maintenance. */
  MAINTENANCE_NATIONAL: 0x43,
  /** @deprecated Misnamed in the first API: 0x43 is the national discriminator; use MAINTENANCE_NATIONAL. */
  MAINTENANCE_ATT: 0x43,
} as const;

const CALL_NAMES = new Map<number, MessageTypeName>(
  Object.entries(MessageType).map(([n, v]) => [v, n as MessageTypeName]),
);
const MAINTENANCE_NAMES = new Map<number, MessageTypeName>(
  Object.entries(MaintenanceMessageType).map(([n, v]) => [v, n as MessageTypeName]),
);

export function isMaintenanceDiscriminator(pd: number): boolean {
  return pd === ProtocolDiscriminator.MAINTENANCE || pd === ProtocolDiscriminator.MAINTENANCE_NATIONAL;
}

/** The name of a message type under a protocol discriminator, or undefined when not recognized. */
export function messageTypeName(messageType: number, protocolDiscriminator: number = ProtocolDiscriminator.Q931): MessageTypeName | undefined {
  return (isMaintenanceDiscriminator(protocolDiscriminator) ? MAINTENANCE_NAMES : CALL_NAMES).get(messageType);
}
