// A PRI span as a PSTN line: the D-channel (Q.921 link on TEI 0), the Q.931
// call references and the B-channels with their restart and maintenance
// state. Calls (pri-call.ts) are its legs.
import { EventEmitter } from 'node:events';
import type { PartyNumber, PstnLine, PstnLineEvents } from '../call/pstn-leg.js';
import { Cause, type Q850Cause } from '../call/q850.js';
import { CallState, defaultCallTimers, type CallTimers } from './call-state.js';
import type { FramePipe } from './frame-pipe.js';
import { PriCall, type CallHost } from './pri-call.js';
import { Q921Link, type LinkParameters } from './q921-link.js';
import type { SwitchVariant } from './q931.js';
import { variantProfile } from './q931.js';
import { Q931SignalCodec } from './q931-signal-codec.js';
import type { ChannelChoice, Signal, SignalCodec } from './q931-signal.js';

export type SpanType = 't1' | 'e1';

export interface PriSpanOptions {
  name: string;
  /** Our end of the D-channel. */
  side: 'user' | 'network';
  switchVariant: SwitchVariant;
  /** T1 (23 B + D, mu-law) or E1 (30 B + D on timeslot 16, A-law). */
  type: SpanType;
  link?: Partial<LinkParameters>;
  timers?: Partial<CallTimers>;
  /** Send the called number in pieces (Q.931 clause 5.1.3) instead of en bloc. */
  overlapSending?: boolean;
  /** Accept numbers in pieces (Q.931 clause 5.2.4): SETUP ACKNOWLEDGE, then INFORMATION until complete. */
  overlapReceiving?: boolean;
  /** Overlap receiving: true when the digits so far make a complete number (the dial plan). */
  numberComplete?: (digits: string) => boolean;
  /** B-channel hunting order; by default the user hunts upwards, the network downwards, so that glare is rare. */
  hunting?: 'ascending' | 'descending';
  /** RESTART at link-up (Q.931 clause 5.5): the whole interface, each idle channel, or none. */
  restartAtLinkUp?: 'interface' | 'channels' | 'none';
  /** Another codec than the span's variant codec (tests, traces). */
  codec?: SignalCodec;
}

/** What a span tells besides its calls (PstnLine 'incoming'): D-channel, restarts, maintenance, errors. */
export interface SpanSignallingEvents {
  /** The D-channel is up (Q.921 multiple frame established). */
  up: [];
  /** The D-channel is down. */
  down: [];
  /** RESTART ACKNOWLEDGE arrived for our RESTART (clause 5.5.1), or we restarted on the far end's RESTART (clause 5.5.2). */
  restarted: [channels: number[], by: 'us' | 'peer'];
  /** A channel changed service state by SERVICE (ANSI T1.607): 0 in service, 1 maintenance, 2 out of service. */
  service: [channel: number, status: number, by: 'us' | 'peer'];
  /** Something the far end sent that we could not act on, with what and where. */
  'protocol-error': [detail: string];
  /** One line per protocol event, for traces and logs. */
  trace: [line: string];
}

interface BChannel {
  number: number;
  call: PriCall | null;
  /** ANSI T1.607 change status: 0 in service, 1 maintenance, 2 out of service. */
  service: number;
  /** Q.931 clause 5.5.1: RESTART sent, not acknowledged: not offered. */
  restarting: boolean;
}

/** Q.931 clause 4.3: 2-octet call reference values on a PRI, 1..32767. */
const MAX_CALL_REF = 0x7fff;

export class PriSpan extends EventEmitter<PstnLineEvents> implements PstnLine, CallHost {
  readonly signalling = new EventEmitter<SpanSignallingEvents>();
  readonly name: string;
  readonly side: 'user' | 'network';
  readonly type: SpanType;
  readonly timers: CallTimers;
  readonly law: 'mu-law' | 'a-law';
  readonly exclusive: boolean;
  readonly overlapSending: boolean;
  readonly link: Q921Link;
  private readonly codec: SignalCodec;
  private readonly channels = new Map<number, BChannel>();
  /** Calls by call reference: `o<value>` for references we allocated, `i<value>` for the far end's. */
  private readonly calls = new Map<string, PriCall>();
  private nextRef = 1;
  private up = false;
  private t309: NodeJS.Timeout | null = null;
  private t316: NodeJS.Timeout | null = null;
  private restartPending: number[] | 'interface' | null = null;
  private reestablish: NodeJS.Timeout | null = null;
  private closed = false;
  private readonly hunting: 'ascending' | 'descending';
  private readonly serviceMessages: boolean;

