// The gateway configuration (gateway.yaml): types of a checked configuration.
// The schema is in gateway-config-schema.ts; config-check.ts reads and checks a file.
import type { DestinationClass } from './destination-class.js';

export type SwitchType = 'national' | 'dms100' | '5ess' | '4ess' | 'euroisdn' | 'qsig';
export type HuntStrategy = 'first-free' | 'round-robin' | 'least-recently-used' | 'random';
export type Codec = 'pcmu' | 'pcma' | 'opus' | 'g722' | 'telephone-event';
export type DisconnectSupervision = 'loop-current' | 'polarity-reversal' | 'busy-tone' | 'dial-tone' | 'silence';

/** A T1/E1 span carrying ISDN PRI. */
export interface SpanConfig {
  /** Line name, unique in the file: what line groups and CDRs call it. */
  name: string;
  /** Span number on the card, from 1. */
  span: number;
  signalling: 'pri';
  side: 'user' | 'network';
  switchType: SwitchType;
  framing?: 'esf' | 'd4' | 'crc4' | 'cas';
  coding?: 'b8zs' | 'ami' | 'hdb3';
  /** Called number for every incoming call, whatever the line sends (a hotline). */
  destination?: string;
  /** Limits on the calls the span offers. */
  limits?: SourceLimits;
}

/** An analog port: FXO towards a central office or PBX extension, FXS towards a phone. */
export interface PortConfig {
  name: string;
  /** Port number on the card, from 1. */
  port: number;
  signalling: 'fxo' | 'fxs';
  toneZone?: string;
  callerId?: 'bell202' | 'v23' | 'dtmf' | 'none';
  /** FXO: answer on this ring. */
  answerOnRing?: number;
  /** FXO: the signs that the far end hung up. */
  disconnect?: DisconnectSupervision[];
  /** Called number for incoming calls on the port (an FXO line has none of its own). */
  destination?: string;
  /** The port's own number: FXS, the extension's calling number; FXO, the line's directory number. */
  number?: string;
  /** FXS: the caller name of the extension's calls (SIP display name); FXO: the line's label. */
  callerName?: string;
  /** FXO: what the line does while an operator has it blocked (`sipline port block`). */
  whenBlocked?: 'ignore-rings' | 'busy-out';
  /** FXO: how the answer of a dialled call is seen: the office's line reversal, or none (assumed once dialled). */
  answerSupervision?: 'polarity-reversal' | 'none';
  /** Limits on the calls the port offers. */
  limits?: SourceLimits;
}

export interface CardConfig {
  name: string;
  /** Name of a file in hw-profiles/ (without .yaml). */
  profile: string;
  spans?: SpanConfig[];
  ports?: PortConfig[];
}

export interface LineGroupConfig {
  name: string;
  /** Span and port names, in hunting order. */
  lines: string[];
  hunt?: HuntStrategy;
  /** Limits on the calls the group's lines offer, all together. */
  limits?: SourceLimits;
}

/**
 * What one source (a trunk, a digest user, a line, a line group) may do.
 * A call over a limit is refused (or ended) with cause 21, a log line and
 * sipline_calls_limited_total.
 */
export interface SourceLimits {
  /** Calls in progress at once. */
  concurrentCalls?: number;
  /** New calls per second, averaged over a second. */
  callsPerSecond?: number;
  /** Seconds an answered call may last (then cause 102); calls.maxDuration by default. */
  maxDuration?: number;
  /** Minutes of answered calls a day (the box's local day) per destination class. */
  minutesPerDay?: Partial<Record<DestinationClass, number>>;
}

/** What a SIP source (trunk or digest user) may do besides what every SIP source may. */
export interface SipSourcePolicy {
  /** Destination classes denied to SIP sources by default (international, premium-rate) that this source may reach. */
  allow?: DestinationClass[];
  limits?: SourceLimits;
  /** Its emergency calls may clear a call on the busy emergency line group (cause 8), as a line's may. */
  preempt?: boolean;
}

export interface SipTrunkConfig extends SipSourcePolicy {
  name: string;
  host: string;
  port?: number;
  transport?: 'udp' | 'tcp' | 'tls';
  /** Registration; a trunk either registers or is IP-authenticated (allowedAddresses). */
  register?: { username: string; password: string; expiry?: number };
  /** Addresses or CIDR prefixes the trunk's requests may come from. */
  allowedAddresses?: string[];
  outboundProxy?: string;
  keepalive?: { interval: number; failures?: number };
  codecs?: Codec[];
  /** The trunk is in our trust domain: its P-Asserted-Identity is believed (RFC 3325). */
  trusted?: boolean;
  /** Where an inbound INVITE's called number is read. */
  calledNumber?: 'request-uri' | 'to';
  /** SRTP with SDES keys (RFC 4568) on the trunk's calls; needs sip.transport tls. Mandatory by default on TLS, off otherwise. */
  srtp?: 'off' | 'optional' | 'mandatory';
}

export interface NumberRewrite {
  /** Digits removed from the front. */
  strip?: number;
  /** Digits added in front (after strip). */
  prefix?: string;
  /** Normalise to E.164 (+CC...) as dialled in this country (ISO 3166 code). */
  e164?: string;
  /** Format as a national number of this country. */
  national?: string;
}

/**
 * The sources a route serves: every line ('pstn'), every admitted SIP source
 * ('sip': trunks and digest users), both ('any'), or sources by name (any
 * of the lists).
 */
export type RouteSources = 'pstn' | 'sip' | 'any' | { trunks?: string[]; users?: string[]; lineGroups?: string[]; lines?: string[] };

