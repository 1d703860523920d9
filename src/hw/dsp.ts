// Typed face of one channel's native DSP (spandsp through the addon), for
// tests and tools. JavaScript hands it whole buffers of 8 kHz 16-bit samples
// and gets back events; the card I/O thread uses the same C++ object per tick.
import { addon, type AddonDsp } from './addon.js';

/** Samples per second on every channel. */
export const SAMPLE_RATE_HZ = 8000;

/**
 * dBm0 reference (spandsp's, after G.711): a full-scale sine is +3.14 dBm0,
 * so 0 dBm0 is a sine of about 22,826 peak in 16-bit linear.
 */
export const FULL_SCALE_SINE_DBM0 = 3.14;

/** Peak amplitude (16-bit linear) of a sine at a level in dBm0. */
export function sinePeakForDbm0(dbm0: number): number {
  return 32767 * 10 ** ((dbm0 - FULL_SCALE_SINE_DBM0) / 20);
}

export type CallerIdStandard = 'none' | 'bell202' | 'v23' | 'etsi-dtmf';

/** One on/off step of a tone cadence; offMs 0 means no gap after it. */
export interface ToneCadenceStep {
  onMs: number;
  offMs: number;
}

/** A call-progress tone of a tone zone. */
export interface ToneDefinition {
  name: string;
  freq1Hz: number;
  /** 0 or absent: single frequency. */
  freq2Hz?: number;
  level1Dbm0?: number;
  level2Dbm0?: number;
  /** Empty or absent: continuous. The steps repeat for ever. */
  cadence?: ToneCadenceStep[];
}

export interface DspConfig {
  dtmfRx?: boolean;
  dtmfRxFilterDialTone?: boolean;
  dtmfRxTwistDb?: number;
  dtmfRxReverseTwistDb?: number;
  dtmfRxThresholdDbm0?: number;
  dtmfTxLevelDbm0?: number;
  dtmfTxTwistDb?: number;
  dtmfTxOnMs?: number;
  dtmfTxOffMs?: number;
  callerIdRx?: CallerIdStandard;
  callerIdTx?: CallerIdStandard;
  toneRx?: boolean;
  tones?: ToneDefinition[];
  echoCanceller?: boolean;
  echoTailMs?: number;
  /** Accepted, without effect for now (spandsp 0.0.6 has no usable NLP; see native/dsp/echo_canceller.h). */
  echoNlp?: boolean;
  rxGainDb?: number;
  txGainDb?: number;
}

/** Caller ID fields; absence codes 'O' unavailable, 'P' private. */
export interface CallerId {
  /** false: SDMF (Bell 202 only). Default true. */
  mdmf?: boolean;
  /** MMDDHHMM */
  dateTime?: string;
  number?: string;
  name?: string;
  numberAbsence?: 'O' | 'P';
  nameAbsence?: 'O' | 'P';
  redirectingNumber?: string;
  callType?: number;
}

/** A decoded caller ID message with the bytes (or digits) it came from. */
export interface ReceivedCallerId extends CallerId {
  raw: Uint8Array;
}

export type DspEvent =
  | { kind: 'dtmf-begin'; atMs: number; digit: string; levelDbm0: number }
  | { kind: 'dtmf'; atMs: number; digit: string; durationMs: number; levelDbm0: number }
  | { kind: 'caller-id'; atMs: number; callerId: ReceivedCallerId }
  | { kind: 'tone'; atMs: number; tone: string }
  | { kind: 'tone-ended'; atMs: number; tone: string };

export interface DspLevels {
  rxDbm0: number;
  txDbm0: number;
  /** Echo return loss enhancement now, in dB; 0 with the canceller off. */
  erleDb: number;
}

/** One channel's DSP: detectors on rx, generators on tx. */
export class Dsp {
  readonly #native: AddonDsp;

  /** Throws naming the config field that is wrong. */
  constructor(config: DspConfig = {}) {
    this.#native = new (addon().Dsp)(config);
  }

  /** Runs a whole buffer from the line through the receive path. */
  rx(samples: Int16Array): DspEvent[] {
    return this.#native.rx(samples).events as DspEvent[];
  }

  /** As rx(), also returning the processed audio (after echo canceller and gain). */
  rxWithAudio(samples: Int16Array): { events: DspEvent[]; clean: Int16Array } {
    const r = this.#native.rx(samples, true);
    return { events: r.events as DspEvent[], clean: r.clean! };
  }

  /**
   * Runs the transmit path: voice (or that many samples of silence) with
   * what is queued mixed in. `generated` counts samples carrying a signal.
   */
  tx(voiceOrCount: Int16Array | number): { samples: Int16Array; generated: number } {
    return this.#native.tx(voiceOrCount);
  }

  sendDigits(digits: string): void {
    this.#native.sendDigits(digits);
  }

  playTone(name: string): void {
    this.#native.playTone(name);
  }

  stopTone(): void {
    this.#native.stopTone();
  }

  sendCallerId(callerId: CallerId): void {
    this.#native.sendCallerId(callerId);
  }

  /** True while digits, a tone or caller ID are still to be sent. */
  get txBusy(): boolean {
    return this.#native.txBusy();
  }

  levels(): DspLevels {
    return this.#native.levels();
  }

  /** Frees the native state now rather than at garbage collection. */
  close(): void {
    this.#native.close();
  }
}

/** Bytes of a caller ID message (FSK: without checksum; DTMF: the digits as ASCII). */
export function encodeCallerId(standard: Exclude<CallerIdStandard, 'none'>, callerId: CallerId): Uint8Array {
  return addon().encodeCallerId(standard, callerId);
}

/** Parses caller ID message bytes (checksum removed); never throws on bad bytes. */
export function decodeCallerId(
  standard: Exclude<CallerIdStandard, 'none'>,
  bytes: Uint8Array,
): { callerId: ReceivedCallerId } | { error: string } {
  return addon().decodeCallerId(standard, bytes) as { callerId: ReceivedCallerId } | { error: string };
}
