// A telephony card: its spans and channels, fed by one native I/O thread.
// Every tick of that thread arrives here as one batch for all channels; the
// Card hands each channel its events and emits the batch as a whole.
import { EventEmitter } from 'node:events';
import { addon, type NativeBatch, type NativeCard, type NativeCardEvent } from './addon.js';
import { Channel, type ChannelEvent, type ChannelEventKind, type ChannelMode } from './channel.js';
import type { DspConfig, DspEvent } from './dsp.js';
import { CardClosedError, CardError, native } from './errors.js';
import type { SimCard } from './sim-card.js';
import { Span } from './span.js';

export interface CardChannelOptions {
  /** DAHDI channel number (global across spans, from 1). */
  number: number;
  /** Span the channel belongs to. */
  span: number;
  /** 'hdlc' for a D-channel: whole frames instead of audio. */
  mode?: ChannelMode;
  /** Samples per frame: a multiple of 8 from 64 (8 ms) to 1600; default 160 (20 ms). */
  blockSize?: number;
  /** Frames from JavaScript queued before the oldest is dropped; default 4. */
  txQueueFrames?: number;
  /** Use the card's own DTMF detector (DAHDI_TONEDETECT). */
  hardwareDtmf?: boolean;
  /** Runs the channel's frames through the DSP (DTMF, caller ID, tones, echo canceller, gains, power meter). */
  dsp?: DspConfig;
}

export interface CardOptions {
  /** 'dahdi' for the kernel driver, or an emulated card. */
  kernel: 'dahdi' | SimCard;
  channels: readonly CardChannelOptions[];
}

/** One tick of the I/O thread: every channel's frame and event. */
export class Tick {
  readonly #frames = new Map<number, [number, number]>();

  constructor(readonly batch: NativeBatch) {
    const ix = batch.index;
    for (let i = 0; i + 2 < ix.length; i += 3) this.#frames.set(ix[i]!, [ix[i + 1]!, ix[i + 2]!]);
  }

  get tick(): number {
    return this.batch.tick;
  }

  /** process.hrtime.bigint() when the I/O thread had read this tick's frames. */
  get readyNs(): bigint {
    return this.batch.readyNs;
  }

  /** Handles of the channels that delivered a frame this tick. */
  handles(): IterableIterator<number> {
    return this.#frames.keys();
  }

  /** The frame a channel received this tick (a view, valid while the tick is), or undefined. */
  frameOf(handle: number): Int16Array | undefined {
    const f = this.#frames.get(handle);
    return f ? this.batch.audio.subarray(f[0], f[0] + f[1]) : undefined;
  }
}

export interface CardEvents {
  tick: [Tick];
  close: [];
}

const nativeKinds = new Set<string>([
  'ringBegin', 'ringOffhook', 'onhook', 'winkFlash', 'hookComplete', 'ringerOn', 'ringerOff', 'polarity', 'alarm',
  'noAlarm', 'bitsChanged', 'dtmfDown', 'dtmfUp', 'pulseDigit', 'hdlcAbort', 'hdlcBadFcs', 'hdlcOverrun', 'dialComplete',
  'pulseStart', 'ecDisabled', 'readOverrun', 'writeUnderrun', 'removed', 'error',
]);

function toChannelEvent(e: NativeCardEvent): ChannelEvent | undefined {
  if (!nativeKinds.has(e.kind)) return undefined;
  const ev: ChannelEvent = { kind: e.kind as ChannelEventKind };
  if (e.kind === 'dtmfDown' || e.kind === 'dtmfUp' || e.kind === 'pulseDigit') ev.digit = String.fromCharCode(e.value);
  if (e.kind === 'bitsChanged') ev.bits = e.value;
  if (e.message !== undefined) ev.message = e.message;
  return ev;
}

function toDspEvent(e: NativeCardEvent): DspEvent | undefined {
  const atMs = e.atMs ?? 0;
  switch (e.kind) {
    case 'dtmf-begin': return { kind: 'dtmf-begin', atMs, digit: e.digit ?? '', levelDbm0: e.levelDbm0 ?? 0 };
    case 'dtmf': return { kind: 'dtmf', atMs, digit: e.digit ?? '', durationMs: e.durationMs ?? 0, levelDbm0: e.levelDbm0 ?? 0 };
    case 'caller-id': return { kind: 'caller-id', atMs, callerId: e.callerId as Extract<DspEvent, { kind: 'caller-id' }>['callerId'] };
    case 'tone': return { kind: 'tone', atMs, tone: e.tone ?? '' };
    case 'tone-ended': return { kind: 'tone-ended', atMs, tone: e.tone ?? '' };
    default: return undefined;
  }
}

