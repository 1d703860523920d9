// The D-channel of a card span as a FramePipe: the card's HDLC channel
// carries whole frames (flags and FCS are the card's), the stack sees frames.
import { EventEmitter } from 'node:events';
import type { Channel } from '../hw/channel.js';
import type { FramePipe, FramePipeEvents } from './frame-pipe.js';

export class CardFramePipe extends EventEmitter<FramePipeEvents> implements FramePipe {
  constructor(private readonly dchannel: Channel) {
    super();
    if (dchannel.mode !== 'hdlc') throw new Error(`channel ${dchannel.number} is not a D-channel (mode ${dchannel.mode}, expected hdlc)`);
    dchannel.on('frame', (frame) => this.emit('frame', Uint8Array.from(frame)));
    dchannel.on('close', () => this.emit('close'));
  }

  send(frame: Uint8Array): void {
    // A closed card loses the frame, as a pulled cable would; Q.921 timers notice.
    if (!this.dchannel.closed) this.dchannel.writeFrame(frame);
  }
}
