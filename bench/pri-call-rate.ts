// PRI call control speed: whole calls (SETUP .. CONNECT .. RELEASE COMPLETE)
// between two of our spans over an in-process D-channel, one call at a time
// and a full T1 span (23 calls) at a time, side by side in one run; and the
// LAPD frame codec next to it, so the share of layer 2 is visible.
// Run: npm run build && node dist/bench/pri-call-rate.js
import { once } from 'node:events';
import { FramePipePair } from '../src/isdn/frame-pipe.js';
import type { PriCall } from '../src/isdn/pri-call.js';
import { PriSpan } from '../src/isdn/pri-span.js';
import { decodeLapdFrame, encodeLapdFrame } from '../src/isdn/q921-frame.js';

async function spans(): Promise<{ user: PriSpan; network: PriSpan }> {
  const wire = new FramePipePair();
  const user = new PriSpan(wire.a, { name: 'cpe', side: 'user', switchVariant: 'national', type: 't1', restartAtLinkUp: 'none' });
  const network = new PriSpan(wire.b, { name: 'co', side: 'network', switchVariant: 'national', type: 't1', restartAtLinkUp: 'none' });
  network.on('incoming', (leg) => leg.answer());
  user.start();
  await Promise.all([once(user.signalling, 'up'), once(network.signalling, 'up')]);
  return { user, network };
}

async function oneCall(user: PriSpan, n: number): Promise<void> {
  const call = user.originate({ digits: '100' }, { digits: `555${n}` }) as PriCall;
  const answered = once(call, 'answered');
  call.setup();
  await answered;
  call.release(16);
  // The channel is free again when the clearing completes (RELEASE COMPLETE).
  while (user.freeChannels() < 23) await new Promise((r) => setImmediate(r));
}

async function rate(label: string, calls: number, parallel: number): Promise<number> {
  const { user, network } = await spans();
  const start = process.hrtime.bigint();
  for (let done = 0; done < calls; done += parallel) {
    await Promise.all(Array.from({ length: parallel }, (_, i) => oneCall(user, done + i)));
  }
  const ns = Number(process.hrtime.bigint() - start);
  user.close();
  network.close();
  const perSecond = (calls / ns) * 1e9;
  console.log(`${label.padEnd(34)} ${perSecond.toFixed(0).padStart(6)} calls/s  ${(ns / calls / 1e6).toFixed(2).padStart(6)} ms/call`);
  return perSecond;
}

function frameRate(): number {
  const frame = encodeLapdFrame({ sapi: 0, tei: 0, cr: 0, type: 'I', ns: 5, nr: 9, pf: false, info: new Uint8Array(40) });
  const rounds = 500_000;
  const start = process.hrtime.bigint();
  for (let i = 0; i < rounds; i++) decodeLapdFrame(frame);
  const ns = Number(process.hrtime.bigint() - start);
  const perSecond = (rounds / ns) * 1e9;
  console.log(`${'LAPD I frame decode'.padEnd(34)} ${(perSecond / 1000).toFixed(0).padStart(6)} k/s     ${(ns / rounds).toFixed(0).padStart(6)} ns/frame`);
  return perSecond;
}

const heapBefore = process.memoryUsage().heapUsed;
const serial = await rate('calls one at a time', 300, 1);
const full = await rate('calls 23 at a time (a full T1)', 23 * 20, 23);
frameRate();
console.log(`23-at-a-time / one-at-a-time ratio ${(full / serial).toFixed(2)}`);
console.log(`heap growth over the run           ${((process.memoryUsage().heapUsed - heapBefore) / 1024 / 1024).toFixed(1)} MiB`);
