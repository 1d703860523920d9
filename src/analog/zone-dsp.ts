// A tone zone as the channel DSP needs it: the call-progress tones to detect
// and to play, and the caller ID modem of the zone.
import type { CallerIdStandard as DspCallerIdStandard, DspConfig, ToneDefinition } from '../hw/dsp.js';
import type { CallerIdStandard, Tone, ToneZone } from './tone-zones.js';

/** Names of the zone tones an analog port plays and listens for. */
export const ZONE_TONES = ['dial', 'ringback', 'busy', 'congestion'] as const;
export type ZoneToneName = (typeof ZONE_TONES)[number];

/**
 * One zone tone as a DSP tone definition. Steps alternate on and off; a
 * modulated tone (India's 400*25 Hz) is played and matched on its carrier.
 */
export function toneDefinition(name: string, tone: Tone): ToneDefinition {
  const first = tone.find((s) => s.freqs.length > 0);
  if (!first) throw new RangeError(`tone "${name}" has no audible step`);
  const [f1, f2] = first.modulated ? [first.freqs[0]!, 0] : [first.freqs[0]!, first.freqs[1] ?? 0];
  const cadence: { onMs: number; offMs: number }[] = [];
  for (const step of tone) {
    if (step.ms === 0) break; // steady
    if (step.freqs.length > 0) cadence.push({ onMs: step.ms, offMs: 0 });
    else if (cadence.length > 0) cadence[cadence.length - 1]!.offMs += step.ms;
  }
  return { name, freq1Hz: f1, ...(f2 ? { freq2Hz: f2 } : {}), ...(cadence.length ? { cadence } : {}) };
}

/** The modem the channel DSP runs for a zone's caller ID standard. */
export function dspCallerIdStandard(standard: CallerIdStandard | 'none'): DspCallerIdStandard {
  switch (standard) {
    case 'bell202': return 'bell202'; // Telcordia GR-30-CORE
    case 'v23-etsi':
    case 'v23-bt':
    case 'v23-after-ring': return 'v23'; // ETSI EN 300 659-1, BT SIN 227
    case 'dtmf': return 'etsi-dtmf'; // ETSI EN 300 659-1 annex B style DTMF CLIP
    default: return 'none';
  }
}

/**
 * DSP settings of an analog port in a zone: DTMF and zone tones both ways,
 * caller ID received (FXO, from the office) or sent (FXS, to the phone).
 */
export function analogDspConfig(zone: ToneZone, kind: 'fxo' | 'fxs', options: { callerId?: CallerIdStandard | 'none'; echoCanceller?: boolean } = {}): DspConfig {
  const cid = dspCallerIdStandard(options.callerId ?? zone.callerId);
  return {
    dtmfRx: true,
    toneRx: kind === 'fxo',
    tones: ZONE_TONES.map((n) => toneDefinition(n, zone[n])),
    echoCanceller: options.echoCanceller ?? false,
    ...(cid === 'none' ? {} : kind === 'fxo' ? { callerIdRx: cid } : { callerIdTx: cid }),
  };
}
