// Caller ID between the legs: the PSTN calling party (number, name,
// presentation) and SIP From / P-Asserted-Identity (RFC 3325) / Privacy (RFC 3323).
import type { PartyNumber, Presentation } from './pstn-leg.js';

/** A parsed name-addr or addr-spec (RFC 3261 §25.1), enough for caller ID. */
export interface NameAddr {
  display?: string;
  /** The URI as written, without angle brackets. */
  uri: string;
  /** The user part of a sip:/sips: URI or the number of a tel: URI. */
  user?: string;
}

/**
 * Parses a From / To / P-Asserted-Identity value. Never throws: returns null
 * when no URI can be found.
 */
export function parseNameAddr(value: string): NameAddr | null {
  const s = value.trim();
  let display: string | undefined;
  let uri: string;
  const lt = s.indexOf('<');
  if (lt >= 0) {
    const gt = s.indexOf('>', lt);
    if (gt < 0) return null;
    uri = s.slice(lt + 1, gt).trim();
    const d = s.slice(0, lt).trim();
    if (d.length > 0) display = d.startsWith('"') && d.endsWith('"') && d.length >= 2 ? d.slice(1, -1).replace(/\\(.)/gs, '$1') : d;
  } else {
    // addr-spec: header parameters (;tag=) follow the URI, which then has no parameters (RFC 3261 §20.10)
    uri = s.split(';')[0]!.trim();
  }
  const m = /^(sips?|tel):([^@;?]*)(@|;|\?|$)/i.exec(uri);
  if (!m) return null;
  const scheme = m[1]!.toLowerCase();
  const isTel = scheme === 'tel';
  let user: string | undefined;
  if (isTel || m[3] === '@') user = safeDecode(m[2]!);
  const out: NameAddr = { uri };
  if (display !== undefined) out.display = display;
  if (user !== undefined && user.length > 0) out.user = user;
  return out;
}

function safeDecode(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}

/** Digits of a telephone-subscriber: visual separators dropped (RFC 3966 §3), null if not a number. */
export function numberFromUser(user: string | undefined): string | null {
  if (user === undefined) return null;
  const cleaned = user.replace(/[-.() ]/g, '');
  return /^\+?[0-9*#]+$/.test(cleaned) ? cleaned : null;
}

/** SIP headers that carry the caller's identity. */
export interface SipCallerId {
  from: string;
  pAssertedIdentity?: string;
  privacy?: string;
}

const ANONYMOUS_FROM = '"Anonymous" <sip:anonymous@anonymous.invalid>'; // RFC 3323 §4.1.1.3

function quoteDisplay(name: string): string {
  // eslint-disable-next-line no-control-regex
  return '"' + name.replace(/[\x00-\x1f\x7f]/g, '').replace(/["\\]/g, (c) => '\\' + c) + '"';
}

/**
 * Headers for an INVITE towards SIP from a PSTN calling party.
 * allowed: From and P-Asserted-Identity carry the number and name.
 * restricted: From is anonymous (RFC 3323 §4.1.1.3), Privacy: id, and the
 *   real identity goes in P-Asserted-Identity for the trusted trunk, whose
 *   edge removes it (RFC 3325 §7, RFC 3323 §5.1 "id").
 * unavailable or no digits: From anonymous, no asserted identity; Privacy: id
 *   when the caller withheld it (restricted without digits).
 * `assertIdentity` false leaves out P-Asserted-Identity (a trunk outside the trust domain).
 */
export function callerIdToSip(calling: PartyNumber, host: string, assertIdentity = true): SipCallerId {
  const presentation: Presentation = calling.digits.length === 0 ? 'unavailable' : (calling.presentation ?? 'allowed');
  // A caller who withheld the number (analog "P", Q.931 restricted without digits) still asks for
  // privacy (RFC 3323 §4.2): the far side tells "private" from "unavailable" by it.
  if (presentation === 'unavailable') return calling.presentation === 'restricted' ? { from: ANONYMOUS_FROM, privacy: 'id' } : { from: ANONYMOUS_FROM };
  const display = calling.name ? quoteDisplay(calling.name) + ' ' : '';
  const identity = `${display}<sip:${encodeURIComponent(calling.digits).replace(/%2B/g, '+')}@${host};user=phone>`;
  if (presentation === 'restricted') {
    const out: SipCallerId = { from: ANONYMOUS_FROM, privacy: 'id' };
    if (assertIdentity) out.pAssertedIdentity = identity;
    return out;
  }
  const out: SipCallerId = { from: identity, privacy: 'none' };
  if (assertIdentity) out.pAssertedIdentity = identity;
  return out;
}

/**
 * The PSTN calling party for an INVITE from SIP. From a trusted trunk the
 * asserted identity wins over From (RFC 3325 §9.1); Privacy "id", "user" or
 * "header" (RFC 3323 §4.2) or an anonymous From makes the presentation
 * restricted; no number at all makes it unavailable, unless Privacy asked to withhold it.
 */
export function callerIdFromSip(h: SipCallerId, trusted: boolean): PartyNumber {
  const from = parseNameAddr(h.from);
  const asserted = trusted && h.pAssertedIdentity !== undefined ? parseNameAddr(h.pAssertedIdentity) : null;
  const source = asserted ?? from;
  const digits = numberFromUser(source?.user) ?? '';
  const privacy = (h.privacy ?? '')
    .toLowerCase()
    .split(/[;,\s]+/)
    .filter((t) => t.length > 0);
  const asked = privacy.some((t) => t === 'id' || t === 'user' || t === 'header');
  const hidden = asked || /anonymous/i.test(from?.uri ?? '');
  // A caller who asked for privacy is restricted even when no number reached us (RFC 3323 §4.2):
  // the line shows "private" (GR-30-CORE "P"), not "unavailable" ("O"), which says the network has no number.
  const presentation = digits.length === 0 ? (asked ? 'restricted' : 'unavailable') : hidden ? 'restricted' : 'allowed';
  const party: PartyNumber = { digits, presentation };
  if (digits.startsWith('+')) party.typeOfNumber = 'international';
  const name = source?.display;
  if (name && !/^anonymous$/i.test(name)) party.name = name;
  return party;
}
