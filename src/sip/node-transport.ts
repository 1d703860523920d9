// A sip.js Transport over Node sockets: UDP (node:dgram), TCP (node:net) and
// TLS (node:tls). sip.js hands it whole messages and gets whole messages
// back; everything of RFC 3261 §18 (and RFC 3581) that sip.js leaves to the
// transport is here: where a request or response goes, Via sent-by, rport and
// received, stream framing, connection reuse, and UDP retransmission.
import { createSocket, type Socket as UdpSocket } from 'node:dgram';
import { createServer as createTcpServer, connect as tcpConnect, isIP, type Server as TcpServer, type Socket as TcpSocket } from 'node:net';
import { createServer as createTlsServer, connect as tlsConnect, type Server as TlsServer } from 'node:tls';
import { TransportState } from 'sip.js';
import { boundFamily, HostResolutionError, resolveHost, type AddressFamily, type HostLookup } from './resolve-host.js';
import { DEFAULT_TIMERS, ReliableTransactionTimers, UdpRetransmission, type Destination, type SipTimerValues } from './retransmission.js';
import { SipJsTransport } from './sip-js-transport.js';
import { headerValue, parseSipMessage, serializeSipMessage, splitHeaderList, type RawSipMessage, SipParseError } from './sip-message.js';
import { LogThrottle } from './log-throttle.js';
import { SipStreamFramer } from './stream-framer.js';
import { bareHost, formatVia, hostReference, parseVia, responseTarget, stampReceived } from './via.js';

export type SipTransportProtocol = 'udp' | 'tcp' | 'tls';

/** Where a message came from. */
export interface SipSource {
  address: string;
  port: number;
  protocol: SipTransportProtocol;
}

/** One message as it crossed the wire (for TLS: the SIP inside), for traces. */
export interface SipWirePacket {
  direction: 'in' | 'out';
  protocol: SipTransportProtocol;
  local: { address: string; port: number };
  remote: { address: string; port: number };
  data: Buffer;
  /** Milliseconds since the epoch, with fractions. */
  at: number;
}

/** Takes a request (text as sip.js will read it, our split of it, and where it came from) instead of onMessage. */
export type RequestSink = (text: string, request: RawSipMessage, source: SipSource) => void;

export interface NodeTransportOptions {
  protocol: SipTransportProtocol;
  /** Address to bind; 127.0.0.1 by default. */
  address?: string;
  /** Port to bind; 0 (ephemeral) by default. */
  port?: number;
  /** Host written in Via and Contact; the bound address by default (required when binding 0.0.0.0). */
  advertisedHost?: string;
  /** Key and certificate (PEM) for TLS; ca and rejectUnauthorized for the peers' certificates. */
  tls?: { key?: string | Buffer; cert?: string | Buffer; ca?: string | Buffer; rejectUnauthorized?: boolean };
  /** Every request goes here instead of to its Route or Request-URI (RFC 3261 §8.1.2 outbound proxy). */
  outboundProxy?: Destination;
  /** Retransmission timers for UDP (RFC 3261 §17.1.1.1). */
  timers?: Partial<SipTimerValues>;
  /** A Route (name-addr) for a request that carries none: a trunk's outbound proxy for the requests of its calls. */
  preloadedRoute?: (request: RawSipMessage) => string | undefined;
  /** One line per notable event: refused requests, unparsable messages, connection errors. */
  log?: (event: string, detail: Record<string, unknown>) => void;
  /** Every message sent or received, retransmissions included; must not throw. */
  trace?: (packet: SipWirePacket) => void;
  /** The user part of our Contact: a Contact of ours that leaves here names this transport and its port. */
  contactUser?: string;
  /** Resolves host names (node:dns/promises lookup by default). */
  lookup?: HostLookup;
  /** Limits on connections peers open to us over TCP and TLS. */
  inbound?: InboundConnectionLimits;
  /** Whether a request from this source is read at all; decided on the address alone, before any parsing. */
  admit?: (source: SipSource) => boolean;
}

