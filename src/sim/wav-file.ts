// Reads a WAV file into 8 kHz linear samples for `sipline sim play`.
// RIFF/WAVE layout (Microsoft Multimedia Programming Interface 1.0, "WAVE
// form"):
//
//   0  "RIFF" | size (LE32) | "WAVE"
//  12  chunk id (4) | chunk size (LE32) | data (size, padded to even) ...
//      "fmt ": format (LE16: 1 PCM, 7 mu-law) | channels (LE16) |
//              sample rate (LE32) | byte rate (LE32) | block align (LE16) |
//              bits per sample (LE16)
//      "data": the samples, interleaved by channel

const RIFF_HEADER = 12;
const CHUNK_HEADER = 8;
const FORMAT_PCM = 1;
const FORMAT_MULAW = 7;

export class WavError extends Error {
  constructor(where: string, what: string) {
    super(`${where}: ${what}`);
    this.name = 'WavError';
  }
}

/** G.711 mu-law to linear (ITU-T G.711 table 2). */
function ulawToLinear(u: number): number {
  const x = ~u & 0xff;
  const t = (((x & 0x0f) << 3) + 0x84) << ((x & 0x70) >> 4);
  return x & 0x80 ? 0x84 - t : t - 0x84;
}

/**
 * Decodes a WAV file of 8000 Hz PCM (16-bit) or mu-law audio; a stereo
 * file gives its first channel. Anything else is a WavError naming the file
 * and what is wrong; it never throws anything else.
 */
export function decodeWav(bytes: Uint8Array, name = 'WAV file'): Int16Array {
  const buf = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (buf.length < RIFF_HEADER || buf.toString('latin1', 0, 4) !== 'RIFF' || buf.toString('latin1', 8, 12) !== 'WAVE') {
    throw new WavError(name, 'not a WAV file (no RIFF/WAVE header)');
  }
  let fmt: { format: number; channels: number; rate: number; align: number; bits: number } | undefined;
  let off = RIFF_HEADER;
  while (off + CHUNK_HEADER <= buf.length) {
    const id = buf.toString('latin1', off, off + 4);
    const size = buf.readUInt32LE(off + 4);
    const start = off + CHUNK_HEADER;
    if (start + size > buf.length) throw new WavError(name, `chunk '${id}' at byte ${off} claims ${size} bytes, only ${buf.length - start} left`);
    if (id === 'fmt ') {
      if (size < 16) throw new WavError(name, `fmt chunk at byte ${off} is ${size} bytes, expected at least 16`);
      fmt = {
        format: buf.readUInt16LE(start),
        channels: buf.readUInt16LE(start + 2),
        rate: buf.readUInt32LE(start + 4),
        align: buf.readUInt16LE(start + 12),
        bits: buf.readUInt16LE(start + 14),
      };
    } else if (id === 'data') {
      if (!fmt) throw new WavError(name, `data chunk at byte ${off} comes before the fmt chunk`);
      return samplesOf(buf.subarray(start, start + size), fmt, name);
    }
    off = start + size + (size & 1);
  }
  throw new WavError(name, fmt ? 'no data chunk' : 'no fmt chunk');
}

function samplesOf(data: Buffer, fmt: { format: number; channels: number; rate: number; align: number; bits: number }, name: string): Int16Array {
  if (fmt.rate !== 8000) throw new WavError(name, `sample rate ${fmt.rate} Hz; a line carries 8000 Hz (convert it, e.g. sox in.wav -r 8000 -c 1 out.wav)`);
  if (fmt.channels < 1) throw new WavError(name, 'fmt chunk says 0 channels');
  const width = fmt.format === FORMAT_PCM && fmt.bits === 16 ? 2 : fmt.format === FORMAT_MULAW && fmt.bits === 8 ? 1 : 0;
  if (width === 0) throw new WavError(name, `format ${fmt.format} with ${fmt.bits} bits per sample; expected 16-bit PCM (1) or 8-bit mu-law (7)`);
  const frame = width * fmt.channels;
  const n = Math.floor(data.length / frame);
  const out = new Int16Array(n);
  for (let i = 0; i < n; i++) out[i] = width === 2 ? data.readInt16LE(i * frame) : ulawToLinear(data[i * frame]!);
  return out;
}

/** A mono 16-bit PCM 8000 Hz WAV file of the samples. */
export function encodeWav(samples: Int16Array): Buffer {
  const out = Buffer.alloc(44 + samples.length * 2);
  out.write('RIFF', 0, 'latin1');
  out.writeUInt32LE(36 + samples.length * 2, 4);
  out.write('WAVE', 8, 'latin1');
  out.write('fmt ', 12, 'latin1');
  out.writeUInt32LE(16, 16);
  out.writeUInt16LE(FORMAT_PCM, 20);
  out.writeUInt16LE(1, 22);
  out.writeUInt32LE(8000, 24);
  out.writeUInt32LE(16000, 28);
  out.writeUInt16LE(2, 32);
  out.writeUInt16LE(16, 34);
  out.write('data', 36, 'latin1');
  out.writeUInt32LE(samples.length * 2, 40);
  for (let i = 0; i < samples.length; i++) out.writeInt16LE(samples[i]!, 44 + i * 2);
  return out;
}
