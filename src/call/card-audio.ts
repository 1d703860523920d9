// Gives the legs of a line the audio of their card channel: the B-channel or
// port frames (16-bit linear, one per tick), DTMF the channel's DSP detects,
// and digits after answer sent in-band. The line's signalling stays its own.
import { EventEmitter } from 'node:events';
import type { Channel } from '../hw/channel.js';
import type { AudioFrame, AudioPath } from '../media/frame.js';
import type { DtmfDigit, LineAddress, PstnLeg, PstnLine, PstnLineEvents } from './pstn-leg.js';

const DTMF = /^[0-9*#A-D]$/;

function cardAudio(leg: PstnLeg, channelOf: (a: LineAddress) => Channel | undefined): { audio: AudioPath; detach: () => void } {
  let attached: Channel | undefined;
  let receiver: ((frame: AudioFrame) => void) | null = null;
  const onAudio = (samples: Int16Array): void => {
    // The tick's buffer is reused: copy before it leaves.
    receiver?.({ encoding: 'L16', samples: samples.length, data: new Uint8Array(Int16Array.from(samples).buffer) });
  };
  const onDsp = (e: { kind: string; digit?: string }): void => {
    if (e.kind === 'dtmf' && e.digit && DTMF.test(e.digit)) leg.emit('digit', e.digit as DtmfDigit);
  };
  const channel = (): Channel | undefined => {
    const ch = channelOf(leg.address);
    if (ch !== attached) {
      attached?.off('audio', onAudio);
      attached?.off('dsp', onDsp);
      attached = ch;
      ch?.on('audio', onAudio);
      ch?.on('dsp', onDsp);
    }
    return ch;
  };
  const audio: AudioPath = {
    onFrame: (r) => {
      receiver = r;
      channel();
    },
    write: (frame) => {
      const ch = channel();
      if (!ch || ch.closed || frame.encoding !== 'L16') return;
      const samples = new Int16Array(frame.samples);
      new Uint8Array(samples.buffer).set(frame.data.subarray(0, frame.samples * 2));
      try {
        ch.writeAudio(samples);
      } catch {
        // channel closed under us
      }
    },
  };
  return {
    audio,
    detach: () => {
      attached?.off('audio', onAudio);
      attached?.off('dsp', onDsp);
      attached = undefined;
      receiver = null;
    },
  };
}

/** A leg seen through its card channel: everything is the leg's, but audio and digits after answer. */
function withAudio(leg: PstnLeg, channelOf: (a: LineAddress) => Channel | undefined): PstnLeg {
  const { audio, detach } = cardAudio(leg, channelOf);
  let answered = false;
  leg.on('answered', () => (answered = true));
  leg.once('released', () => detach());
  const sendDigits = (digits: string): void => {
    const ch = channelOf(leg.address);
    // After answer digits go in-band on the channel; before, they are called-number digits (overlap sending).
    if (answered && ch && !ch.closed) ch.sendDigits(digits);
    else leg.sendDigits(digits);
  };
  const answer = (): void => {
    answered = true;
    leg.answer();
  };
  return new Proxy(leg, {
    get(target, prop) {
      if (prop === 'audio') return audio;
      if (prop === 'sendDigits') return sendDigits;
      if (prop === 'answer') return answer;
      const v = Reflect.get(target, prop, target) as unknown;
      return typeof v === 'function' ? (v as (...a: unknown[]) => unknown).bind(target) : v;
    },
  });
}

/** The line with card audio on every leg it offers or originates. */
export class CardAudioLine extends EventEmitter<PstnLineEvents> implements PstnLine {
  readonly name: string;

  constructor(
    readonly line: PstnLine,
    private readonly channelOf: (a: LineAddress) => Channel | undefined,
  ) {
    super();
    this.name = line.name;
    line.on('incoming', (leg) => this.emit('incoming', withAudio(leg, channelOf)));
  }

  freeChannels(): number {
    return this.line.freeChannels();
  }

  originate(...args: Parameters<PstnLine['originate']>): PstnLeg | null {
    const leg = this.line.originate(...args);
    return leg ? withAudio(leg, this.channelOf) : null;
  }
}
