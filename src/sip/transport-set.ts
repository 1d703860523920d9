// Several listening transports behind the one sip.js Transport: UDP, TCP and
// TLS at once, each on its own port. A request leaves over the transport its
// next hop asks for (RFC 3261 §18.1.1, §26.2: ;transport= or sips), else the
// one its dialog began on; a response leaves over the transport its request
// came in on (RFC 3261 §18.2.2, named by the top Via).
import { TransportState } from 'sip.js';
import { NodeTransport, uriDestination, type NodeTransportOptions, type RequestSink, type SipTransportProtocol } from './node-transport.js';
import { SipJsTransport } from './sip-js-transport.js';
import { headerValue, parseSipMessage, SipParseError, type RawSipMessage } from './sip-message.js';
import { parseVia } from './via.js';
import type { SipTimerValues } from './retransmission.js';

/** Call-IDs remembered for the transport of their dialog; the oldest are forgotten first. */
const REMEMBERED_CALL_IDS = 10_000;

export class TransportSet extends SipJsTransport {
  /** The default transport's token: sip.js writes it in Via, each transport puts its own there. */
  override readonly protocol: string;
  private readonly members = new Map<SipTransportProtocol, NodeTransport>();
  private readonly dialogs = new Map<string, SipTransportProtocol>();
  /** Every member's requests, with their source, for the inbound decision. */
  onRequest: RequestSink | undefined;

  /** `options` are the default transport's; the others share all but protocol and port. */
  constructor(private readonly options: NodeTransportOptions) {
    super();
    this.protocol = options.protocol.toUpperCase();
  }

  get defaultProtocol(): SipTransportProtocol {
    return this.options.protocol;
  }

  /** The default transport (listening once listen() resolved). */
  get primary(): NodeTransport {
    return this.members.get(this.options.protocol)!;
  }

  get timers(): SipTimerValues {
    return this.primary.timers;
  }

  get viaHost(): string {
    return this.primary.viaHost;
  }

  /** The listening transport of a protocol, if any. */
  member(protocol: SipTransportProtocol): NodeTransport | undefined {
    return this.members.get(protocol);
  }

  /** Protocol and bound port of every listening transport. */
  listening(): Array<{ protocol: SipTransportProtocol; port: number }> {
    return [...this.members.values()].map((m) => ({ protocol: m.protocol.toLowerCase() as SipTransportProtocol, port: m.port }));
  }

  /** Starts listening on `protocol` (the default transport's port for it, else `port`, else ephemeral); a second call is a no-op. */
  async listen(protocol: SipTransportProtocol = this.options.protocol, port?: number): Promise<number> {
    const existing = this.members.get(protocol);
    if (existing) return existing.port;
    const own = protocol === this.options.protocol ? this.options.port : port;
    const t = new NodeTransport({ ...this.options, protocol, ...(own !== undefined ? { port: own } : { port: 0 }) });
    t.onMessage = (text) => this.received(text, protocol);
    t.onRequest = (text, request, source) => {
      this.remember(headerValue(request, 'call-id'), protocol);
      this.onRequest?.(text, request, source);
    };
    this.members.set(protocol, t);
    try {
      return await t.listen();
    } catch (err) {
      this.members.delete(protocol);
      throw err;
    }
  }

  private received(text: string, protocol: SipTransportProtocol): void {
    const msg = parseSipMessage(text);
    if (!(msg instanceof SipParseError) && msg.kind === 'request') this.remember(headerValue(msg, 'call-id'), protocol);
    this.onMessage?.(text);
  }

  private remember(callId: string | undefined, protocol: SipTransportProtocol): void {
    if (!callId) return;
    this.dialogs.delete(callId);
    this.dialogs.set(callId, protocol);
    if (this.dialogs.size > REMEMBERED_CALL_IDS) this.dialogs.delete(this.dialogs.keys().next().value!);
  }

  /**
   * The transport a request goes over: the next hop's ;transport= (sips means
   * TLS, RFC 3261 §26.2), else the transport its Call-ID was seen on, else UDP
   * (RFC 3263 §4.1), else the default one.
   */
  private forRequest(msg: RawSipMessage): SipTransportProtocol {
    const route = headerValue(msg, 'route');
    const hop = route && /;lr\b/i.test(route) ? route : undefined;
    for (const uri of [hop, msg.uri]) {
      if (!uri) continue;
      const d = uriDestination(uri);
      const wanted = d?.transport ?? (/^<?\s*sips:/i.test(uri) ? 'tls' : undefined);
      if (wanted && this.members.has(wanted as SipTransportProtocol)) return wanted as SipTransportProtocol;
    }
    const known = this.dialogs.get(headerValue(msg, 'call-id') ?? '');
    if (known && this.members.has(known)) return known;
    return this.members.has('udp') ? 'udp' : this.options.protocol;
  }

  /** Answers a request outside sip.js (RFC 3261 §8.2.6), over the transport it came in on. */
  reply(request: RawSipMessage, status: number, reasonPhrase: string, headers: string[] = [], body = '', once = false): void {
    this.byVia(request).reply(request, status, reasonPhrase, headers, body, once);
  }

  /** RFC 3261 §18.2.2: the top Via's sent-protocol names the transport the request arrived on. */
  private byVia(msg: RawSipMessage): NodeTransport {
    const token = parseVia(headerValue(msg, 'via') ?? '')?.transport.toLowerCase() as SipTransportProtocol | undefined;
    return (token && this.members.get(token)) ?? this.primary;
  }

  async send(message: string): Promise<void> {
    const msg = parseSipMessage(message);
    if (msg instanceof SipParseError) throw new Error(`sip.js handed the transport a message it cannot parse: ${msg.message}`);
    if (msg.kind === 'response') return this.byVia(msg).send(message);
    const protocol = this.forRequest(msg);
    this.remember(headerValue(msg, 'call-id'), protocol);
    return this.members.get(protocol)!.send(message);
  }

  /** Closes every listening transport. */
  async close(): Promise<void> {
    await Promise.all([...this.members.values()].map((m) => m.close()));
    this._state = TransportState.Disconnected;
  }
}
