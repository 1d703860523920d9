// What the gateway sends on the B-channels of an emulated span, as the PBX
// side hears it: every channel polled every 20 ms from the moment the tap is
// made, so that a tone that starts before a test knows the channel is kept.
import type { SimSpanAccess } from '../../src/ops/start-gateway.js';
import { concatSamples } from '../../src/sim/sim-signals.js';
import { eventually } from '../support/waiting.js';

export class BChannelTap {
  private readonly heard = new Map<number, { at: number; samples: Int16Array }[]>();
  private readonly timer: NodeJS.Timeout;

  constructor(
    private readonly access: SimSpanAccess,
    private readonly channels: readonly number[],
  ) {
    // What the far end kept from before (up to a second) is not this call's.
    for (const n of channels) access.sim.receiveAudio(access.bChannel(n));
    this.timer = setInterval(() => this.poll(), 20);
  }

  private poll(): void {
    const at = Date.now();
    for (const n of this.channels) {
      const samples = this.access.sim.receiveAudio(this.access.bChannel(n));
      if (samples.length === 0) continue;
      let list = this.heard.get(n);
      if (!list) this.heard.set(n, (list = []));
      list.push({ at, samples });
    }
  }

  /** Audio the gateway sent on B-channel `n` since the tap was made (or in [since, until), Date.now() values). */
  audio(n: number, since = 0, until = Infinity): Int16Array {
    this.poll();
    return concatSamples((this.heard.get(n) ?? []).filter((p) => p.at >= since && p.at < until).map((p) => p.samples));
  }

  /** Audio on B-channel `n` from `since` on, once the tap holds `ms` of it: waits for the samples, not the clock. */
  listen(n: number, since: number, ms: number): Promise<Int16Array> {
    return eventually(`${ms} ms of audio on B-channel ${n}`, () => {
      const a = this.audio(n, since);
      return a.length >= ms * 8 && a;
    }, { timeoutMs: ms + 5000 });
  }

  stop(): void {
    clearInterval(this.timer);
  }
}

/** On/off runs of a tone made of `freqs` in 20 ms blocks; gaps shorter than `bridgeMs` are merged into their neighbours. */
export function toneRuns(samples: Int16Array, share: (block: Int16Array) => number, bridgeMs = 120): { on: boolean; ms: number }[] {
  const block = 160;
  const raw: { on: boolean; ms: number }[] = [];
  for (let i = 0; i + block <= samples.length; i += block) {
    const b = samples.subarray(i, i + block);
    let energy = 0;
    for (const x of b) energy += x * x;
    const rms = Math.sqrt(energy / block);
    const on = rms > 300 && share(b) > 0.5;
    const last = raw[raw.length - 1];
    if (last && last.on === on) last.ms += 20;
    else raw.push({ on, ms: 20 });
  }
  // Late frames under load are short holes, not cadence steps (the shortest step of any zone is 200 ms).
  const merged: { on: boolean; ms: number }[] = [];
  for (let i = 0; i < raw.length; i++) {
    const r = raw[i]!;
    const last = merged[merged.length - 1];
    if (last && r.ms < bridgeMs && i + 1 < raw.length) {
      last.ms += r.ms + raw[i + 1]!.ms;
      i++;
      continue;
    }
    if (last && last.on === r.on) last.ms += r.ms;
    else merged.push({ ...r });
  }
  return merged;
}

/**
 * Mean share of `hz` in the 100 ms blocks that carry sound (10 Hz apart is
 * told apart, e.g. 440 from 450): over blocks, so that a frame late under
 * load, whose phase jumps, costs one block and not the whole measure, and
 * silence before or after a tone does not dilute it.
 */
export function blockShare(samples: Int16Array, hz: number, share: (block: Int16Array, hz: number) => number): number {
  const block = 800;
  let sum = 0;
  let n = 0;
  for (let i = 0; i + block <= samples.length; i += block) {
    const b = samples.subarray(i, i + block);
    let energy = 0;
    for (const x of b) energy += x * x;
    if (Math.sqrt(energy / block) < 100) continue;
    sum += share(b, hz);
    n++;
  }
  return n === 0 ? 0 : sum / n;
}
