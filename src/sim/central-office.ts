// A central office on one FXO port of the emulated card: gives dial tone,
// collects the digits the port dials (its own DTMF receiver, or counting
// loop-disconnect pulses), rings the port with caller ID in the zone's
// format, plays audio, and clears with each kind of disconnect supervision.
import { EventEmitter } from 'node:events';
import type { CallerId } from '../hw/dsp.js';
import type { FarEvent, SimCard } from '../hw/sim-card.js';
import { dspCallerIdStandard } from '../analog/zone-dsp.js';
import { toneZone, cadencePeriod, type CallerIdStandard, type ToneZone } from '../analog/tone-zones.js';
import { DtmfDetector } from './dtmf-detector.js';
import { callerIdSignal, concatSamples, dtasSignal, zoneTone } from './sim-signals.js';

export interface CentralOfficeOptions {
  zone: ToneZone | string;
  /** Caller ID format; default the zone's. */
  callerId?: CallerIdStandard | 'none';
  /** Ring cadence on/off ms; default the zone's. */
  ringCadence?: readonly number[];
  /** false: the office gives no dial tone (a dead or faulty line). */
  dialTone?: boolean;
}

export type OfficeDisconnect = 'loopCurrent' | 'polarity' | 'busy' | 'congestion' | 'none';

export interface CentralOfficeEvents {
  /** The port took the line off hook while it was not ringing. */
  seized: [];
  /** A digit arrived (DTMF or pulses). */
  digit: [digit: string];
  /** The port answered a call we rang it with. */
  answered: [];
  /** The port went back on hook. */
  cleared: [];
  /** Ringing voltage applied or removed. */
  ring: [on: boolean];
}

/** On hook longer than this is a clear, not a dial pulse (Q.23-era loop-disconnect timing). */
const CLEAR_MS = 300;
const PULSE_DIGIT_GAP_MS = 250;

