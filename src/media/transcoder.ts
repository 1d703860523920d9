// 20 ms frames between the line (PCMU, PCMA or L16 at 8 kHz) and the RTP
// payload of the negotiated codec. Same law both sides is a copy; the other
// law is a 256-entry table; Opus goes through libopus (@discordjs/opus).
import opusModule from '@discordjs/opus';
import type { AudioFrame, FrameEncoding } from './frame.js';
import { g711Decode, g711Encode, g711Silence, g711Transcode, type G711Law } from '../hw/g711.js';
import { G711Plc } from './g711-plc.js';
import type { AudioCodecName } from './media-description.js';

/** Line sample rate: the card runs at 8 kHz. */
export const LINE_RATE = 8000;

export interface OpusSettings {
  bitrate: number;
  complexity: number;
  fec: boolean;
  packetLossPercent: number;
}

// libopus CTL request numbers (opus_defines.h).
const OPUS_SET_COMPLEXITY = 4010;
const OPUS_SET_INBAND_FEC = 4012;
const OPUS_SET_PACKET_LOSS_PERC = 4014;
const OPUS_SET_SIGNAL = 4024;
const OPUS_SIGNAL_VOICE = 3001;
// The package is CommonJS with a computed export: take the class off the default.
const { OpusEncoder } = opusModule;

/** Converts one call's frames both ways. */
export interface Transcoder {
  readonly codec: AudioCodecName;
  /** RTP clock of the codec: 8000 for G.711 (RFC 3551 §4.5.14), 48000 for Opus (RFC 7587 §4.1). */
  readonly clockRate: number;
  /** RTP timestamp units per frame. */
  readonly timestampStep: number;
  /** True when line and RTP share the law: frames are copied, never decoded. */
  readonly passthrough: boolean;
  /** Throws FrameError for a line frame of the wrong encoding or size. */
  check(frame: AudioFrame): void;
  encode(frame: AudioFrame): Uint8Array;
  decode(payload: Uint8Array): AudioFrame;
  /** A frame for a missing packet (PLC). */
  conceal(): AudioFrame;
  /** A frame of silence in the line's encoding. */
  silence(): AudioFrame;
}

/** Views L16 bytes as samples without copying when aligned (little-endian hosts). */
export function l16Samples(data: Uint8Array): Int16Array {
  if (data.byteOffset % 2 === 0) return new Int16Array(data.buffer, data.byteOffset, data.byteLength >> 1);
  return new Int16Array(data.slice().buffer);
}

function l16Bytes(samples: Int16Array): Uint8Array {
  return new Uint8Array(samples.buffer, samples.byteOffset, samples.byteLength);
}

/** Thrown for a frame the transcoder cannot take (wrong encoding or size). */
export class FrameError extends Error {
  override readonly name = 'FrameError';
}

class G711Transcoder implements Transcoder {
  readonly clockRate = LINE_RATE;
  readonly timestampStep: number;
  readonly passthrough: boolean;
  private readonly plc: G711Plc;

  constructor(
    readonly codec: G711Law,
    private readonly line: FrameEncoding,
    private readonly samples: number,
  ) {
    this.timestampStep = samples;
    this.passthrough = line === codec;
    this.plc = new G711Plc(line === 'L16' ? undefined : line);
  }

  check(frame: AudioFrame): void {
    checkFrame(frame, this.line, this.samples);
  }

  encode(frame: AudioFrame): Uint8Array {
    checkFrame(frame, this.line, this.samples);
    if (frame.encoding === this.codec) return frame.data; // pass-through: no decoding at all
    if (frame.encoding === 'L16') return g711Encode(this.codec, l16Samples(frame.data), new Uint8Array(frame.samples));
    return g711Transcode(frame.encoding, frame.data, new Uint8Array(frame.samples));
  }

  decode(payload: Uint8Array): AudioFrame {
    const n = payload.length;
    if (this.line === 'L16') {
      const linear = g711Decode(this.codec, payload, new Int16Array(n));
      this.plc.good(linear);
      return { encoding: 'L16', samples: n, data: l16Bytes(linear) };
    }
    const coded = this.passthrough ? payload : g711Transcode(this.codec, payload, new Uint8Array(n));
    return { encoding: this.line, samples: n, data: this.plc.goodCoded(coded) };
  }

  conceal(): AudioFrame {
    if (this.line === 'L16') return { encoding: 'L16', samples: this.samples, data: l16Bytes(this.plc.conceal(new Int16Array(this.samples))) };
    return { encoding: this.line, samples: this.samples, data: this.plc.concealCoded(this.samples) };
  }

  silence(): AudioFrame {
    return silence(this.line, this.samples);
  }
}