export interface InboundConnectionLimits {
  /** Connections open at once from all peers; 1,000 by default. */
  max?: number;
  /** Connections open at once from one source address; 32 by default. */
  perSource?: number;
  /** A connection that carried nothing for this long, and no live dialog, is closed; 60 s by default. */
  idleMs?: number;
  /** Whether a Call-ID is a live dialog's: its connection stays open however quiet it is. */
  live?: (callId: string) => boolean;
}

/** What we know of a connection a peer opened. */
interface Inbound {
  lastActive: number;
  /** Call-IDs of the requests it carried (the newest few). */
  callIds: Set<string>;
}

/** Parses host and port out of a SIP URI (RFC 3261 §19.1.1); the port defaults per §19.1.2. */
export function uriDestination(uri: string): (Destination & { transport?: string }) | undefined {
  const m = /^<?\s*(sips?):(?:[^@;>]*@)?(\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9.-]+)(?::(\d{1,5}))?([^>]*)>?/i.exec(uri.trim());
  if (!m) return undefined;
  const transport = /;transport=([A-Za-z]+)/i.exec(m[4] ?? '')?.[1]?.toLowerCase();
  const secure = m[1]!.toLowerCase() === 'sips' || transport === 'tls';
  const host = m[2]!.startsWith('[') ? m[2]!.slice(1, -1) : m[2]!;
  const d: Destination & { transport?: string } = { host, port: m[3] ? Number(m[3]) : secure ? 5061 : 5060 };
  if (transport) d.transport = transport;
  return d;
}

/**
 * RFC 3261 §8.1.1.8 / §12.1.1: our Contact is where the peer sends the
 * dialog's requests, so it names the transport and port a message actually
 * leaves from (;transport=tls for TLS, §26.2). A Contact value that is not
 * ours (another user or host) comes back unchanged.
 */
