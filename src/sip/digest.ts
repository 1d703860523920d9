// HTTP Digest authentication for SIP (RFC 3261 §22.4 over RFC 2617, with the
// SHA-256 algorithm of RFC 7616): challenges, credentials, the response hash.
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';

export type DigestAlgorithm = 'MD5' | 'MD5-sess' | 'SHA-256' | 'SHA-256-sess';

export interface DigestChallenge {
  realm: string;
  nonce: string;
  opaque?: string;
  algorithm: DigestAlgorithm;
  /** qop options offered (RFC 2617 §3.2.1); empty for the RFC 2069 compatibility mode. */
  qop: string[];
  stale: boolean;
}

export interface DigestCredentials {
  username: string;
  realm: string;
  nonce: string;
  uri: string;
  response: string;
  algorithm: DigestAlgorithm;
  opaque?: string;
  qop?: string;
  nc?: string;
  cnonce?: string;
}

/** Parses `name=value, name="quoted"` auth-params (RFC 2617 §1.2, RFC 7616 §3.3); undefined when malformed. */
export function parseAuthParams(text: string): Map<string, string> | undefined {
  const params = new Map<string, string>();
  let i = 0;
  const n = text.length;
  const skipSpace = (): void => {
    while (i < n && /[\s,]/.test(text[i]!)) i++;
  };
  skipSpace();
  while (i < n) {
    const name = /^[A-Za-z0-9_.-]+/.exec(text.slice(i))?.[0];
    if (!name) return undefined;
    i += name.length;
    while (i < n && /\s/.test(text[i]!)) i++;
    if (text[i] !== '=') return undefined;
    i++;
    while (i < n && /\s/.test(text[i]!)) i++;
    let value = '';
    if (text[i] === '"') {
      i++;
      let closed = false;
      while (i < n) {
        const ch = text[i++]!;
        if (ch === '\\' && i < n) value += text[i++]!;
        else if (ch === '"') {
          closed = true;
          break;
        } else value += ch;
      }
      if (!closed) return undefined;
    } else {
      const token = /^[^\s,"]*/.exec(text.slice(i))![0];
      value = token;
      i += token.length;
    }
    params.set(name.toLowerCase(), value);
    while (i < n && /\s/.test(text[i]!)) i++;
    if (i < n && text[i] !== ',') return undefined;
    skipSpace();
  }
  return params;
}

function algorithmOf(value: string | undefined): DigestAlgorithm | undefined {
  if (value === undefined) return 'MD5'; // RFC 2617 §3.2.1: absent means MD5
  const v = value.toUpperCase();
  if (v === 'MD5') return 'MD5';
  if (v === 'MD5-SESS') return 'MD5-sess';
  if (v === 'SHA-256') return 'SHA-256';
  if (v === 'SHA-256-SESS') return 'SHA-256-sess';
  return undefined;
}

/** Parses a WWW-Authenticate or Proxy-Authenticate value; a string says what is wrong. */
export function parseDigestChallenge(header: string): DigestChallenge | string {
  const m = /^\s*Digest\s+([\s\S]*)$/i.exec(header);
  if (!m) return 'not a Digest challenge';
  const p = parseAuthParams(m[1]!);
  if (!p) return 'malformed auth-params';
  const realm = p.get('realm');
  const nonce = p.get('nonce');
  if (realm === undefined || nonce === undefined) return 'challenge without realm or nonce';
  const algorithm = algorithmOf(p.get('algorithm'));
  if (!algorithm) return `unsupported algorithm ${p.get('algorithm')}`;
  const qop = (p.get('qop') ?? '').split(',').map((s) => s.trim()).filter(Boolean);
  const challenge: DigestChallenge = { realm, nonce, algorithm, qop, stale: (p.get('stale') ?? '').toLowerCase() === 'true' };
  const opaque = p.get('opaque');
  if (opaque !== undefined) challenge.opaque = opaque;
  return challenge;
}

/** Parses an Authorization or Proxy-Authorization value; a string says what is wrong. */
export function parseDigestCredentials(header: string): DigestCredentials | string {
  const m = /^\s*Digest\s+([\s\S]*)$/i.exec(header);
  if (!m) return 'not Digest credentials';
  const p = parseAuthParams(m[1]!);
  if (!p) return 'malformed auth-params';
  const username = p.get('username');
  const realm = p.get('realm');
  const nonce = p.get('nonce');
  const uri = p.get('uri');
  const response = p.get('response');
  if (username === undefined || realm === undefined || nonce === undefined || uri === undefined || response === undefined) {
    return 'credentials without username, realm, nonce, uri or response';
  }
  const algorithm = algorithmOf(p.get('algorithm'));
  if (!algorithm) return `unsupported algorithm ${p.get('algorithm')}`;
  const c: DigestCredentials = { username, realm, nonce, uri, response, algorithm };
  for (const k of ['opaque', 'qop', 'nc', 'cnonce'] as const) {
    const v = p.get(k);
    if (v !== undefined) c[k] = v;
  }
  return c;
}

function hash(algorithm: DigestAlgorithm, text: string): string {
  return createHash(algorithm.startsWith('SHA-256') ? 'sha256' : 'md5')
    .update(text, 'utf8')
    .digest('hex');
}

export interface DigestInput {
  algorithm: DigestAlgorithm;
  username: string;
  realm: string;
  password: string;
  /** H(username:realm:password) stored instead of the password (RFC 7616 §3.4.2); used when given. */
  ha1?: string;
  method: string;
  uri: string;
  nonce: string;
  qop?: string;
  nc?: string;
  cnonce?: string;
}

/** The request-digest (RFC 2617 §3.2.2.1, RFC 7616 §3.4.1). */
export function digestResponse(d: DigestInput): string {
  let ha1 = d.ha1?.toLowerCase() ?? hash(d.algorithm, `${d.username}:${d.realm}:${d.password}`);
  // RFC 7616 §3.4.2: for -sess, A1 = H(user:realm:pass):nonce:cnonce
  if (d.algorithm.endsWith('-sess')) ha1 = hash(d.algorithm, `${ha1}:${d.nonce}:${d.cnonce ?? ''}`);
  // RFC 2617 §3.2.2.3: A2 = Method ":" digest-uri-value (qop auth)
  const ha2 = hash(d.algorithm, `${d.method}:${d.uri}`);
  if (d.qop === 'auth') return hash(d.algorithm, `${ha1}:${d.nonce}:${d.nc ?? ''}:${d.cnonce ?? ''}:auth:${ha2}`);
  // RFC 2617 §3.2.2.1: without qop, the RFC 2069 form
  return hash(d.algorithm, `${ha1}:${d.nonce}:${ha2}`);
}

function quote(s: string): string {
  return `"${s.replace(/["\\]/g, (c) => `\\${c}`)}"`;
}

/** Answers a challenge: the Authorization value for one request (RFC 3261 §22.2). */
export function authorize(challenge: DigestChallenge, user: { username: string; password: string }, method: string, uri: string, nc = 1): string {
  // RFC 7616 §3.4: qop=auth is the one we do; auth-int is not offered to us in practice.
  const qop = challenge.qop.includes('auth') ? 'auth' : undefined;
  const cnonce = qop ? randomBytes(8).toString('hex') : undefined;
  const ncText = nc.toString(16).padStart(8, '0');
  const response = digestResponse({ ...user, algorithm: challenge.algorithm, realm: challenge.realm, method, uri, nonce: challenge.nonce, qop, nc: ncText, cnonce });
  const parts = [
    `username=${quote(user.username)}`,
    `realm=${quote(challenge.realm)}`,
    `nonce=${quote(challenge.nonce)}`,
    `uri=${quote(uri)}`,
    `response=${quote(response)}`,
    `algorithm=${challenge.algorithm}`,
  ];
  if (challenge.opaque !== undefined) parts.push(`opaque=${quote(challenge.opaque)}`);
  if (qop) parts.push(`qop=${qop}`, `nc=${ncText}`, `cnonce=${quote(cnonce!)}`);
  return `Digest ${parts.join(', ')}`;
}

/** Builds a challenge value for a 401/407 (RFC 3261 §22.1, RFC 7616 §3.3). */
export function formatChallenge(c: DigestChallenge): string {
  const parts = [`realm=${quote(c.realm)}`, `nonce=${quote(c.nonce)}`, `algorithm=${c.algorithm}`];
  if (c.qop.length) parts.push(`qop="${c.qop.join(',')}"`);
  if (c.opaque !== undefined) parts.push(`opaque=${quote(c.opaque)}`);
  if (c.stale) parts.push('stale=TRUE');
  return `Digest ${parts.join(', ')}`;
}

/** Checks credentials against a password in constant time (RFC 2617 §3.2.2). */
export function verifyDigest(c: DigestCredentials, secret: string | { ha1: string }, method: string): boolean {
  const expected = digestResponse({ ...c, ...(typeof secret === 'string' ? { password: secret } : { password: '', ha1: secret.ha1 }), method });
  const a = Buffer.from(expected, 'utf8');
  const b = Buffer.from(c.response.toLowerCase(), 'utf8');
  return a.length === b.length && timingSafeEqual(a, b);
}
