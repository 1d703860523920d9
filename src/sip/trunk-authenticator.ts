// Answers 401/407 challenges for sip.js with our digest code (MD5 and the
// SHA-256 of RFC 7616, which sip.js's own DigestAuthentication refuses).
import type { OutgoingRequestMessage } from 'sip.js/lib/core/messages/outgoing-request-message.js';
import { authorize, parseDigestChallenge, type DigestChallenge } from './digest.js';

export type CredentialsLookup = (request: OutgoingRequestMessage) => { username: string; password: string } | undefined;

/** sip.js's parsed challenge object (its grammar), as far as we read it. */
interface ParsedChallenge {
  realm?: unknown;
  nonce?: unknown;
  opaque?: unknown;
  algorithm?: unknown;
  qop?: unknown;
  stale?: unknown;
}

function challengeFrom(c: ParsedChallenge): DigestChallenge | undefined {
  const q = (v: unknown): string => String(v).replace(/^"|"$/g, '');
  const parts = [`realm="${q(c.realm)}"`, `nonce="${q(c.nonce)}"`];
  if (c.opaque !== undefined) parts.push(`opaque="${q(c.opaque)}"`);
  if (c.algorithm !== undefined) parts.push(`algorithm=${q(c.algorithm)}`);
  if (c.qop !== undefined) parts.push(`qop="${(Array.isArray(c.qop) ? c.qop.map(String) : [q(c.qop)]).join(',')}"`);
  if (c.stale === true) parts.push('stale=true');
  const parsed = parseDigestChallenge(`Digest ${parts.join(', ')}`);
  return typeof parsed === 'string' ? undefined : parsed;
}

/** The object sip.js's authenticationFactory returns: authenticate() then toString(). */
export class TrunkAuthenticator {
  private value = '';
  private nc = 0;
  private nonce = '';

  constructor(private readonly lookup: CredentialsLookup) {}

  authenticate(request: OutgoingRequestMessage, challenge: ParsedChallenge): boolean {
    const creds = this.lookup(request);
    const c = challengeFrom(challenge);
    if (!creds || !c) return false;
    // RFC 7616 §3.4: nc counts requests sent with the same nonce.
    this.nc = c.nonce === this.nonce ? this.nc + 1 : 1;
    this.nonce = c.nonce;
    this.value = authorize(c, creds, request.method, request.ruri.toString(), this.nc);
    return true;
  }

  toString(): string {
    return this.value;
  }
}
