// One SIP user agent on one listening transport, serving any number of
// trunks: registration, OPTIONS keepalive, inbound screening, and the SIP
// legs of calls in and out.
import { EventEmitter } from 'node:events';
import { Invitation, Inviter, Registerer, SessionState, SIPExtension, UserAgent, type RegistererRegisterOptions, type Session, type URI } from 'sip.js';
import type { IncomingResponseMessage } from 'sip.js/lib/core/messages/incoming-response-message.js';
import { callerIdFromSip, callerIdToSip, parseNameAddr } from '../call/caller-id-mapping.js';
import type { PartyNumber } from '../call/pstn-leg.js';
import { Cause } from '../call/q850.js';
import { formatReason } from '../call/reason-header.js';
import { PortRangeExhaustedError } from '../media/rtp-port-pool.js';
import { resolveHost } from './resolve-host.js';
import { Resolver } from 'node:dns/promises';
import { BlockList, isIP } from 'node:net';
import { addSource, InboundPolicy, onList, type DialogLookup, type InboundCounts, type InboundPolicyOptions } from './inbound-policy.js';
import { uriDestination, type NodeTransportOptions, type SipSource, type SipTransportProtocol } from './node-transport.js';
import { TransportSet } from './transport-set.js';
import { headerValue, type RawSipMessage } from './sip-message.js';
import { LogThrottle } from './log-throttle.js';
import { deliverRequest, hasDialog, hasMandatoryHeaders, hasServerTransaction, parseRequest, setAuthenticationFactory } from './sipjs-adapter.js';
import { offeredCodecs, SdpRejection, srtpRefusal, type AudioCodecName, type SrtpPolicy } from './sdp-negotiation.js';
import { NodeSessionDescriptionHandler, SdpError } from './session-description-handler.js';
import { SipCall } from './sip-call.js';
import type { SipMediaFactory, SipMediaSession } from './sip-media.js';
import { TrunkAuthenticator } from './trunk-authenticator.js';
import type { TrunkOptions } from './trunk-options.js';
import { bareHost, hostReference } from './via.js';

export interface SipEndpointOptions {
  /** The default transport; other transports share its address, TLS keys, timers and trace. */
  transport: Omit<NodeTransportOptions, 'log' | 'preloadedRoute' | 'contactUser'>;
  /** More transports to listen on, each on its own port (0: ephemeral); a trunk's transport is added when missing. */
  listen?: Array<{ protocol: SipTransportProtocol; port?: number }>;
  trunks: TrunkOptions[];
  /** Digest users, stranger limits and bans; trunks are known by their addresses. */
  inbound?: Omit<InboundPolicyOptions, 'log'>;
  media: SipMediaFactory;
  /** Codecs in order of preference for calls without a trunk (PCMU, PCMA, opus). */
  codecs?: AudioCodecName[];
  ptime?: number;
  /** SRTP policy for calls without a trunk: 'required' on TLS, 'off' otherwise by default. */
  srtp?: SrtpPolicy;
  /** How often trunk host names are resolved again; their DNS TTL by default. */
  resolveEveryMs?: number;
  log?: (event: string, detail: Record<string, unknown>) => void;
}

export type TrunkState = 'unknown' | 'up' | 'down';

/** The SIP side's exposure and screening, as status shows it. */
export interface SipSecurity {
  listening: Array<{ service: 'sip'; transport: string; address: string; port: string }>;
  unknownSources: 'reject' | 'silent';
  trunks: Array<{ name: string; sources: string[] }>;
  users: string[];
  bans: Array<{ address: string; until: string }>;
  counts: InboundCounts;
}

/** Where a registering trunk's binding stands (RFC 3261 §10.2). */
export interface TrunkRegistration {
  /** registering: an attempt is under way with no binding; unregistered: the last attempt failed. */
  state: 'registering' | 'registered' | 'unregistered';
  /** The last failure (a status line, a timeout, a transport error), or null. */
  lastError: string | null;
  /** Successful registrations and refreshes since the trunk was added. */
  registrations: number;
}

export interface SipEndpointEvents {
  /** An admitted INVITE; the call layer answers, rings or releases it. */
  incoming: [call: SipCall];
  /** A trunk's keepalive state changed. */
  trunkState: [trunk: string, state: TrunkState];
  /** A trunk registered (expires in s) or failed to (status). */
  registration: [trunk: string, registered: boolean, detail: number];
}

interface TrunkRuntime {
  options: TrunkOptions;
  /** The trunk host's addresses of our transport's family: requests from any of them are the trunk's. */
  addresses: string[];
  /** Those, its allowFrom addresses and networks (CIDR), and its outbound proxy's addresses. */
  sources: BlockList;
  /** The same, as written. */
  sourceNames: string[];
  state: TrunkState;
  failures: number;
  registerer?: Registerer;
  registration?: TrunkRegistration;
  retryMs: number;
  timers: NodeJS.Timeout[];
}

const DEFAULT_CODECS: AudioCodecName[] = ['PCMU', 'PCMA', 'opus'];