  constructor(
    pipe: FramePipe,
    private readonly options: PriSpanOptions,
  ) {
    super();
    this.name = options.name;
    this.side = options.side;
    this.type = options.type;
    this.timers = { ...defaultCallTimers, ...options.timers };
    this.law = options.type === 'e1' ? 'a-law' : 'mu-law';
    const profile = variantProfile(options.switchVariant);
    this.exclusive = profile.exclusiveChannelDefault || options.side === 'network';
    this.serviceMessages = profile.maintenanceDiscriminator !== null;
    this.overlapSending = options.overlapSending ?? false;
    this.hunting = options.hunting ?? (options.side === 'user' ? 'ascending' : 'descending');
    this.codec = options.codec ?? new Q931SignalCodec({ variant: profile, law: this.law });
    // Q.931 clause 4.5.13: T1 B-channels 1..23 (24 is the D-channel); E1 timeslots 1..15, 17..31.
    const numbers = options.type === 't1' ? range(1, 23) : [...range(1, 15), ...range(17, 31)];
    for (const n of numbers) this.channels.set(n, { number: n, call: null, service: 0, restarting: false });
    this.link = new Q921Link(pipe, { side: options.side, tei: 0, parameters: options.link });
    this.link.on('established', () => this.linkUp());
    this.link.on('released', () => this.linkDown());
    this.link.on('data', (octets) => this.receive(octets));
    this.link.on('mdl-error', (code, detail) => this.trace(`Q.921 MDL-ERROR ${code}: ${detail}`));
  }

  /** Brings the D-channel up (Q.921 DL-ESTABLISH-REQUEST) and keeps it up. */
  start(): void {
    this.link.establish();
  }

  /** Takes the span down: calls are cleared without messages, the link is released. */
  close(): void {
    if (this.closed) return;
    for (const call of [...this.calls.values()]) call.clearInternally(Cause.NETWORK_OUT_OF_ORDER);
    this.closed = true;
    for (const t of [this.t309, this.t316, this.reestablish]) if (t) clearTimeout(t);
    this.link.close();
  }

  get isUp(): boolean {
    return this.up;
  }

  /** B-channel numbers of the span. */
  get channelNumbers(): number[] {
    return [...this.channels.keys()];
  }

  /** Calls that have not reached the Null state. */
  get activeCalls(): PriCall[] {
    return [...this.calls.values()];
  }

  /** A channel's state for status screens. */
  channelState(n: number): { call: string | null; service: number; restarting: boolean } | undefined {
    const c = this.channels.get(n);
    return c && { call: c.call ? c.call.stateName : null, service: c.service, restarting: c.restarting };
  }

  // ---- PstnLine ----

  freeChannels(): number {
    if (!this.up) return 0;
    return [...this.channels.values()].filter((c) => this.available(c)).length;
  }

  originate(calling: PartyNumber, called: PartyNumber, channel?: number): PriCall | null {
    if (!this.up || this.closed) return null;
    let ch: BChannel | undefined;
    if (channel !== undefined) {
      ch = this.channels.get(channel);
      if (!ch || !this.available(ch)) return null;
    } else {
      ch = this.hunt();
    }
    if (!ch) return null;
    const ref = this.allocateRef();
    if (ref === null) return null;
    const call = new PriCall(this, 'outgoing', ref, ch.number, { ...calling }, { ...called });
    ch.call = call;
    this.calls.set(`o${ref}`, call);
    return call;
  }

  // ---- SERVICE (ANSI T1.607 national maintenance) ----

  /** Puts a B-channel in service (0), maintenance (1) or out of service (2), telling the far end with SERVICE. */
  setChannelService(channel: number, status: number): void {
    const ch = this.channels.get(channel);
    if (!ch) throw new RangeError(`span ${this.name}: no B-channel ${channel}`);
    ch.service = status;
    if (this.serviceMessages && this.up) {
      this.sendSignal({
        type: 'SERVICE',
        callRef: 'global',
        changeStatus: status,
        channel: { selection: 'channels', channels: [channel], exclusive: true },
      });
    }
  }

