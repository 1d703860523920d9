// A single FXO line through a serial voice modem (TIA IS-101 / ITU-T
// T.31-style AT+V command set as Rockwell/Conexant voice modems speak it),
// over the serialport package. It is a PstnLine with one channel: RING and
// caller ID (AT+VCID=1) make incoming legs, ATD makes outgoing ones, and a
// call's audio runs in voice full-duplex data state (AT+VTR) with DLE
// shielding. A response the modem should not give, or none at all, resets
// the modem (ATZ and the init again) instead of leaving the line stuck.
import { EventEmitter } from 'node:events';
import { SerialPort } from 'serialport';
import type { LineAddress, PartyNumber, PstnLeg, PstnLegEvents, PstnLine, PstnLineEvents } from '../call/pstn-leg.js';
import { Cause, type Q850Cause } from '../call/q850.js';
import type { AudioFrame, AudioPath, FrameEncoding } from '../media/frame.js';
import {
  compressionKind, DLE, DleDecoder, parseAtLine, parseVsmLine, shieldDle,
  type AtLine, type CallerIdTag, type DleEvent, type FinalResult, type VoiceCompression,
} from './at-response.js';
import { Dsp } from './dsp.js';
import { g711Encode } from './g711.js';
import { decodeG711 } from './line-frame.js';

export interface ModemLog {
  info(fields: object, msg: string): void;
  warn(fields: object, msg: string): void;
  error(fields: object, msg: string): void;
}

const quiet: ModemLog = { info: () => undefined, warn: () => undefined, error: () => undefined };

export interface VoiceModemOptions {
  /** Port name, as the gateway's configuration calls this line. */
  name: string;
  /** Serial device, e.g. a /dev/ttyACM or /dev/ttyUSB node. */
  path: string;
  baudRate?: number;
  /** Time allowed for a command's final result, ms; default 3000. */
  commandTimeoutMs?: number;
  /** Time allowed for ATD to finish (dial tone wait and dialing), ms; default 30000. */
  dialTimeoutMs?: number;
  /** Rings before going off hook for an answer; default 1. */
  answerAfterRings?: number;
  /** Ringing is over when no RING came for this long, ms; default 8000. */
  ringGapMs?: number;
  /** 'tone' (ATDT) or 'pulse' (ATDP); default tone. */
  dialing?: 'tone' | 'pulse';
  /** Release an answered call after this long without received energy, ms; 0 off; default 600000. */
  inactivityMs?: number;
  /** Received level above which the line counts as active (dBFS of the decoded audio); default -50. */
  activityThresholdDb?: number;
  log?: ModemLog;
}

/** The modem answered something the dialogue does not allow, or nothing. */
export class ModemError extends Error {
  override readonly name = 'ModemError';
}

const FRAME_SAMPLES = 160;

interface Pending {
  command: string;
  info: string[];
  finals: readonly FinalResult[];
  resolve: (r: { result: FinalResult; info: string[] }) => void;
  reject: (e: Error) => void;
  timer: NodeJS.Timeout;
}

class ModemAudio implements AudioPath {
  receiver: ((frame: AudioFrame) => void) | null = null;
  constructor(private readonly modem: VoiceModem) {}
  onFrame(receiver: ((frame: AudioFrame) => void) | null): void {
    this.receiver = receiver;
  }
  write(frame: AudioFrame): void {
    this.modem.writeFrame(frame);
  }
}

let nextId = 1;

export class ModemLeg extends EventEmitter<PstnLegEvents> implements PstnLeg {
  readonly id = `modem-${nextId++}`;
  readonly address: LineAddress;
  readonly audio: ModemAudio;
  state: 'ringing' | 'idle' | 'dialing' | 'answered' | 'released' = 'idle';
  answerPending = false;

  get released(): boolean {
    return this.state === 'released';
  }

  constructor(
    private readonly modem: VoiceModem,
    readonly direction: 'incoming' | 'outgoing',
    public calling: PartyNumber,
    readonly called: PartyNumber,
  ) {
    super();
    this.address = { kind: 'modem', line: modem.name, channel: 1 };
    this.audio = new ModemAudio(modem);
    if (direction === 'incoming') this.state = 'ringing';
  }

  setup(): void {
    if (this.direction === 'outgoing' && this.state === 'idle') void this.modem.dial(this);
  }

  alert(): void {
    // Nothing reaches the office before the answer.
  }

