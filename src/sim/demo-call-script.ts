// The demo's calls, on a loop with pauses: the PBX calls out through the
// gateway to the SIP trunk with caller ID and sends DTMF; the trunk calls the
// PBX's DIDs and the phones on the FXS ports through the gateway; the central
// office rings the FXO ports; each side hangs up in turn. Two or three
// calls overlap, so the watch screen has lines ringing, talking and hanging
// up at the same time.
import type { PartyNumber } from '../call/pstn-leg.js';
import type { PriCall } from '../isdn/pri-call.js';
import type { SipCall } from '../sip/sip-call.js';
import type { CentralOffice } from './central-office.js';
import type { Phone } from './phone.js';
import type { SimPbx } from './pbx.js';
import { sineSignal } from './sim-signals.js';
import type { SipTrunkPeer } from './sip-trunk-peer.js';

interface ScriptedCall {
  /** 'out': the PBX calls out to the trunk; 'in': the trunk calls a DID of the PBX; 'office': the central office rings an FXO port; 'phone': the trunk calls a phone on an FXS port. */
  way: 'out' | 'in' | 'office' | 'phone';
  calling: PartyNumber;
  called: string;
  /** DTMF the caller sends once the call is up. */
  dtmf?: string;
  talkMs: number;
  /** 'pbx': the line side (the PBX, or the phone) hangs up. */
  hangupBy: 'pbx' | 'trunk';
}

export const DEMO_CALLS: readonly ScriptedCall[] = [
  { way: 'out', calling: { digits: '5551000', name: 'Front Desk' }, called: '2125550199', dtmf: '1234#', talkMs: 9000, hangupBy: 'pbx' },
  { way: 'in', calling: { digits: '2125550142' }, called: '5551234', dtmf: '9', talkMs: 7000, hangupBy: 'trunk' },
  { way: 'out', calling: { digits: '5551001', name: 'Accounts' }, called: '2125550177', dtmf: '42', talkMs: 11000, hangupBy: 'trunk' },
  { way: 'office', calling: { digits: '2125550123', name: 'Office Line' }, called: '5550100', talkMs: 8000, hangupBy: 'trunk' },
  { way: 'phone', calling: { digits: '2125550188', name: 'Carrier Test' }, called: '5550201', talkMs: 7000, hangupBy: 'pbx' },
];

/** What the office's caller says on an answered line: a 697 Hz tone at -20 dBm0. */
const OFFICE_TALK = sineSignal(697, 1000, -20);

/** What a phone's user says: an 852 Hz tone at -18 dBm0. */
const PHONE_TALK_HZ = 852;
/** The phone is picked up this long after the call was placed (a ring or two). */
const PHONE_PICKUP_MS = 3000;

/** Time between the starts of two calls. */
const START_EVERY_MS = 4000;

export interface DemoCallScriptOptions {
  pbx: SimPbx;
  peer: SipTrunkPeer;
  /** The central office on each FXO port, by port name. */
  offices: ReadonlyMap<string, CentralOffice>;
  /** The phone on each FXS port, by port name. */
  phones?: ReadonlyMap<string, Phone>;
  say: (line: string) => void;
  pace: number;
}

export class DemoCallScript {
  readonly #timers = new Set<NodeJS.Timeout>();
  #next = 0;
  #nextOffice = 0;
  #stopped = false;

  constructor(private readonly o: DemoCallScriptOptions) {}

  start(): void {
    this.#later(500, () => this.#place());
  }

