// Q.850 cause values: what every PSTN leg reports when a call ends, and what
// RFC 3398 maps to and from SIP status codes.

/** A Q.850 cause value (ITU-T Q.850 clause 2.2.5: 7 bits, 1..127). */
export type Q850Cause = number;

/** Named cause values of ITU-T Q.850 Table 1. */
export const Cause = {
  UNALLOCATED_NUMBER: 1,
  NO_ROUTE_TRANSIT_NETWORK: 2,
  NO_ROUTE_DESTINATION: 3,
  SEND_SPECIAL_INFO_TONE: 4,
  MISDIALLED_TRUNK_PREFIX: 5,
  CHANNEL_UNACCEPTABLE: 6,
  CALL_AWARDED_DELIVERED: 7,
  PREEMPTION: 8,
  PREEMPTION_CIRCUIT_RESERVED: 9,
  NORMAL_CLEARING: 16,
  USER_BUSY: 17,
  NO_USER_RESPONSE: 18,
  NO_ANSWER: 19,
  SUBSCRIBER_ABSENT: 20,
  CALL_REJECTED: 21,
  NUMBER_CHANGED: 22,
  REDIRECTION_TO_NEW_DESTINATION: 23,
  EXCHANGE_ROUTING_ERROR: 25,
  NON_SELECTED_USER_CLEARING: 26,
  DESTINATION_OUT_OF_ORDER: 27,
  INVALID_NUMBER_FORMAT: 28,
  FACILITY_REJECTED: 29,
  RESPONSE_TO_STATUS_ENQUIRY: 30,
  NORMAL_UNSPECIFIED: 31,
  NO_CIRCUIT_AVAILABLE: 34,
  NETWORK_OUT_OF_ORDER: 38,
  TEMPORARY_FAILURE: 41,
  SWITCH_CONGESTION: 42,
  ACCESS_INFO_DISCARDED: 43,
  REQUESTED_CHANNEL_UNAVAILABLE: 44,
  PRECEDENCE_CALL_BLOCKED: 46,
  RESOURCE_UNAVAILABLE: 47,
  QOS_UNAVAILABLE: 49,
  FACILITY_NOT_SUBSCRIBED: 50,
  OUTGOING_CALL_BARRED: 52,
  INCOMING_CALL_BARRED: 54,
  BEARER_CAPABILITY_NOT_AUTHORIZED: 57,
  BEARER_CAPABILITY_NOT_AVAILABLE: 58,
  SERVICE_UNAVAILABLE: 63,
  BEARER_CAPABILITY_NOT_IMPLEMENTED: 65,
  CHANNEL_TYPE_NOT_IMPLEMENTED: 66,
  FACILITY_NOT_IMPLEMENTED: 69,
  RESTRICTED_DIGITAL_ONLY: 70,
  SERVICE_NOT_IMPLEMENTED: 79,
  INVALID_CALL_REFERENCE: 81,
  CHANNEL_DOES_NOT_EXIST: 82,
  INCOMPATIBLE_DESTINATION: 88,
  INVALID_TRANSIT_NETWORK: 91,
  INVALID_MESSAGE: 95,
  MANDATORY_IE_MISSING: 96,
  MESSAGE_TYPE_NONEXISTENT: 97,
  WRONG_MESSAGE: 98,
  IE_NONEXISTENT: 99,
  INVALID_IE_CONTENTS: 100,
  WRONG_CALL_STATE: 101,
  RECOVERY_ON_TIMER_EXPIRY: 102,
  PARAMETER_NONEXISTENT_PASSED_ON: 103,
  MESSAGE_WITH_UNRECOGNIZED_PARAMETER: 110,
  PROTOCOL_ERROR: 111,
  INTERWORKING: 127,
} as const satisfies Record<string, Q850Cause>;

export type CauseName = keyof typeof Cause;

const names = new Map<number, CauseName>(
  (Object.entries(Cause) as [CauseName, number][]).map(([name, value]) => [value, name]),
);

/** The cause classes of Q.850 clause 2.2.5 (the three high bits of the value). */
export type CauseClass =
  | 'normal'
  | 'resource-unavailable'
  | 'service-unavailable'
  | 'service-not-implemented'
  | 'invalid-message'
  | 'protocol-error'
  | 'interworking';

const classes: readonly CauseClass[] = [
  'normal', // 000
  'normal', // 001
  'resource-unavailable', // 010
  'service-unavailable', // 011
  'service-not-implemented', // 100
  'invalid-message', // 101
  'protocol-error', // 110
  'interworking', // 111
];

export function isQ850Cause(value: unknown): value is Q850Cause {
  return typeof value === 'number' && Number.isInteger(value) && value >= 1 && value <= 127;
}

/** Checks a cause from outside (config, control socket); `where` names its origin in the error. */
export function q850Cause(value: unknown, where: string): Q850Cause {
  if (!isQ850Cause(value)) {
    throw new RangeError(`${where}: ${JSON.stringify(value)} is not a Q.850 cause (an integer 1..127)`);
  }
  return value;
}

export function causeClass(cause: Q850Cause): CauseClass {
  return classes[(cause >> 4) & 0x7] ?? 'interworking';
}

/**
 * The Q.850 name of a cause, or for a value Q.850 does not name, the class it
 * falls in: an unknown cause is treated as the unspecified cause of its class.
 */
export function causeName(cause: Q850Cause): string {
  return names.get(cause) ?? `UNSPECIFIED_${causeClass(cause).toUpperCase().replace(/-/g, '_')}`;
}
