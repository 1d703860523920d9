// SIP INFO bodies of type application/dtmf-relay (the de-facto format of
// Cisco and most trunks: "Signal=5\r\nDuration=160\r\n"), for the sip side.
import type { DtmfDigit } from '../call/pstn-leg.js';
import type { Parsed } from './sdes-crypto.js';

/** One digit from an INFO body. */
export interface DtmfRelay {
  digit: DtmfDigit;
  /** Duration in ms; 250 when the body gives none (the common default). */
  durationMs: number;
}

const DIGITS = '0123456789*#ABCD';

/** Parses an application/dtmf-relay body. Never throws. */
export function parseDtmfRelay(body: string): Parsed<DtmfRelay> {
  let digit: DtmfDigit | undefined;
  let durationMs = 250;
  for (const raw of body.split(/\r?\n/)) {
    const line = raw.trim();
    if (line === '') continue;
    const eq = line.indexOf('=');
    if (eq < 0) return { ok: false, error: `dtmf-relay line "${line.slice(0, 40)}" has no "="` };
    const key = line.slice(0, eq).trim().toLowerCase();
    const value = line.slice(eq + 1).trim();
    if (key === 'signal') {
      let v = value.toUpperCase();
      // Some senders use the RFC 4733 event number (10 = *, 11 = #).
      if (/^1[0-5]$/.test(v)) v = DIGITS[Number(v)]!;
      if (v.length !== 1 || !DIGITS.includes(v)) return { ok: false, error: `dtmf-relay Signal "${value.slice(0, 20)}" is not a DTMF digit` };
      digit = v as DtmfDigit;
    } else if (key === 'duration') {
      if (!/^\d{1,6}$/.test(value)) return { ok: false, error: `dtmf-relay Duration "${value.slice(0, 20)}" is not a number of ms` };
      durationMs = Number(value);
    }
  }
  if (digit === undefined) return { ok: false, error: 'dtmf-relay body has no Signal line' };
  return { ok: true, value: { digit, durationMs } };
}

/** Formats a body for an outgoing INFO. */
export function formatDtmfRelay(relay: DtmfRelay): string {
  return `Signal=${relay.digit}\r\nDuration=${Math.round(relay.durationMs)}\r\n`;
}