/**
 * RFC 3261 §10.2.4: the binding lifetime the registrar granted, from the
 * expires parameter of our own Contact in the 200 (compared by user, host and
 * port, §19.1.4), or else its Expires header; undefined when it gives neither.
 */
export function grantedExpiry(response: IncomingResponseMessage, ours: URI): number | undefined {
  const n = (v: string | undefined): number | undefined => {
    const x = v === undefined ? NaN : Number(v.trim());
    return Number.isInteger(x) && x >= 0 ? x : undefined;
  };
  const header = n(response.getHeader('expires'));
  const count = response.getHeaders('contact').length;
  for (let i = 0; i < count; i++) {
    const c = response.parseHeader('contact', i) as { uri: URI; getParam(name: string): string | undefined } | undefined;
    if (!c || c.uri.user !== ours.user || c.uri.host.toLowerCase() !== ours.host.toLowerCase() || (c.uri.port ?? 5060) !== (ours.port ?? 5060)) continue;
    return n(c.getParam('expires')) ?? header;
  }
  return undefined;
}

export class SipEndpoint extends EventEmitter<SipEndpointEvents> {
  readonly transport: TransportSet;
  readonly policy: InboundPolicy;
  private ua!: UserAgent;
  private readonly trunks = new Map<string, TrunkRuntime>();
  private stopped = false;
  private readonly calls = new WeakMap<Session, SipCall>();
  /** Live calls by Call-ID, for requests sip.js does not route to them (UPDATE). */
  private readonly callsById = new Map<string, SipCall>();
  /** Media opened for an INVITE before it was admitted, until its description handler takes it. */
  private readonly preopened = new WeakMap<Session, Promise<SipMediaSession>>();
  /** The outbound proxy Route of calls placed over a trunk that has one, by Call-ID. */
  private readonly proxyRoutes = new Map<string, string>();
  /** Where each live call's in-dialog requests may come from (its INVITE's source, its trunk's sources), by Call-ID. */
  private readonly peers = new Map<string, { addresses: Set<string>; trunk?: string }>();
  /** Admitted INVITEs by branch: who sent them, until sip.js's transaction ends. */
  private readonly invites = new Map<string, { address: string; trunk?: string; user?: string }>();
  /** Lines about what peers send, at most one per event and source every 10 s. */
  private readonly lines = new LogThrottle((event, detail) => this.log(event, detail));
  /** For the TTLs of trunk host names; its queries are cancelled on stop. */
  private readonly dns = new Resolver({ timeout: 2000, tries: 1 });
  private readonly lookup: DialogLookup = {
    dialogPeer: (callId, local, remote) => {
      if (!hasDialog(this.ua, callId, local, remote) || !this.peers.has(callId)) return undefined;
      // The trunk as configured now: a trunk removed on reload no longer speaks for its calls' dialogs.
      return (address) => this.isPeer(callId, address);
    },
    inviteSource: (branch) => {
      const i = this.invites.get(branch);
      if (i && !hasServerTransaction(this.ua, branch)) this.invites.delete(branch);
      return i && this.invites.has(branch) ? i.address : undefined;
    },
    // '' names a source allowed without a trunk (allowAddresses).
    trunkOf: (source) => this.trunkFrom(source.address, source.protocol)?.options.name ?? (this.policy.allowedSource(source.address) ? '' : undefined),
  };

  private constructor(private readonly options: SipEndpointOptions) {
    super();
    const log = options.log ?? (() => undefined);
    this.policy = new InboundPolicy({ ...options.inbound, log });
    this.transport = new TransportSet({
      ...options.transport,
      contactUser: 'sipline',
      log,
      // A quiet connection stays open while a call it carried lasts.
      inbound: { ...options.transport.inbound, live: (callId) => this.peers.has(callId) },
      admit: (source) => this.knownSource(source) || this.policy.admit(source),
      preloadedRoute: (req) => this.proxyRoutes.get(headerValue(req, 'call-id') ?? ''),
    });
    this.transport.onRequest = (text, raw, source) => this.request(text, raw, source);
  }

  static async start(options: SipEndpointOptions): Promise<SipEndpoint> {
    const e = new SipEndpoint(options);
    await e.open();
    return e;
  }

  /** The default transport's port. */
  get port(): number {
    return this.transport.primary.port;
  }

  /** Every listening transport and its port. */
  get listening(): Array<{ protocol: SipTransportProtocol; port: number }> {
    return this.transport.listening();
  }

  /** The transport a trunk's requests go over: its own, else the default one. */
  private trunkProtocol(t: TrunkOptions | undefined): SipTransportProtocol {
    return t?.transport ?? this.options.transport.protocol;
  }

  private log(event: string, detail: Record<string, unknown>): void {
    this.options.log?.(event, detail);
  }