  answer(): void {
    if (this.direction !== 'incoming' || this.state !== 'ringing') return;
    this.answerPending = true;
    this.modem.tryAnswer();
  }

  release(cause: Q850Cause): void {
    this.modem.releaseLeg(this, cause, 'released by the call');
  }

  sendDigits(digits: string): void {
    if (this.state === 'answered') this.modem.sendDtmf(digits);
  }
}

export class VoiceModem extends EventEmitter<PstnLineEvents> implements PstnLine {
  readonly name: string;
  /** How often the modem was reset after a bad or missing response. */
  resets = 0;
  /** The voice compression in use (from AT+VSM=?). */
  compression: VoiceCompression | undefined;
  encoding: FrameEncoding = 'PCMU';
  readonly #o: Required<Omit<VoiceModemOptions, 'log'>>;
  readonly #log: ModemLog;
  #port: SerialPort | undefined;
  #text = '';
  /** The last line ended in CR: a LF right after it belongs to that line end, not to the data that may follow. */
  #skipLf = false;
  #dataMode = false;
  #dle = new DleDecoder();
  #pending: Pending | undefined;
  #queue: Promise<unknown> = Promise.resolve();
  #leg: ModemLeg | undefined;
  #rings = 0;
  #ringTimer: NodeJS.Timeout | undefined;
  #callerId: Partial<Record<CallerIdTag, string>> = {};
  #rxBuf: number[] = [];
  #lastActive = 0;
  #inactivity: NodeJS.Timeout | undefined;
  #resetting: Promise<void> | undefined;
  #closed = false;
  /** The far end's DTMF from AT+VTS is not used: digits go in the audio, made by the DSP. */
  #dtmf: Dsp | undefined;

