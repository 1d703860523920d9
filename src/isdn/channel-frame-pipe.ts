// The D-channel of a card span as a FramePipe: the card's HDLC channel below
// (flags and FCS in the driver or the emulated card), the Q.921 link above.
import { EventEmitter } from 'node:events';
import type { Channel } from '../hw/channel.js';
import type { SimCard } from '../hw/sim-card.js';
import type { FramePipe, FramePipeEvents } from './frame-pipe.js';

/** Our end: the card's D-channel. A frame the card refuses is lost, as on a wire (Q.921 recovers it). */
export class ChannelFramePipe extends EventEmitter<FramePipeEvents> implements FramePipe {
  constructor(private readonly channel: Channel) {
    super();
    channel.on('frame', (frame) => this.emit('frame', Uint8Array.from(frame)));
    channel.on('close', () => this.emit('close'));
  }

  send(frame: Uint8Array): void {
    if (this.channel.closed) return;
    try {
      this.channel.writeFrame(frame);
    } catch {
      // the card went away; 'close' follows
    }
  }
}

/** The far end of an emulated span's D-channel (a switch or PBX in tests and the demo). */
export class SimFramePipe extends EventEmitter<FramePipeEvents> implements FramePipe {
  private closed = false;

  constructor(
    private readonly sim: SimCard,
    private readonly channel: number,
  ) {
    super();
    sim.on('far', (e) => {
      if (e.kind === 'frame' && e.channel === channel) this.emit('frame', Uint8Array.from(e.frame));
    });
  }

  send(frame: Uint8Array): void {
    if (this.closed) return;
    try {
      this.sim.sendFrame(this.channel, frame);
    } catch {
      this.closed = true;
      this.emit('close');
    }
  }
}