  /** Sends RESTART for one channel or the whole interface (Q.931 clause 5.5.1). */
  restart(channels: number[] | 'interface'): void {
    if (!this.up) return;
    this.restartPending = channels;
    const list = channels === 'interface' ? [...this.channels.keys()] : channels;
    for (const n of list) {
      const ch = this.channels.get(n);
      if (!ch) continue;
      // Q.931 clause 5.5.1: calls on the channels go to Null without messages.
      ch.call?.clearInternally(Cause.TEMPORARY_FAILURE);
      ch.restarting = true;
    }
    this.sendSignal(
      channels === 'interface'
        ? { type: 'RESTART', callRef: 'global', restartClass: 6 }
        : { type: 'RESTART', callRef: 'global', restartClass: 0, channel: { selection: 'channels', channels, exclusive: true } },
    );
    if (this.t316) clearTimeout(this.t316);
    // Q.931 clause 5.5.1: T316 guards the acknowledgement; RESTART again when it runs out.
    this.t316 = setTimeout(() => {
      this.t316 = null;
      if (this.restartPending) this.restart(this.restartPending);
    }, this.timers.T316);
  }

  // ---- CallHost ----

  send(call: PriCall, signal: Omit<Signal, 'callRef'>): void {
    // Q.931 clause 4.3: flag 0 on references we allocated, 1 on the far end's.
    this.sendSignal({ ...signal, callRef: { value: call.callRef, flag: call.direction === 'outgoing' ? 0 : 1 } });
  }

  moveChannel(call: PriCall, channel: number): boolean {
    const to = this.channels.get(channel);
    if (!to || (to.call && to.call !== call) || to.service !== 0) return false;
    const from = this.channels.get(call.channel);
    if (from?.call === call) from.call = null;
    to.call = call;
    call.channel = channel;
    return true;
  }

  callGone(call: PriCall): void {
    const key = `${call.direction === 'outgoing' ? 'o' : 'i'}${call.callRef}`;
    if (this.calls.get(key) === call) this.calls.delete(key);
    const ch = this.channels.get(call.channel);
    if (ch?.call === call) ch.call = null;
  }

  restartChannel(channel: number): void {
    this.restart([channel]);
  }

  numberComplete(digits: string): boolean {
    return this.options.numberComplete?.(digits) ?? false;
  }

  offer(call: PriCall): void {
    this.emit('incoming', call);
  }

  trace(callOrLine: PriCall | string, what?: string): void {
    const line = typeof callOrLine === 'string' ? callOrLine : `${callOrLine.id} cr=${callOrLine.callRef}: ${what}`;
    this.signalling.emit('trace', `${this.name}: ${line}`);
  }

  // ---- internals ----

  private available(c: BChannel): boolean {
    return !c.call && c.service === 0 && !c.restarting;
  }

  private hunt(): BChannel | undefined {
    const list = [...this.channels.values()];
    if (this.hunting === 'descending') list.reverse();
    return list.find((c) => this.available(c));
  }

  private allocateRef(): number | null {
    for (let i = 0; i < MAX_CALL_REF; i++) {
      const ref = this.nextRef;
      this.nextRef = this.nextRef >= MAX_CALL_REF ? 1 : this.nextRef + 1;
      if (!this.calls.has(`o${ref}`)) return ref;
    }
    return null;
  }

  private sendSignal(s: Signal): void {
    if (this.closed) return;
    let octets: Uint8Array;
    try {
      octets = this.codec.encode(s);
    } catch (e) {
      this.signalling.emit('protocol-error', `span ${this.name}: cannot encode ${s.type}: ${(e as Error).message}`);
      return;
    }
    this.trace(`-> ${describe(s)}`);
    this.link.send(octets);
  }

  /** Q.921 DL-ESTABLISH-INDICATION / -CONFIRM. */
  private linkUp(): void {
    if (this.closed) return;
    const wasUp = this.up;
    this.up = true;
    if (this.t309) {
      // Q.931 clause 5.8.9: the link came back before T309 ran out: calls go on; check their state.
      clearTimeout(this.t309);
      this.t309 = null;
    }
    for (const call of this.calls.values()) call.enquire();
    // Q.931 clause 5.8.8: a data link reset may have lost our RESTART; send it again
    // rather than wait for T316.
    if (wasUp && this.restartPending) this.restart(this.restartPending);
    if (!wasUp) {
      this.trace('D-channel up');
      this.signalling.emit('up');
      this.restartIdle();
    }
  }

