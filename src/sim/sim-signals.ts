// Signals the simulated far ends put on a line: zone tones, caller ID bursts,
// DTMF and DT-AS, generated ahead of time as whole buffers.
import { Dsp, sinePeakForDbm0, type CallerId, type CallerIdStandard } from '../hw/dsp.js';
import { toneDefinition, ZONE_TONES, type ZoneToneName } from '../analog/zone-dsp.js';
import type { ToneZone } from '../analog/tone-zones.js';

function drain(dsp: Dsp, minSamples = 0): Int16Array {
  const parts: Int16Array[] = [];
  let n = 0;
  for (let guard = 0; guard < 2000 && (dsp.txBusy || n < minSamples); guard++) {
    const { samples } = dsp.tx(160);
    parts.push(samples);
    n += samples.length;
  }
  const out = new Int16Array(n);
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

/** ms of a zone tone (a whole number of cadence periods for a cadenced tone). */
export function zoneTone(zone: ToneZone, name: ZoneToneName, ms: number): Int16Array {
  const dsp = new Dsp({ tones: ZONE_TONES.map((n) => toneDefinition(n, zone[n])) });
  try {
    dsp.playTone(name);
    const out = new Int16Array(ms * 8);
    for (let at = 0; at < out.length; at += 160) out.set(dsp.tx(Math.min(160, out.length - at)).samples, at);
    return out;
  } finally {
    dsp.close();
  }
}

/** A caller ID message as the office sends it (FSK burst, or DTMF digits). */
export function callerIdSignal(standard: Exclude<CallerIdStandard, 'none'>, callerId: CallerId): Int16Array {
  const dsp = new Dsp({ callerIdTx: standard });
  try {
    dsp.sendCallerId(callerId);
    return drain(dsp);
  } finally {
    dsp.close();
  }
}

/** True when every character is a DTMF digit (ITU-T Q.23: 0-9, *, #, A-D). */
export function isDtmfDigits(digits: string): boolean {
  return /^[0-9*#A-Da-d]+$/.test(digits);
}

export function dtmfSignal(digits: string, onMs = 80, offMs = 80): Int16Array {
  const dsp = new Dsp({ dtmfTxOnMs: onMs, dtmfTxOffMs: offMs });
  try {
    dsp.sendDigits(digits);
    return drain(dsp);
  } finally {
    dsp.close();
  }
}

/** Dual Tone Alerting Signal: 2130 + 2750 Hz for 100 ms (ETSI EN 300 659-1 §5.2, BT SIN 227 §3.2). */
export function dtasSignal(ms = 100, dbm0 = -15): Int16Array {
  const out = new Int16Array(ms * 8);
  const a = sinePeakForDbm0(dbm0);
  for (let i = 0; i < out.length; i++) out[i] = Math.round(a * (Math.sin((2 * Math.PI * 2130 * i) / 8000) + Math.sin((2 * Math.PI * 2750 * i) / 8000)));
  return out;
}

export function sineSignal(hz: number, ms: number, dbm0 = -15): Int16Array {
  const out = new Int16Array(ms * 8);
  const a = sinePeakForDbm0(dbm0);
  for (let i = 0; i < out.length; i++) out[i] = Math.round(a * Math.sin((2 * Math.PI * hz * i) / 8000));
  return out;
}

/** Joins sample buffers end to end. */
export function concatSamples(parts: readonly Int16Array[]): Int16Array {
  const out = new Int16Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}
