// Q.931 call states (clause 2.1 user side U0..U25, clause 2.2 network side
// N0..N25). Both sides share the numbering of the call state IE (clause
// 4.5.7); which letter a state takes depends on the side holding it.

export enum CallState {
  Null = 0,
  CallInitiated = 1,
  OverlapSending = 2,
  OutgoingCallProceeding = 3,
  CallDelivered = 4,
  CallPresent = 6,
  CallReceived = 7,
  ConnectRequest = 8,
  IncomingCallProceeding = 9,
  Active = 10,
  DisconnectRequest = 11,
  DisconnectIndication = 12,
  ReleaseRequest = 19,
  CallAbort = 22,
  OverlapReceiving = 25,
}

/** The name Q.931 gives a state on a side: U3, N10, ... */
export function callStateName(side: 'user' | 'network', state: CallState): string {
  return `${side === 'user' ? 'U' : 'N'}${state}`;
}

/** The Q.931 timers call control runs (Tables 9-1 and 9-2), in milliseconds. */
export interface CallTimers {
  /** Overlap receiving: waits for more INFORMATION (clause 5.1.3 / 5.2.4); 15 s. */
  T302: number;
  /** SETUP sent, no response (clause 5.1.1 / 5.2.1); 4 s. */
  T303: number;
  /** DISCONNECT sent, no RELEASE (clause 5.3.3 / 5.3.4); 30 s. */
  T305: number;
  /** RELEASE sent, no RELEASE COMPLETE (clause 5.3.3 / 5.3.4); 4 s. */
  T308: number;
  /** Data link lost with calls active (clause 5.8.9); 90 s. */
  T309: number;
  /** CALL PROCEEDING received, nothing more (clause 5.1.5.1 / 5.2.5.2); 30 s (10 s on the network side). */
  T310: number;
  /** CONNECT sent by the user, no CONNECT ACKNOWLEDGE (clause 5.2.8); 4 s. */
  T313: number;
  /** RESTART sent, no RESTART ACKNOWLEDGE (clause 5.5.1); 2 min. */
  T316: number;
  /** STATUS ENQUIRY sent, no STATUS (clause 5.8.10); 4 s. */
  T322: number;
}

export const defaultCallTimers: CallTimers = {
  T302: 15000,
  T303: 4000,
  T305: 30000,
  T308: 4000,
  T309: 90000,
  T310: 30000,
  T313: 4000,
  T316: 120000,
  T322: 4000,
};

export type CallTimerName = keyof CallTimers;
