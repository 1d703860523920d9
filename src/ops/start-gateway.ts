// The gateway assembled from a checked gateway.yaml: cards from hw-profiles,
// PRI spans on their D-channels, the SIP user agent with its trunks, the
// dial plan, the router and the CDR store, all registered with the operator
// side. `sipline start` runs it inside the daemon; tests and `sipline demo`
// call startGateway() directly and drive the emulated cards' far ends.
import { mkdirSync, readFileSync } from 'node:fs';
import { isAbsolute, join, resolve } from 'node:path';
import { FxoPort } from '../analog/fxo-port.js';
import { FxsPort } from '../analog/fxs-port.js';
import { analogPortOptions, callerIdFor } from './analog-port-config.js';
import { toneZone } from '../analog/tone-zones.js';
import { analogDspConfig } from '../analog/zone-dsp.js';
import { CallRouter } from '../call/call-router.js';
import { CardAudioLine } from '../call/card-audio.js';
import { CdrStore } from '../call/cdr-store.js';
import { DialPlan } from '../call/dial-plan.js';
import type { GatewayConfig, SipTrunkConfig } from '../call/gateway-config.js';
import type { PstnLine } from '../call/pstn-leg.js';
import { Cause, type Q850Cause } from '../call/q850.js';
import type { Channel } from '../hw/channel.js';
import { loadHwProfiles, type HwProfile } from '../hw/hw-profile.js';
import { openProfile, type OpenedProfile } from '../hw/open-profile.js';
import type { SimCard } from '../hw/sim-card.js';
import type { Span } from '../hw/span.js';
import { ChannelFramePipe } from '../isdn/channel-frame-pipe.js';
import { DChannelTrace, tracedFramePipe } from './d-channel-trace.js';
import { PriSpan } from '../isdn/pri-span.js';
import { PortRangeExhaustedError, RtpPortPool } from '../media/rtp-port-pool.js';
import { rtpMediaFactory } from '../sip/rtp-media-factory.js';
import type { SipMediaFactory } from '../sip/sip-media.js';
import { SCANNER_USER_AGENTS, type InboundPolicyOptions } from '../sip/inbound-policy.js';
import type { AudioCodecName } from '../sip/sdp-negotiation.js';
import type { InboundConnectionLimits, SipWirePacket } from '../sip/node-transport.js';
import type { SipTimerValues } from '../sip/retransmission.js';
import { SipEndpoint } from '../sip/sip-endpoint.js';
import type { TrunkOptions } from '../sip/trunk-options.js';
import { analogPortBlocking, analogPortStatus } from './analog-port-status.js';
import { parseListenAddress } from './daemon-config.js';
import { HepExporter, sipCallId } from './hep-exporter.js';
import { redactSecrets, SipTrace } from './sip-trace.js';
import { registerSpanStatus } from './span-status.js';
import type { StatusRegistry } from './status-registry.js';

export interface StartGatewayOptions {
  /** Relative paths of the config (the CDR database) are taken from here; the working directory by default. */
  baseDir?: string;
  registry?: StatusRegistry;
  log?: (msg: string, detail?: Record<string, unknown>) => void;
}

/** Where a span's D-channel is on its emulated card: the far end sends and receives its frames there. */
export interface SimSpanAccess {
  sim: SimCard;
  /** The D-channel's channel number on the emulated card. */
  dChannel: number;
  /** Channel number of B-channel (or time slot) n on the emulated card. */
  bChannel(n: number): number;
}

export interface RunningGateway {
  readonly config: GatewayConfig;
  readonly sip: SipEndpoint;
  readonly router: CallRouter;
  readonly lines: ReadonlyMap<string, PstnLine>;
  readonly spans: ReadonlyMap<string, PriSpan>;
  readonly cards: ReadonlyMap<string, OpenedProfile>;
  readonly cdr: CdrStore | null;
  /** The SIP port the user agent listens on. */
  readonly sipPort: number;
  /** The far-end access of a PRI span on an emulated card. */
  simSpan(span: string): SimSpanAccess | undefined;
  /** The emulated card and channel of an analog port (a CentralOffice or Phone of src/sim/ drives it). */
  simPort(port: string): { sim: SimCard; channel: number } | undefined;
  /** SIGHUP: new routes and trunks for the next calls; calls in progress go on. */
  reload(config: GatewayConfig): Promise<void>;
  /** Releases every call (cause 16 by default), closes spans, cards, SIP and the CDR store. */
  close(cause?: Q850Cause): Promise<void>;
}

