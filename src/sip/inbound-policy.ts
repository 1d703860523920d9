// The one inbound decision: every request, judged once on the message as
// sip.js parsed it, before sip.js acts on it. Nothing is allowed that no rule
// names: in-dialog requests only from the dialog's peer; new calls only from
// a configured trunk or with digest credentials (RFC 3261 §22); every other
// source learns nothing (silence, or one unretransmitted refusal).
import { createHash, randomBytes } from 'node:crypto';
import { BlockList, isIP } from 'node:net';
import { formatChallenge, parseDigestCredentials, verifyDigest, type DigestAlgorithm } from './digest.js';
import { SourceBan, type SourceBanOptions } from './source-ban.js';
import { LogThrottle } from './log-throttle.js';
import { SourceRateLimit } from './rate-limit.js';
import type { SipSource } from './node-transport.js';

/** The parts of a request the decision reads, taken from sip.js's parse of it. */
export interface InboundRequest {
  method: string;
  /** The Request-URI as the request line carries it. */
  uri: string;
  callId: string;
  fromTag: string;
  /** The To tag; empty outside a dialog (RFC 3261 §12.2.2). */
  toTag: string;
  /** The top Via's branch (RFC 3261 §17.2.3). */
  branch: string;
  userAgent: string | undefined;
  authorization: string | undefined;
}

/** What the decision knows of dialogs and transactions (sip.js's, with their peers). */
export interface DialogLookup {
  /** Whether an address is the peer of the dialog (Call-ID, our tag, the peer's tag); undefined when there is no such dialog. */
  dialogPeer(callId: string, localTag: string, remoteTag: string): ((address: string) => boolean) | undefined;
  /** The source address of the INVITE whose server transaction has this branch, while it lasts. */
  inviteSource(branch: string): string | undefined;
  /** The configured trunk a source address (and transport) belongs to. */
  trunkOf(source: SipSource): string | undefined;
}

export type InboundVerdict =
  | { accept: true; trunk?: string; user?: string }
  /** Refused: answered once with status (never retransmitted), or not at all without one. */
  | { accept: false; status?: number; reason?: string; headers?: string[] };

export interface DigestUser {
  username: string;
  password?: string;
  ha1?: { MD5?: string; 'SHA-256'?: string };
}

export interface InboundPolicyOptions {
  /** Sources (addresses, or networks as CIDR) taken like a trunk without a name: a test peer's or a simulator's caller. */
  allowAddresses?: string[];
  /** Users who may call in with digest credentials: a password, or HA1 per algorithm (RFC 7616 §3.4.2) computed with our realm. */
  users?: DigestUser[];
  realm?: string;
  /** Digest algorithm of our challenges (RFC 7616 §3.3); MD5 by default for old peers. */
  algorithm?: DigestAlgorithm;
  /** What a source that is not allowed gets: 403 (the default) or no answer at all. */
  unknownSource?: 'reject' | 'silence';
  /** Out-of-dialog requests per second from each source that is not a trunk; 20 by default. */
  requestsPerSecond?: number;
  /** Burst of that bucket; 2 * requestsPerSecond by default. */
  burst?: number;
  /** New calls (INVITEs) per second from each source that is not a trunk; none beyond the request limit by default. */
  callsPerSecond?: number;
  /** Nonce lifetime in ms; 5 minutes by default. */
  nonceLifetimeMs?: number;
  /** Authentication failures before a source is banned, and for how long. */
  ban?: Omit<SourceBanOptions, 'onChange'>;
  /** User-Agent substrings of SIP scanners, dropped silently (case-insensitive); the built-in list by default. */
  scanners?: string[];
  log?: (event: string, detail: Record<string, unknown>) => void;
}

/** Adds an address or a CIDR network (RFC 4632; IPv6 too) to a list; false when it is neither. */
export function addSource(list: BlockList, entry: string): boolean {
  const [address, bits, extra] = entry.split('/');
  const family = isIP(address ?? '');
  if (family === 0 || extra !== undefined) return false;
  const type = family === 6 ? 'ipv6' : 'ipv4';
  if (bits === undefined) {
    list.addAddress(address!, type);
    // An IPv4 peer of a dual-stack socket is seen as itself (the transport strips ::ffff:).
    return true;
  }
  const prefix = Number(bits);
  if (!/^\d{1,3}$/.test(bits) || prefix > (family === 6 ? 128 : 32)) return false;
  list.addSubnet(address!, prefix, type);
  return true;
}

