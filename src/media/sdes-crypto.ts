// SDP a=crypto lines (RFC 4568 SDES) for SRTP keys on TLS trunks.
import { randomBytes } from 'node:crypto';
import type { SdesCrypto, SrtpSuite } from './media-description.js';

const SUITES: Record<SrtpSuite, { keyLength: number; saltLength: number }> = {
  // RFC 4568 §6.2.1: 128-bit key, 112-bit salt, 80-bit auth tag.
  AES_CM_128_HMAC_SHA1_80: { keyLength: 16, saltLength: 14 },
};

/** A parse result: the value, or an error naming what was wrong. */
export type Parsed<T> = { ok: true; value: T } | { ok: false; error: string };

/** New random master key and salt (RFC 3711 §8.1: keys from a strong RNG). */
export function generateSdesCrypto(tag = 1, suite: SrtpSuite = 'AES_CM_128_HMAC_SHA1_80'): SdesCrypto {
  const { keyLength, saltLength } = SUITES[suite];
  const keySalt = randomBytes(keyLength + saltLength);
  return { tag, suite, masterKey: keySalt.subarray(0, keyLength), masterSalt: keySalt.subarray(keyLength) };
}

/** The attribute value after "a=crypto:" (RFC 4568 §9.1): `1 AES_CM_128_HMAC_SHA1_80 inline:<base64>`. */
export function formatSdesCrypto(c: SdesCrypto): string {
  const keySalt = Buffer.concat([c.masterKey, c.masterSalt]);
  return `${c.tag} ${c.suite} inline:${keySalt.toString('base64')}`;
}

const BASE64 = /^[A-Za-z0-9+/]+={0,2}$/;

/**
 * Parses an a=crypto value (with or without the leading "a=crypto:").
 * Unknown suites, MKIs and session parameters are refused with a reason,
 * so the answerer can pick another line (RFC 4568 §7.1.1).
 */
export function parseSdesCrypto(line: string): Parsed<SdesCrypto> {
  const text = line.trim().replace(/^a=crypto:/i, '');
  // RFC 4568 §9.1: tag 1*9DIGIT, crypto-suite, key-params, *session-param.
  const fields = text.split(/[ \t]+/);
  if (fields.length < 3) return { ok: false, error: `a=crypto "${text}": expected "<tag> <suite> inline:<key>"` };
  const [tagText, suiteText, keyParams, ...sessionParams] = fields as [string, string, string, ...string[]];
  if (!/^\d{1,9}$/.test(tagText)) return { ok: false, error: `a=crypto tag "${tagText}" is not 1-9 digits` };
  if (!(suiteText in SUITES)) return { ok: false, error: `a=crypto suite "${suiteText}" is not supported (only AES_CM_128_HMAC_SHA1_80)` };
  const suite = suiteText as SrtpSuite;
  if (sessionParams.length > 0) return { ok: false, error: `a=crypto session parameters "${sessionParams.join(' ')}" are not supported` };
  // RFC 4568 §6.1: several key-params may be joined by ";"; we take one.
  if (keyParams.includes(';')) return { ok: false, error: 'a=crypto with several master keys is not supported' };
  const m = /^inline:([^|]+)(?:\|([^|]+))?(?:\|([^|]+))?$/.exec(keyParams);
  if (!m) return { ok: false, error: `a=crypto key "${keyParams}" is not "inline:<key||salt>[|lifetime][|MKI:length]"` };
  const [, b64, p2, p3] = m as unknown as [string, string, string | undefined, string | undefined];
  for (const p of [p2, p3]) {
    if (p === undefined) continue;
    // RFC 4568 §6.1: lifetime is a number or 2^n; MKI is "value:length".
    if (p.includes(':')) return { ok: false, error: 'a=crypto MKI is not supported' };
    if (!/^(\d+|2\^\d+)$/.test(p)) return { ok: false, error: `a=crypto lifetime "${p}" is malformed` };
  }
  if (!BASE64.test(b64)) return { ok: false, error: 'a=crypto key is not base64' };
  const keySalt = Buffer.from(b64, 'base64');
  const { keyLength, saltLength } = SUITES[suite];
  if (keySalt.length !== keyLength + saltLength) {
    return { ok: false, error: `a=crypto key||salt is ${keySalt.length} octets, ${suite} needs ${keyLength + saltLength}` };
  }
  return { ok: true, value: { tag: Number(tagText), suite, masterKey: keySalt.subarray(0, keyLength), masterSalt: keySalt.subarray(keyLength) } };
}
