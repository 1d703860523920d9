// The operator's view of the gateway: what `sipline status` shows, what
// `status --json` prints (schemas/status.schema.json) and what the metrics
// are computed from. The card, ISDN, analog, SIP and call layers fill it in
// through status providers (status-registry.ts); ops never invents a value.

import type { CallState, CallStatus } from '../call/call-status.js';

export type { CallState, CallStatus };

/** D-channel of a PRI or BRI span; 'none' for spans without one (CAS, analog). */
export type DChannelState = 'up' | 'down' | 'none';

/** One T1/E1/BRI span, or the group of analog ports on a card. */
export interface SpanStatus {
  name: string;
  /** 'E1', 'T1', 'J1', 'BRI', 'analog'. */
  type: string;
  /** 'CRC4', 'CAS', 'ESF', 'D4', or '' where framing does not apply. */
  framing: string;
  /** 'HDB3', 'AMI', 'B8ZS', or ''. */
  lineCoding: string;
  /** Alarms raised now ('RED', 'YELLOW', 'BLUE', 'LOS', 'LOF', 'AIS'); empty when the span is up. */
  alarms: string[];
  dchannel: DChannelState;
  /** Error counters since the span started (bpv, crc4, ebit, fas, slips, ...). */
  counters: Record<string, number>;
  /** Bearer channels on the span. */
  channels: number;
}

export type PortKind = 'pri' | 'bri' | 'fxo' | 'fxs' | 'modem';
/** 'none' for digital channels, which have no hook. */
export type HookState = 'on-hook' | 'off-hook' | 'ringing' | 'none';

/** One channel that carries calls: a B-channel of a span, an analog port, a modem. */
export interface PortStatus {
  /** Port name, or `span:channel` for a B-channel. */
  name: string;
  kind: PortKind;
  /** The span the channel belongs to; null for a stand-alone port. */
  span: string | null;
  channel: number;
  hook: HookState;
  /** Signalling on the channel: 'pri-cpe', 'pri-net', 'loopstart', 'kewlstart', 'at-voice', ... */
  signalling: string;
  /** The signalling state machine's own name for its state (Q.931 U10, FXO 'ringing', ...). */
  signallingState: string;
  callState: CallState;
  blocked: boolean;
  /** The call on this channel, if any (its id in `calls`). */
  callId: string | null;
  /** Audio level received from the line, dBm0; null while no audio flows. */
  levelRxDbm0: number | null;
  /** An analog port's own number (the extension or the line), when configured. */
  number?: string;
  /** Audio level sent to the line, dBm0; null while no audio flows. */
  levelTxDbm0: number | null;
  /** The call on the channel as its row shows it; the registry's snapshot joins it from `calls` (providers leave it out). */
  call?: PortCall | null;
}

/** The parts of a call a channel's row shows (schemas/status.schema.json#/definitions/portCall). */
export type PortCall = Pick<CallStatus, 'id' | 'calling' | 'called' | 'state' | 'codec' | 'durationS' | 'jitterMs' | 'lossPct'>;

export type TrunkState = 'registered' | 'registering' | 'unregistered' | 'up' | 'down';

/** A SIP trunk or IP-PBX the gateway sends calls to. */
export interface TrunkStatus {
  name: string;
  state: TrunkState;
  /** The last failure (a SIP status line, a transport error), or null. */
  lastError: string | null;
  /** Successful registrations since start. */
  registrations: number;
}

export interface StatusTotals {
  spans: number;
  spansInAlarm: number;
  ports: number;
  portsBusy: number;
  portsBlocked: number;
  calls: number;
  callsConnected: number;
  trunks: number;
  trunksUp: number;
  /** Calls that ended since the gateway started. */
  callsEnded: number;
}

export interface GatewayInfo {
  version: string;
  pid: number;
  startedAt: string;
  uptimeS: number;
  controlSocket: string;
  /** `host:port` the metrics endpoint listens on, or null when it is off. */
  metrics: string | null;
}

/** What the gateway exposes and how it screens it: listening sockets, who may call in, bans in force. */
export interface SecurityStatus {
  /** Every address and port the gateway listens on. */
  listening: Array<{ service: 'sip' | 'rtp' | 'control' | 'metrics'; transport: string; address: string; port: string }>;
  /** What a source that is not allowed gets. */
  unknownSources: 'reject' | 'silent';
  /** Trunks and the addresses or networks their requests are taken from. */
  trunks: Array<{ name: string; sources: string[] }>;
  /** Digest user names. */
  users: string[];
  /** Sources banned now, and until when (ISO time). */
  bans: Array<{ address: string; until: string }>;
  /** Requests refused, rate-limited or dropped as scanners, authentication failures and bans, since start. */
  counts: { refused: number; rateLimited: number; scanners: number; authFailures: number; bans: number };
}

/** Everything `status` returns, in one snapshot. */
export interface GatewayStatus {
  gateway: GatewayInfo;
  spans: SpanStatus[];
  ports: PortStatus[];
  trunks: TrunkStatus[];
  calls: CallStatus[];
  totals: StatusTotals;
  /** Null when the gateway has no SIP side. */
  security: SecurityStatus | null;
}

export type EventKind = 'span' | 'port' | 'trunk' | 'call' | 'gateway';

/** A line or call event as `sipline events` streams it (schemas/event.schema.json). */
export interface GatewayEvent {
  /** Increases by one per event since the gateway started. */
  seq: number;
  time: string;
  kind: EventKind;
  /** Name of the span, port or trunk, or the call id. */
  name: string;
  /** What happened: 'alarm', 'dchannel-down', 'hook', 'incoming', 'answered', 'released', 'registered', ... */
  type: string;
  /** Related span, port, trunk and call, where they apply. */
  span?: string;
  port?: string;
  trunk?: string;
  call?: string;
  /** The Q.850 cause of a release. */
  cause?: number;
  /** A call refused or ended by policy: the source ("trunk carrier") and the rule ('class', 'concurrentCalls', ...). */
  source?: string;
  rule?: string;
  /** One line for a human. */
  text: string;
}

/** What a part hands to the registry; seq and time are added there. */
export type EventInput = Omit<GatewayEvent, 'seq' | 'time'>;