export class CentralOffice extends EventEmitter<CentralOfficeEvents> {
  readonly zone: ToneZone;
  readonly callerIdStandard: CallerIdStandard | 'none';
  readonly ringCadence: readonly number[];
  /** Digits received since the last seize. */
  digits = '';
  /** True while the port holds the loop. */
  offhook = false;
  /** Ring bursts sent for the current call. */
  burstsSent = 0;
  #reversed = false;
  #detector = new DtmfDetector();
  #poll: NodeJS.Timeout;
  #timers = new Set<NodeJS.Timeout>();
  #ringing = false;
  #ringTimer: NodeJS.Timeout | undefined;
  #onhookAt = 0;
  #clearTimer: NodeJS.Timeout | undefined;
  #pulses = 0;
  #pulseTimer: NodeJS.Timeout | undefined;
  #capture: Int16Array[] | undefined;
  readonly #onFar = (e: FarEvent): void => {
    if (e.channel === this.channel) this.onFar(e);
  };

  constructor(
    readonly sim: SimCard,
    readonly channel: number,
    private readonly options: CentralOfficeOptions,
  ) {
    super();
    this.zone = typeof options.zone === 'string' ? toneZone(options.zone) : options.zone;
    this.callerIdStandard = options.callerId ?? this.zone.callerId;
    this.ringCadence = options.ringCadence ?? this.zone.ringCadence;
    sim.on('far', this.#onFar);
    this.#poll = setInterval(() => this.pollAudio(), 20);
  }

  private later(ms: number, fn: () => void): NodeJS.Timeout {
    const t = setTimeout(() => {
      this.#timers.delete(t);
      fn();
    }, ms);
    this.#timers.add(t);
    return t;
  }

  /** Keeps everything the port sends from now on (capturedAudio() returns it). */
  startCapture(): void {
    this.#capture = [];
  }

  capturedAudio(): Int16Array {
    return concatSamples(this.#capture ?? []);
  }

  private pollAudio(): void {
    let samples: Int16Array;
    try {
      samples = this.sim.receiveAudio(this.channel, 8000);
    } catch {
      return;
    }
    if (samples.length === 0) return;
    this.#capture?.push(samples);
    if (!this.offhook) return;
    for (const d of this.#detector.push(samples)) this.gotDigit(d);
  }

  private gotDigit(d: string): void {
    if (this.digits === '') this.play(null); // first digit ends dial tone
    this.digits += d;
    this.emit('digit', d);
  }

  private onFar(e: FarEvent): void {
    if (e.kind === 'flash') return;
    if (e.kind !== 'hook') return;
    const now = Date.now();
    if (e.offhook) {
      clearTimeout(this.#clearTimer);
      if (this.offhook) return;
      if (this.#onhookAt > 0 && now - this.#onhookAt < CLEAR_MS) {
        // A make after a short break: one dial pulse (loop-disconnect dialing).
        this.#pulses++;
        clearTimeout(this.#pulseTimer);
        this.#pulseTimer = this.later(PULSE_DIGIT_GAP_MS, () => {
          const n = this.#pulses;
          this.#pulses = 0;
          this.gotDigit(n === 10 ? '0' : String(n));
        });
        this.offhook = true;
        return;
      }
      this.offhook = true;
      this.#onhookAt = 0;
      if (this.#ringing) {
        this.stopRinging();
        this.emit('answered');
        return;
      }
      this.digits = '';
      this.#detector = new DtmfDetector();
      this.emit('seized');
      if (this.options.dialTone !== false) this.play(zoneTone(this.zone, 'dial', 1000), true);
    } else {
      if (!this.offhook) return;
      this.offhook = false;
      this.#onhookAt = now;
      this.#clearTimer = this.later(CLEAR_MS, () => this.cleared());
    }
  }

  private cleared(): void {
    this.#onhookAt = 0;
    this.play(null);
    if (this.#reversed) this.setPolarity(false);
    try {
      this.sim.setLoopCurrent(this.channel, true);
    } catch {
      // card closed
    }
    this.emit('cleared');
  }

  /** Audio towards the port; null stops a looping sound. */
  play(samples: Int16Array | null, loop = false): void {
    try {
      if (samples === null) this.sim.sendAudio(this.channel, new Int16Array(0), { loop: true });
      else this.sim.sendAudio(this.channel, samples, { loop });
    } catch {
      // card closed
    }
  }

  private setPolarity(reversed: boolean): void {
    this.#reversed = reversed;
    this.sim.reversePolarity(this.channel, reversed);
  }

  /** Answers the port's outgoing call; polarity true reverses the line (answer supervision). */
  answer(options: { polarity?: boolean } = {}): void {
    this.play(null);
    if (options.polarity) this.setPolarity(true);
  }

  /** Clears the call the way a given office does (or does nothing, for 'none'). */
  hangup(kind: OfficeDisconnect): void {
    switch (kind) {
      case 'loopCurrent': this.play(null); this.sim.setLoopCurrent(this.channel, false); break;
      case 'polarity': this.play(null); this.setPolarity(!this.#reversed); break;
      case 'busy':
      case 'congestion': {
        const tone = this.zone[kind];
        this.play(zoneTone(this.zone, kind, Math.max(cadencePeriod(tone), 500) * 4), true);
        break;
      }
      case 'none': break;
    }
  }

  /** A single ring burst of ms, and no more (a tinkle, a line test). */
  ringBurst(ms: number): void {
    this.ringOn(true);
    this.later(ms, () => this.ringOn(false));
  }

  private ringOn(on: boolean): void {
    if (on) this.burstsSent++;
    this.sim.ring(this.channel, on);
    this.emit('ring', on);
  }

  /**
   * Rings the port with caller ID in the office's format: before the first
   * ring (ETSI EN 300 659-1 §6.1 after line reversal and DT-AS; BT SIN 227;
   * DTMF) or in the first silent interval (Telcordia GR-30-CORE §3, EN 300
   * 659-1 §6.2). Rings until answered, stopRinging() or maxRings cycles.
   */
  ring(callerId?: CallerId, options: { maxRings?: number } = {}): void {
    this.#ringing = true;
    this.burstsSent = 0;
    const std = this.callerIdStandard;
    const burst = callerId && std !== 'none' ? callerIdSignal(dspCallerIdStandard(std) as 'bell202', callerId) : undefined;
    const burstMs = burst ? burst.length / 8 : 0;
    const cadence = this.ringCadence;
    let step = 0;
    let cycles = 0;
    const next = (): void => {
      if (!this.#ringing) return;
      const on = step % 2 === 0;
      const ms = cadence[step % cadence.length]!;
      if (on) {
        if (step % cadence.length === 0 && options.maxRings !== undefined && cycles++ >= options.maxRings) {
          this.stopRinging();
          return;
        }
        this.ringOn(true);
      } else {
        this.ringOn(false);
        // GR-30-CORE: the burst starts at least 500 ms after the first ring and ends 200 ms before the second.
        if (burst && step === 1 && (std === 'bell202' || std === 'v23-after-ring')) this.later(500, () => this.play(burst));
      }
      step++;
      this.#ringTimer = this.later(ms, next);
    };
    if (burst && std !== 'bell202' && std !== 'v23-after-ring') {
      if (std === 'dtmf') {
        this.play(burst);
        this.#ringTimer = this.later(burstMs + 300, next);
      } else {
        // EN 300 659-1 §6.1.2 / SIN 227 §3.2: line reversal, >= 100 ms, DT-AS, 45..500 ms, the FSK burst, then ringing.
        this.setPolarity(true);
        this.later(100, () => this.play(dtasSignal()));
        this.later(300, () => this.play(burst));
        this.#ringTimer = this.later(300 + burstMs + 250, () => {
          this.setPolarity(false);
          this.later(100, next);
        });
      }
    } else next();
  }

  stopRinging(): void {
    this.#ringing = false;
    clearTimeout(this.#ringTimer);
    try {
      this.sim.ring(this.channel, false);
    } catch {
      // card closed
    }
  }

  close(): void {
    this.#ringing = false;
    clearInterval(this.#poll);
    for (const t of this.#timers) clearTimeout(t);
    this.#timers.clear();
    this.sim.off('far', this.#onFar);
  }
}
