// The one module that loads the native addon. Everything else in src/ reaches
// the card through the typed objects built on this module, never the addon.
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** Versions the addon was built with. */
export interface AddonVersions {
  addon: string;
  spandsp: string;
  /** spandsp's own release stamp from spandsp/version.h. */
  spandspRelease: string;
  /** Version of the DAHDI user headers (dahdi/user.h) compiled in. */
  dahdiHeaders: string;
  napi: number;
}

/** One span of the emulated card, as the addon builds it. */
export interface NativeSimSpan {
  type: 't1' | 'e1' | 'analog';
  /** Digital spans: CCS with a D-channel (true, the default) or CAS (false). */
  pri?: boolean;
  /** Analog spans: one entry per port. */
  ports?: ('fxo' | 'fxs')[];
  name?: string;
}

/** Something the card did, as the far end of the emulated card sees it. */
export interface NativeFarEvent {
  channel: number;
  kind: 'hook' | 'ring' | 'flash' | 'wink' | 'polarity' | 'bits' | 'frame';
  value: number;
  data?: Buffer;
}

export interface NativeSimChannelState {
  span: number;
  position: number;
  kind: 'bearer' | 'dchannel' | 'fxo' | 'fxs';
  open: boolean;
  nearOffhook: boolean;
  farOffhook: boolean;
  ringing: boolean;
  reversed: boolean;
  battery: boolean;
  rxBits: number;
  txBits: number;
  blockSize: number;
  hdlc: boolean;
  toneDetect: boolean;
}

export interface NativeSimChannelStats {
  blocksRead: number;
  blocksLost: number;
  samplesWritten: number;
  samplesDropped: number;
  framesToCard: number;
  framesFromCard: number;
}

/** The emulated card (native/backends/sim_kernel.h): its far end. Methods throw errors with a `code`. */
export interface NativeSimCard {
  channelCount(): number;
  spanCount(): number;
  ring(channel: number, on: boolean): void;
  setFarHook(channel: number, offhook: boolean): void;
  flash(channel: number): void;
  wink(channel: number): void;
  setPolarity(channel: number, reversed: boolean): void;
  setBattery(channel: number, present: boolean): void;
  setRxBits(channel: number, abcd: number): void;
  setAlarms(span: number, alarms: number): void;
  addLineErrors(span: number, bpv: number, crc4: number, ebit: number, fas: number): void;
  writeAudio(channel: number, samples: Int16Array, loop?: boolean): void;
  readAudio(channel: number, max: number): Int16Array;
  setEcho(channel: number, lossDb: number, delayMs: number): void;
  writeFrame(channel: number, frame: Uint8Array): void;
  writeFrames(channel: number, frames: Uint8Array[]): void;
  frameError(channel: number, what: 'badFcs' | 'abort'): void;
  hardwareDtmf(channel: number, digit: string): boolean;
  pulseDigit(channel: number, digit: string): void;
  takeEvents(): NativeFarEvent[];
  state(channel: number): NativeSimChannelState;
  stats(channel: number): NativeSimChannelStats;
  close(): void;
}

export interface NativeChannelSpec {
  /** DAHDI channel number. */
  number: number;
  mode?: 'audio' | 'hdlc';
  /** Samples per frame, multiple of 8 from 64 (8 ms) to 1600; default 160 (20 ms). */
  blockSize?: number;
  /** Frames from JavaScript queued per channel before the oldest is dropped; default 4. */
  txQueueFrames?: number;
  hardwareDtmf?: boolean;
  /** Run this channel's frames through the DSP (src/hw/dsp.ts DspConfig). */
  dsp?: object;
}

/** One event of a tick, as the I/O thread reports it. */
export interface NativeCardEvent {
  /** Index of the channel in the array the card was opened with. */
  handle: number;
  kind: string;
  value: number;
  data?: Buffer;
  message?: string;
  /** DSP events (kinds dtmf-begin, dtmf, caller-id, tone, tone-ended). */
  digit?: string;
  tone?: string;
  atMs?: number;
  durationMs?: number;
  levelDbm0?: number;
  callerId?: unknown;
}

/** Everything one tick of the card's I/O thread produced. */
export interface NativeBatch {
  tick: number;
  /** CLOCK_MONOTONIC (process.hrtime.bigint()) when the frames were read. */
  readyNs: bigint;
  /** All frames back to back; `index` holds (handle, offset, samples) triples. */
  audio: Int16Array;
  index: Int32Array;
  events: NativeCardEvent[];
}

export interface NativeChannelCounters {
  framesRead: number;
  framesWritten: number;
  underruns: number;
  overruns: number;
  hdlcFramesIn: number;
  hdlcFramesOut: number;
  events: number;
}

export interface NativeSpanStatus {
  span: number;
  name: string;
  description: string;
  alarms: number;
  bpvCount: number;
  crc4Count: number;
  ebitCount: number;
  fasCount: number;
  irqMisses: number;
  totalChannels: number;
  lineConfig: number;
  spanType: string;
}