const CODEC_NAMES: Record<string, AudioCodecName | undefined> = { pcmu: 'PCMU', pcma: 'PCMA', opus: 'opus' };

function codecs(list: readonly string[] | undefined): AudioCodecName[] | undefined {
  const out = (list ?? []).map((c) => CODEC_NAMES[c]).filter((c): c is AudioCodecName => c !== undefined);
  return out.length > 0 ? out : undefined;
}

function connectionLimits(c: NonNullable<NonNullable<GatewayConfig['security']>['connections']>): InboundConnectionLimits {
  return { ...(c.max ? { max: c.max } : {}), ...(c.perSource ? { perSource: c.perSource } : {}), ...(c.idleTimeout ? { idleMs: c.idleTimeout * 1000 } : {}) };
}

/** Digest users, and limits, bans and scanner patterns for sources that are not trunks (gateway.yaml seconds become ms). */
function inboundPolicy(config: GatewayConfig): Omit<InboundPolicyOptions, 'log' | 'allowAddresses'> {
  const security = config.security;
  const r = security?.rateLimit;
  const b = security?.ban;
  return {
    unknownSource: security?.reject === 'silent' ? 'silence' : 'reject',
    users: digestUsers(config),
    ...(security?.realm ? { realm: security.realm } : {}),
    ...(security?.algorithm ? { algorithm: security.algorithm } : {}),
    ...(r?.requestsPerSecond ? { requestsPerSecond: r.requestsPerSecond } : {}),
    ...(r?.callsPerSecond ? { callsPerSecond: r.callsPerSecond } : {}),
    ...(r?.burst ? { burst: r.burst } : {}),
    ...(b ? { ban: { ...(b.failures ? { failures: b.failures } : {}), ...(b.findTime ? { findTimeMs: b.findTime * 1000 } : {}), ...(b.banTime ? { banTimeMs: b.banTime * 1000 } : {}) } } : {}),
    ...(security?.scanners ? { scanners: [...SCANNER_USER_AGENTS, ...security.scanners] } : {}),
  };
}

function trunkOptions(t: SipTrunkConfig, fallbackCodecs: AudioCodecName[] | undefined): TrunkOptions {
  const o: TrunkOptions = { name: t.name, host: t.host, trusted: t.trusted === true };
  if (t.port !== undefined) o.port = t.port;
  if (t.transport) o.transport = t.transport;
  if (t.register) o.register = { username: t.register.username, password: t.register.password, ...(t.register.expiry ? { expires: t.register.expiry } : {}) };
  // Addresses and CIDR networks alike.
  if (t.allowedAddresses) o.allowFrom = [...t.allowedAddresses];
  if (t.outboundProxy) o.outboundProxy = t.outboundProxy.replace(/^sips?:/i, '');
  // Keepalive: down after `failures` unanswered OPTIONS (RFC 3261 §11), each waiting at most one interval.
  if (t.keepalive) o.keepalive = { intervalMs: t.keepalive.interval * 1000, downAfter: t.keepalive.failures ?? 3 };
  const c = codecs(t.codecs) ?? fallbackCodecs;
  if (c) o.codecs = c;
  // RFC 4568: gateway.yaml says mandatory where the SIP layer says required.
  if (t.srtp) o.srtp = t.srtp === 'mandatory' ? 'required' : t.srtp;
  return o;
}

/**
 * The transports the user agent listens on besides the default one: each
 * trunk's and each of sip.ports. Fixed ports default to 5060 (UDP, TCP) and
 * 5061 (TLS, RFC 3261 §19.1.2); where the default listens on port 0, the
 * others take ephemeral ports too.
 */
