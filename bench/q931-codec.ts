// Q.931 codec speed: decode and encode of a typical NI-2 SETUP, measured side
// by side with JSON.parse / JSON.stringify of the same message as a baseline.
// Run: npm run build && node dist/bench/q931-codec.js
import { decodeMessage, encodeMessage } from '../src/isdn/q931.js';

const SETUP = Buffer.from(
  '0802000105' + '04038090a2' + '1803a98381' + '280bb14a6f686e20536d697468' + '6c0c218332313235353531323132' + '700ba133313235353531323334',
  'hex',
);
const decoded = decodeMessage(SETUP, 'national').message;
if (decoded === null) throw new Error('bench: the SETUP does not decode');
const json = JSON.stringify(decoded, (_k, v: unknown) => (v instanceof Uint8Array ? [...v] : v));

function rate(label: string, fn: () => unknown): number {
  const rounds = 200_000;
  for (let i = 0; i < 20_000; i++) fn();
  const start = process.hrtime.bigint();
  for (let i = 0; i < rounds; i++) fn();
  const ns = Number(process.hrtime.bigint() - start);
  const perSecond = (rounds / ns) * 1e9;
  console.log(`${label.padEnd(28)} ${(perSecond / 1000).toFixed(0).padStart(6)} k msg/s  ${(ns / rounds).toFixed(0).padStart(5)} ns/msg`);
  return perSecond;
}

const dec = rate('decodeMessage (SETUP)', () => decodeMessage(SETUP, 'national'));
const parse = rate('JSON.parse (same message)', () => JSON.parse(json) as unknown);
const enc = rate('encodeMessage (SETUP)', () => encodeMessage(decoded, 'national'));
const str = rate('JSON.stringify (same msg)', () => JSON.stringify(decoded));
console.log(`decode / JSON.parse ratio     ${(dec / parse).toFixed(2)}`);
console.log(`encode / JSON.stringify ratio ${(enc / str).toFixed(2)}`);