/** True when the address is on the list. */
export function onList(list: BlockList, address: string): boolean {
  const family = isIP(address);
  return family !== 0 && list.check(address, family === 6 ? 'ipv6' : 'ipv4');
}

/** All strangers together get ten times one stranger's rate. */
function strangersLimit(options: InboundPolicyOptions): SourceRateLimit {
  const perSecond = (options.requestsPerSecond ?? 20) * 10;
  return new SourceRateLimit({ perSecond, burst: perSecond * 2 });
}

/** User-Agent values of the common SIP scanners (sipvicious and its forks, sipcli, SIPScan and others). */
export const SCANNER_USER_AGENTS = ['friendly-scanner', 'sipvicious', 'sipcli', 'sip-scan', 'sipscan', 'iwar', 'sundayddr', 'sivus', 'smap', 'vaxsipuseragent', 'pplsip'];

/** Methods a trunk may send outside a dialog; the rest get 405 (RFC 3261 §8.2.1). */
const ALLOW = 'Allow: INVITE, ACK, CANCEL, BYE, OPTIONS, INFO, UPDATE, PRACK, NOTIFY, REFER, MESSAGE';

/** Counters of what the decision refused, for metrics. */
export interface InboundCounts {
  refused: number;
  rateLimited: number;
  scanners: number;
  authFailures: number;
  bans: number;
}

interface Nonce {
  issued: number;
  /** The highest nonce-count accepted with it (RFC 7616 §3.4: nc must grow). */
  nc: number;
}

const NONCES_KEPT = 10_000;

export class InboundPolicy {
  private readonly nonces = new Map<string, Nonce>();
  private requests: SourceRateLimit;
  /** All strangers together: a spray from many addresses is bounded too. */
  private strangers: SourceRateLimit;
  private calls: SourceRateLimit | undefined;
  readonly bans: SourceBan;
  private readonly allowed = new BlockList();
  readonly counts: InboundCounts = { refused: 0, rateLimited: 0, scanners: 0, authFailures: 0, bans: 0 };
  private readonly lines: LogThrottle | undefined;

  constructor(private options: InboundPolicyOptions = {}) {
    this.lines = options.log ? new LogThrottle(options.log) : undefined;
    this.strangers = strangersLimit(options);
    for (const a of options.allowAddresses ?? []) addSource(this.allowed, a);
    this.requests = new SourceRateLimit({ perSecond: options.requestsPerSecond ?? 20, ...(options.burst ? { burst: options.burst } : {}) });
    this.calls = options.callsPerSecond ? new SourceRateLimit({ perSecond: options.callsPerSecond }) : undefined;
    this.bans = new SourceBan({
      ...options.ban,
      onChange: (address, banned, failures) => {
        if (banned) this.counts.bans++;
        this.options.log?.(banned ? 'source-banned' : 'source-unbanned', { source: address, ...(banned ? { failures, forSeconds: Math.round((this.options.ban?.banTimeMs ?? 3_600_000) / 1000) } : {}) });
      },
    });
  }

  /**
   * New settings (a config reload): users, realm, algorithm, limits and what
   * strangers get. Nonces handed out and bans in force stay; rate buckets start full.
   */
  configure(options: Omit<InboundPolicyOptions, 'log' | 'allowAddresses'>): void {
    this.options = { ...options, ...(this.options.allowAddresses ? { allowAddresses: this.options.allowAddresses } : {}), ...(this.options.log ? { log: this.options.log } : {}) };
    this.requests = new SourceRateLimit({ perSecond: options.requestsPerSecond ?? 20, ...(options.burst ? { burst: options.burst } : {}) });
    this.calls = options.callsPerSecond ? new SourceRateLimit({ perSecond: options.callsPerSecond }) : undefined;
    this.strangers = strangersLimit(options);
    this.bans.configure(options.ban ?? {});
  }