function listenedTransports(config: GatewayConfig, defaultPort: number): { listen: Array<{ protocol: 'udp' | 'tcp' | 'tls'; port: number }>; tls: boolean } {
  const main = config.sip?.transport ?? 'udp';
  const wanted = new Set<'udp' | 'tcp' | 'tls'>([main]);
  for (const t of config.sipTrunks ?? []) if (t.transport) wanted.add(t.transport);
  for (const p of ['udp', 'tcp', 'tls'] as const) if (config.sip?.ports?.[p] !== undefined) wanted.add(p);
  const listen = [...wanted]
    .filter((p) => p !== main)
    .map((protocol) => ({ protocol, port: config.sip?.ports?.[protocol] ?? (defaultPort === 0 ? 0 : protocol === 'tls' ? 5061 : 5060) }));
  return { listen, tls: wanted.has('tls') };
}

/** sip.timers (ms) as the transport's RFC 3261 §17.1.1.1 timer values; absent ones keep their defaults. */
function sipTimers(t: { t1?: number; t2?: number; t4?: number }): Partial<SipTimerValues> {
  return { ...(t.t1 !== undefined ? { T1: t.t1 } : {}), ...(t.t2 !== undefined ? { T2: t.t2 } : {}), ...(t.t4 !== undefined ? { T4: t.t4 } : {}) };
}