export function contactForTransport(value: string, ours: { user: string; host: string; port: number; protocol: SipTransportProtocol }): string {
  const m = /^(\s*(?:"[^"]*"\s*)?<sips?:)([^@>]+)@([^;>]+)([^>]*)>(.*)$/s.exec(value);
  if (!m || m[2] !== ours.user || bareHost(m[3]!.replace(/:\d+$/, '')).toLowerCase() !== bareHost(ours.host).toLowerCase()) return value;
  const params = m[4]!.replace(/;transport=[^;]*/gi, '');
  return `${m[1]}${ours.user}@${hostReference(ours.host)}:${ours.port};transport=${ours.protocol}${params}>${m[5]}`;
}

/** A response built without a transaction (RFC 3261 §8.2.6: copy Via, From, To, Call-ID, CSeq; add a To tag). */
export function statelessResponse(request: RawSipMessage, status: number, reasonPhrase: string, extra: string[] = []): RawSipMessage {
  const headers = request.headers.filter((h) => ['via', 'from', 'to', 'call-id', 'cseq'].includes(h.name)).map((h) => ({ ...h }));
  const to = headers.find((h) => h.name === 'to');
  if (to && !/;\s*tag=/i.test(to.value)) to.value += `;tag=${Math.random().toString(36).slice(2, 10)}`;
  for (const line of extra) {
    const colon = line.indexOf(':');
    headers.push({ name: line.slice(0, colon).trim().toLowerCase(), value: line.slice(colon + 1).trim() });
  }
  return { kind: 'response', method: '', uri: '', status, reasonPhrase, headers, body: '' };
}

export class NodeTransport extends SipJsTransport {
  override readonly protocol: string;
  /** Where requests go when set; responses always go to onMessage. */
  onRequest: RequestSink | undefined;
  private udp?: UdpSocket;
  private server?: TcpServer | TlsServer;
  /** Stream connections by remote "address:port", inbound and outbound alike: reused for requests. */
  private readonly connections = new Map<string, TcpSocket>();
  /** The connection each request arrived on, by branch: its responses go back over it (RFC 3261 §18.2.2). */
  private readonly responsePaths = new Map<string, TcpSocket>();
  private retransmission?: UdpRetransmission;
  /** Lines about what peers send, at most one per event and source every 10 s. */
  private readonly lines = new LogThrottle((event, detail) => this.options.log?.(event, detail));
  /** Connections peers opened to us, for the limits and the idle sweep. */
  private readonly inbound = new Map<TcpSocket, Inbound>();
  private idleSweep?: NodeJS.Timeout;
  /** Timers B and F over TCP and TLS. */
  private reliableTimers?: ReliableTransactionTimers;
  private boundPort = 0;
  readonly timers: SipTimerValues;

  constructor(private readonly options: NodeTransportOptions) {
    super();
    this.protocol = options.protocol.toUpperCase();
    this.timers = { ...DEFAULT_TIMERS, ...options.timers };
  }

  /** The bound port (after listen()). */
  get port(): number {
    return this.boundPort;
  }

  get address(): string {
    return this.options.address ?? '127.0.0.1';
  }

  /** The address family this transport sends to (0: either, a dual-stack socket). */
  get family(): AddressFamily {
    // listen() binds UDP to a name with an IPv4 socket.
    return this.options.protocol === 'udp' && isIP(this.address) === 0 ? 4 : boundFamily(this.address);
  }

  /** Host for Via and Contact. */
  get advertisedHost(): string {
    return this.options.advertisedHost ?? this.address;
  }

  /** The advertised host as sent-by and URIs write it: an IPv6 address in brackets (RFC 3261 §25.1). */
  get viaHost(): string {
    return hostReference(this.advertisedHost);
  }

  /** Binds the socket or starts the listener; resolves with the port. */
  async listen(): Promise<number> {
    const { protocol } = this.options;
    const address = this.address;
    if (protocol === 'udp') {
      const udp = createSocket(isIP(address) === 6 ? 'udp6' : 'udp4');
      this.udp = udp;
      udp.on('message', (data, rinfo) => {
        this.traceUdp('in', data, { address: rinfo.address, port: rinfo.port });
        this.received(data.toString('utf8'), { address: rinfo.address, port: rinfo.port, protocol });
      });
      udp.on('error', (err) => this.log('udp-error', { error: err.message }));
      await new Promise<void>((resolve, reject) => {
        udp.once('error', reject);
        udp.bind({ address, port: this.options.port ?? 0 }, () => {
          udp.off('error', reject);
          resolve();
        });
      });
      this.boundPort = udp.address().port;
      try {
        // Room for a burst (a flood, or many calls' BYEs at once) while the thread is busy; the kernel caps it at rmem_max.
        udp.setRecvBufferSize(4 * 1024 * 1024);
      } catch (err) {
        this.log('udp-buffer', { error: (err as Error).message });
      }
      this.retransmission = new UdpRetransmission(
        this.timers,
        (text, to) => this.sendUdp(text, to),
        // RFC 3261 §8.1.3.1: a transaction timeout is treated as a 408 response.
        (request) => this.received(serializeSipMessage(statelessResponse(request, 408, 'Request Timeout')), { address: this.address, port: this.boundPort, protocol: 'udp' }),
      );
    } else {
      // RFC 3261 §17.1.1.2 / §8.1.3.1: Timers B and F on our T1, a timeout taken as a 408, a failed connection as a 503.
      this.reliableTimers = new ReliableTransactionTimers(this.timers, (request, status) =>
        this.received(serializeSipMessage(statelessResponse(request, status, status === 408 ? 'Request Timeout' : 'Service Unavailable')), { address: this.address, port: this.boundPort, protocol }),
      );
      const server =
        protocol === 'tls'
          ? createTlsServer({ key: this.options.tls?.key, cert: this.options.tls?.cert }, (s) => this.adopt(s))
          : createTcpServer((s) => this.adopt(s));
      this.server = server;
      server.on('error', (err: Error) => this.log('listen-error', { error: err.message }));
      if (protocol === 'tls') server.on('tlsClientError', (err: Error) => this.log('tls-error', { error: err.message }));
      await new Promise<void>((resolve, reject) => {
        server.once('error', reject);
        server.listen({ host: address, port: this.options.port ?? 0 }, () => {
          server.off('error', reject);
          resolve();
        });
      });
      const a = server.address();
      this.boundPort = typeof a === 'object' && a ? a.port : 0;
    }
    return this.boundPort;
  }

  private log(event: string, detail: Record<string, unknown>): void {
    this.options.log?.(event, { transport: this.options.protocol, ...detail });
  }

  private adopt(socket: TcpSocket): void {
    const key = `${socket.remoteAddress}:${socket.remotePort}`;
    const limits = this.options.inbound ?? {};
    const fromSource = [...this.inbound.keys()].filter((s) => s.remoteAddress === socket.remoteAddress).length;
    if (this.inbound.size >= (limits.max ?? 1000) || fromSource >= (limits.perSource ?? 32)) {
      // A flood of idle connections must not use up our file descriptors (RFC 5626 §4.4 leaves limits to us).
      this.lines.line('connection-refused', socket.remoteAddress ?? '', { transport: this.options.protocol, peer: key, reason: fromSource >= (limits.perSource ?? 32) ? 'too many connections from this source' : 'too many connections' });
      socket.destroy();
      return;
    }
    const state: Inbound = { lastActive: Date.now(), callIds: new Set() };
    this.inbound.set(socket, state);
    this.sweepIdle();
    this.connections.set(key, socket);
    const framer = new SipStreamFramer();
    socket.on('data', (chunk: Buffer) => {
      state.lastActive = Date.now();
      for (const out of framer.push(chunk)) {
        if ('error' in out) {
          // RFC 3261 §18.3: without framing the stream cannot be resynchronised; close it.
          this.lines.line('stream-error', socket.remoteAddress ?? '', { transport: this.options.protocol, from: key, error: out.error });
          socket.destroy();
          return;
        }
        this.traceStream('in', socket, out.message);
        this.received(out.message, { address: socket.remoteAddress ?? '', port: socket.remotePort ?? 0, protocol: this.options.protocol }, socket);
      }
    });
    socket.on('error', (err) => {
      this.lines.line('connection-error', socket.remoteAddress ?? '', { transport: this.options.protocol, peer: key, error: err.message });
      this.reliableTimers?.connectionFailed(socket);
    });
    socket.on('close', () => {
      this.inbound.delete(socket);
      if (this.connections.get(key) === socket) this.connections.delete(key);
      for (const [branch, s] of this.responsePaths) if (s === socket) this.responsePaths.delete(branch);
    });
  }

  /** Closes, every idleMs / 2, the inbound connections that are quiet and carry no live dialog. */
  private sweepIdle(): void {
    if (this.idleSweep) return;
    const limits = this.options.inbound ?? {};
    const idle = limits.idleMs ?? 60_000;
    this.idleSweep = setInterval(() => {
      const now = Date.now();
      for (const [socket, state] of this.inbound) {
        if (now - state.lastActive < idle || [...state.callIds].some((id) => limits.live?.(id))) continue;
        this.log('connection-idle', { peer: `${socket.remoteAddress}:${socket.remotePort}`, idleMs: now - state.lastActive });
        socket.destroy();
        this.inbound.delete(socket);
      }
      if (this.inbound.size === 0) {
        clearInterval(this.idleSweep);
        this.idleSweep = undefined;
      }
    }, Math.max(10, idle / 2));
    this.idleSweep.unref();
  }

  private received(text: string, from: SipSource, stream?: TcpSocket): void {
    if (/^\s*$/.test(text)) return; // RFC 5626 §4.4.1 CRLF keepalive
    // An IPv4 peer of a socket bound to :: shows as ::ffff:a.b.c.d (RFC 4291 §2.5.5.2);
    // Via received, trunk addresses and logs name it as the IPv4 address it is.
    const source = from.address.startsWith('::ffff:') && isIP(from.address.slice(7)) === 4 ? { ...from, address: from.address.slice(7) } : from;
    // A flood from strangers costs a table look-up per datagram, not a parse.
    if (!text.startsWith('SIP/2.0 ') && this.options.admit && !this.options.admit(source)) return;
    const msg = parseSipMessage(text);
    if (msg instanceof SipParseError) {
      this.lines.line('unparsable', source.address, { transport: this.options.protocol, from: `${source.address}:${source.port}`, error: msg.message });
      return;
    }
    const viaIndex = msg.headers.findIndex((h) => h.name === 'via');
    const via = viaIndex < 0 ? undefined : parseVia(headerValue(msg, 'via') ?? '');
    if (!via) {
      this.lines.line('unparsable', source.address, { transport: this.options.protocol, from: `${source.address}:${source.port}`, error: 'no valid Via' });
      return;
    }
    if (msg.kind === 'request') {
      // RFC 3261 §18.2.1 and RFC 3581 §4: record the real source in the top Via.
      this.replaceTopVia(msg, viaIndex, formatVia(stampReceived(via, source.address, source.port)));
      if (stream) {
        const branch = via.params.get('branch');
        if (branch) this.responsePaths.set(branch, stream);
        const state = this.inbound.get(stream);
        const callId = headerValue(msg, 'call-id');
        if (state && callId) {
          state.callIds.add(callId);
          if (state.callIds.size > 64) state.callIds.delete(state.callIds.values().next().value!);
        }
      }
      if (this.retransmission?.requestReceived(msg)) return;
      // The inbound decision is made on sip.js's parse of the request, above the transport.
      if (this.onRequest) {
        this.onRequest(serializeSipMessage(msg), msg, source);
        return;
      }
    } else {
      // sip.js checks that sent-by is exactly its viaHost without a port
      // (its port of RFC 3261 §18.1.2); our own port, rport and received were
      // for the network, so they are taken off again here.
      if (bareHost(via.host).toLowerCase() !== bareHost(this.advertisedHost).toLowerCase() || (via.port !== undefined && via.port !== this.boundPort)) {
        this.lines.line('stray-response', source.address, { transport: this.options.protocol, from: `${source.address}:${source.port}`, via: formatVia(via) });
        return;
      }
      const params = new Map(via.params);
      params.delete('rport');
      params.delete('received');
      this.replaceTopVia(msg, viaIndex, formatVia({ ...via, host: this.viaHost, port: undefined, params }));
      if (this.retransmission?.responseReceived(msg)) return;
      this.reliableTimers?.responseReceived(msg);
    }
    this.onMessage?.(serializeSipMessage(msg));
  }

  private replaceTopVia(msg: RawSipMessage, index: number, top: string): void {
    const h = msg.headers[index]!;
    // The first Via value of a comma list is the top one (RFC 3261 §7.3.1).
    h.value = [top, ...splitHeaderList(h.value).slice(1)].join(', ');
  }

  /**
   * Answers a request outside sip.js (RFC 3261 §8.2.6), with an optional body.
   * A refusal sent `once` is not retransmitted: an unauthenticated source
   * must not turn us into a reflector (its own retransmissions get one answer each).
   */
  reply(request: RawSipMessage, status: number, reasonPhrase: string, headers: string[] = [], body = '', once = false): void {
    const response = statelessResponse(request, status, reasonPhrase, headers);
    response.body = body;
    this.sendResponse(response, once);
  }

  /** Stops timers and closes every socket. */
  async close(): Promise<void> {
    this.retransmission?.close();
    this.reliableTimers?.close();
    clearInterval(this.idleSweep);
    this.inbound.clear();
    for (const s of this.connections.values()) s.destroy();
    this.connections.clear();
    this.responsePaths.clear();
    if (this.udp) {
      const udp = this.udp;
      this.udp = undefined;
      await new Promise<void>((resolve) => udp.close(() => resolve()));
    }
    if (this.server) {
      const server = this.server;
      this.server = undefined;
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
    this._state = TransportState.Disconnected;
  }

  async send(message: string): Promise<void> {
    const msg = parseSipMessage(message);
    if (msg instanceof SipParseError) throw new Error(`sip.js handed the transport a message it cannot parse: ${msg.message}`);
    this.ownContact(msg);
    if (msg.kind === 'request') await this.sendRequest(msg);
    else this.sendResponse(msg);
  }

  /** RFC 3261 §8.1.1.8 / §12.1.1: our Contact names the transport and port this message leaves from. */
  private ownContact(msg: RawSipMessage): void {
    const user = this.options.contactUser;
    if (!user) return;
    for (const h of msg.headers) {
      if (h.name === 'contact') h.value = contactForTransport(h.value, { user, host: this.advertisedHost, port: this.boundPort, protocol: this.options.protocol });
    }
  }

  private async sendRequest(msg: RawSipMessage): Promise<void> {
    const viaIndex = msg.headers.findIndex((h) => h.name === 'via');
    const via = parseVia(headerValue(msg, 'via') ?? '');
    if (via && viaIndex >= 0) {
      // RFC 3261 §18.1.1: sent-by carries the port we listen on; RFC 3581 §3:
      // rport asks the server to answer to the source port.
      const params = new Map<string, string | null>([['rport', null], ...[...via.params].filter(([k]) => k !== 'rport')]);
      // RFC 3261 §18.1.1: sent-protocol names the transport the request goes over.
      this.replaceTopVia(msg, viaIndex, formatVia({ ...via, transport: this.protocol, host: this.viaHost, port: this.boundPort, params }));
    }
    if (headerValue(msg, 'route') === undefined) {
      // RFC 3261 §8.1.2: an outbound proxy is a preloaded loose Route; inside a
      // dialog without a route set of its own (§12.2.1.1) ACK, BYE and
      // re-INVITE go through it too, as the INVITE did.
      const route = this.options.preloadedRoute?.(msg);
      if (route) msg.headers.push({ name: 'route', value: route });
    }
    const target = this.options.outboundProxy ?? this.nextHop(msg);
    if (!target) throw new Error(`no destination for ${msg.method} ${msg.uri}`);
    const named = isIP(target.host) === 0;
    let host: string;
    try {
      // RFC 3263 §4.3: of the name's addresses, the first of the family this transport is bound to.
      [host] = (await resolveHost(target.host, this.family, this.options.lookup)) as [string];
    } catch (err) {
      if (!(err instanceof HostResolutionError)) throw err;
      this.log('resolve-error', { method: msg.method, host: err.host, family: err.family, error: err.message });
      // RFC 3261 §8.1.3.1: no address to send to is a transport failure, taken as a 503 at once;
      // the ACK of that 503 has nowhere to go either.
      if (msg.method !== 'ACK') {
        const response = statelessResponse(msg, 503, `Service Unavailable (${err.message})`);
        this.received(serializeSipMessage(response), { address: this.address, port: this.boundPort, protocol: this.options.protocol });
      }
      return;
    }
    const to = { host, port: target.port };
    const text = serializeSipMessage(msg);
    if (this.options.protocol === 'udp') {
      if (this.retransmission?.ackOfTimeout(msg)) return;
      this.sendUdp(text, to);
      this.retransmission?.requestSent(msg, text, to);
    } else {
      // RFC 5922 §4.1 / RFC 3261 §26.3.1: the certificate must name the host the
      // URI names, so a name is checked as the name, not as what it resolved to.
      const socket = this.stream(to, named ? target.host : undefined);
      if (this.reliableTimers?.requestSent(msg, socket)) return;
      this.writeStream(socket, text);
    }
  }

  /** RFC 3261 §8.1.2 / §12.2.1.1: the first Route if it is a loose router, else the Request-URI. */
  private nextHop(msg: RawSipMessage): Destination | undefined {
    const route = headerValue(msg, 'route');
    if (route && /;lr\b/i.test(route)) return uriDestination(route);
    return uriDestination(msg.uri);
  }

  private sendResponse(msg: RawSipMessage, once = false): void {
    const via = parseVia(headerValue(msg, 'via') ?? '');
    if (!via) {
      this.log('unroutable-response', { status: msg.status });
      return;
    }
    const text = serializeSipMessage(msg);
    const target = responseTarget(via);
    if (this.options.protocol === 'udp') {
      this.sendUdp(text, target);
      if (!once) this.retransmission?.responseSent(msg, text, target);
      return;
    }
    const branch = via.params.get('branch') ?? '';
    // RFC 3261 §18.2.2: over a stream, answer on the connection the request came in on.
    const path = this.responsePaths.get(branch);
    if (path && !path.destroyed) this.writeStream(path, text);
    else this.writeStream(this.stream(target), text);
    if (msg.status >= 200) this.responsePaths.delete(branch);
  }

  private sendUdp(text: string, to: Destination): void {
    const data = Buffer.from(text, 'utf8');
    if (this.udp) this.traceUdp('out', data, { address: to.host, port: to.port });
    // A UDP socket bound to :: reaches IPv4 peers only by their IPv4-mapped address (RFC 4291 §2.5.5.2).
    const host = this.family === 0 && isIP(to.host) === 4 ? `::ffff:${to.host}` : to.host;
    this.udp?.send(data, to.port, host, (err) => {
      if (err) this.log('send-error', { to: `${to.host}:${to.port}`, error: err.message });
    });
  }

  private traceUdp(direction: 'in' | 'out', data: Buffer, remote: { address: string; port: number }): void {
    if (!this.options.trace) return;
    // A socket bound to a wildcard address has no one local address; the advertised one is what peers see.
    const bound = this.address;
    const local = bound === '0.0.0.0' || bound === '::' ? this.advertisedHost : bound;
    this.traced({ direction, protocol: 'udp', local: { address: local, port: this.boundPort }, remote, data, at: performance.timeOrigin + performance.now() });
  }

  /** A trace that fails loses its message, never the message itself. */
  private traced(packet: SipWirePacket): void {
    try {
      this.options.trace?.(packet);
    } catch (err) {
      this.log('trace-error', { error: (err as Error).message });
    }
  }

  private traceStream(direction: 'in' | 'out', socket: TcpSocket, text: string): void {
    if (!this.options.trace) return;
    const at = performance.timeOrigin + performance.now();
    const emit = (): void =>
      this.traced({
        direction,
        protocol: this.options.protocol,
        local: { address: socket.localAddress ?? this.address, port: socket.localPort ?? 0 },
        remote: { address: socket.remoteAddress ?? '', port: socket.remotePort ?? 0 },
        data: Buffer.from(text, 'utf8'),
        at,
      });
    // A new outbound connection knows its own port only once it is connected.
    if (socket.localPort === undefined && socket.connecting) socket.once('connect', emit);
    else emit();
  }

  private writeStream(socket: TcpSocket, text: string): void {
    socket.write(text);
    this.traceStream('out', socket, text);
  }

  /**
   * An open connection to the destination, or a new one (RFC 3261 §18.1.1:
   * reuse connections). A TLS peer's certificate is checked against
   * `serverName` (also sent as SNI, RFC 6066 §3, which takes names only), else
   * against the address.
   */
  private stream(to: Destination, serverName?: string): TcpSocket {
    const key = `${to.host}:${to.port}`;
    const existing = this.connections.get(key);
    if (existing && !existing.destroyed) return existing;
    const socket =
      this.options.protocol === 'tls'
        ? tlsConnect({
            host: to.host,
            port: to.port,
            ca: this.options.tls?.ca,
            key: this.options.tls?.key,
            cert: this.options.tls?.cert,
            rejectUnauthorized: this.options.tls?.rejectUnauthorized ?? true,
            ...(serverName ? { servername: serverName } : {}),
          })
        : tcpConnect({ host: to.host, port: to.port });
    this.connections.set(key, socket);
    const framer = new SipStreamFramer();
    socket.on('data', (chunk: Buffer) => {
      for (const out of framer.push(chunk)) {
        if ('error' in out) {
          this.log('stream-error', { peer: key, error: out.error });
          socket.destroy();
          return;
        }
        this.traceStream('in', socket, out.message);
        this.received(out.message, { address: to.host, port: to.port, protocol: this.options.protocol }, socket);
      }
    });
    socket.on('error', (err: Error) => {
      this.log('connection-error', { peer: key, error: err.message });
      this.reliableTimers?.connectionFailed(socket);
    });
    socket.on('close', () => {
      if (this.connections.get(key) === socket) this.connections.delete(key);
    });
    return socket;
  }
}