  /** Names of the digest users. */
  userNames(): string[] {
    return (this.options.users ?? []).map((u) => u.username);
  }

  /** Refused sources hear nothing. */
  get silent(): boolean {
    return this.options.unknownSource === 'silence';
  }

  /** A source on the allowAddresses list. */
  allowedSource(address: string): boolean {
    return onList(this.allowed, address);
  }

  /** Logs an event at most once per source address every 10 s, with the count of those left out. */
  private log(event: string, source: SipSource, detail: Record<string, unknown>): void {
    this.lines?.line(event, source.address, { source: `${source.address}:${source.port}`, ...detail });
  }

  /**
   * Before anything reads a request from a source that is neither a trunk
   * nor a live call's peer: not banned, within its own request rate and
   * within all strangers' together. Decided on the address alone, so no parse
   * can disagree with it; a flood from strangers is dropped at the cost of a
   * table look-up and never crowds out the trunks' signalling.
   */
  admit(source: SipSource): boolean {
    if (this.bans.banned(source.address)) return false;
    if (this.requests.take(source.address) && this.strangers.take('')) return true;
    this.counts.rateLimited++;
    this.log('inbound-rate-limited', source, {});
    return false;
  }

  screen(req: InboundRequest, source: SipSource, lookup: DialogLookup): InboundVerdict {
    const from = source.address;
    // RFC 3261 §12.2.2: a request with a To tag belongs to a dialog; it is
    // taken only when the dialog exists and the request comes from its peer.
    if (req.toTag) {
      const peers = lookup.dialogPeer(req.callId, req.toTag, req.fromTag);
      if (peers?.(from)) return { accept: true };
      // RFC 3261 §17.2.1: the ACK of a non-2xx final response carries the To tag but matches the INVITE transaction.
      if (req.method === 'ACK') return lookup.inviteSource(req.branch) === from ? { accept: true } : { accept: false };
      return this.noDialog(req, source, lookup, peers ? 'in-dialog request from another source than the dialog peer' : 'no such dialog');
    }
    // RFC 3261 §9.2 / §17.2.3: CANCEL and ACK match the INVITE's transaction, and only its sender may send them.
    if (req.method === 'ACK') return lookup.inviteSource(req.branch) === from ? { accept: true } : { accept: false };
    if (req.method === 'CANCEL') {
      if (lookup.inviteSource(req.branch) === from) return { accept: true };
      return this.noDialog(req, source, lookup, 'CANCEL of no INVITE from this source');
    }
    const trunk = lookup.trunkOf(source);
    if (trunk !== undefined) {
      if (req.method === 'INVITE' || req.method === 'OPTIONS') return { accept: true, trunk };
      // RFC 3261 §15.1.2: a BYE outside a dialog gets 481.
      if (req.method === 'BYE') return { accept: false, status: 481, reason: 'Call/Transaction Does Not Exist' };
      // RFC 3261 §8.2.1: a method we do not take outside a dialog.
      return { accept: false, status: 405, reason: 'Method Not Allowed', headers: [ALLOW] };
    }
    return this.stranger(req, source);
  }

  /** An in-dialog request, CANCEL or ACK that matches nothing: 481 to a trunk, and to others what unknown sources get. */
  private noDialog(req: InboundRequest, source: SipSource, lookup: DialogLookup, why: string): InboundVerdict {
    this.counts.refused++;
    this.log('inbound-refused', source, { method: req.method, reason: why });
    if (lookup.trunkOf(source) === undefined && this.options.unknownSource === 'silence') return { accept: false };
    return { accept: false, status: 481, reason: 'Call/Transaction Does Not Exist' };
  }