export interface RouteConfig {
  name?: string;
  /** Who may use the route; required (a route without it serves nobody). */
  from?: RouteSources;
  /** Destination classes denied to SIP sources by default that the route's callers may reach. */
  allow?: DestinationClass[];
  match?: { called?: string | string[]; calling?: string | string[] };
  rewrite?: { called?: NumberRewrite; calling?: NumberRewrite };
  to: {
    /** SIP trunks in failover order. */
    trunks?: string[];
    lineGroup?: string;
    /** Which of trunks / lineGroup is tried first when both are given. */
    prefer?: 'sip' | 'pstn';
    /** Use the other kind when every destination of the preferred kind is down or busy. */
    failover?: boolean;
    /** Refuse matching calls with this Q.850 cause (a restriction). */
    reject?: number;
  };
  /** Regulatory recording of the route's calls: one stereo WAV per call in dir (relative to the config's directory). */
  recording?: { enabled: boolean; dir: string; format?: 'wav' };
}

export interface EmergencyConfig {
  /** Numbers besides 911, 112, 999 and 000. */
  numbers?: string[];
  /** PSTN line group emergency calls prefer. */
  lineGroup?: string;
  /** SIP trunks to use when the line group cannot take the call. */
  trunks?: string[];
  /** Clear a non-emergency call on the group when no line is free. */
  preempt?: boolean;
}

export interface MediaConfig {
  codecs?: Codec[];
  ptime?: number;
  rtpPorts?: { min: number; max: number };
  opus?: { bitrate?: number; complexity?: number; fec?: boolean };
}

export interface SecurityConfig {
  /** Sources that are not trunks: out-of-dialog requests and new calls per second from each, and the burst. */
  rateLimit?: { requestsPerSecond?: number; callsPerSecond?: number; burst?: number };
  /** Authentication failures (within findTime s) that ban a source for banTime s. */
  ban?: { failures?: number; findTime?: number; banTime?: number };
  /** More User-Agent substrings of scanners to drop silently, besides the built-in ones. */
  scanners?: string[];
  /** TCP/TLS connections peers open to us: at most max in all and perSource from one address; closed after idleTimeout s without traffic or a live call. */
  connections?: { max?: number; perSource?: number; idleTimeout?: number };
  /** How a refused SIP request is answered: 403 Forbidden, or not at all. */
  reject?: 403 | 'silent';
  /** Realm of our digest challenges (RFC 3261 §22.1); "sipline" by default. HA1 values are computed with it. */
  realm?: string;
  /** Algorithm of our challenges (RFC 7616 §3.3); MD5 by default. */
  algorithm?: 'MD5' | 'SHA-256';
  /** Callers admitted from any address with digest credentials: a password, or HA1 = H(username:realm:password). */
  users?: DigestUserConfig[];
}

export interface DigestUserConfig extends SipSourcePolicy {
  username: string;
  password?: string;
  /** MD5 HA1, hex. */
  ha1?: string;
  /** SHA-256 HA1, hex (RFC 7616). */
  ha1Sha256?: string;
}

export interface GatewayConfig {
  version?: 1;
  cards: CardConfig[];
  lineGroups?: LineGroupConfig[];
  sipTrunks?: SipTrunkConfig[];
  routes: RouteConfig[];
  toneZone?: string;
  /** The country the lines are in (ISO 3166 alpha-2): called numbers are classed as dialled there; toneZone's country by default. */
  country?: string;
  emergency?: EmergencyConfig;
  media?: MediaConfig;
  security?: SecurityConfig;
  cdr?: { database: string };
  /** Where the gateway's SIP user agent listens: "host:port" or a port (on 127.0.0.1). */
  sip?: {
    listen?: string | number;
    transport?: 'udp' | 'tcp' | 'tls';
    /** Port of each transport listened on besides the default one (5060 UDP/TCP, 5061 TLS; ephemeral when listen's port is 0). */
    ports?: { udp?: number; tcp?: number; tls?: number };
    /** RFC 3261 §17.1.1.1 timers in ms (T1 500, T2 4000, T4 5000 by default): UDP retransmission, Timers B and F (64*T1). */
    timers?: { t1?: number; t2?: number; t4?: number };
    advertisedHost?: string;
    /** PEM files (relative to the config's directory) for sip.transport tls; verify (true by default) checks the peers' certificates against ca. */
    tls?: { certificate?: string; key?: string; ca?: string; verify?: boolean };
  };
  /** Seconds a call may ring before it is released with cause 19 (480 towards SIP); 60 by default. */
  /** maxDuration: seconds an answered call may last before it is released with cause 102; 14400 (4 h) by default. */
  calls?: { noAnswerTimeout?: number; maxDuration?: number };
  /** The daemon's sections (src/ops/daemon-config.ts reads them). */
  control?: { socket?: string };
  metrics?: { listen?: string | number | false };
  log?: { level?: string };
  /** SIP and D-channel traces as pcap files, and SIP to a Homer collector (HEP v3). */
  traces?: TracesConfig;
}

export interface TracesConfig {
  /** Where the pcap files go (relative to the config's directory); "traces" by default. */
  directory?: string;
  /** Octets a file may reach before it rotates; 10 MiB by default. */
  maxFileSize?: number;
  /** Files kept per trace, the one being written included; 5 by default. */
  maxFiles?: number;
  /** sip.pcap: every SIP message sent and received; on by default. */
  sip?: boolean;
  /** dchannel-<span>.pcap: every Q.921 frame of each PRI span; on by default. */
  dchannel?: boolean;
  /** Every SIP message also to a HEP v3 collector (Homer) over UDP. */
  hep?: { collector: string; captureId?: number; password?: string };
}

/** Emergency numbers routable whatever else the configuration says. */
export const DEFAULT_EMERGENCY_NUMBERS: readonly string[] = ['911', '112', '999', '000'];