  private async open(): Promise<void> {
    const port = await this.transport.listen();
    for (const l of this.options.listen ?? []) await this.transport.listen(l.protocol, l.port ?? 0);
    // RFC 3261 §25.1: an IPv6 sent-by and URI host go in brackets.
    const host = this.transport.viaHost;
    const transport = this.transport;
    this.ua = new UserAgent({
      uri: UserAgent.makeURI(`sip:sipline@${host}`),
      viaHost: host,
      contactName: 'sipline',
      contactParams: { transport: this.options.transport.protocol },
      // sip.js builds its transport with `new`; a constructor returning our instance hands it over.
      transportConstructor: function () {
        return transport;
      } as unknown as new () => TransportSet,
      sessionDescriptionHandlerFactory: (session: Session) => this.descriptionHandler(session),
      logBuiltinEnabled: false,
      logConfiguration: false,
      logLevel: process.env.SIPLINE_SIPJS_DEBUG ? 'debug' : 'error',
      logConnector: (level, category, _label, content) => {
        if (level === 'error' || process.env.SIPLINE_SIPJS_DEBUG) this.log('sip.js', { level, category, content });
      },
      userAgentString: 'sipline',
      // sip.js would send 180 on every INVITE; the call layer decides when the line rings.
      sendInitialProvisionalResponse: false,
      // RFC 3262: Supported: 100rel on our INVITEs; a peer's reliable 18x is PRACKed.
      sipExtension100rel: SIPExtension.Supported,
      // RFC 3891 Replaces would let an INVITE take over a live call; the gateway does not offer it.
      sipExtensionReplaces: SIPExtension.Unsupported,
      delegate: { onInvite: (invitation) => this.incoming(invitation) },
    });
    // sip.js writes the Contact without a port; ours is the listening port (RFC 3261 §8.1.1.8).
    this.ua.contact.uri.port = port;
    // Our digest code answers challenges (MD5 and SHA-256), with each trunk's credentials.
    setAuthenticationFactory(this.ua, () => new TrunkAuthenticator((req) => this.credentialsFor(req.ruri.host)));
    await this.ua.start();
    for (const t of this.options.trunks) await this.addTrunk(t);
  }

  private credentialsFor(host: string): { username: string; password: string } | undefined {
    for (const t of this.trunks.values()) {
      const h = bareHost(host);
      if (bareHost(t.options.host) !== h && !t.addresses.includes(h) && bareHost(t.options.domain ?? t.options.host) !== h) continue;
      if (t.options.auth) return t.options.auth;
      const r = t.options.register;
      if (r) return { username: r.authUsername ?? r.username, password: r.password };
    }
    return undefined;
  }

  /** RFC 4568 §8: SDES keys travel in the SDP, so SRTP is the default only where signalling is TLS. */
  private srtpPolicy(trunk: TrunkOptions | undefined): SrtpPolicy {
    return trunk?.srtp ?? this.options.srtp ?? (this.trunkProtocol(trunk) === 'tls' ? 'required' : 'off');
  }

  private descriptionHandler(session: Session): NodeSessionDescriptionHandler {
    const remote = bareHost(session.remoteIdentity?.uri.host ?? '');
    // An outgoing call knows its trunk; trunks on one host are told apart by it.
    const trunk = this.trunks.get(this.calls.get(session)?.trunk ?? '') ?? [...this.trunks.values()].find((t) => remote === bareHost(t.options.host));
    const srtp = this.srtpPolicy(trunk?.options);
    const pre = this.preopened.get(session);
    this.preopened.delete(session);
    return new NodeSessionDescriptionHandler(
      pre ? () => pre : this.options.media,
      trunk?.options.codecs ?? this.options.codecs ?? DEFAULT_CODECS,
      this.options.ptime,
      (_n, media) => {
        const call = this.calls.get(session);
        // RTP before latching also from where the call's SIP comes from (a peer behind NAT writes its private address in SDP).
        if (call) media.allowSources?.((address) => this.isPeer(call.callId, address));
        call?.mediaReady(media);
      },
      srtp,
    );
  }

  /** Adds a trunk at run time (registration and keepalive start at once). */
  async addTrunk(options: TrunkOptions): Promise<void> {
    if (this.trunks.has(options.name)) throw new Error(`SIP trunk ${JSON.stringify(options.name)} exists already`);
    // RFC 3261 §18.1.1: the trunk's requests leave over its own transport, listening for its answers and requests.
    await this.transport.listen(this.trunkProtocol(options), 0);
    // The host may be an IPv6 reference in brackets, as the config allows.
    const addresses = await this.resolve(bareHost(options.host), options, 'host');
    const t: TrunkRuntime = { options, addresses, sources: new BlockList(), sourceNames: [], state: 'unknown', failures: 0, retryMs: options.register?.retryMs ?? 1000, timers: [] };
    await this.setSources(t, addresses);
    this.trunks.set(options.name, t);
    this.reresolve(t);
    if (options.register) this.register(t);
    if (options.keepalive) this.probe(t);
  }

