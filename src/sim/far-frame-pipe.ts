// The far end of an emulated card's D-channel as a FramePipe: what a PRI
// switch or PBX plugged into the span sends and receives.
import { EventEmitter } from 'node:events';
import type { FramePipe, FramePipeEvents } from '../isdn/frame-pipe.js';
import type { FarEvent, SimCard } from '../hw/sim-card.js';

export class FarFramePipe extends EventEmitter<FramePipeEvents> implements FramePipe {
  #closed = false;
  readonly #onFar = (e: FarEvent): void => {
    if (e.kind === 'frame' && e.channel === this.channel) this.emit('frame', Uint8Array.from(e.frame));
  };

  /** `channel`: the card channel number of the span's D-channel (24 on the first T1 span). */
  constructor(
    private readonly sim: SimCard,
    readonly channel: number,
  ) {
    super();
    sim.on('far', this.#onFar);
  }

  send(frame: Uint8Array): void {
    if (this.#closed) return;
    try {
      this.sim.sendFrame(this.channel, frame);
    } catch {
      // The emulated card is gone: the frame is lost, as on a cut line.
    }
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.sim.off('far', this.#onFar);
    this.emit('close');
  }
}