  /** A source that is not a trunk: rate-limited, scanners dropped, and only INVITE with digest credentials admitted. */
  private stranger(req: InboundRequest, source: SipSource): InboundVerdict {
    const from = source.address;
    if (this.bans.banned(from)) return { accept: false };
    const ua = req.userAgent?.toLowerCase();
    if (ua && (this.options.scanners ?? SCANNER_USER_AGENTS).some((s) => ua.includes(s.toLowerCase()))) {
      this.counts.scanners++;
      this.log('inbound-scanner', source, { method: req.method, userAgent: req.userAgent });
      return { accept: false };
    }
    if (req.method === 'INVITE' && this.calls && !this.calls.take(from)) {
      this.counts.rateLimited++;
      this.log('inbound-rate-limited', source, { method: req.method });
      return { accept: false };
    }
    const silent = this.options.unknownSource === 'silence';
    // RFC 3261 §11.2: OPTIONS may be answered to anyone; with silence, nobody learns we are here.
    if (req.method === 'OPTIONS') return silent ? { accept: false } : { accept: false, status: 200, reason: 'OK', headers: [ALLOW] };
    const refuse = (why: string): InboundVerdict => {
      this.counts.refused++;
      this.log('inbound-refused', source, { method: req.method, uri: req.uri, reason: why });
      return silent ? { accept: false } : { accept: false, status: 403, reason: 'Forbidden' };
    };
    if (req.method !== 'INVITE') return refuse(`${req.method} from a source that is not a trunk`);
    const users = this.options.users ?? [];
    if (users.length === 0) return refuse('source address not allowed');
    return this.digest(req, from, users, refuse);
  }

  private challenge(stale: boolean): InboundVerdict {
    const nonce = randomBytes(16).toString('hex');
    this.nonces.set(nonce, { issued: Date.now(), nc: 0 });
    if (this.nonces.size > NONCES_KEPT) this.nonces.delete(this.nonces.keys().next().value!);
    const header = formatChallenge({ realm: this.options.realm ?? 'sipline', nonce, algorithm: this.options.algorithm ?? 'MD5', qop: ['auth'], stale });
    return { accept: false, status: 401, reason: 'Unauthorized', headers: [`WWW-Authenticate: ${header}`] };
  }

  /**
   * RFC 3261 §22.1 / RFC 7616: qop=auth, a nonce of ours that is fresh and
   * whose nonce-count grows, a digest-uri equal to the Request-URI. An unknown
   * user and a wrong password get the same answer and count as one failure
   * towards the source's ban.
   */
  private digest(req: InboundRequest, from: string, users: DigestUser[], refuse: (why: string) => InboundVerdict): InboundVerdict {
    if (!req.authorization) return this.challenge(false);
    const c = parseDigestCredentials(req.authorization);
    const failed = (why: string): InboundVerdict => {
      this.counts.authFailures++;
      this.bans.fail(from);
      return refuse(why);
    };
    if (typeof c === 'string') return failed(`bad credentials: ${c}`);
    const nonce = this.nonces.get(c.nonce);
    // RFC 7616 §3.3 stale: a nonce we no longer (or never) hold gets a new one, whoever the user.
    if (!nonce || Date.now() - nonce.issued > (this.options.nonceLifetimeMs ?? 300_000)) {
      if (nonce) this.nonces.delete(c.nonce);
      return this.challenge(true);
    }
    const realm = this.options.realm ?? 'sipline';
    const user = users.find((u) => u.username === c.username);
    const ha1 = user?.ha1?.[c.algorithm.startsWith('SHA-256') ? 'SHA-256' : 'MD5'];
    const secret = user?.password ?? (ha1 !== undefined ? { ha1 } : undefined);
    // The same work for an unknown user as for a known one: the answer time tells nothing either.
    const right = verifyDigest(c, secret ?? createHash('sha256').update(c.username).digest('hex'), req.method) && secret !== undefined;
    if (!right || c.realm !== realm) return failed(`wrong password or unknown user (${JSON.stringify(c.username)})`);
    // RFC 7616 §3.4: qop=auth is required (we offer nothing else); RFC 3261 §22.4: the digest-uri is the Request-URI.
    if (c.qop !== 'auth') return failed('credentials without qop=auth');
    if (c.uri !== req.uri) return failed(`credentials for ${JSON.stringify(c.uri)} on a request to ${JSON.stringify(req.uri)}`);
    const nc = parseInt(c.nc ?? '', 16);
    // RFC 7616 §3.4: a nonce-count that does not grow is a replay; the client gets a new nonce.
    if (!Number.isInteger(nc) || nc <= nonce.nc) return this.challenge(true);
    nonce.nc = nc;
    this.bans.succeed(from);
    return { accept: true, user: c.username };
  }
}
