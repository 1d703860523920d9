// Waiting helpers for the emulated-card tests.
import type { Channel, ChannelEvent, ChannelEventKind } from '../../src/hw/channel.js';
import type { FarEvent, SimCard } from '../../src/hw/sim-card.js';
import { quietFor } from '../support/waiting.js';

export function channelEvent(ch: Channel, kind: ChannelEventKind, timeoutMs = 2000): Promise<ChannelEvent> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      ch.off('event', on);
      reject(new Error(`channel ${ch.number}: no ${kind} event within ${timeoutMs} ms`));
    }, timeoutMs);
    const on = (e: ChannelEvent): void => {
      if (e.kind !== kind) return;
      clearTimeout(timer);
      ch.off('event', on);
      resolve(e);
    };
    ch.on('event', on);
  });
}

export function farEvent(sim: SimCard, match: (e: FarEvent) => boolean, what: string, timeoutMs = 2000): Promise<FarEvent> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      sim.off('far', on);
      reject(new Error(`far end: no ${what} within ${timeoutMs} ms`));
    }, timeoutMs);
    const on = (e: FarEvent): void => {
      if (!match(e)) return;
      clearTimeout(timer);
      sim.off('far', on);
      resolve(e);
    };
    sim.on('far', on);
  });
}

/** Collects a channel's events for `ms`: only for proving that none (or none of a kind) come. */
export async function eventsFor(ch: Channel, ms: number): Promise<ChannelEvent[]> {
  const seen: ChannelEvent[] = [];
  const on = (e: ChannelEvent): void => void seen.push(e);
  ch.on('event', on);
  await quietFor(ms);
  ch.off('event', on);
  return seen;
}
