// The D-channel as the ISDN stack sees it: whole LAPD frames (address,
// control, information; the HDLC flags and FCS stay below, in the card or the
// emulated D-channel). Anything that moves frames can carry the stack.
import { EventEmitter } from 'node:events';
import type { Duplex } from 'node:stream';

export interface FramePipeEvents {
  frame: [frame: Uint8Array];
  /** The pipe is gone for good (socket closed, card removed). */
  close: [];
}

/** A D-channel: send() one frame, 'frame' for each frame received. */
export interface FramePipe extends EventEmitter<FramePipeEvents> {
  send(frame: Uint8Array): void;
}

/**
 * Two ends of an in-process D-channel. Frames are delivered on a later turn
 * of the event loop, as a wire would, so that neither end re-enters itself.
 * `connected` set to false loses every frame in both directions (a dead
 * D-channel); set back to true restores it.
 */
export class FramePipePair {
  readonly a: FramePipe;
  readonly b: FramePipe;
  connected = true;

  constructor() {
    const a = new EventEmitter<FramePipeEvents>() as FramePipe;
    const b = new EventEmitter<FramePipeEvents>() as FramePipe;
    a.send = (frame) => this.carry(b, frame);
    b.send = (frame) => this.carry(a, frame);
    this.a = a;
    this.b = b;
  }

  private carry(to: FramePipe, frame: Uint8Array): void {
    if (!this.connected) return;
    const copy = Uint8Array.from(frame);
    setImmediate(() => {
      if (this.connected) to.emit('frame', copy);
    });
  }
}

/** Longest frame a stream pipe accepts: N201 (260) octets of information plus address and control, with room to spare. */
const MAX_STREAM_FRAME = 1024;

/**
 * A D-channel over a byte stream (a socket to a test peer, a pty): every frame
 * is a 2-octet big-endian length, then the frame. `connected` set to false
 * drops frames both ways without closing the stream.
 */
export class StreamFramePipe extends EventEmitter<FramePipeEvents> implements FramePipe {
  connected = true;
  private pending: Buffer = Buffer.alloc(0);

  constructor(private readonly stream: Duplex) {
    super();
    stream.on('data', (chunk: Buffer) => this.receive(chunk));
    stream.on('close', () => this.emit('close'));
    stream.on('error', () => this.emit('close'));
  }

  send(frame: Uint8Array): void {
    if (!this.connected || frame.length > MAX_STREAM_FRAME || this.stream.destroyed) return;
    const out = Buffer.alloc(frame.length + 2);
    out.writeUInt16BE(frame.length, 0);
    out.set(frame, 2);
    this.stream.write(out);
  }

  private receive(chunk: Buffer): void {
    this.pending = this.pending.length ? Buffer.concat([this.pending, chunk]) : chunk;
    let off = 0;
    while (this.pending.length - off >= 2) {
      const n = this.pending.readUInt16BE(off);
      if (this.pending.length - off - 2 < n) break;
      const frame = Uint8Array.from(this.pending.subarray(off + 2, off + 2 + n));
      off += 2 + n;
      if (this.connected && n > 0 && n <= MAX_STREAM_FRAME) this.emit('frame', frame);
    }
    this.pending = this.pending.subarray(off);
  }
}