class OpusTranscoder implements Transcoder {
  readonly codec = 'opus' as const;
  readonly clockRate = 48000;
  readonly timestampStep: number;
  readonly passthrough = false;
  // libopus encodes and decodes 8 kHz natively: no resampler on our side;
  // only the RTP clock is 48 kHz (RFC 7587 §4.1), 6 timestamp units a sample.
  private readonly opus: InstanceType<typeof OpusEncoder> = new OpusEncoder(LINE_RATE, 1);
  private readonly pcm: Int16Array;
  private toc: number | undefined;

  constructor(
    private readonly line: FrameEncoding,
    private readonly samples: number,
    settings: OpusSettings,
  ) {
    this.timestampStep = samples * 6;
    this.pcm = new Int16Array(samples);
    this.opus.setBitrate(settings.bitrate);
    this.opus.applyEncoderCTL(OPUS_SET_COMPLEXITY, settings.complexity);
    this.opus.applyEncoderCTL(OPUS_SET_SIGNAL, OPUS_SIGNAL_VOICE);
    // RFC 7587 §3.3: in-band FEC, sized by the loss the encoder expects.
    this.opus.applyEncoderCTL(OPUS_SET_INBAND_FEC, settings.fec ? 1 : 0);
    this.opus.applyEncoderCTL(OPUS_SET_PACKET_LOSS_PERC, settings.packetLossPercent);
  }

  check(frame: AudioFrame): void {
    checkFrame(frame, this.line, this.samples);
  }

  encode(frame: AudioFrame): Uint8Array {
    checkFrame(frame, this.line, this.samples);
    const pcm = frame.encoding === 'L16' ? l16Samples(frame.data) : g711Decode(frame.encoding, frame.data, this.pcm);
    return this.opus.encode(Buffer.from(pcm.buffer, pcm.byteOffset, pcm.byteLength));
  }

  decode(payload: Uint8Array): AudioFrame {
    // RFC 6716 §3.1: the TOC byte names mode, bandwidth and frame size; keep it for PLC.
    if (payload.length > 0) this.toc = payload[0]! & 0xfc;
    const out = this.opus.decode(Buffer.from(payload.buffer, payload.byteOffset, payload.byteLength));
    return this.toLine(out);
  }

  conceal(): AudioFrame {
    // libopus PLC. @discordjs/opus turns an empty packet into a 120 ms
    // concealment (its maximum frame size), which leaves the decoder faded
    // for the frames after; a packet of the last TOC byte alone (code 0, a
    // zero-length frame, RFC 6716 §3.2.1) makes libopus conceal exactly one
    // frame of the last frame size instead.
    if (this.toc === undefined) return this.silence();
    return this.toLine(this.opus.decode(Buffer.of(this.toc)));
  }

  silence(): AudioFrame {
    return silence(this.line, this.samples);
  }

  private toLine(out: Buffer): AudioFrame {
    const pcm = l16Samples(out);
    const n = pcm.length;
    if (this.line === 'L16') return { encoding: 'L16', samples: n, data: l16Bytes(pcm) };
    return { encoding: this.line, samples: n, data: g711Encode(this.line, pcm, new Uint8Array(n)) };
  }
}

function checkFrame(frame: AudioFrame, line: FrameEncoding, samples: number): void {
  if (frame.encoding !== line) throw new FrameError(`frame in ${frame.encoding}, the line was set up for ${line}`);
  const octets = line === 'L16' ? samples * 2 : samples;
  if (frame.samples !== samples || frame.data.length !== octets) {
    throw new FrameError(`frame of ${frame.samples} samples / ${frame.data.length} octets, expected ${samples} / ${octets} (${(samples * 1000) / LINE_RATE} ms ${line})`);
  }
}

function silence(line: FrameEncoding, samples: number): AudioFrame {
  if (line === 'L16') return { encoding: 'L16', samples, data: new Uint8Array(samples * 2) };
  return { encoding: line, samples, data: new Uint8Array(samples).fill(g711Silence(line)) };
}

/** Builds the transcoder of one call. */
export function createTranscoder(codec: AudioCodecName, line: FrameEncoding, ptimeMs: number, opus: OpusSettings): Transcoder {
  const samples = (LINE_RATE * ptimeMs) / 1000;
  if (!Number.isInteger(samples) || samples <= 0) throw new RangeError(`ptime ${ptimeMs} ms is not a whole number of 8 kHz samples`);
  if (codec === 'opus') {
    // RFC 7587 §4.2 / libopus: frames of 2.5, 5, 10, 20, 40 or 60 ms.
    if (![2.5, 5, 10, 20, 40, 60].includes(ptimeMs)) throw new RangeError(`ptime ${ptimeMs} ms is not an Opus frame size`);
    return new OpusTranscoder(line, samples, opus);
  }
  return new G711Transcoder(codec, line, samples);
}