  private constructor(options: VoiceModemOptions) {
    super();
    this.name = options.name;
    this.#log = options.log ?? quiet;
    this.#o = {
      name: options.name,
      path: options.path,
      baudRate: options.baudRate ?? 115200,
      commandTimeoutMs: options.commandTimeoutMs ?? 3000,
      dialTimeoutMs: options.dialTimeoutMs ?? 30000,
      answerAfterRings: options.answerAfterRings ?? 1,
      ringGapMs: options.ringGapMs ?? 8000,
      dialing: options.dialing ?? 'tone',
      inactivityMs: options.inactivityMs ?? 600000,
      activityThresholdDb: options.activityThresholdDb ?? -50,
    };
  }

  /** Opens the port and initialises the modem; rejects with ModemError naming what the modem lacks. */
  static async open(options: VoiceModemOptions): Promise<VoiceModem> {
    const m = new VoiceModem(options);
    await m.openPort();
    try {
      await m.initialise();
    } catch (err) {
      m.#log.warn({ modem: m.name, err: String(err) }, 'modem init failed; resetting once');
      try {
        await m.reset(String(err));
      } catch (again) {
        await m.close();
        throw again;
      }
    }
    return m;
  }

  private openPort(): Promise<void> {
    return new Promise((resolve, reject) => {
      const port = new SerialPort({ path: this.#o.path, baudRate: this.#o.baudRate, autoOpen: false });
      port.open((err) => {
        if (err) return reject(new ModemError(`modem ${this.name}: cannot open ${this.#o.path}: ${err.message}`));
        this.#port = port;
        port.on('data', (chunk: Buffer) => this.onData(chunk));
        port.on('error', (e) => this.#log.error({ modem: this.name, err: e.message }, 'serial port error'));
        port.on('close', () => {
          if (!this.#closed) this.#log.error({ modem: this.name }, 'serial port closed under us');
        });
        resolve();
      });
    });
  }

  /**
   * Init and capability check: voice mode (AT+FCLASS=8), the compression
   * methods (AT+VSM=?), the line selections (AT+VLS=?), caller ID (AT+VCID=1).
   */
  private async initialise(): Promise<void> {
    await this.command('ATZ');
    await this.command('ATE0');
    await this.command('AT+FCLASS=8');
    const vsm = await this.command('AT+VSM=?');
    const methods = vsm.info.map(parseVsmLine).filter((x): x is VoiceCompression => 'id' in x);
    const pick = (['PCMU', 'PCMA', 'L16'] as const)
      .map((k) => methods.find((c) => compressionKind(c) === k && c.rates.some((r) => r === 8000 || r === 0)))
      .find((c) => c);
    if (!pick) throw new ModemError(`modem ${this.name}: no 8 kHz G.711 or 16-bit linear voice (AT+VSM=? gave ${JSON.stringify(vsm.info)})`);
    this.compression = pick;
    this.encoding = compressionKind(pick)!;
    await this.command(`AT+VSM=${pick.id},8000`);
    const vls = await this.command('AT+VLS=?');
    // IS-101 line selection 1: the telephone line, off hook. 0: on hook.
    if (!vls.info.some((l) => l.split(/[,()\s]+/).includes('1'))) throw new ModemError(`modem ${this.name}: AT+VLS=? offers no telephone line (${JSON.stringify(vls.info)})`);
    await this.command('AT+VLS?');
    await this.command('AT+VCID=1');
    this.#log.info({ modem: this.name, compression: pick.name, encoding: this.encoding }, 'voice modem ready');
  }

  freeChannels(): number {
    return this.#leg || this.#rings > 0 || this.#closed || this.#resetting ? 0 : 1;
  }

  originate(calling: PartyNumber, called: PartyNumber): ModemLeg | null {
    if (this.freeChannels() === 0) return null;
    const leg = new ModemLeg(this, 'outgoing', calling, called);
    this.#leg = leg;
    return leg;
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    if (this.#leg) this.finishLeg(this.#leg, Cause.TEMPORARY_FAILURE, 'modem closed');
    clearTimeout(this.#ringTimer);
    this.#dtmf?.close();
    const p = this.#port;
    this.#port = undefined;
    if (p?.isOpen) await new Promise<void>((r) => p.close(() => r()));
  }

  // --- the command dialogue ---------------------------------------------------

  private write(data: string | Buffer): void {
    this.#port?.write(data);
  }

  /** Runs one command after those queued before it; resolves with the final result and info lines. */
  command(cmd: string, finals: readonly FinalResult[] = ['OK'], timeoutMs = this.#o.commandTimeoutMs): Promise<{ result: FinalResult; info: string[] }> {
    return this.exchange(cmd, `${cmd}\r`, finals, timeoutMs);
  }

  /** Queued: writes `out` (when `when` allows it at its turn) and waits for one of the final results. */
  private exchange(
    cmd: string,
    out: string | Buffer,
    finals: readonly FinalResult[],
    timeoutMs: number,
    when: () => boolean = () => true,
  ): Promise<{ result: FinalResult; info: string[] }> {
    const run = (): Promise<{ result: FinalResult; info: string[] }> =>
      new Promise((resolve, reject) => {
        if (this.#closed || !this.#port) return reject(new ModemError(`modem ${this.name} is closed`));
        if (!when()) return resolve({ result: 'OK', info: [] });
        const timer = setTimeout(() => {
          this.#pending = undefined;
          reject(new ModemError(`modem ${this.name}: no final result to ${cmd} within ${timeoutMs} ms`));
        }, timeoutMs);
        this.#pending = { command: cmd, info: [], finals, resolve, reject, timer };
        this.write(out);
      });
    const p = this.#queue.then(run, run);
    this.#queue = p.catch(() => undefined);
    return p;
  }

  private onData(chunk: Buffer): void {
    let rest: Buffer = chunk;
    while (rest.length > 0) {
      if (this.#skipLf) {
        this.#skipLf = false;
        if (rest[0] === 0x0a) {
          rest = rest.subarray(1);
          continue;
        }
      }
      if (this.#dataMode) {
        const { data, events, consumed } = this.#dle.push(rest);
        let at = 0;
        for (const { at: pos, event } of events) {
          this.onVoiceData(data.subarray(at, pos));
          at = pos;
          this.onDleEvent(event);
        }
        this.onVoiceData(data.subarray(at));
        rest = rest.subarray(consumed);
        continue;
      }
      const i = rest.indexOf(0x0a);
      const cr = rest.indexOf(0x0d);
      const end = i < 0 ? cr : cr < 0 ? i : Math.min(i, cr);
      if (end < 0) {
        this.#text += rest.toString('latin1');
        if (this.#text.length > 512) {
          const junk = this.#text;
          this.#text = '';
          this.onLine(junk);
        }
        return;
      }
      const line = this.#text + rest.subarray(0, end).toString('latin1');
      this.#text = '';
      this.#skipLf = rest[end] === 0x0d;
      rest = rest.subarray(end + 1);
      if (line.trim() !== '') this.onLine(line);
    }
  }

  private onLine(raw: string): void {
    const line = parseAtLine(raw);
    const p = this.#pending;
    switch (line.kind) {
      case 'ring': return this.onRing();
      case 'callerId': return this.onCallerIdLine(line);
      case 'echo': return;
      case 'info':
        if (p) p.info.push(line.text);
        else this.#log.warn({ modem: this.name, line: line.text }, 'unsolicited line from the modem ignored');
        return;
      case 'garbled':
        return this.fault(`garbled response ${JSON.stringify(line.text)} (${line.reason})${p ? ` to ${p.command}` : ''}`);
      case 'final': {
        if (!p) {
          this.#log.warn({ modem: this.name, result: line.result }, 'result code with no command in progress ignored');
          return;
        }
        clearTimeout(p.timer);
        this.#pending = undefined;
        if (line.result === 'CONNECT' && p.finals.includes('CONNECT')) {
          // Voice data state begins right after CONNECT (IS-101 +VTR/+VRX/+VTX).
          this.#dataMode = true;
          this.#dle = new DleDecoder();
        }
        if (p.finals.includes(line.result)) p.resolve({ result: line.result, info: p.info });
        else p.reject(new ModemError(`modem ${this.name}: ${line.result} to ${p.command}`));
      }
    }
  }

  /** A response the dialogue does not allow: fail the command in progress and reset. */
  private fault(why: string): void {
    this.#log.error({ modem: this.name }, `modem fault: ${why}; resetting`);
    const p = this.#pending;
    if (p) {
      clearTimeout(p.timer);
      this.#pending = undefined;
      p.reject(new ModemError(`modem ${this.name}: ${why}`));
    } else void this.reset(why).catch(() => undefined);
  }

  /** ATZ and the init again; a live call is released with cause 41 (temporary failure). */
  reset(why: string): Promise<void> {
    if (this.#resetting) return this.#resetting;
    this.resets++;
    if (this.#leg) this.finishLeg(this.#leg, Cause.TEMPORARY_FAILURE, `modem reset: ${why}`);
    this.#rings = 0;
    this.#callerId = {};
    const run = async (): Promise<void> => {
      if (this.#dataMode) {
        this.#dataMode = false;
        this.write(Buffer.from([DLE, 0x21])); // DLE ! : abort voice data state
      }
      await new Promise((r) => setTimeout(r, 100));
      this.#text = '';
      this.write('\r');
      await this.initialise();
    };
    this.#resetting = run().finally(() => {
      this.#resetting = undefined;
    });
    return this.#resetting;
  }

  // --- incoming ---------------------------------------------------------------

  private onRing(): void {
    if (this.#leg && this.#leg.state !== 'ringing') return;
    this.#rings++;
    clearTimeout(this.#ringTimer);
    this.#ringTimer = setTimeout(() => this.ringsStopped(), this.#o.ringGapMs);
    // Caller ID comes between the first and second RING (GR-30-CORE): announce on the second at the latest.
    if (!this.#leg && (this.#rings >= 2 || this.#callerId.NMBR !== undefined)) this.announce();
    this.tryAnswer();
  }

  private onCallerIdLine(line: Extract<AtLine, { kind: 'callerId' }>): void {
    this.#callerId[line.tag] = line.value;
    this.#log.info({ modem: this.name, tag: line.tag, value: line.value }, 'caller ID line');
    // NAME is the last line modems send when there is one; NMBR otherwise (announced on the next RING).
    if (line.tag === 'NAME' && this.#rings > 0 && !this.#leg) this.announce();
  }

  private announce(): void {
    const c = this.#callerId;
    const nmbr = c.NMBR ?? '';
    const calling: PartyNumber = /^[0-9*#]+$/.test(nmbr)
      ? { digits: nmbr, presentation: 'allowed' }
      : { digits: '', presentation: nmbr === 'P' || /PRIVATE/i.test(nmbr) ? 'restricted' : 'unavailable' };
    if (c.NAME && c.NAME !== 'O' && c.NAME !== 'P') calling.name = c.NAME;
    const leg = new ModemLeg(this, 'incoming', calling, { digits: '' });
    this.#leg = leg;
    this.#log.info({ modem: this.name, leg: leg.id, calling: calling.digits, name: calling.name }, 'incoming call');
    this.emit('incoming', leg);
  }

  private ringsStopped(): void {
    const leg = this.#leg;
    this.#rings = 0;
    this.#callerId = {};
    if (leg && leg.state === 'ringing') this.finishLeg(leg, Cause.NORMAL_CLEARING, 'ringing stopped before answer');
  }

  /** @internal */
  tryAnswer(): void {
    const leg = this.#leg;
    if (!leg || !leg.answerPending || leg.state !== 'ringing' || this.#rings < this.#o.answerAfterRings) return;
    leg.answerPending = false;
    clearTimeout(this.#ringTimer);
    void (async () => {
      try {
        await this.command('AT+VLS=1'); // off hook on the telephone line
        await this.startVoice(leg);
        this.#rings = 0;
        this.#callerId = {};
        this.answered(leg, 'off hook on the ringing line');
      } catch (err) {
        if (!leg.released) await this.recover(leg, err);
      }
    })();
  }

  // --- outgoing ---------------------------------------------------------------

  /** @internal */
  async dial(leg: ModemLeg): Promise<void> {
    leg.state = 'dialing';
    leg.emit('proceeding');
    const digits = leg.called.digits.replace(/[^0-9*#A-D,]/g, '');
    try {
      // The trailing ';' keeps the modem in command state after dialing (V.250 §6.3.1).
      const r = await this.command(`ATD${this.#o.dialing === 'pulse' ? 'P' : 'T'}${digits};`, ['OK', 'NO DIALTONE', 'NO DIAL TONE', 'BUSY', 'NO ANSWER', 'NO CARRIER'], this.#o.dialTimeoutMs);
      if (leg.released) return;
      if (r.result !== 'OK') {
        const cause = r.result === 'BUSY' ? Cause.USER_BUSY : r.result === 'NO ANSWER' ? Cause.NO_ANSWER : r.result === 'NO CARRIER' ? Cause.NORMAL_UNSPECIFIED : Cause.NO_CIRCUIT_AVAILABLE;
        await this.hangup();
        this.finishLeg(leg, cause, `the modem answered ${r.result} to the dial command`);
        return;
      }
      leg.emit('progress', true);
      await this.startVoice(leg);
      // A voice modem cannot see the far end answer: the call counts as answered once dialed.
      this.answered(leg, 'dialing done (a voice modem has no answer supervision)');
    } catch (err) {
      if (!leg.released) await this.recover(leg, err);
    }
  }

  private async startVoice(leg: ModemLeg): Promise<void> {
    if (leg.released) return;
    await this.command('AT+VTR', ['CONNECT']);
  }

  private answered(leg: ModemLeg, why: string): void {
    if (leg.released) return;
    leg.state = 'answered';
    this.#log.info({ modem: this.name, leg: leg.id }, `answered: ${why}`);
    leg.emit('answered');
    this.#lastActive = Date.now();
    const limit = this.#o.inactivityMs;
    if (limit > 0) {
      this.#inactivity = setInterval(() => {
        if (Date.now() - this.#lastActive >= limit) {
          void this.releaseLeg(leg, Cause.RECOVERY_ON_TIMER_EXPIRY, `inactivity limit: no received energy above ${this.#o.activityThresholdDb} dB for ${limit} ms and no disconnect signal from the line`);
        }
      }, Math.max(20, Math.min(250, limit / 8)));
    }
  }

  private async recover(leg: ModemLeg, err: unknown): Promise<void> {
    const why = err instanceof Error ? err.message : String(err);
    this.finishLeg(leg, Cause.TEMPORARY_FAILURE, why);
    try {
      await this.reset(why);
    } catch (again) {
      this.#log.error({ modem: this.name, err: String(again) }, 'modem reset failed');
    }
  }

  // --- the call ---------------------------------------------------------------

  private onVoiceData(bytes: Uint8Array): void {
    if (bytes.length === 0) return;
    for (const b of bytes) this.#rxBuf.push(b);
    const per = this.encoding === 'L16' ? FRAME_SAMPLES * 2 : FRAME_SAMPLES;
    while (this.#rxBuf.length >= per) {
      const data = Uint8Array.from(this.#rxBuf.splice(0, per));
      const frame: AudioFrame = { encoding: this.encoding, samples: FRAME_SAMPLES, data };
      if (this.frameLevelDb(frame) > this.#o.activityThresholdDb) this.#lastActive = Date.now();
      const leg = this.#leg;
      if (leg?.state === 'answered') leg.audio.receiver?.(frame);
    }
  }

  private frameLevelDb(frame: AudioFrame): number {
    const s = decodeG711(frame);
    if (!s || s.length === 0) return -Infinity;
    let sum = 0;
    for (const v of s) sum += v * v;
    return 10 * Math.log10(sum / s.length / (32768 * 32768) + 1e-12);
  }

  private onDleEvent(e: DleEvent): void {
    const leg = this.#leg;
    switch (e.kind) {
      case 'end':
        // The modem left voice data state: CR LF OK follows in command state.
        this.#dataMode = false;
        return;
      case 'dtmf':
        if (leg?.state === 'answered') leg.emit('digit', e.digit as never);
        return;
      case 'busy':
        if (leg) void this.releaseLeg(leg, leg.state === 'answered' ? Cause.NORMAL_CLEARING : Cause.USER_BUSY, 'busy tone reported by the modem (DLE b)');
        return;
      case 'dialTone':
        if (leg?.state === 'answered') void this.releaseLeg(leg, Cause.NORMAL_CLEARING, 'dial tone after the call: the far end cleared (DLE d)');
        return;
      case 'loopBreak':
        if (leg) void this.releaseLeg(leg, Cause.NORMAL_CLEARING, 'loop current interrupted by the office (DLE l)');
        return;
      case 'silence':
        if (leg?.state === 'answered') void this.releaseLeg(leg, Cause.RECOVERY_ON_TIMER_EXPIRY, 'silence reported by the modem (DLE s): the far end is presumed gone');
        return;
      case 'ring':
        return this.onRing();
      case 'quiet':
        return;
      case 'unknown':
        this.#log.warn({ modem: this.name, code: e.code }, 'unknown DLE code from the modem ignored');
    }
  }

  /** @internal Audio of the answered call to the modem, in its compression, DLE-shielded. */
  writeFrame(frame: AudioFrame): void {
    if (!this.#dataMode || this.#leg?.state !== 'answered') return;
    const bytes = this.toModem(frame);
    if (!bytes) {
      this.#log.warn({ modem: this.name, encoding: frame.encoding, bytes: frame.data.length }, 'audio frame dropped: bad length for its encoding');
      return;
    }
    this.write(shieldDle(bytes));
  }

  private toModem(frame: AudioFrame): Uint8Array | undefined {
    if (frame.encoding === this.encoding) return frame.data;
    const s = decodeG711(frame);
    if (!s) return undefined;
    return this.fromLinear(s);
  }

  private fromLinear(s: Int16Array): Uint8Array {
    if (this.encoding === 'L16') return new Uint8Array(s.buffer.slice(s.byteOffset, s.byteOffset + s.byteLength));
    return g711Encode(this.encoding, s, new Uint8Array(s.length));
  }

  /** @internal DTMF into the call's audio (ITU-T Q.23 tones, made by the DSP). */
  sendDtmf(digits: string): void {
    this.#dtmf ??= new Dsp({ dtmfRx: false });
    try {
      this.#dtmf.sendDigits(digits);
    } catch (err) {
      this.#log.warn({ modem: this.name, digits, err: String(err) }, 'digits not sent');
      return;
    }
    while (this.#dtmf.txBusy) {
      const { samples } = this.#dtmf.tx(FRAME_SAMPLES);
      if (this.#dataMode) this.write(shieldDle(this.fromLinear(samples)));
    }
  }

  /** @internal */
  releaseLeg(leg: ModemLeg, cause: Q850Cause, why: string): void {
    if (leg.released) return;
    const wasOff = leg.state !== 'ringing' && leg.state !== 'idle';
    this.finishLeg(leg, cause, why);
    if (wasOff) void this.hangup().catch((err: unknown) => this.reset(`hang-up failed: ${String(err)}`).catch(() => undefined));
  }

  private finishLeg(leg: ModemLeg, cause: Q850Cause, why: string): void {
    if (leg.released) return;
    leg.state = 'released';
    clearInterval(this.#inactivity);
    if (this.#leg === leg) this.#leg = undefined;
    this.#log.info({ modem: this.name, leg: leg.id, cause }, `released: ${why}`);
    leg.emit('released', cause);
    leg.removeAllListeners();
  }

  /** Leaves voice data state (DLE !, the modem ends with DLE ETX and OK) and goes on hook. */
  private async hangup(): Promise<void> {
    await this.exchange('<DLE>!', Buffer.from([DLE, 0x21]), ['OK'], this.#o.commandTimeoutMs, () => this.#dataMode);
    await this.command('AT+VLS=0');
  }
}

