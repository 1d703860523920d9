// Shared by the analog port tests: a one-port emulated card in a zone, and waits.
import assert from 'node:assert/strict';
import { Card } from '../../src/hw/card.js';
import { SimCard } from '../../src/hw/sim-card.js';
import { analogDspConfig } from '../../src/analog/zone-dsp.js';
import { toneZone, type CallerIdStandard } from '../../src/analog/tone-zones.js';
import type { AnalogLog } from '../../src/analog/analog-leg.js';

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

export async function until(what: string, ok: () => boolean, ms = 5000): Promise<number> {
  const t0 = Date.now();
  for (;;) {
    if (ok()) return Date.now() - t0;
    if (Date.now() - t0 > ms) assert.fail(`${what} within ${ms} ms`);
    await sleep(10);
  }
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
