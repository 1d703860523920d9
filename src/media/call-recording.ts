// Regulatory recording of a call: both directions into one WAV file, 8 kHz
// 16-bit PCM stereo, left = what the PSTN side sent, right = what the SIP
// side sent. RIFF/WAVE layout (Microsoft Multimedia Programming Interface
// 1.0, "WAVE form"): a 44-byte header, then interleaved samples.
//
// Samples are appended as they come (every FLUSH_MS), and the RIFF and data
// sizes are rewritten after each append, so a crash leaves a file that
// reads as far as it got; close() writes the last samples and the sizes.
import { closeSync, fchmodSync, openSync, writeSync } from 'node:fs';
import { decodeG711 } from '../hw/line-frame.js';
import type { AudioFrame } from './frame.js';

const HEADER = 44;
const RATE = 8000;
const CHANNELS = 2;
const FLUSH_MS = 100;

function header(dataBytes: number): Buffer {
  const h = Buffer.alloc(HEADER);
  h.write('RIFF', 0, 'latin1');
  h.writeUInt32LE(36 + dataBytes, 4);
  h.write('WAVE', 8, 'latin1');
  h.write('fmt ', 12, 'latin1');
  h.writeUInt32LE(16, 16);
  h.writeUInt16LE(1, 20); // PCM
  h.writeUInt16LE(CHANNELS, 22);
  h.writeUInt32LE(RATE, 24);
  h.writeUInt32LE(RATE * CHANNELS * 2, 28); // byte rate
  h.writeUInt16LE(CHANNELS * 2, 32); // block align
  h.writeUInt16LE(16, 34);
  h.write('data', 36, 'latin1');
  h.writeUInt32LE(dataBytes, 40);
  return h;
}

export class CallRecording {
  private fd: number | null;
  private dataBytes = 0;
  private readonly sides: [Int16Array[], Int16Array[]] = [[], []];
  private readonly timer: NodeJS.Timeout;

  /** Opens (creates or truncates) the file; throws the fs error when it cannot. */
  constructor(readonly path: string) {
    // Owner-only whatever the umask: a recording is the call's content.
    this.fd = openSync(path, 'w', 0o600);
    fchmodSync(this.fd, 0o600);
    writeSync(this.fd, header(0), 0, HEADER, 0);
    this.timer = setInterval(() => this.flush(), FLUSH_MS);
    this.timer.unref();
  }

  /** A frame the PSTN side sent (left channel). */
  pstn(frame: AudioFrame): void {
    this.add(0, frame);
  }

  /** A frame the SIP side sent (right channel). */
  sip(frame: AudioFrame): void {
    this.add(1, frame);
  }

  private add(side: 0 | 1, frame: AudioFrame): void {
    if (this.fd === null) return;
    const samples = decodeG711(frame);
    if (samples) this.sides[side].push(samples);
  }

  /** Interleaves what both sides sent since the last flush; the quieter side is padded with silence. */
  private flush(): void {
    if (this.fd === null) return;
    const [l, r] = this.sides.map((parts) => {
      const out = new Int16Array(parts.reduce((n, p) => n + p.length, 0));
      let at = 0;
      for (const p of parts) {
        out.set(p, at);
        at += p.length;
      }
      parts.length = 0;
      return out;
    }) as [Int16Array, Int16Array];
    const n = Math.max(l.length, r.length);
    if (n === 0) return;
    const buf = Buffer.alloc(n * CHANNELS * 2);
    for (let i = 0; i < n; i++) {
      buf.writeInt16LE(l[i] ?? 0, i * 4);
      buf.writeInt16LE(r[i] ?? 0, i * 4 + 2);
    }
    try {
      writeSync(this.fd, buf, 0, buf.length, HEADER + this.dataBytes);
      this.dataBytes += buf.length;
      writeSync(this.fd, header(this.dataBytes), 0, HEADER, 0);
    } catch {
      // Disk full or gone: keep what is written, record no more.
      this.stop();
    }
  }

  /** Writes what is left and the final sizes. */
  close(): void {
    this.flush();
    this.stop();
  }

  private stop(): void {
    clearInterval(this.timer);
    if (this.fd !== null) closeSync(this.fd);
    this.fd = null;
  }
}
