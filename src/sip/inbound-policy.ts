// Who may place calls to us (default deny): INVITEs from configured trunk
// addresses, or carrying valid digest credentials (RFC 3261 §22.1), plus a
// per-source rate limit. Runs in the transport, before sip.js sees a request.
import { createHmac, randomBytes } from 'node:crypto';
import { parseDigestCredentials, formatChallenge, verifyDigest, type DigestAlgorithm } from './digest.js';
import type { ScreenVerdict, SipSource } from './node-transport.js';
import { headerValue, type RawSipMessage } from './sip-message.js';

export interface InboundPolicyOptions {
  /** Source addresses whose INVITEs are accepted without credentials (IP-authenticated trunks). */
  allowAddresses?: string[];
  /** Users who may call in with digest credentials: a password, or HA1 per algorithm (RFC 7616 §3.4.2) computed with our realm. */
  users?: { username: string; password?: string; ha1?: { MD5?: string; 'SHA-256'?: string } }[];
  realm?: string;
  /** Digest algorithm of our challenges (RFC 7616 §3.3); MD5 by default for old peers. */
  algorithm?: DigestAlgorithm;
  /** What an unknown source gets: 403 (the default) or no answer at all. */
  unknownSource?: 'reject' | 'silence';
  /** Requests per second per source address before we drop them (token bucket); 20 by default. */
  ratePerSecond?: number;
  /** Burst the bucket holds; 2 * ratePerSecond by default. */
  burst?: number;
  /** Nonce lifetime in ms; 5 minutes by default. */
  nonceLifetimeMs?: number;
  log?: (event: string, detail: Record<string, unknown>) => void;
}

export class InboundPolicy {
  private readonly secret = randomBytes(16);
  private readonly buckets = new Map<string, { tokens: number; at: number }>();
  private readonly allow: Set<string>;

  constructor(private options: InboundPolicyOptions = {}) {
    this.allow = new Set(options.allowAddresses ?? []);
  }

  /** New digest users, realm and algorithm (a config reload); nonces already handed out stay valid. */
  setUsers(users: InboundPolicyOptions['users'], realm?: string, algorithm?: DigestAlgorithm): void {
    const { users: _u, realm: _r, algorithm: _a, ...rest } = this.options;
    this.options = { ...rest, ...(users ? { users } : {}), ...(realm ? { realm } : {}), ...(algorithm ? { algorithm } : {}) };
  }

  /** Adds a trunk's address to the allow list (IP authentication). */
  allowAddress(address: string): void {
    this.allow.add(address);
  }

  private log(event: string, detail: Record<string, unknown>): void {
    this.options.log?.(event, detail);
  }

  /** A nonce we can verify without storing it: time and an HMAC over it. */
  private nonce(now = Date.now()): string {
    const t = now.toString(16);
    return `${t}.${createHmac('sha256', this.secret).update(t).digest('hex').slice(0, 24)}`;
  }

  private nonceFresh(nonce: string): boolean {
    const [t, mac] = nonce.split('.');
    if (!t || !mac || !/^[0-9a-f]{1,13}$/.test(t)) return false;
    if (createHmac('sha256', this.secret).update(t).digest('hex').slice(0, 24) !== mac) return false;
    return Date.now() - parseInt(t, 16) <= (this.options.nonceLifetimeMs ?? 300_000);
  }

  private withinRate(address: string): boolean {
    const rate = this.options.ratePerSecond ?? 20;
    const burst = this.options.burst ?? rate * 2;
    const now = Date.now();
    const b = this.buckets.get(address) ?? { tokens: burst, at: now };
    b.tokens = Math.min(burst, b.tokens + ((now - b.at) / 1000) * rate);
    b.at = now;
    if (this.buckets.size > 10000) this.buckets.clear(); // bounded memory under a spray of sources
    this.buckets.set(address, b);
    if (b.tokens < 1) return false;
    b.tokens -= 1;
    return true;
  }

  screen(request: RawSipMessage, source: SipSource): ScreenVerdict {
    const from = `${source.address}:${source.port}`;
    if (!this.withinRate(source.address)) {
      this.log('inbound-rate-limited', { source: from, method: request.method });
      return { accept: false };
    }
    if (request.method !== 'INVITE') return { accept: true };
    // An in-dialog INVITE (To tag, RFC 3261 §12.2.2) belongs to a call already
    // admitted; sip.js answers 481 when there is no such dialog.
    if (/;\s*tag=/i.test(headerValue(request, 'to') ?? '')) return { accept: true };
    if (this.allow.has(source.address)) return { accept: true };
    const users = this.options.users ?? [];
    const refuse = (why: string): ScreenVerdict => {
      this.log('inbound-refused', { source: from, method: request.method, uri: request.uri, reason: why });
      return this.options.unknownSource === 'silence' ? { accept: false } : { accept: false, status: 403, reason: 'Forbidden' };
    };
    if (users.length === 0) return refuse('source address not allowed');
    const realm = this.options.realm ?? 'sipline';
    const header = headerValue(request, 'authorization');
    if (!header) {
      // RFC 3261 §22.1: challenge with 401 and WWW-Authenticate.
      const challenge = formatChallenge({ realm, nonce: this.nonce(), algorithm: this.options.algorithm ?? 'MD5', qop: ['auth'], stale: false });
      return { accept: false, status: 401, reason: 'Unauthorized', headers: [`WWW-Authenticate: ${challenge}`] };
    }
    const c = parseDigestCredentials(header);
    if (typeof c === 'string') return refuse(`bad credentials: ${c}`);
    const user = users.find((u) => u.username === c.username);
    if (!user || c.realm !== realm) return refuse(`unknown user ${JSON.stringify(c.username)}`);
    if (!this.nonceFresh(c.nonce)) {
      // RFC 2617 §3.2.1 stale=true: the credentials were right but the nonce expired.
      const challenge = formatChallenge({ realm, nonce: this.nonce(), algorithm: this.options.algorithm ?? 'MD5', qop: ['auth'], stale: true });
      return { accept: false, status: 401, reason: 'Unauthorized', headers: [`WWW-Authenticate: ${challenge}`] };
    }
    const ha1 = user.ha1?.[c.algorithm.startsWith('SHA-256') ? 'SHA-256' : 'MD5'];
    const secret = user.password ?? (ha1 !== undefined ? { ha1 } : undefined);
    if (secret === undefined) return refuse(`no ${c.algorithm} secret for ${JSON.stringify(c.username)}`);
    if (!verifyDigest(c, secret, request.method)) return refuse(`wrong password for ${JSON.stringify(c.username)}`);
    return { accept: true };
  }
}