export class Card extends EventEmitter<CardEvents> {
  #native: NativeCard | undefined;
  readonly spans: readonly Span[];
  readonly channels: readonly Channel[];
  /** True when the I/O thread runs with real-time priority. */
  readonly realtime: boolean;
  readonly #byNumber = new Map<number, Channel>();

  private constructor(options: CardOptions) {
    super();
    const seen = new Set<number>();
    for (const c of options.channels) {
      if (seen.has(c.number)) throw new CardError(`channel ${c.number} is listed twice`, 'EINVAL');
      seen.add(c.number);
    }
    const kernel = options.kernel === 'dahdi' ? 'dahdi' : options.kernel.nativeCard();
    const getNative = (): NativeCard => {
      if (!this.#native) throw new CardClosedError('card');
      return this.#native;
    };
    this.#native = native('open card', () =>
      new (addon().Card)(
        kernel,
        options.channels.map((c) => ({
          number: c.number,
          mode: c.mode ?? 'audio',
          blockSize: c.blockSize ?? 160,
          txQueueFrames: c.txQueueFrames ?? 4,
          hardwareDtmf: c.hardwareDtmf ?? false,
          ...(c.dsp ? { dsp: c.dsp } : {}),
        })),
        (batch) => this.onBatch(batch),
      ),
    );
    this.channels = options.channels.map(
      (c, handle) => new Channel(getNative, handle, {
          number: c.number,
          span: c.span,
          mode: c.mode ?? 'audio',
          blockSize: c.blockSize ?? 160,
          ...(c.dsp ? { dsp: c.dsp } : {}),
        }),
    );
    for (const c of this.channels) this.#byNumber.set(c.number, c);
    const spanNumbers = [...new Set(options.channels.map((c) => c.span))].sort((a, b) => a - b);
    this.spans = spanNumbers.map((n) => new Span(getNative, n, this.channels.filter((c) => c.span === n)));
    this.realtime = native('start card', () => this.#native!.start());
  }

  /** Opens the channels and starts the card's I/O thread. Throws CardError naming the channel the kernel refused. */
  static open(options: CardOptions): Card {
    return new Card(options);
  }

  get closed(): boolean {
    return this.#native === undefined;
  }

  channel(number: number): Channel {
    const c = this.#byNumber.get(number);
    if (!c) throw new CardError(`no channel ${number} on this card`, 'EINVAL');
    return c;
  }

  span(number: number): Span {
    const s = this.spans.find((x) => x.number === number);
    if (!s) throw new CardError(`no span ${number} on this card`, 'EINVAL');
    return s;
  }

  /** Ticks delivered, and batches dropped because JavaScript fell 16 ticks behind. */
  stats(): { ticks: number; batchesDropped: number; realtime: boolean } {
    if (!this.#native) throw new CardClosedError('card');
    return this.#native.stats();
  }

  private onBatch(batch: NativeBatch): void {
    if (!this.#native) return;
    const tick = new Tick(batch);
    const alarmSpans = new Map<number, boolean>();
    for (const e of batch.events) {
      const ch = this.channels[e.handle];
      if (!ch) continue;
      if (e.kind === 'frame' && e.data) {
        ch.emit('frame', e.data);
        continue;
      }
      const dsp = toDspEvent(e);
      if (dsp) {
        ch.deliverDsp(dsp);
        continue;
      }
      const ev = toChannelEvent(e);
      if (!ev) continue;
      if (ev.kind === 'alarm' || ev.kind === 'noAlarm') alarmSpans.set(ch.span, ev.kind === 'alarm');
      ch.deliver(ev);
    }
    for (const [n, inAlarm] of alarmSpans) this.spans.find((s) => s.number === n)?.deliverAlarm(inAlarm);
    for (const handle of tick.handles()) {
      const ch = this.channels[handle];
      if (ch && ch.listenerCount('audio') > 0) ch.emit('audio', tick.frameOf(handle)!);
    }
    this.emit('tick', tick);
  }

  /** Closes spans (and so channels), then the kernel channels and the I/O thread. */
  close(): void {
    const n = this.#native;
    if (!n) return;
    for (const s of this.spans) s.close();
    this.#native = undefined;
    n.close();
    this.emit('close');
    this.removeAllListeners();
  }
}