  /**
   * A trunk's host or proxy as the trunk's transport resolves it (RFC 3263
   * §4.3: the family it is bound to); none, logged, when it has no such
   * address: the trunk's requests then end in 503 at the transport.
   */
  /** The trunk's sources: its addresses, its outbound proxy's (requests may come through it) and allowFrom. */
  private async setSources(t: TrunkRuntime, addresses: string[]): Promise<void> {
    const options = t.options;
    const proxy = options.outboundProxy ? uriDestination(this.proxyRoute(options)!) : undefined;
    const proxyAddresses = proxy ? await this.resolve(proxy.host, options, 'outbound proxy') : [];
    const sources = new BlockList();
    const sourceNames = [...new Set([...addresses, ...proxyAddresses, ...(options.allowFrom ?? [])])];
    for (const a of sourceNames) if (!addSource(sources, a)) this.log('trunk-config-error', { trunk: options.name, error: `${JSON.stringify(a)} is not an address or a CIDR network` });
    t.addresses = addresses;
    t.sources = sources;
    t.sourceNames = sourceNames;
  }

  /**
   * A trunk named by host name is resolved again when its DNS TTL runs out
   * (RFC 1035 §3.2.1; 5 minutes when the name has no TTL, as from /etc/hosts,
   * within 30 s to 1 h): a carrier that moves its SBC is followed, and its
   * old address is no longer taken as the trunk.
   */
  private reresolve(t: TrunkRuntime): void {
    const o = t.options;
    const host = bareHost(o.host);
    const proxy = o.outboundProxy ? uriDestination(this.proxyRoute(o)!)?.host : undefined;
    const names = [host, proxy].filter((h): h is string => h !== undefined && isIP(h) === 0);
    if (names.length === 0) return;
    const again = async (): Promise<void> => {
      if (this.stopped || this.trunks.get(o.name) !== t) return;
      const addresses = isIP(host) ? [host] : await this.resolve(host, o, 'host');
      // A failed lookup keeps the addresses we had.
      const before = t.sourceNames.join(' ');
      if (addresses.length > 0) await this.setSources(t, addresses);
      if (t.sourceNames.join(' ') !== before) this.log('trunk-addresses', { trunk: o.name, sources: t.sourceNames });
      this.later(t, await this.ttlMs(names), () => void again());
    };
    void this.ttlMs(names).then((ms) => this.later(t, ms, () => void again()));
  }

  private async ttlMs(names: string[]): Promise<number> {
    if (this.options.resolveEveryMs !== undefined) return this.options.resolveEveryMs;
    let ttl = Infinity;
    for (const name of names) {
      for (const family of [4, 6] as const) {
        const records = await (family === 4 ? this.dns.resolve4(name, { ttl: true }) : this.dns.resolve6(name, { ttl: true })).catch(() => []);
        for (const r of records) ttl = Math.min(ttl, r.ttl);
      }
    }
    return Math.min(3_600_000, Math.max(30_000, Number.isFinite(ttl) ? ttl * 1000 : 300_000));
  }

  private async resolve(host: string, trunk: TrunkOptions, what: string): Promise<string[]> {
    const family = (this.transport.member(this.trunkProtocol(trunk)) ?? this.transport.primary).family;
    return resolveHost(host, family, this.options.transport.lookup).catch((err: Error) => {
      this.log('trunk-resolve-error', { trunk: trunk.name, what, error: err.message });
      return [];
    });
  }

  /** Unregisters (RFC 3261 §10.2.2) and stops sip.js's refresh and expiry timers, which dispose() leaves running. */
  private dropRegistration(t: TrunkRuntime): void {
    const r = t.registerer;
    if (!r) return;
    r.dispose().catch(() => undefined);
    (r as unknown as { clearTimers(): void }).clearTimers();
  }

  /** Removes a trunk: its timers stop and its registration is dropped. */
  removeTrunk(name: string): void {
    const t = this.trunks.get(name);
    if (!t) return;
    for (const timer of t.timers) clearTimeout(timer);
    this.dropRegistration(t);
    this.trunks.delete(name);
  }

  private target(t: TrunkOptions, user?: string): string {
    const host = hostReference(t.host);
    const port = t.port ? `:${t.port}` : '';
    const protocol = this.trunkProtocol(t);
    const transport = protocol === 'udp' ? '' : `;transport=${protocol}`;
    return `sip:${user ? `${user}@` : ''}${host}${port}${transport}`;
  }

  /** RFC 3261 §8.1.2 / §16.6: the outbound proxy as a loose Route (name-addr), or undefined. */
  private proxyRoute(t: TrunkOptions): string | undefined {
    if (!t.outboundProxy) return undefined;
    const uri = /^sips?:/i.test(t.outboundProxy) ? t.outboundProxy : `sip:${t.outboundProxy}`;
    return `<${/;lr\b/i.test(uri) ? uri : `${uri};lr`}>`;
  }

  private routeHeaders(t: TrunkOptions): string[] {
    const route = this.proxyRoute(t);
    return route ? [`Route: ${route}`] : [];
  }

