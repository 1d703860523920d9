// A phone on one FXS port of the emulated card: hears the ringer and keeps
// its cadence, records what the port sends (tones, caller ID), lifts and
// hangs up the handset, dials DTMF, flashes.
import { EventEmitter } from 'node:events';
import type { FarEvent, SimCard } from '../hw/sim-card.js';
import { concatSamples, dtmfSignal } from './sim-signals.js';

export interface PhoneEvents {
  ring: [on: boolean];
  polarity: [reversed: boolean];
}

export interface RingRecord {
  on: boolean;
  at: number;
}

export class Phone extends EventEmitter<PhoneEvents> {
  /** Ringer on/off changes with their time (Date.now()). */
  readonly rings: RingRecord[] = [];
  /** Line polarity changes with their time. */
  readonly reversals: { reversed: boolean; at: number }[] = [];
  readonly #audio: { at: number; samples: Int16Array }[] = [];
  #offhook = false;
  #poll: NodeJS.Timeout;
  readonly #onFar = (e: FarEvent): void => {
    if (e.channel !== this.channel) return;
    if (e.kind === 'ring') {
      this.rings.push({ on: e.on, at: Date.now() });
      this.emit('ring', e.on);
    } else if (e.kind === 'polarity') {
      this.reversals.push({ reversed: e.reversed, at: Date.now() });
      this.emit('polarity', e.reversed);
    }
  };

  constructor(
    readonly sim: SimCard,
    readonly channel: number,
  ) {
    super();
    sim.on('far', this.#onFar);
    this.#poll = setInterval(() => this.pollAudio(), 20);
  }

  get ringing(): boolean {
    return this.rings.length > 0 && this.rings[this.rings.length - 1]!.on;
  }

  private pollAudio(): void {
    try {
      const s = this.sim.receiveAudio(this.channel, 8000);
      if (s.length) this.#audio.push({ at: Date.now(), samples: s });
    } catch {
      // card closed
    }
  }

  /** Everything the port sent since `since` (Date.now() value), as one buffer. */
  heard(since = 0): Int16Array {
    this.pollAudio();
    return concatSamples(this.#audio.filter((p) => p.at >= since).map((p) => p.samples));
  }

  offhook(): void {
    this.#offhook = true;
    this.sim.offhook(this.channel);
  }

  onhook(): void {
    this.#offhook = false;
    this.sim.onhook(this.channel);
  }

  get isOffhook(): boolean {
    return this.#offhook;
  }

  flash(): void {
    this.sim.hookFlash(this.channel);
  }

  /** Keys DTMF digits (ITU-T Q.23), onMs/offMs each. */
  dial(digits: string, onMs = 80, offMs = 80): void {
    this.sim.sendAudio(this.channel, dtmfSignal(digits, onMs, offMs));
  }

  /** Dials digits by loop disconnect, one every gapMs (the card's kernel counts the breaks). */
  async dialPulses(digits: string, gapMs = 300): Promise<void> {
    for (const d of digits) {
      this.sim.pulseDigit(this.channel, d);
      await new Promise((r) => setTimeout(r, gapMs));
    }
  }

  /** Plays audio into the port. */
  say(samples: Int16Array): void {
    this.sim.sendAudio(this.channel, samples);
  }

  close(): void {
    clearInterval(this.#poll);
    this.sim.off('far', this.#onFar);
  }
}
