// What a call tells the operator side about itself. The call layer owns these
// shapes; ops/ shows them (status, events, metrics) without call/ importing
// upwards.
import type { Q850Cause } from './q850.js';

export type CallState = 'idle' | 'seized' | 'dialing' | 'proceeding' | 'alerting' | 'connected' | 'releasing' | 'blocked';

/** A call through the gateway: a PSTN leg and a SIP leg joined by call/. */
export interface CallStatus {
  id: string;
  direction: 'pstn-to-sip' | 'sip-to-pstn' | 'pstn-to-pstn';
  /** The port carrying the PSTN leg, or null before a channel is picked. */
  port: string | null;
  trunk: string | null;
  calling: string;
  called: string;
  state: CallState;
  /** Codec on the SIP side ('PCMU', 'PCMA', 'opus'), null before SDP is agreed. */
  codec: string | null;
  startedAt: string;
  answeredAt: string | null;
  /** Seconds since the call started. */
  durationS: number;
  /** RTP interarrival jitter, ms (RFC 3550 §6.4.1). */
  jitterMs: number | null;
  /** RTP packets lost, percent of expected (RFC 3550 §6.4.1). */
  lossPct: number | null;
}

/** A call's line on the operator's board: its status on demand, and hangup by hand. */
export interface CallEntry {
  status(): CallStatus;
  /** Releases both legs with the cause. */
  hangup?(cause: Q850Cause): void | Promise<void>;
}

/** One event of a call ('incoming', 'answered', 'released', ...). */
export interface CallEvent {
  kind: 'call';
  name: string;
  type: string;
  call: string;
  port?: string;
  trunk?: string;
  cause?: Q850Cause;
  /** A call refused or ended by policy: the source and the rule ('class', 'concurrentCalls', ...). */
  source?: string;
  rule?: string;
  text: string;
}

/** Where the router lists its calls and reports their events (the status registry in ops/). */
export interface CallBoard {
  readonly calls: { add(id: string, entry: CallEntry): () => void };
  publish(event: CallEvent): unknown;
}
