// The demo's calls, on a loop with pauses: the PBX calls the gateway's DIDs
// with caller ID and sends DTMF; the gateway's end calls out to the PBX; each
// side hangs up in turn. Two or three calls overlap, so the watch screen has
// lines ringing, talking and hanging up at the same time.
import type { PartyNumber } from '../call/pstn-leg.js';
import { Cause } from '../call/q850.js';
import type { PriCall } from '../isdn/pri-call.js';
import type { SimPbx } from './pbx.js';
import type { TestCallTerminator } from './test-call-terminator.js';

interface ScriptedCall {
  /** 'in': the PBX calls the gateway; 'out': the gateway calls the PBX. */
  way: 'in' | 'out';
  calling: PartyNumber;
  called: string;
  /** DTMF the PBX sends once the call is up. */
  dtmf?: string;
  talkMs: number;
  hangupBy: 'pbx' | 'gateway';
}

const CALLS: ScriptedCall[] = [
  { way: 'in', calling: { digits: '2125550142', name: 'Front Desk' }, called: '5551000', dtmf: '1234#', talkMs: 9000, hangupBy: 'pbx' },
  { way: 'out', calling: { digits: '5551000' }, called: '2125550199', talkMs: 7000, hangupBy: 'gateway' },
  { way: 'in', calling: { digits: '2125550177', name: 'Accounts' }, called: '5551001', dtmf: '42', talkMs: 11000, hangupBy: 'gateway' },
];

/** Time between the starts of two calls. */
const START_EVERY_MS = 4000;

export interface DemoCallScriptOptions {
  pbx: SimPbx;
  terminator: TestCallTerminator;
  say: (line: string) => void;
  pace: number;
}

export class DemoCallScript {
  readonly #timers = new Set<NodeJS.Timeout>();
  #next = 0;
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
    const s = CALLS[this.#next++ % CALLS.length]!;
    // After the last call of a round, a longer pause: lines go idle for a moment.
    this.#later(this.#next % CALLS.length === 0 ? START_EVERY_MS * 2.5 : START_EVERY_MS, () => this.#place());
    const called: PartyNumber = { digits: s.called, typeOfNumber: 'national', numberingPlan: 'isdn' };
    const calling: PartyNumber = { ...s.calling, typeOfNumber: 'national', numberingPlan: 'isdn' };
    let call: PriCall | null;
    if (s.way === 'in') {
      call = this.o.pbx.call(calling, called);
    } else {
      call = this.o.terminator.call(calling, called);
      if (call) this.o.say(`gateway calls ${s.called} at the PBX from ${s.calling.digits} on B-channel ${call.channel}`);
    }
    if (!call) {
      this.o.say(`no free B-channel for the call to ${s.called}; skipped`);
      return;
    }
    const c = call;
    c.once('answered', () => {
      if (s.way === 'in') this.o.say(`gateway answered ${s.called} on B-channel ${c.channel}; talking`);
      const pbxSide = s.way === 'in' ? c : this.o.pbx.calls.find((x) => x.channel === c.channel && !x.isReleased);
      if (s.dtmf && pbxSide) this.#later(s.talkMs / 3, () => !pbxSide.isReleased && this.o.pbx.sendDigits(pbxSide, s.dtmf!));
      this.#later(s.talkMs, () => {
        if (c.isReleased) return;
        if (s.hangupBy === 'gateway') {
          const gw = s.way === 'out' ? c : this.o.terminator.calls.find((x) => x.channel === c.channel && !x.isReleased);
          if (gw) {
            this.o.say(`gateway hangs up B-channel ${gw.channel}`);
            gw.release(Cause.NORMAL_CLEARING);
          }
        } else if (pbxSide && !pbxSide.isReleased) {
          this.o.pbx.hangup(pbxSide);
        }
      });
    });
  }
}