  /** Q.931 clause 5.5: RESTART of what carries no call, so that both ends start from idle. */
  private restartIdle(): void {
    const mode = this.options.restartAtLinkUp ?? 'interface';
    if (mode === 'none') return;
    const idle = [...this.channels.values()].filter((c) => !c.call).map((c) => c.number);
    if (idle.length === 0) return;
    if (mode === 'interface' && idle.length === this.channels.size) this.restart('interface');
    else for (const n of idle) this.restart([n]);
  }

  /** Q.921 DL-RELEASE-INDICATION: Q.931 clause 5.8.9. */
  private linkDown(): void {
    if (this.closed) return;
    const wasUp = this.up;
    this.up = false;
    if (this.t316) clearTimeout(this.t316);
    this.t316 = null;
    this.restartPending = null;
    for (const ch of this.channels.values()) ch.restarting = false;
    // Q.931 clause 5.8.9: calls not yet active are cleared; active ones wait T309 for the link.
    for (const call of [...this.calls.values()]) {
      if (call.state !== CallState.Active) call.clearInternally(Cause.TEMPORARY_FAILURE);
    }
    if (this.calls.size > 0 && !this.t309) {
      this.t309 = setTimeout(() => {
        this.t309 = null;
        for (const call of [...this.calls.values()]) call.clearInternally(Cause.DESTINATION_OUT_OF_ORDER);
      }, this.timers.T309);
    }
    if (wasUp) {
      this.trace('D-channel down');
      this.signalling.emit('down');
    }
    // Q.931 clause 5.8.9: ask layer 2 to establish again.
    if (this.reestablish) clearTimeout(this.reestablish);
    this.reestablish = setTimeout(() => {
      this.reestablish = null;
      if (!this.closed && !this.link.isEstablished) this.link.establish();
    }, this.link.parameters.T200);
  }

  private receive(octets: Uint8Array): void {
    const r = this.codec.decode(octets);
    if (!r.ok) return this.undecodable(r);
    const s = r.signal;
    this.trace(`<- ${describe(s)}`);
    if (s.type === 'SERVICE' || s.type === 'SERVICE_ACKNOWLEDGE') return this.receiveService(s);
    if (s.callRef === 'dummy') return;
    if (s.callRef === 'global') return this.receiveGlobal(s);
    // Q.931 clause 4.3: flag 1 means the message goes to the side that allocated the reference: us.
    const key = `${s.callRef.flag === 1 ? 'o' : 'i'}${s.callRef.value}`;
    const call = this.calls.get(key);
    if (call) {
      if (s.type === 'SETUP') return; // a repeated SETUP (T303 on the far side)
      return call.receive(s);
    }
    if (s.type === 'SETUP' && s.callRef.flag === 0) return this.incomingSetup(s, s.callRef.value);
    this.unknownCallRef(s);
  }

  /** Q.931 clause 5.8: messages the codec could not take. */
  private undecodable(r: Extract<ReturnType<SignalCodec['decode']>, { ok: false }>): void {
    this.signalling.emit('protocol-error', `span ${this.name}: ${r.error}`);
    if (r.cause === undefined || !r.callRef) return;
    if (r.callRef === 'dummy') return;
    if (r.callRef === 'global') {
      this.sendSignal({ type: 'STATUS', callRef: 'global', cause: r.cause, callState: 0 });
      return;
    }
    const ref = replyRef(r.callRef);
    const call = this.calls.get(`${r.callRef.flag === 1 ? 'o' : 'i'}${r.callRef.value}`);
    if (r.type === 'SETUP' && !call) {
      // Q.931 clause 5.8.6.1: a SETUP with a missing or bad mandatory IE: RELEASE COMPLETE.
      this.sendSignal({ type: 'RELEASE_COMPLETE', callRef: ref, cause: r.cause });
    } else if (r.type === 'RELEASE_COMPLETE') {
      call?.receive({ type: 'RELEASE_COMPLETE', callRef: r.callRef, cause: r.cause });
    } else if (r.type === 'DISCONNECT' && call) {
      // Q.931 clause 5.8.6.1: a DISCONNECT without its cause still clears, with RELEASE carrying ours.
      call.disconnectedInError(r.cause);
    } else {
      this.sendSignal({ type: 'STATUS', callRef: ref, cause: r.cause, callState: call?.state ?? 0 });
    }
  }

