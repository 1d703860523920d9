// From an analog port of gateway.yaml to the options of its FXO or FXS port.
import type { Channel } from '../hw/channel.js';
import type { AnalogLog } from '../analog/analog-leg.js';
import type { DisconnectSupervision, FxoPortOptions } from '../analog/fxo-port.js';
import type { FxsPortOptions } from '../analog/fxs-port.js';
import { toneZone, type CallerIdStandard, type ToneZone } from '../analog/tone-zones.js';
import type { PortConfig } from '../call/gateway-config.js';

/**
 * The caller ID standard a configured family means in a zone: 'v23' keeps the
 * zone's own V.23 variant (BT SIN 227 in gb, after-ring in de), else ETSI EN
 * 300 659-1 before the first ring.
 */
export function callerIdFor(zone: ToneZone, configured: PortConfig['callerId']): CallerIdStandard | 'none' {
  switch (configured) {
    case undefined: return zone.callerId;
    case 'none': return 'none';
    case 'bell202': return 'bell202';
    case 'dtmf': return 'dtmf';
    case 'v23': return zone.callerId.startsWith('v23') ? zone.callerId : 'v23-etsi';
  }
}

const disconnectKinds: Record<string, DisconnectSupervision | 'silence'> = {
  'loop-current': 'loopCurrent',
  'polarity-reversal': 'polarity',
  'busy-tone': 'tone',
  'dial-tone': 'dialTone',
  silence: 'silence',
};

/** Default inactivity limit when 'silence' is a configured disconnect sign, ms. */
export const SILENCE_DISCONNECT_MS = 60000;

export type AnalogPortOptions = { kind: 'fxo'; options: FxoPortOptions } | { kind: 'fxs'; options: FxsPortOptions };

/** `defaultZone` is the hw-profile's tone zone, used when the port names none. */
export function analogPortOptions(port: PortConfig, channel: Channel, defaultZone: string, log?: AnalogLog): AnalogPortOptions {
  const zone = toneZone(port.toneZone ?? defaultZone);
  const common = { name: port.name, channel, zone, callerId: callerIdFor(zone, port.callerId), ...(log ? { log } : {}) };
  if (port.signalling === 'fxs') {
    return { kind: 'fxs', options: { ...common, ...(port.number !== undefined ? { number: port.number } : {}), ...(port.callerName !== undefined ? { callerName: port.callerName } : {}) } };
  }
  const kinds = (port.disconnect ?? ['loop-current', 'polarity-reversal', 'busy-tone']).map((k) => disconnectKinds[k]!);
  const options: FxoPortOptions = {
    ...common,
    disconnect: kinds.filter((k): k is DisconnectSupervision => k !== 'silence'),
    ...(port.answerOnRing !== undefined ? { answerAfterRings: port.answerOnRing } : {}),
    ...(port.destination !== undefined ? { destination: port.destination } : {}),
    ...(port.number !== undefined ? { number: port.number } : {}),
    ...(port.whenBlocked !== undefined ? { whenBlocked: port.whenBlocked } : {}),
    // Answer supervision by battery reversal (GR-506-CORE); without it the call counts as answered once dialled.
    ...(port.answerSupervision === 'polarity-reversal' ? { answerSupervision: 'polarity' as const } : {}),
    // Silence as a disconnect sign is the inactivity limit of the power meter.
    ...(kinds.includes('silence') ? { inactivityMs: SILENCE_DISCONNECT_MS } : {}),
  };
  return { kind: 'fxo', options };
}