/** A card and its I/O thread (native/card/card_io.h). */
export interface NativeCard {
  /** Starts the I/O thread; true when it got real-time priority. */
  start(): boolean;
  close(): void;
  writeAudio(handle: number, samples: Int16Array): void;
  writeFrame(handle: number, frame: Uint8Array): void;
  hook(handle: number, op: 'onhook' | 'offhook' | 'wink' | 'flash' | 'ring' | 'ringoff'): void;
  rxBits(handle: number): number;
  setTxBits(handle: number, abcd: number): void;
  setPolarity(handle: number, reversed: boolean): void;
  counters(handle: number): NativeChannelCounters;
  span(handle: number): number;
  spanStatus(span: number): NativeSpanStatus;
  stats(): { ticks: number; batchesDropped: number; realtime: boolean };
  sendDigits(handle: number, digits: string): void;
  playTone(handle: number, name: string): void;
  stopTone(handle: number): void;
  sendCallerId(handle: number, callerId: object): void;
  levels(handle: number): { rxDbm0: number; txDbm0: number; erleDb: number };
}

/** Counters of an RTP engine (native/rtp/udp_engine.h). */
export interface NativeRtpEngineStats {
  received: number;
  sent: number;
  /** Datagrams dropped because JavaScript had not taken the received buffer in time. */
  receiveDropped: number;
  sendErrors: number;
  wakeups: number;
  /** Times JavaScript was handed the received buffer (at most one a millisecond). */
  deliveries: number;
  sockets: number;
}

/**
 * The UDP sockets of many calls on one I/O thread (native/rtp/). Received
 * datagrams reach onReceive as one buffer of records per wake-up of the
 * event loop; sends go in as one batch. Methods throw errors with a `code`.
 */
export interface NativeRtpEngine {
  /** Binds address:port (0 = ephemeral); returns the socket's handle. */
  open(address: string, port: number): number;
  localPort(handle: number): number;
  /** Where the socket's datagrams go, in order with the sends queued before. */
  setRemote(handle: number, address: string, port: number): void;
  /** Queues `count` datagrams: `index` holds (handle, offset, length) triples into `data`. */
  send(data: Uint8Array, index: Int32Array, count: number): void;
  /** Closes once the sends queued before it are out; closing twice is harmless. */
  close(handle: number): void;
  stats(): NativeRtpEngineStats;
  /** The records received so far, as onReceive would get them; undefined when none wait. */
  take(): Buffer | undefined;
  /** A 4-octet buffer whose int32 the I/O thread sets to 1 while records wait (take() clears it). */
  pendingFlag(): ArrayBuffer;
  /** Stops the I/O thread and closes every socket. */
  shutdown(): void;
}

/** What the addon exports, as JavaScript sees it. */
export interface Addon {
  version(): string;
  versions(): AddonVersions;
  SimCard: new (spans: NativeSimSpan[], onFarEvent?: () => void) => NativeSimCard;
  Card: new (kernel: 'dahdi' | NativeSimCard, channels: NativeChannelSpec[], onBatch: (batch: NativeBatch) => void) => NativeCard;
  /** Per-channel DSP handle; src/hw/dsp.ts gives it its types. */
  Dsp: new (config: object) => AddonDsp;
  encodeCallerId(standard: string, callerId: object): Uint8Array;
  decodeCallerId(standard: string, bytes: Uint8Array): { callerId?: unknown; error?: string };
  /** One datagram to an AF_UNIX socket (an absolute path, or '@name' in the abstract namespace); throws with the errno name as code. */
  notifySocket(path: string, message: string): void;
  /** Records: u32 handle, u16 length, u16 source port, u8 family (4, 6; 0 = send error text), 3 zero, 16 address octets, then the datagram. */
  RtpEngine: new (onReceive: (records: Buffer) => void) => NativeRtpEngine;
}

/** The native DSP handle, untyped beyond its shape (see src/hw/dsp.ts). */
export interface AddonDsp {
  rx(samples: Int16Array, withClean?: boolean): { events: unknown[]; clean?: Int16Array };
  tx(voiceOrCount: Int16Array | number): { samples: Int16Array; generated: number };
  sendDigits(digits: string): void;
  playTone(name: string): void;
  stopTone(): void;
  sendCallerId(callerId: object): void;
  txBusy(): boolean;
  levels(): { rxDbm0: number; txDbm0: number; erleDb: number };
  close(): void;
}

/** Raised when the compiled addon is missing or does not load. */
export class AddonLoadError extends Error {
  override readonly name = 'AddonLoadError';
}

function packageRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(dir, 'package.json'))) {
    const up = dirname(dir);
    if (up === dir) throw new AddonLoadError('cannot find the sipline package root');
    dir = up;
  }
  return dir;
}

let loaded: Addon | undefined;

/** Loads build/Release/sipline.node once. */
export function addon(): Addon {
  if (loaded) return loaded;
  const path = join(packageRoot(), 'build', 'Release', 'sipline.node');
  if (!existsSync(path)) {
    throw new AddonLoadError(`native addon not built (${path} missing): run scripts/setup or npm run build:native`);
  }
  try {
    loaded = createRequire(import.meta.url)(path) as Addon;
  } catch (err) {
    throw new AddonLoadError(`native addon ${path} failed to load: ${(err as Error).message}`);
  }
  return loaded;
}