  /** Q.931 clause 5.8.3.2: a message for a call reference we do not know. */
  private unknownCallRef(s: Signal): void {
    if (s.callRef === 'global' || s.callRef === 'dummy') return;
    const ref = replyRef(s.callRef);
    switch (s.type) {
      case 'RELEASE_COMPLETE':
        return; // clause 5.8.3.2 c: nothing
      case 'STATUS':
        // clause 5.8.3.2 g: STATUS for the Null state is the end of it; any other: RELEASE COMPLETE cause 101.
        if (s.callState && s.callState !== 0) this.sendSignal({ type: 'RELEASE_COMPLETE', callRef: ref, cause: Cause.WRONG_CALL_STATE });
        return;
      case 'STATUS_ENQUIRY':
        // clause 5.8.3.2 f: STATUS saying Null.
        this.sendSignal({ type: 'STATUS', callRef: ref, cause: Cause.RESPONSE_TO_STATUS_ENQUIRY, callState: 0 });
        return;
      case 'SETUP':
        return; // clause 5.8.3.2 e: a SETUP with flag 1 is ignored
      default:
        // clause 5.8.3.2 a/b: RELEASE COMPLETE with cause 81.
        this.sendSignal({ type: 'RELEASE_COMPLETE', callRef: ref, cause: Cause.INVALID_CALL_REFERENCE });
    }
  }

  /** Q.931 clause 5.2.3 (user side) / 5.1.2 (network side): B-channel selection for a SETUP that arrived. */
  private incomingSetup(s: Signal, ref: number): void {
    const reply = { value: ref, flag: 1 as const };
    const refuse = (cause: Q850Cause): void => this.sendSignal({ type: 'RELEASE_COMPLETE', callRef: reply, cause });
    if (!this.up) return;
    const choice: ChannelChoice = s.channel ?? { selection: 'any', channels: [], exclusive: false };
    let ch: BChannel | undefined;
    if (choice.selection === 'channels') {
      const wanted = this.channels.get(choice.channels[0] ?? -1);
      if (!wanted) {
        // Q.931 clause 5.2.3.1: a channel that does not exist on this interface: cause 82.
        return refuse(Cause.CHANNEL_DOES_NOT_EXIST);
      }
      if (this.available(wanted)) ch = wanted;
      else if (this.side === 'user' && wanted.call && wanted.call.direction === 'outgoing' && wanted.call.state === CallState.CallInitiated && wanted.service === 0) {
        // Q.931 clause 5.7: glare on a channel: the network's call wins; ours waits for the
        // network to give it another channel in its answer (clause 5.1.2) or to refuse it.
        wanted.call.channel = 0;
        wanted.call = null;
        ch = wanted;
      } else if (!choice.exclusive) ch = this.hunt();
      // Q.931 clause 5.2.3.1 c (exclusive, busy): cause 44; nothing free: cause 34.
      if (!ch) return refuse(choice.exclusive ? Cause.REQUESTED_CHANNEL_UNAVAILABLE : Cause.NO_CIRCUIT_AVAILABLE);
    } else {
      // Q.931 clause 5.2.3.1 d: any channel: we choose; none free: cause 34.
      ch = this.hunt();
      if (!ch) return refuse(Cause.NO_CIRCUIT_AVAILABLE);
    }
    if (s.bearer?.capability === 'unrestricted-digital') {
      // Q.931 clause 5.2.2: a data call on a voice gateway is incompatible: cause 88.
      return refuse(Cause.INCOMPATIBLE_DESTINATION);
    }
    const called: PartyNumber = s.called ?? { digits: '' };
    const calling: PartyNumber = s.calling ?? { digits: '' };
    if (s.display && !calling.name) calling.name = s.display;
    const call = new PriCall(this, 'incoming', ref, ch.number, calling, called);
    ch.call = call;
    this.calls.set(`i${ref}`, call);
    const overlap =
      (this.options.overlapReceiving ?? false) && !s.sendingComplete && !this.numberComplete(called.digits);
    call.present(overlap);
  }

