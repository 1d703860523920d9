// A SIP trunk provider's switch on loopback, standing in for the real trunk
// in the demo and in tests: a sip.js user agent on our own transports
// (src/sip/) and RTP (src/media/). It answers calls after a short ring and
// plays a tone into them, sends DTMF as RFC 4733 events, and places calls to
// the gateway's DIDs.
import { EventEmitter } from 'node:events';
import type { PartyNumber } from '../call/pstn-leg.js';
import { Cause, type Q850Cause } from '../call/q850.js';
import type { AudioFrame } from '../media/frame.js';
import { rtpMediaFactory } from '../sip/rtp-media-factory.js';
import type { SipCall } from '../sip/sip-call.js';
import { SipEndpoint } from '../sip/sip-endpoint.js';
import { sineSignal } from './sim-signals.js';

export interface SipTrunkPeerOptions {
  /** Where the gateway listens for SIP (host and port), to place calls to its DIDs. */
  gateway?: { host: string; port: number };
  /** Answer incoming calls after this many ms of 180 Ringing; null: only answer(). */
  answerAfterMs?: number | null;
  /** Tone the peer plays into answered calls (Hz). */
  toneHz?: number;
}

export interface SipTrunkPeerEvents {
  incoming: [call: SipCall];
  /** An RFC 4733 digit arrived on a call. */
  digit: [call: SipCall, digit: string];
  said: [line: string];
}

/** 20 ms of 8 kHz audio per RTP packet. */
const FRAME_SAMPLES = 160;

export class SipTrunkPeer extends EventEmitter<SipTrunkPeerEvents> {
  readonly #calls = new Set<SipCall>();
  readonly #answered = new Set<SipCall>();
  readonly #players = new Map<SipCall, NodeJS.Timeout>();
  readonly #timers = new Set<NodeJS.Timeout>();
  readonly #tone: Int16Array;

  private constructor(
    readonly endpoint: SipEndpoint,
    private options: SipTrunkPeerOptions,
  ) {
    super();
    this.#tone = sineSignal(options.toneHz ?? 1004, 1000, -16);
    endpoint.on('incoming', (call) => this.#incoming(call));
  }

  /** Listens on 127.0.0.1, an ephemeral UDP port. */
  static async start(options: SipTrunkPeerOptions = {}): Promise<SipTrunkPeer> {
    const endpoint = await SipEndpoint.start({
      transport: { protocol: 'udp', address: '127.0.0.1', port: 0 },
      trunks: options.gateway ? [{ name: 'gateway', host: options.gateway.host, port: options.gateway.port, codecs: ['PCMU', 'PCMA'] }] : [],
      // Loopback only: the demo's gateway and test peers call from here.
      inbound: { allowAddresses: ['127.0.0.1'] },
      media: rtpMediaFactory({ address: '127.0.0.1', lineEncoding: 'L16', rtpTimeoutSeconds: 0 }),
      codecs: ['PCMU', 'PCMA'],
    });
    return new SipTrunkPeer(endpoint, options);
  }

  /** Where the gateway listens, once known (the gateway's trunk names this peer first). */
  async setGateway(gateway: { host: string; port: number }): Promise<void> {
    if (this.options.gateway) this.endpoint.removeTrunk('gateway');
    this.options.gateway = gateway;
    await this.endpoint.addTrunk({ name: 'gateway', host: gateway.host, port: gateway.port, codecs: ['PCMU', 'PCMA'] });
  }

  get port(): number {
    return this.endpoint.port;
  }

  get calls(): SipCall[] {
    return [...this.#calls];
  }

  /** Calls a DID of the gateway; the call plays the tone once answered. */
  call(did: string, from: PartyNumber): SipCall {
    if (!this.options.gateway) throw new Error('the SIP trunk peer has no gateway address to call');
    const call = this.endpoint.call('gateway', from, { digits: did });
    this.#track(call);
    call.on('answered', () => this.#play(call));
    call.invite();
    this.emit('said', `SIP trunk calls ${did} from ${from.digits}`);
    return call;
  }

  /** True once the call is answered (by us or by the far end). */
  isAnswered(call: SipCall): boolean {
    return this.#answered.has(call);
  }

  answer(call: SipCall): void {
    call.answer();
    this.#answered.add(call);
    this.#play(call);
    this.emit('said', `SIP trunk answers the call to ${call.to.digits}`);
  }

  /** Sends digits as RFC 4733 telephone-events. */
  sendDigits(call: SipCall, digits: string): void {
    call.sendDigits(digits);
    this.emit('said', `SIP trunk sends DTMF ${digits}`);
  }

  hangup(call: SipCall, cause: Q850Cause = Cause.NORMAL_CLEARING): void {
    call.release(cause);
  }

  async stop(): Promise<void> {
    for (const t of this.#timers) clearTimeout(t);
    for (const t of this.#players.values()) clearInterval(t);
    this.#players.clear();
    await this.endpoint.stop();
  }

  #track(call: SipCall): void {
    this.#calls.add(call);
    call.on('digit', (d) => this.emit('digit', call, d));
    call.on('answered', () => this.#answered.add(call));
    call.on('released', (r) => {
      this.#calls.delete(call);
      this.#answered.delete(call);
      const t = this.#players.get(call);
      if (t) clearInterval(t);
      this.#players.delete(call);
      this.emit('said', `SIP trunk: call ${call.from.digits} -> ${call.to.digits} ended (${r.status ?? r.reason ?? r.by})`);
    });
  }

  #incoming(call: SipCall): void {
    this.#track(call);
    call.ringing(false);
    this.emit('said', `SIP trunk: call from ${call.from.digits || 'anonymous'} to ${call.to.digits} rings`);
    this.emit('incoming', call);
    const after = this.options.answerAfterMs;
    if (after === null || after === undefined) return;
    const t = setTimeout(() => {
      this.#timers.delete(t);
      if (this.#calls.has(call)) this.answer(call);
    }, after);
    this.#timers.add(t);
  }

  /** The tone as 20 ms L16 frames, paced by a timer (the media session packetises and paces RTP). */
  #play(call: SipCall): void {
    if (this.#players.has(call)) return;
    let pos = 0;
    const frame = (): AudioFrame => {
      const pcm = Buffer.alloc(FRAME_SAMPLES * 2);
      for (let i = 0; i < FRAME_SAMPLES; i++) pcm.writeInt16LE(this.#tone[(pos + i) % this.#tone.length]!, i * 2);
      pos = (pos + FRAME_SAMPLES) % this.#tone.length;
      return { encoding: 'L16', samples: FRAME_SAMPLES, data: pcm };
    };
    this.#players.set(call, setInterval(() => call.audio.write(frame()), 20));
  }
}
