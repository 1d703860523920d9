// The Via header field (RFC 3261 §20.42, §18.2.1) with the rport extension
// (RFC 3581): what the transport reads to route responses and writes to let
// them find us behind NAT.

export interface Via {
  /** Transport token of sent-protocol, upper case (UDP, TCP, TLS, WS). */
  transport: string;
  host: string;
  port?: number;
  /** Parameters in order; a flag parameter (rport without value) maps to null. */
  params: Map<string, string | null>;
}

/** Parses one Via value (already split from a comma list); undefined when malformed. */
export function parseVia(value: string): Via | undefined {
  // RFC 3261 §25.1: via-parm = sent-protocol LWS sent-by *( SEMI via-params )
  const m = /^SIP\s*\/\s*2\.0\s*\/\s*([A-Za-z0-9.!%*_+`'~-]+)\s+(\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9.-]+)(?:\s*:\s*(\d{1,5}))?\s*((?:;.*)?)$/.exec(value.trim());
  if (!m) return undefined;
  const port = m[3] === undefined ? undefined : Number(m[3]);
  if (port !== undefined && (port < 1 || port > 65535)) return undefined;
  const params = new Map<string, string | null>();
  for (const part of m[4]!.split(';').slice(1)) {
    const eq = part.indexOf('=');
    const key = (eq < 0 ? part : part.slice(0, eq)).trim().toLowerCase();
    if (!key) return undefined;
    params.set(key, eq < 0 ? null : part.slice(eq + 1).trim());
  }
  return { transport: m[1]!.toUpperCase(), host: m[2]!, port, params };
}

export function formatVia(via: Via): string {
  let s = `SIP/2.0/${via.transport} ${via.host}${via.port === undefined ? '' : `:${via.port}`}`;
  for (const [k, v] of via.params) s += v === null ? `;${k}` : `;${k}=${v}`;
  return s;
}

/** A host without the brackets of an IPv6 reference. */
export function bareHost(host: string): string {
  return host.startsWith('[') && host.endsWith(']') ? host.slice(1, -1) : host;
}

/** RFC 3261 §25.1 (and RFC 5118 §4.1): an IPv6 address in sent-by or a URI is an IPv6reference, in brackets. */
export function hostReference(host: string): string {
  return host.includes(':') && !host.startsWith('[') ? `[${host}]` : host;
}

/**
 * Stamps the top Via of a received request with where it really came from.
 * RFC 3261 §18.2.1: add received= when sent-by's host differs from the source
 * address. RFC 3581 §4: when rport is present without a value, fill in the
 * source port (and always add received then).
 */
export function stampReceived(via: Via, sourceAddress: string, sourcePort: number): Via {
  const params = new Map(via.params);
  const rport = params.has('rport');
  if (rport || bareHost(via.host) !== sourceAddress) params.set('received', sourceAddress);
  if (rport) params.set('rport', String(sourcePort));
  return { ...via, params };
}

/**
 * Where to send a response over an unreliable transport (RFC 3261 §18.2.2,
 * RFC 3581 §4): received (or sent-by host) and rport (or sent-by port, or the
 * transport's default port 5060, or 5061 for TLS, §19.1.2).
 */
export function responseTarget(via: Via): { host: string; port: number } {
  const received = via.params.get('received');
  const rport = via.params.get('rport');
  // RFC 5118 §4.5: received may hold an IPv6 address with or without brackets.
  const host = received ? bareHost(received) : bareHost(via.host);
  const rportNumber = rport ? Number(rport) : NaN;
  const port = Number.isInteger(rportNumber) && rportNumber > 0 && rportNumber < 65536 ? rportNumber : (via.port ?? (via.transport === 'TLS' ? 5061 : 5060));
  return { host, port };
}
