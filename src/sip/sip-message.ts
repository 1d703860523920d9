// A SIP message as the transport layer sees it: start line, header lines and
// body, without sip.js's grammar. The transport needs only this much to route
// (Via, CSeq, Call-ID) and to frame streams; sip.js parses the rest.

/** Compact header forms (RFC 3261 §7.3.3, and RFC 3841/4028 registry). */
const compact: Record<string, string> = {
  v: 'via',
  i: 'call-id',
  m: 'contact',
  l: 'content-length',
  c: 'content-type',
  f: 'from',
  t: 'to',
  k: 'supported',
  s: 'subject',
  e: 'content-encoding',
};

export interface SipHeader {
  /** Lower-case long form of the name (compact forms expanded). */
  name: string;
  value: string;
}

export interface RawSipMessage {
  kind: 'request' | 'response';
  /** Request method (requests only). */
  method: string;
  /** Request-URI (requests only). */
  uri: string;
  /** Status code (responses only; 0 for requests). */
  status: number;
  reasonPhrase: string;
  headers: SipHeader[];
  body: string;
}

/** Why a datagram or stream segment is not a SIP message; never thrown. */
export class SipParseError extends Error {
  override readonly name = 'SipParseError';
}

export function longHeaderName(name: string): string {
  const lower = name.trim().toLowerCase();
  return compact[lower] ?? lower;
}

/**
 * Splits a message into start line, headers and body (RFC 3261 §7). Header
 * folding (§7.3.1: a line starting with SP/HTAB continues the previous one)
 * is unfolded. Returns a SipParseError instead of throwing.
 */
export function parseSipMessage(text: string): RawSipMessage | SipParseError {
  const end = text.indexOf('\r\n\r\n');
  const head = end < 0 ? text : text.slice(0, end);
  const body = end < 0 ? '' : text.slice(end + 4);
  const lines = head.replace(/^(\r\n)+/, '').split('\r\n');
  const start = lines.shift() ?? '';
  const msg: RawSipMessage = { kind: 'request', method: '', uri: '', status: 0, reasonPhrase: '', headers: [], body };
  // RFC 3261 §7.2: Status-Line = SIP-Version SP Status-Code SP Reason-Phrase
  const status = /^SIP\/2\.0 ([1-6]\d\d)(?: (.*))?$/i.exec(start);
  // RFC 3261 §7.1: Request-Line = Method SP Request-URI SP SIP-Version
  const request = /^([A-Za-z0-9.!%*_+`'~-]+) (\S+) SIP\/2\.0$/i.exec(start);
  if (status) {
    msg.kind = 'response';
    msg.status = Number(status[1]);
    msg.reasonPhrase = status[2] ?? '';
  } else if (request) {
    msg.method = request[1]!.toUpperCase();
    msg.uri = request[2]!;
  } else {
    return new SipParseError(`not a SIP start line: ${JSON.stringify(start.slice(0, 80))}`);
  }
  for (const line of lines) {
    if (/^[ \t]/.test(line) && msg.headers.length > 0) {
      const last = msg.headers[msg.headers.length - 1]!;
      last.value = `${last.value} ${line.trim()}`;
      continue;
    }
    const colon = line.indexOf(':');
    if (colon <= 0) return new SipParseError(`header line without a name: ${JSON.stringify(line.slice(0, 80))}`);
    msg.headers.push({ name: longHeaderName(line.slice(0, colon)), value: line.slice(colon + 1).trim() });
  }
  return msg;
}

/** Splits a header value at commas outside quotes and angle brackets (RFC 3261 §7.3.1). */
export function splitHeaderList(value: string): string[] {
  const out: string[] = [];
  let depth = 0;
  let quoted = false;
  let current = '';
  for (let i = 0; i < value.length; i++) {
    const ch = value[i]!;
    if (quoted) {
      if (ch === '\\' && i + 1 < value.length) {
        current += ch + value[++i]!;
        continue;
      }
      if (ch === '"') quoted = false;
    } else if (ch === '"') quoted = true;
    else if (ch === '<') depth++;
    else if (ch === '>') depth = Math.max(0, depth - 1);
    else if (ch === ',' && depth === 0) {
      if (current.trim()) out.push(current.trim());
      current = '';
      continue;
    }
    current += ch;
  }
  if (current.trim()) out.push(current.trim());
  return out;
}

/** Every value of a header, comma-separated lists split, in message order. */
export function headerValues(msg: RawSipMessage, name: string): string[] {
  const want = longHeaderName(name);
  const values: string[] = [];
  for (const h of msg.headers) {
    if (h.name !== want) continue;
    if (want === 'via' || want === 'route' || want === 'record-route') values.push(...splitHeaderList(h.value));
    else values.push(h.value);
  }
  return values;
}

export function headerValue(msg: RawSipMessage, name: string): string | undefined {
  return headerValues(msg, name)[0];
}

/** CSeq number and method (RFC 3261 §20.16). */
export function cseqOf(msg: RawSipMessage): { seq: number; method: string } | undefined {
  const m = /^(\d{1,10})\s+(\S+)$/.exec(headerValue(msg, 'cseq') ?? '');
  return m ? { seq: Number(m[1]), method: m[2]!.toUpperCase() } : undefined;
}

/** Writes the message back, with Content-Length set to the body's byte length (RFC 3261 §20.14). */
export function serializeSipMessage(msg: RawSipMessage): string {
  const start = msg.kind === 'response' ? `SIP/2.0 ${msg.status} ${msg.reasonPhrase}` : `${msg.method} ${msg.uri} SIP/2.0`;
  const lines = [start];
  for (const h of msg.headers) {
    if (h.name === 'content-length') continue;
    lines.push(`${canonicalName(h.name)}: ${h.value}`);
  }
  lines.push(`Content-Length: ${Buffer.byteLength(msg.body, 'utf8')}`);
  return `${lines.join('\r\n')}\r\n\r\n${msg.body}`;
}

// Names are case-insensitive (RFC 3261 §7.3.1) but some peers match them exactly: the RFCs' spelling.
const canonical: Record<string, string> = { 'call-id': 'Call-ID', cseq: 'CSeq', 'www-authenticate': 'WWW-Authenticate', rseq: 'RSeq', rack: 'RAck', 'mime-version': 'MIME-Version' };

function canonicalName(name: string): string {
  return canonical[name] ?? name.replace(/(^|-)([a-z])/g, (_m, dash: string, c: string) => dash + c.toUpperCase());
}
