// The Reason header (RFC 3326): carries the Q.850 cause of a release over SIP.
//   Reason        = "Reason" HCOLON reason-value *(COMMA reason-value)
//   reason-value  = protocol *(SEMI reason-params)
//   reason-params = protocol-cause / reason-text / reason-extension
//   protocol-cause = "cause" EQUAL cause      cause = 1*DIGIT
//   reason-text   = "text" EQUAL quoted-string
import { causeName, isQ850Cause, type Q850Cause } from './q850.js';

export interface ReasonValue {
  /** "SIP", "Q.850" or another token, as written. */
  protocol: string;
  cause?: number;
  text?: string;
  /** Other reason-extension parameters, names lower-cased. */
  params: Record<string, string>;
}

/** Quotes a reason-text (RFC 3261 §25.1 quoted-string: '"' and '\' escaped). */
function quote(text: string): string {
  // Control characters are not allowed in qdtext; drop them (RFC 3261 §25.1).
  // eslint-disable-next-line no-control-regex
  return '"' + text.replace(/[\x00-\x1f\x7f]/g, '').replace(/["\\]/g, (c) => '\\' + c) + '"';
}

/** `Q.850;cause=17;text="USER_BUSY"`: the header value for a Q.850 cause (RFC 3326 §2). */
export function formatReason(cause: Q850Cause, text: string = causeName(cause)): string {
  return `Q.850;cause=${cause};text=${quote(text)}`;
}

/** Splits on `sep` outside quoted strings. */
function splitOutsideQuotes(s: string, sep: string): string[] {
  const parts: string[] = [];
  let cur = '';
  let quoted = false;
  for (let i = 0; i < s.length; i++) {
    const c = s[i]!;
    if (quoted && c === '\\' && i + 1 < s.length) {
      cur += c + s[++i];
      continue;
    }
    if (c === '"') quoted = !quoted;
    if (c === sep && !quoted) {
      parts.push(cur);
      cur = '';
    } else cur += c;
  }
  parts.push(cur);
  return parts;
}

function unquote(v: string): string {
  if (v.length >= 2 && v.startsWith('"') && v.endsWith('"')) return v.slice(1, -1).replace(/\\(.)/gs, '$1');
  return v;
}

/**
 * Parses a Reason header value (several values may be comma-separated).
 * Never throws: a value that is not a reason-value is left out, so a peer's
 * bad header costs only the cause it carried.
 */
export function parseReason(header: string): ReasonValue[] {
  const out: ReasonValue[] = [];
  for (const rv of splitOutsideQuotes(header, ',')) {
    const [proto, ...rawParams] = splitOutsideQuotes(rv, ';');
    const protocol = (proto ?? '').trim();
    if (!/^[A-Za-z0-9.!%*_+`'~-]+$/.test(protocol)) continue; // RFC 3261 token
    const value: ReasonValue = { protocol, params: {} };
    for (const raw of rawParams) {
      const eq = raw.indexOf('=');
      const name = (eq < 0 ? raw : raw.slice(0, eq)).trim().toLowerCase();
      const v = eq < 0 ? '' : raw.slice(eq + 1).trim();
      if (name === 'cause') {
        if (/^\d{1,9}$/.test(v)) value.cause = Number(v);
      } else if (name === 'text') value.text = unquote(v);
      else if (name) value.params[name] = v;
    }
    out.push(value);
  }
  return out;
}

/** The Q.850 cause of a Reason header, if one of its values carries a valid one. */
export function reasonQ850Cause(header: string | undefined): Q850Cause | undefined {
  if (header === undefined) return undefined;
  const v = parseReason(header).find((r) => r.protocol.toUpperCase() === 'Q.850' && isQ850Cause(r.cause));
  return v?.cause;
}