/** Reads a PEM file of sip.tls (relative to the config's directory); the error names the key and the file. */
function pemFile(baseDir: string, key: string, file: string | undefined): Buffer | undefined {
  if (file === undefined) return undefined;
  const path = isAbsolute(file) ? file : resolve(baseDir, file);
  try {
    return readFileSync(path);
  } catch (err) {
    throw new Error(`sip.tls.${key}: cannot read ${path}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
  }
}

/** The digest users of security.users for the inbound policy (RFC 3261 §22.1, RFC 7616). */
function digestUsers(config: GatewayConfig): InboundPolicyOptions['users'] {
  return (config.security?.users ?? []).map((u) => ({
    username: u.username,
    ...(u.password !== undefined ? { password: u.password } : {}),
    ha1: { ...(u.ha1 ? { MD5: u.ha1 } : {}), ...(u.ha1Sha256 ? { 'SHA-256': u.ha1Sha256 } : {}) },
  }));
}

/** RTP sessions from the media.rtpPorts pool; an exhausted range is logged and the call refused (cause 47). */
function mediaFactory(config: GatewayConfig, host: string, log: (msg: string, detail?: Record<string, unknown>) => void): SipMediaFactory {
  const address = host === '0.0.0.0' ? '0.0.0.0' : host;
  const range = config.media?.rtpPorts;
  const ports = new RtpPortPool(address, range);
  const open = rtpMediaFactory({ lineEncoding: 'L16', address, ports }, config.sip?.advertisedHost);
  return async () => {
    try {
      return await open();
    } catch (err) {
      if (err instanceof PortRangeExhaustedError) log(`media: RTP port range ${range ? `${range.min}-${range.max}` : '(ephemeral)'} exhausted; call refused`, { error: err.message });
      throw err;
    }
  };
}

/** Alarms and line error counters of a card span, as the status shows them (RED, YELLOW, ...). */
function spanAlarms(span: Span): { alarms: string[]; counters: Record<string, number> } {
  const st = span.status();
  return { alarms: st.alarmNames.map((a) => a.toUpperCase()), counters: { bpv: st.bpvCount, crc4: st.crc4Count, ebit: st.ebitCount, fas: st.fasCount } };
}

/** The traces of gateway.yaml's traces section: pcap files and the HEP exporter; none when it is absent. */
async function openTraces(config: GatewayConfig, baseDir: string, log: (msg: string) => void) {
  const t = config.traces;
  if (!t) return undefined;
  const dir = resolve(baseDir, t.directory ?? 'traces');
  const files = { ...(t.maxFileSize !== undefined ? { maxBytes: t.maxFileSize } : {}), keep: (t.maxFiles ?? 5) - 1 };
  // A trace never stops calls: a directory or disk problem is logged once and the gateway runs on.
  let writable = true;
  try {
    mkdirSync(dir, { recursive: true, mode: 0o700 });
  } catch (err) {
    log(`traces: directory ${dir}: ${(err as Error).message}; no pcap traces are written`);
    writable = false;
  }
  const onError = (err: Error): void => log(`traces: ${err.message}; the trace loses messages until the disk takes them again, calls go on`);
  const sip = writable && t.sip !== false ? new SipTrace({ path: join(dir, 'sip.pcap'), ...files, onError }) : undefined;
  let hep: HepExporter | undefined;
  if (t.hep) {
    const m = /^(?:udp:)?(?:\[([^\]]*)\]|([^:]+)):(\d+)$/.exec(t.hep.collector);
    try {
      if (!m) throw new Error('not host:port');
      hep = await HepExporter.open({
        host: m[1] ?? m[2]!,
        port: Number(m[3]),
        ...(t.hep.captureId !== undefined ? { captureAgentId: t.hep.captureId } : {}),
        ...(t.hep.password !== undefined ? { authKey: t.hep.password } : {}),
        log: (msg) => log(`traces: ${msg}`),
      });
    } catch (err) {
      log(`traces: HEP collector ${t.hep.collector}: ${(err as Error).message}; no HEP export`);
    }
  }
  const dchannels: DChannelTrace[] = [];
  return {
    sip,
    hep,
    dchannel(span: string, side: 'user' | 'network'): DChannelTrace | undefined {
      if (!writable || t.dchannel === false) return undefined;
      const trace = new DChannelTrace({ path: join(dir, `dchannel-${span}.pcap`), side, ...files, onError });
      dchannels.push(trace);
      return trace;
    },
    async close(): Promise<void> {
      await Promise.all([sip?.close(), hep?.close(), ...dchannels.map((d) => d.close())]);
    },
  };
}

export async function startGateway(config: GatewayConfig, options: StartGatewayOptions = {}): Promise<RunningGateway> {
  const log = options.log ?? (() => undefined);
  const baseDir = options.baseDir ?? process.cwd();
  const traces = await openTraces(config, baseDir, log);
  const cards = new Map<string, OpenedProfile>();
  const spans = new Map<string, PriSpan>();
  const lines = new Map<string, PstnLine>();
  const simSpans = new Map<string, SimSpanAccess>();
  const simPorts = new Map<string, { sim: SimCard; channel: number }>();
  const ports = new Map<string, PstnLine & { close(): void }>();
  const unregister: (() => void)[] = [];
  let sip: SipEndpoint | null = null;
  let cdr: CdrStore | null = null;
  const undo = (): void => {
    for (const p of ports.values()) p.close();
    for (const s of spans.values()) s.close();
    for (const c of cards.values()) c.close();
    cdr?.close();
    void traces?.close();
  };
  let hwProfiles: HwProfile[] | undefined;
  // The dial plan is asked while digits arrive (overlap receiving, FXS digit collection); a reload replaces it.
  let plan = new DialPlan(config);
  try {
    for (const card of config.cards) {
      // Analog ports get the DSP of their zone and caller ID standard (src/analog/zone-dsp.ts).
      hwProfiles ??= loadHwProfiles();
      const profile = hwProfiles.find((x) => x.name === card.profile);
      if (!profile) throw new Error(`card ${card.name}: no hw-profile named ${card.profile} (known: ${hwProfiles.map((x) => x.name).join(', ')})`);
      const profileZone = profile.defaults.toneZone ?? 'us';
      const opened = openProfile(profile, {
        channels: (list) => {
          const analog = list.filter((c) => profile.spans[c.span - 1]?.type === 'analog');
          for (const p of card.ports ?? []) {
            const ch = analog[p.port - 1];
            if (!ch) continue;
            const zone = toneZone(p.toneZone ?? config.toneZone ?? profileZone);
            ch.dsp = analogDspConfig(zone, p.signalling, { callerId: callerIdFor(zone, p.callerId) });
          }
          return list;
        },
      });
      cards.set(card.name, opened);
      const analogChannels = opened.card.channels.filter((c) => opened.profile.spans[c.span - 1]?.type === 'analog');
      for (const p of card.ports ?? []) {
        const channel = analogChannels[p.port - 1];
        if (!channel) throw new Error(`card ${card.name}: hw-profile ${card.profile} has no analog port ${p.port}`);
        const defaultZone = config.toneZone ?? profileZone;
        const made = analogPortOptions(p, channel, defaultZone);
        const line: PstnLine & { close(): void } =
          made.kind === 'fxo'
            ? new FxoPort(made.options)
            : new FxsPort({ ...made.options, dialState: (digits) => plan.dialState({ kind: 'pstn', line: p.name }, digits) });
        lines.set(p.name, line);
        ports.set(p.name, line);
        if (opened.sim) simPorts.set(p.name, { sim: opened.sim, channel: channel.number });
        const registry = options.registry;
        if (registry) {
          unregister.push(
            registry.ports.add(p.name, {
              status: () => analogPortStatus(p.name, p.signalling, line as FxoPort | FxsPort, registry),
              ...analogPortBlocking(p.name, line as FxoPort | FxsPort, registry),
            }),
          );
        }
      }
      for (const s of card.spans ?? []) {
        const profileSpan = opened.profile.spans[s.span - 1];
        if (!profileSpan || profileSpan.type === 'analog') throw new Error(`card ${card.name}: hw-profile ${card.profile} has no digital span ${s.span}`);
        const channels = opened.card.channels.filter((c) => c.span === s.span);
        const d = channels.find((c) => c.mode === 'hdlc');
        if (!d) throw new Error(`card ${card.name}: span ${s.span} of ${card.profile} has no D-channel (not PRI)`);
        const bySlot = (n: number): Channel | undefined => channels[n - 1];
        const dTrace = traces?.dchannel(s.name, s.side);
        const dPipe = dTrace ? tracedFramePipe(new ChannelFramePipe(d), dTrace) : new ChannelFramePipe(d);
        const pri = new PriSpan(dPipe, {
          name: s.name,
          side: s.side,
          switchVariant: s.switchType,
          type: profileSpan.type === 'e1' ? 'e1' : 't1',
          overlapReceiving: true,
          // Overlap dialing: the span waits for more digits until the dial plan has a complete number.
          numberComplete: (digits) => plan.dialState({ kind: 'pstn', line: s.name }, digits) === 'complete',
        });
        spans.set(s.name, pri);
        lines.set(s.name, new CardAudioLine(pri, (a) => (a.line === s.name ? bySlot(a.channel) : undefined)));
        if (opened.sim) {
          const first = channels[0]!.number;
          simSpans.set(s.name, { sim: opened.sim, dChannel: d.number, bChannel: (n) => first + n - 1 });
        }
        const span = pri;
        if (options.registry) {
          unregister.push(
            options.registry.spans.add(s.name, {
              status: () => ({
                name: s.name,
                type: span.type.toUpperCase(),
                framing: (s.framing ?? '').toUpperCase(),
                lineCoding: (s.coding ?? '').toUpperCase(),
                ...spanAlarms(opened.card.span(s.span)),
                dchannel: span.isUp ? 'up' : 'down',
                channels: span.channelNumbers.length,
              }),
            }),
          );
        }
        // Each B-channel is a row of its own (Q.931 state, the call on it, levels from the card's power meter).
        if (options.registry) {
          unregister.push(
            registerSpanStatus({ registry: options.registry, card: opened.card, spanNumber: s.span, firstChannel: channels[0]!.number, pri, framing: s.framing ?? '', lineCoding: s.coding ?? '', spanProvider: false }),
          );
        }
        pri.signalling.on('up', () => options.registry?.publish({ kind: 'span', name: s.name, type: 'dchannel-up', span: s.name, text: `span ${s.name}: D-channel up` }));
        pri.signalling.on('down', () => options.registry?.publish({ kind: 'span', name: s.name, type: 'dchannel-down', span: s.name, text: `span ${s.name}: D-channel down` }));
      }
    }

    const listen = config.sip?.listen !== undefined ? parseListenAddress(String(config.sip.listen), 'sip.listen') : { host: '127.0.0.1', port: 0 };
    const mediaCodecs = codecs(config.media?.codecs);
    const tls = config.sip?.tls;
    const sipTransports = listenedTransports(config, listen.port);
    sip = await SipEndpoint.start({
      listen: sipTransports.listen,
      transport: {
        protocol: config.sip?.transport ?? 'udp',
        address: listen.host,
        port: listen.port,
        ...(config.sip?.advertisedHost ? { advertisedHost: config.sip.advertisedHost } : {}),
        ...(config.sip?.timers ? { timers: sipTimers(config.sip.timers) } : {}),
        ...(sipTransports.tls
          ? {
              tls: {
                cert: pemFile(baseDir, 'certificate', tls?.certificate),
                key: pemFile(baseDir, 'key', tls?.key),
                ca: pemFile(baseDir, 'ca', tls?.ca),
                rejectUnauthorized: tls?.verify ?? true,
              },
            }
          : {}),
        ...(traces?.sip || traces?.hep ? { trace: sipTraceSink(traces.sip, traces.hep) } : {}),
        ...(config.security?.connections ? { inbound: connectionLimits(config.security.connections) } : {}),
      },
      trunks: (config.sipTrunks ?? []).map((t) => trunkOptions(t, mediaCodecs)),
      inbound: inboundPolicy(config),
      media: mediaFactory(config, listen.host, log),
      ...(mediaCodecs ? { codecs: mediaCodecs } : {}),
      ...(config.media?.ptime ? { ptime: config.media.ptime } : {}),
      log: (event, detail) => log(`sip: ${event}`, detail),
    });
    const endpoint = sip;
    // Everything reachable from the network, said once at start.
    for (const l of endpoint.listening) log(`sip: listening on ${l.protocol} ${endpoint.transport.member(l.protocol)?.address ?? listen.host}:${l.port}`);
    const rtpRange = config.media?.rtpPorts;
    log(`media: RTP on ${listen.host} ${rtpRange ? `ports ${rtpRange.min}-${rtpRange.max}` : 'ephemeral ports'}`);
    if (options.registry) {
      options.registry.security = {
        status: () => {
          const s = endpoint.security();
          return { ...s, listening: [...s.listening, { service: 'rtp' as const, transport: 'udp', address: listen.host, port: rtpRange ? `${rtpRange.min}-${rtpRange.max}` : 'ephemeral' }] };
        },
      };
      unregister.push(() => {
        if (options.registry) options.registry.security = null;
      });
      endpoint.on('registration', (t, ok, detail) => {
        if (!ok) {
          options.registry?.publish({ kind: 'trunk', name: t, type: 'unregistered', trunk: t, text: `trunk ${t}: registration failed (${detail})` });
          return;
        }
        options.registry?.publish({ kind: 'trunk', name: t, type: 'registered', trunk: t, text: `trunk ${t} registered` });
      });
      for (const t of config.sipTrunks ?? []) {
        unregister.push(
          options.registry.trunks.add(t.name, {
            status: () => {
              const state = endpoint.trunkState(t.name);
              // The row follows the registration: a refused or unanswered refresh shows, with its status line.
              const reg = endpoint.trunkRegistration(t.name);
              return { name: t.name, state: state === 'down' ? 'down' : t.register ? (reg?.state ?? 'registering') : 'up', lastError: reg?.lastError ?? null, registrations: reg?.registrations ?? 0 };
            },
          }),
        );
      }
      endpoint.on('trunkState', (t, state) => options.registry?.publish({ kind: 'trunk', name: t, type: state, trunk: t, text: `trunk ${t} ${state}` }));
    }
    if (config.cdr) cdr = new CdrStore(isAbsolute(config.cdr.database) ? config.cdr.database : resolve(baseDir, config.cdr.database));

    const zoneOf = (line: string): string => {
      for (const c of config.cards) for (const p of c.ports ?? []) if (p.name === line && p.toneZone) return p.toneZone;
      return config.toneZone ?? cards.values().next().value?.profile.defaults.toneZone ?? 'us';
    };
    const router = new CallRouter({
      plan,
      lines,
      sip: endpoint,
      ...(cdr ? { cdr } : {}),
      ...(options.registry ? { registry: options.registry } : {}),
      noAnswerMs: (config.calls?.noAnswerTimeout ?? 60) * 1000,
      ringback: (line) => toneZone(zoneOf(line)).ringback,
      log,
      recordingDir: (route) => {
        const rec = current.routes.find((r, i) => (r.name ?? `routes[${i}]`) === route)?.recording;
        if (!rec?.enabled) return undefined;
        const dir = isAbsolute(rec.dir) ? rec.dir : resolve(baseDir, rec.dir);
        try {
          mkdirSync(dir, { recursive: true, mode: 0o700 });
        } catch (err) {
          log(`route ${route}: recording directory ${dir}: ${(err as Error).message}; the call is not recorded`);
          return undefined;
        }
        return dir;
      },
    });
    for (const s of spans.values()) s.start();

    let current = config;
    const running: RunningGateway = {
      get config() {
        return current;
      },
      sip: endpoint,
      router,
      lines,
      spans,
      cards,
      cdr,
      sipPort: endpoint.port,
      simSpan: (span) => simSpans.get(span),
      simPort: (port) => simPorts.get(port),
      async reload(next) {
        // Trunks: removed ones go, new ones come, changed ones are replaced; calls hold their own sessions.
        const before = new Map((current.sipTrunks ?? []).map((t) => [t.name, JSON.stringify(t)]));
        const after = new Map((next.sipTrunks ?? []).map((t) => [t.name, t]));
        for (const [name, text] of before) if (!after.has(name) || JSON.stringify(after.get(name)) !== text) endpoint.removeTrunk(name);
        const nextCodecs = codecs(next.media?.codecs);
        // A trunk on a transport not listened on yet: it opens on its port (5060/5061 on a fixed listen address, else ephemeral).
        for (const l of listenedTransports(next, listen.port).listen) {
          if (endpoint.transport.member(l.protocol)) continue;
          await endpoint.transport.listen(l.protocol, l.port);
          log(`sip: listening on ${l.protocol} port ${endpoint.transport.member(l.protocol)?.port ?? l.port}`);
        }
        for (const [name, t] of after) if (before.get(name) !== JSON.stringify(t)) await endpoint.addTrunk(trunkOptions(t, nextCodecs));
        endpoint.policy.configure(inboundPolicy(next));
        // The listening transport and the RTP port pool are made once.
        for (const [key, a, b] of [
          ['sip', current.sip, next.sip],
          ['media.rtpPorts', current.media?.rtpPorts, next.media?.rtpPorts],
        ] as const) {
          if (JSON.stringify(a) !== JSON.stringify(b)) log(`${key} changed; it takes effect at the next restart`);
        }
        plan = new DialPlan(next);
        router.setPlan(plan);
        current = next;
        log(`reloaded: ${next.routes.length} route(s), ${(next.sipTrunks ?? []).length} trunk(s)`);
      },
      async close(cause = Cause.NORMAL_CLEARING) {
        router.releaseAll(cause);
        // Let the release messages leave (DISCONNECT, BYE) before the links go down.
        await new Promise((r) => setTimeout(r, 300));
        router.close();
        for (const u of unregister) u();
        await endpoint.stop();
        for (const p of ports.values()) p.close();
        for (const s of spans.values()) s.close();
        for (const c of cards.values()) c.close();
        cdr?.close();
        await traces?.close();
      },
    };
    return running;
  } catch (err) {
    await sip?.stop();
    undo();
    throw err;
  }
}

/** The transport's trace hook: each message to the pcap file and, as HEP v3, to the collector. */
function sipTraceSink(pcap: SipTrace | undefined, hep: HepExporter | undefined): (p: SipWirePacket) => void {
  return (wire) => {
    // Secrets never reach a file or a collector.
    const p = { ...wire, data: redactSecrets(wire.data) };
    pcap?.packet(p);
    if (hep) {
      const callId = sipCallId(p.data);
      hep.send({
        transport: p.protocol === 'udp' ? 'udp' : 'tcp',
        src: p.direction === 'out' ? p.local : p.remote,
        dst: p.direction === 'out' ? p.remote : p.local,
        at: p.at,
        payload: p.data,
        ...(callId ? { correlationId: callId } : {}),
      });
    }
  };
}
