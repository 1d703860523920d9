// Shared by the analog port tests: a one-port emulated card in a zone, and waits.
import { Card } from '../../src/hw/card.js';
import { SimCard } from '../../src/hw/sim-card.js';
import { analogDspConfig } from '../../src/analog/zone-dsp.js';
import { toneZone, type CallerIdStandard } from '../../src/analog/tone-zones.js';
import type { AnalogLog } from '../../src/analog/analog-leg.js';
import type { Phone } from '../../src/sim/phone.js';
import { eventually } from '../support/waiting.js';

/** What the phone heard from `since` on, once that is `ms` of audio: waits for the samples, not the clock. */
export function heardFor(phone: Phone, since: number, ms: number): Promise<Int16Array> {
  return eventually(`${ms} ms of audio at the phone`, () => {
    const heard = phone.heard(since);
    return heard.length >= ms * 8 && heard;
  }, { timeoutMs: ms + 5000 });
}


export function onePortCard(kind: 'fxo' | 'fxs', zone: string, callerId?: CallerIdStandard | 'none'): { sim: SimCard; card: Card; close(): void } {
  const sim = new SimCard([{ type: 'analog', ports: [kind] }]);
  const card = Card.open({ kernel: sim, channels: [{ number: 1, span: 1, dsp: analogDspConfig(toneZone(zone), kind, callerId ? { callerId } : {}) }] });
  return {
    sim,
    card,
    close: () => {
      card.close();
      sim.close();
    },
  };
}

/** A log that keeps its lines for assertions. */
export function memoryLog(): AnalogLog & { lines: string[] } {
  const lines: string[] = [];
  const add = (fields: object, msg: string): void => void lines.push(`${msg} ${JSON.stringify(fields)}`);
  return { lines, info: add, warn: add };
}
