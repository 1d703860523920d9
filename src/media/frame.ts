// The unit of audio between a line and a call: one 20 ms frame (by default).

/**
 * How a frame's bytes are coded. A line hands over frames in its span's law
 * (PCMU on T1 and analog in North America, PCMA on E1) so that G.711
 * pass-through never decodes; L16 is signed 16-bit little-endian linear.
 */
export type FrameEncoding = 'PCMU' | 'PCMA' | 'L16';

/** One frame of 8 kHz audio from or to a line. */
export interface AudioFrame {
  readonly encoding: FrameEncoding;
  /** 8 kHz samples in this frame (160 for 20 ms). */
  readonly samples: number;
  readonly data: Uint8Array;
}

/** A two-way audio path: frames arrive through the listener, leave through write(). */
export interface AudioPath {
  /** Registers the one receiver of this path's frames; null detaches it. */
  onFrame(receiver: ((frame: AudioFrame) => void) | null): void;
  /** Queues one frame towards the far end. */
  write(frame: AudioFrame): void;
}