  private register(t: TrunkRuntime): void {
    const r = t.options.register!;
    const domain = hostReference(t.options.domain ?? t.options.host);
    const registrar = UserAgent.makeURI(this.target(t.options));
    const aor = UserAgent.makeURI(`sip:${r.username}@${domain}`);
    if (!registrar || !aor) {
      this.log('trunk-config-error', { trunk: t.options.name, error: 'bad registrar or AOR URI' });
      return;
    }
    // RFC 3261 §10.2.4: sip.js refreshes at refreshFrequency % of the granted expiry.
    const registerer = new Registerer(this.ua, { registrar, expires: r.expires ?? 3600, params: { toUri: aor, fromUri: aor }, extraHeaders: this.routeHeaders(t.options), refreshFrequency: 90 });
    t.registerer = registerer;
    const status: TrunkRegistration = { state: 'registering', lastError: null, registrations: 0 };
    t.registration = status;
    // A refused or timed-out REGISTER (a refresh too) leaves the trunk unregistered until one succeeds.
    const failed = (error: string): void => {
      status.state = 'unregistered';
      status.lastError = error;
    };
    const sipjs = registerer as unknown as {
      register(o?: RegistererRegisterOptions): Promise<unknown>;
      registered(expires: number): void;
      readonly waiting: boolean;
      waitingChange: { addListener(f: (waiting: boolean) => void): void };
    };
    // sip.js reads a Contact without an expires parameter as NaN and then
    // refreshes at once, in a loop; the granted expiry is worked out below
    // from the 200 and handed to its refresh timers from there.
    const startRefreshTimers = sipjs.registered.bind(registerer);
    sipjs.registered = () => undefined;
    let settled = false;
    const options: RegistererRegisterOptions = {
      requestDelegate: {
        onAccept: (res) => {
          settled = true;
          // Our Contact in the REGISTER named the trunk transport's port.
          const contact = this.ua.contact.uri.clone();
          contact.port = this.transport.member(this.trunkProtocol(t.options))?.port ?? contact.port;
          const granted = grantedExpiry(res.message, contact);
          if (granted === undefined) {
            this.log('register-error', { trunk: t.options.name, error: '200 to REGISTER without an expiry for our Contact' });
            failed('200 to REGISTER without an expiry for our Contact');
            this.retryRegistration(t, attempt);
            return;
          }
          startRefreshTimers(granted);
          status.state = 'registered';
          status.registrations++;
          t.retryMs = r.retryMs ?? 1000;
          this.emit('registration', t.options.name, true, granted);
        },
        onReject: (res) => {
          settled = true;
          // A 408 here is our own Timer F (RFC 3261 §8.1.3.1): the registrar did not answer.
          failed(`${res.message.statusCode ?? 0} ${res.message.reasonPhrase ?? ''}`.trim());
          this.emit('registration', t.options.name, false, res.message.statusCode ?? 0);
          // RFC 3261 §20.33: a 503/500 may say when to come back.
          const after = Number(res.message.getHeader('retry-after')?.split(/[\s;(]/)[0]);
          this.retryRegistration(t, attempt, Number.isFinite(after) && after > 0 ? after * 1000 : 0);
        },
      },
    };
    // sip.js's refresh timer (and its 423 retry) call register() without
    // options; a failed refresh must back off and retry like the first REGISTER.
    const plainRegister = sipjs.register.bind(registerer);
    sipjs.register = () => {
      settled = false;
      // A refresh of a live binding stays registered; a retry after a failure is registering again.
      if (status.state !== 'registered') status.state = 'registering';
      return plainRegister(options);
    };
    // sip.js drops a 200 whose Contact list lacks ours without telling the
    // delegate: an attempt that ends unsettled is retried too.
    sipjs.waitingChange.addListener((waiting) => {
      if (waiting) return;
      setTimeout(() => {
        if (settled || sipjs.waiting || this.stopped || !this.trunks.has(t.options.name)) return;
        settled = true;
        this.log('register-error', { trunk: t.options.name, error: 'REGISTER ended without a usable final response' });
        failed('REGISTER ended without a usable final response');
        this.retryRegistration(t, attempt);
      }, 0);
    });
    const attempt = (): void => {
      if (this.stopped) return;
      sipjs.register().catch((err: Error) => {
        this.log('register-error', { trunk: t.options.name, error: err.message });
        failed(err.message);
        this.retryRegistration(t, attempt);
      });
    };
    attempt();
  }

  /** Back-off: the delay doubles after every failure, up to maxRetryMs (RFC 3261 §10.2.4 leaves the policy to us). */
  private retryRegistration(t: TrunkRuntime, attempt: () => void, atLeastMs = 0): void {
    if (this.stopped) return;
    const delay = Math.max(t.retryMs, atLeastMs);
    t.retryMs = Math.min(t.retryMs * 2, t.options.register?.maxRetryMs ?? 300_000);
    this.log('register-retry', { trunk: t.options.name, inMs: delay });
    this.later(t, delay, attempt);
  }

  /** Runs f after ms unless the trunk is removed first; a timer that fired leaves the trunk's list. */
  private later(t: TrunkRuntime, ms: number, f: () => void): void {
    if (this.stopped || this.trunks.get(t.options.name) !== t) return;
    const timer = setTimeout(() => {
      t.timers.splice(t.timers.indexOf(timer), 1);
      f();
    }, ms);
    t.timers.push(timer);
  }

  /** OPTIONS keepalive (RFC 3261 §11): any response means the trunk answers. */
  private probe(t: TrunkRuntime): void {
    const k = t.options.keepalive!;
    const setState = (ok: boolean): void => {
      t.failures = ok ? 0 : t.failures + 1;
      const next: TrunkState = ok ? 'up' : t.failures >= (k.downAfter ?? 3) ? 'down' : t.state;
      if (next !== t.state) {
        t.state = next;
        this.emit('trunkState', t.options.name, next);
      }
    };
    const once = (): void => {
      if (this.stopped) return;
      const uri = UserAgent.makeURI(this.target(t.options));
      if (!uri) return;
      const core = this.ua.userAgentCore;
      const msg = core.makeOutgoingRequestMessage('OPTIONS', uri, this.ua.configuration.uri, uri, {}, this.routeHeaders(t.options));
      let settled = false;
      const timeout = setTimeout(() => {
        if (!settled) setState(false);
        settled = true;
      }, k.timeoutMs ?? Math.min(k.intervalMs, 5000));
      const answered = (status: number | undefined): void => {
        clearTimeout(timeout);
        if (settled) return;
        settled = true;
        setState(status !== undefined && status !== 408 && status < 500);
      };
      core.request(msg, { onAccept: (r) => answered(r.message.statusCode), onReject: (r) => answered(r.message.statusCode) });
      this.later(t, k.intervalMs, once);
    };
    once();
  }

  /** Who may send us requests, what was refused and who is banned (for status and metrics). */
  security(): SipSecurity {
    const users = this.policy.userNames();
    return {
      listening: [...this.transport.listening()].map((l) => ({ service: 'sip' as const, transport: l.protocol, address: this.transport.member(l.protocol)?.address ?? '', port: String(l.port) })),
      unknownSources: this.policy.silent ? 'silent' : 'reject',
      trunks: [...this.trunks.values()].map((t) => ({ name: t.options.name, sources: t.sourceNames })),
      users,
      bans: this.policy.bans.list().map((b) => ({ address: b.address, until: new Date(b.until).toISOString() })),
      counts: { ...this.policy.counts },
    };
  }

  /** A registering trunk's binding, or undefined for a trunk that does not register. */
  trunkRegistration(name: string): Readonly<TrunkRegistration> | undefined {
    return this.trunks.get(name)?.registration;
  }

  trunkState(name: string): TrunkState | undefined {
    return this.trunks.get(name)?.state;
  }

  /** A trunk may take calls: configured and not found down by its keepalive. */
  trunkUp(name: string): boolean {
    const s = this.trunks.get(name)?.state;
    return s !== undefined && s !== 'down';
  }

  /** Names of the configured trunks. */
  trunkNames(): string[] {
    return [...this.trunks.keys()];
  }

  /** Creates the SIP leg of an outgoing call over a trunk; invite() sends it. */
  call(trunkName: string, from: PartyNumber, to: PartyNumber): SipCall {
    const t = this.trunks.get(trunkName);
    if (!t) throw new Error(`no SIP trunk named ${JSON.stringify(trunkName)}`);
    const target = UserAgent.makeURI(this.target(t.options, to.digits || 's'));
    if (!target) throw new Error(`trunk ${trunkName}: cannot make a Request-URI for ${JSON.stringify(to.digits)}`);
    const domain = t.options.domain ? hostReference(t.options.domain) : this.transport.viaHost;
    const extraHeaders = this.routeHeaders(t.options);
    // Caller ID: From, P-Asserted-Identity (RFC 3325) and Privacy (RFC 3323) from the calling party's presentation.
    const id = callerIdToSip(from, domain, t.options.trusted === true || t.options.register !== undefined);
    const shown = parseNameAddr(id.from);
    // A registering trunk wants its account in From; the number goes in P-Asserted-Identity.
    const fromUri = t.options.register && id.privacy !== 'id' ? `sip:${t.options.register.username}@${hostReference(t.options.domain ?? t.options.host)}` : (shown?.uri ?? `sip:anonymous@${domain}`);
    if (id.pAssertedIdentity) extraHeaders.push(`P-Asserted-Identity: ${id.pAssertedIdentity}`);
    if (id.privacy) extraHeaders.push(`Privacy: ${id.privacy}`);
    const inviter = new Inviter(this.ua, target, {
      params: { fromUri, ...(shown?.display ? { fromDisplayName: shown.display } : {}) },
      extraHeaders,
      // The answer in a 18x starts media at once (RFC 3261 §13.2.1, RFC 3262 §5, RFC 3960 §3):
      // the line hears announcements and the far end's ringback before the 200 (RFC 3398 §8.2.1).
      earlyMedia: true,
    });
    const call = new SipCall(inviter, 'outgoing', trunkName, from, to);
    this.track(inviter, call, t);
    const route = this.proxyRoute(t.options);
    if (route) {
      this.proxyRoutes.set(call.callId, route);
      // Kept for 64*T1 more: the last ACK or BYE may still be retransmitted.
      call.once('released', () => setTimeout(() => this.proxyRoutes.delete(call.callId), 64 * this.transport.timers.T1).unref());
    }
    return call;
  }

  /**
   * Every request, before sip.js acts on it: parsed once by sip.js, judged
   * once by the inbound policy on that parse, then handed to sip.js (or, for
   * UPDATE, answered here). Nothing sip.js throws reaches the event loop.
   */
  private request(text: string, raw: RawSipMessage, source: SipSource): void {
    if (this.stopped) return;
    const m = parseRequest(this.ua, text);
    if (!m || !hasMandatoryHeaders(m)) {
      this.lines.line('unparsable', source.address, { from: `${source.address}:${source.port}`, method: raw.method, error: 'not a request sip.js can read (RFC 3261 §8.1.1)' });
      return;
    }
    const verdict = this.policy.screen(
      {
        method: m.method,
        uri: raw.uri,
        callId: m.callId,
        fromTag: m.fromTag ?? '',
        toTag: m.toTag ?? '',
        branch: m.viaBranch ?? '',
        userAgent: m.getHeader('user-agent'),
        authorization: m.getHeader('authorization'),
      },
      source,
      this.lookup,
    );
    if (!verdict.accept) {
      if (verdict.status && m.method !== 'ACK') this.transport.reply(raw, verdict.status, verdict.reason ?? 'Forbidden', verdict.headers, '', true);
      return;
    }
    if (m.method === 'UPDATE' && m.toTag) {
      this.update(raw);
      return;
    }
    if (m.method === 'INVITE' && !m.toTag) {
      this.invites.set(m.viaBranch, { address: source.address, ...(verdict.trunk !== undefined ? { trunk: verdict.trunk } : {}), ...(verdict.user ? { user: verdict.user } : {}) });
      if (this.invites.size > 10_000) this.invites.delete(this.invites.keys().next().value!);
    }
    const error = deliverRequest(this.ua, m);
    if (error) {
      this.lines.line('sip.js-error', source.address, { from: `${source.address}:${source.port}`, method: m.method, error: error.message });
      if (m.method !== 'ACK') this.transport.reply(raw, 500, 'Server Internal Error', [], '', true);
    }
  }

  private incoming(invitation: Invitation): void {
    const req = invitation.request;
    const admitted = this.invites.get(req.viaBranch);
    if (!admitted) {
      // Every INVITE sip.js hands us went through request(); one that did not is refused.
      this.log('inbound-refused', { method: 'INVITE', reason: 'INVITE that was not admitted' });
      void invitation.reject({ statusCode: 500 }).catch(() => undefined);
      return;
    }
    const source = admitted.address;
    const origin = admitted.trunk ? this.trunks.get(admitted.trunk) : undefined;
    const trunk = admitted.trunk || 'digest';
    // In-dialog requests come from where the INVITE came from, or from any address of its trunk.
    this.peers.set(req.callId, { addresses: new Set([source]) });
    const body = req.body ?? '';
    if (body.trim()) {
      const codecs = offeredCodecs(body);
      const ours = this.options.codecs ?? DEFAULT_CODECS;
      // RFC 3264 §6 / RFC 3261 §13.3.1.3: no common codec -> 488 Not Acceptable Here.
      if (codecs instanceof SdpRejection || !codecs.some((c) => ours.includes(c))) {
        const status = codecs instanceof SdpRejection ? codecs.status : 488;
        this.log('inbound-rejected-sdp', { source, status });
        void invitation.reject({ statusCode: status });
        return;
      }
      // RFC 4568 §7.1.2: an SRTP-required call without usable keys, or RTP/SAVP where SRTP is off -> 488.
      const refusal = srtpRefusal(body, this.srtpPolicy(origin?.options));
      if (refusal) {
        this.log('inbound-rejected-sdp', { source, status: refusal.status, reason: refusal.reason });
        void invitation.reject({ statusCode: refusal.status });
        return;
      }
    }
    const user = (u: URI | undefined): string => u?.user ?? '';
    const trusted = origin?.options.trusted === true;
    // RFC 3325 §9.1 / RFC 3323 §4.2: the calling party from From, P-Asserted-Identity and Privacy.
    const from = callerIdFromSip(
      {
        from: req.getHeader('from') ?? '',
        ...(req.getHeader('p-asserted-identity') ? { pAssertedIdentity: req.getHeader('p-asserted-identity')! } : {}),
        ...(req.getHeader('privacy') ? { privacy: req.getHeader('privacy')! } : {}),
      },
      trusted,
    );
    const to: PartyNumber = { digits: user(req.ruri) || user(invitation.localIdentity.uri) };
    // Media first: an INVITE we could not give RTP ports must not ring a line.
    const media = this.options.media();
    this.preopened.set(invitation, media);
    invitation.stateChange.addListener((state) => {
      // Refused before a description handler took the media: its ports go back.
      if (state === SessionState.Terminated && this.preopened.get(invitation) === media) {
        this.preopened.delete(invitation);
        void media.then((m) => m.close(), () => undefined);
      }
    });
    media.then(
      () => {
        if (invitation.state !== SessionState.Initial) return; // CANCELled meanwhile
        const call = new SipCall(invitation, 'incoming', trunk, from, to, [], admitted.user);
        this.track(invitation, call, origin);
        this.emit('incoming', call);
      },
      (err: Error) => {
        this.preopened.delete(invitation);
        // RFC 3398 §7.2.4.1: cause 47 (resource unavailable) -> 503, with the cause in Reason (RFC 3326).
        const exhausted = err instanceof PortRangeExhaustedError;
        this.log('inbound-rejected-media', { source, status: exhausted ? 503 : 500, error: err.message });
        void invitation.reject({ statusCode: exhausted ? 503 : 500, ...(exhausted ? { extraHeaders: [`Reason: ${formatReason(Cause.RESOURCE_UNAVAILABLE)}`] } : {}) }).catch(() => undefined);
      },
    );
  }

  /** The trunk a request came from: by source address, and among trunks on one address the one of the transport it came over. */
  private trunkFrom(source: string, transport: string | undefined): TrunkRuntime | undefined {
    const candidates = [...this.trunks.values()].filter((t) => onList(t.sources, source));
    return candidates.find((t) => this.trunkProtocol(t.options) === transport?.toLowerCase()) ?? candidates[0];
  }

  /** A trunk's source, an allowed one, or a live call's peer: never limited by address. */
  private knownSource(source: SipSource): boolean {
    if (this.lookup.trunkOf(source) !== undefined) return true;
    for (const p of this.peers.values()) if (p.addresses.has(source.address)) return true;
    return false;
  }

  /** An address the call's in-dialog requests may come from: its INVITE's source or its trunk's. */
  private isPeer(callId: string, address: string): boolean {
    const peer = this.peers.get(callId);
    if (!peer) return false;
    const trunk = peer.trunk === undefined ? undefined : this.trunks.get(peer.trunk);
    return peer.addresses.has(address) || (trunk !== undefined && onList(trunk.sources, address));
  }

  private track(session: Session, call: SipCall, trunk: TrunkRuntime | undefined): void {
    this.calls.set(session, call);
    // RFC 3515 §2.4.2: we may refuse a REFER. sip.js would accept one and call
    // its Refer-To on its own, past every route and limit; transfers are not offered.
    session.delegate = {
      ...session.delegate,
      onRefer: (referral) => {
        this.log('refer-refused', { callId: call.callId, trunk: call.trunk, referTo: referral.request.getHeader('refer-to') ?? '', reason: 'transfers are not allowed' });
        void referral.reject({ statusCode: 403, reasonPhrase: 'Forbidden' }).catch(() => undefined);
      },
    };
    this.callsById.set(call.callId, call);
    // A trunk's calls take in-dialog requests from any of its sources (a carrier's other SBC).
    const peer = this.peers.get(call.callId) ?? { addresses: new Set<string>() };
    if (trunk) peer.trunk = trunk.options.name;
    this.peers.set(call.callId, peer);
    call.once('released', () => {
      this.callsById.delete(call.callId);
      this.peers.delete(call.callId);
    });
  }

  /**
   * RFC 3311 §5.2: an UPDATE carries a new offer inside the dialog; the UAS
   * answers in the 200 (488 when the offer is not acceptable, 481 when the
   * dialog is unknown). sip.js answers UPDATE with 405, so it is done here.
   */
  private update(req: RawSipMessage): void {
    const call = this.callsById.get(headerValue(req, 'call-id') ?? '');
    if (!call) {
      this.transport.reply(req, 481, 'Call/Transaction Does Not Exist');
      return;
    }
    const contact = `Contact: ${this.ua.contact.toString()}`;
    call.answerUpdate(req.body).then(
      (answer) => this.transport.reply(req, 200, 'OK', answer ? [contact, 'Content-Type: application/sdp'] : [contact], answer ?? ''),
      (err: Error) => this.transport.reply(req, err instanceof SdpError ? err.rejection.status : 500, err instanceof SdpError ? 'Not Acceptable Here' : 'Server Internal Error'),
    );
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.dns.cancel();
    for (const t of this.trunks.values()) {
      for (const timer of t.timers) clearTimeout(timer);
      this.dropRegistration(t);
    }
    // sip.js ends live sessions with BYE on stop; a peer that never answers must not hold us up.
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([this.ua.stop().catch(() => undefined), new Promise((r) => (timer = setTimeout(r, 2000)))]);
    clearTimeout(timer);
    await this.transport.close();
  }
}