  /** Global call reference: RESTART and RESTART ACKNOWLEDGE (Q.931 clause 5.5), STATUS. */
  private receiveGlobal(s: Signal): void {
    switch (s.type) {
      case 'RESTART': {
        // Q.931 clause 5.5.2: clear the indicated channels (or all), then RESTART ACKNOWLEDGE.
        const all = s.restartClass !== 0;
        const list = all ? [...this.channels.keys()] : (s.channel?.channels ?? []);
        if (!all && list.some((n) => !this.channels.has(n))) {
          this.sendSignal({ type: 'STATUS', callRef: 'global', cause: Cause.CHANNEL_DOES_NOT_EXIST, callState: 0 });
          return;
        }
        for (const n of list) this.channels.get(n)?.call?.clearInternally(Cause.TEMPORARY_FAILURE);
        this.sendSignal({
          type: 'RESTART_ACKNOWLEDGE',
          callRef: 'global',
          restartClass: s.restartClass ?? 0,
          ...(s.channel ? { channel: s.channel } : {}),
        });
        this.signalling.emit('restarted', list, 'peer');
        return;
      }
      case 'RESTART_ACKNOWLEDGE': {
        // Q.931 clause 5.5.1: the channels may carry calls again.
        if (this.t316) clearTimeout(this.t316);
        this.t316 = null;
        const all = s.restartClass !== 0 || !s.channel;
        const list = all ? [...this.channels.keys()] : s.channel!.channels;
        for (const n of list) {
          const ch = this.channels.get(n);
          if (ch) ch.restarting = false;
        }
        if (this.restartPending !== 'interface' && Array.isArray(this.restartPending)) {
          this.restartPending = this.restartPending.filter((n) => !list.includes(n));
          if (this.restartPending.length === 0) this.restartPending = null;
        } else this.restartPending = null;
        // Channel restarts run one after the other; others may still wait.
        for (const ch of this.channels.values()) if (ch.restarting && !this.restartPending) ch.restarting = false;
        this.signalling.emit('restarted', list, 'us');
        return;
      }
      default:
        return;
    }
  }

  /** ANSI T1.607 SERVICE / SERVICE ACKNOWLEDGE: a channel's maintenance state. */
  private receiveService(s: Signal): void {
    const status = s.changeStatus ?? 0;
    const list = s.channel?.selection === 'channels' ? s.channel.channels : [...this.channels.keys()];
    for (const n of list) {
      const ch = this.channels.get(n);
      if (ch) ch.service = status;
    }
    if (s.type === 'SERVICE') {
      this.sendSignal({
        type: 'SERVICE_ACKNOWLEDGE',
        callRef: s.callRef,
        changeStatus: status,
        ...(s.channel ? { channel: s.channel } : {}),
      });
      for (const n of list) this.signalling.emit('service', n, status, 'peer');
    } else {
      for (const n of list) this.signalling.emit('service', n, status, 'us');
    }
  }
}

/** Q.931 clause 4.3: the call reference of an answer has the other flag. */
function replyRef(ref: { value: number; flag: 0 | 1 }): { value: number; flag: 0 | 1 } {
  return { value: ref.value, flag: ref.flag === 1 ? 0 : 1 };
}

function range(from: number, to: number): number[] {
  return Array.from({ length: to - from + 1 }, (_, i) => from + i);
}

function describe(s: Signal): string {
  const cr = s.callRef === 'global' ? 'global' : s.callRef === 'dummy' ? 'dummy' : `${s.callRef.value}/${s.callRef.flag}`;
  const parts = [s.type, `cr=${cr}`];
  if (s.channel) parts.push(`channel=${s.channel.selection === 'channels' ? s.channel.channels.join(',') : s.channel.selection}${s.channel.exclusive ? '!' : ''}`);
  if (s.cause !== undefined) parts.push(`cause=${s.cause}`);
  if (s.called) parts.push(`called=${s.called.digits}`);
  if (s.callState !== undefined) parts.push(`state=${s.callState}`);
  if (s.restartClass !== undefined) parts.push(`class=${s.restartClass}`);
  if (s.changeStatus !== undefined) parts.push(`status=${s.changeStatus}`);
  return parts.join(' ');
}