  stop(): void {
    this.#stopped = true;
    for (const t of this.#timers) clearTimeout(t);
    this.#timers.clear();
  }

  #later(ms: number, fn: () => void): void {
    if (this.#stopped) return;
    const t = setTimeout(() => {
      this.#timers.delete(t);
      if (!this.#stopped) fn();
    }, ms * this.o.pace);
    this.#timers.add(t);
  }

  #place(): void {
    const s = DEMO_CALLS[this.#next++ % DEMO_CALLS.length]!;
    // After the last call of a round, a longer pause: lines go idle for a moment.
    this.#later(this.#next % DEMO_CALLS.length === 0 ? START_EVERY_MS * 2.5 : START_EVERY_MS, () => this.#place());
    if (s.way === 'out') this.#fromPbx(s);
    else if (s.way === 'in') this.#fromTrunk(s);
    else if (s.way === 'phone') this.#toPhone(s);
    else this.#fromOffice(s);
  }

  /** The trunk calls a phone's DID; the phone that rings is picked up, talks and hangs up. */
  #toPhone(s: ScriptedCall): void {
    const phones = [...(this.o.phones ?? new Map<string, Phone>()).entries()];
    if (phones.length === 0) return;
    const placed = Date.now();
    const call = this.#trunkCall(s);
    if (!call) return;
    this.#later(PHONE_PICKUP_MS, () => {
      const ringing = phones.find(([, p]) => !p.isOffhook && p.rings.some((r) => r.on && r.at >= placed));
      if (!ringing) return;
      const [port, phone] = ringing;
      this.o.say(`phone on ${port} picks up the call from ${s.calling.digits}`);
      phone.offhook();
      phone.say(sineSignal(PHONE_TALK_HZ, s.talkMs, -18));
      this.#later(s.talkMs, () => {
        if (!phone.isOffhook) return;
        if (s.hangupBy === 'trunk' && this.o.peer.calls.includes(call)) {
          this.#trunkHangup(call);
          // The user puts the handset down once the line has gone quiet.
          this.#later(1000, () => phone.onhook());
          return;
        }
        this.o.say(`phone on ${port} hangs up`);
        phone.onhook();
      });
    });
  }

  #fromOffice(s: ScriptedCall): void {
    const ports = [...this.o.offices.keys()];
    const port = ports[this.#nextOffice++ % ports.length]!;
    const office = this.o.offices.get(port)!;
    if (office.offhook) return;
    this.o.say(`central office rings ${port} with caller ID ${s.calling.digits} (${s.calling.name ?? ''})`);
    office.ring({ number: s.calling.digits, ...(s.calling.name ? { name: s.calling.name } : {}) }, { maxRings: 6 });
    office.once('answered', () => {
      this.o.say(`central office: the gateway answered ${port}; talking`);
      office.play(OFFICE_TALK, true);
    });
    office.once('cleared', () => {
      office.play(null);
      this.o.say(`central office: ${port} back on hook`);
    });
    // The gateway sends the line's call to the trunk (its destination); the trunk hangs up after talkMs.
    const onIncoming = (call: SipCall): void => {
      if (call.from.digits !== s.calling.digits) return;
      this.o.peer.off('incoming', onIncoming);
      call.once('answered', () => this.#later(s.talkMs, () => this.o.peer.calls.includes(call) && this.#trunkHangup(call)));
    };
    this.o.peer.on('incoming', onIncoming);
    this.#later(30_000, () => this.o.peer.off('incoming', onIncoming));
  }

  #fromPbx(s: ScriptedCall): void {
    const call = this.o.pbx.call({ ...s.calling, typeOfNumber: 'national', numberingPlan: 'isdn' }, { digits: s.called, typeOfNumber: 'national', numberingPlan: 'isdn' });
    if (!call) {
      this.o.say(`PBX: no free B-channel for the call to ${s.called}; skipped`);
      return;
    }
    call.once('answered', () => {
      this.o.say(`PBX: ${s.called} answered on B-channel ${call.channel}; talking`);
      if (s.dtmf) this.#later(s.talkMs / 3, () => !call.isReleased && this.o.pbx.sendDigits(call, s.dtmf!));
      this.#later(s.talkMs, () => {
        if (call.isReleased) return;
        if (s.hangupBy === 'pbx') return this.o.pbx.hangup(call);
        const sip = this.o.peer.calls.find((c) => c.direction === 'incoming' && c.from.digits === s.calling.digits);
        if (sip) this.#trunkHangup(sip);
      });
    });
  }

  /** The SIP trunk calls the scripted DID; a call it cannot place is said and skipped. */
  #trunkCall(s: ScriptedCall): SipCall | undefined {
    try {
      return this.o.peer.call(s.called, s.calling);
    } catch (err) {
      this.o.say(`SIP trunk: cannot call ${s.called}: ${(err as Error).message}`);
      return undefined;
    }
  }

  #fromTrunk(s: ScriptedCall): void {
    const call = this.#trunkCall(s);
    if (!call) return;
    call.once('answered', () => {
      if (s.dtmf) this.#later(s.talkMs / 3, () => this.o.peer.calls.includes(call) && this.o.peer.sendDigits(call, s.dtmf!));
      this.#later(s.talkMs, () => {
        if (!this.o.peer.calls.includes(call)) return;
        if (s.hangupBy === 'trunk') return this.#trunkHangup(call);
        const pri: PriCall | undefined = this.o.pbx.calls.find((c) => c.direction === 'incoming' && c.called.digits === s.called);
        if (pri) this.o.pbx.hangup(pri);
      });
    });
  }

  #trunkHangup(call: SipCall): void {
    this.o.say(`SIP trunk hangs up the call ${call.from.digits} -> ${call.to.digits}`);
    this.o.peer.hangup(call);
  }
}
