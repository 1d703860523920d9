// A Rockwell/Conexant-style voice modem on a pseudo-terminal pair (socat),
// so that the gateway's voice modem backend runs over the real serialport
// binding. It speaks the AT+V dialogue (TIA IS-101), rings with caller ID
// lines (AT+VCID=1 format), records what is dialled, streams G.711 µ-law in
// full-duplex voice data state with DLE shielding, reports far-end events
// as DLE codes, and can be told to garble a response.
import { spawn, type ChildProcess } from 'node:child_process';
import { EventEmitter } from 'node:events';
import { SerialPort } from 'serialport';
import { DLE, DleDecoder, ETX, shieldDle } from '../hw/at-response.js';

export interface SimVoiceModemOptions {
  /** ms between RING lines; real lines ring every 6 s (GR-506-CORE cadence). */
  ringIntervalMs?: number;
  /** No dial tone on the line: ATD answers NO DIALTONE. */
  noDialTone?: boolean;
  /** Voice formats offered: G.711 µ-law and linear (default), or 16-bit linear only. */
  compression?: 'ulaw' | 'linear';
}

export interface CallerIdLines {
  date?: string;
  time?: string;
  number?: string;
  name?: string;
}

export interface SimVoiceModemEvents {
  command: [cmd: string];
  offhook: [];
  onhook: [];
  dialed: [digits: string];
}

/** Fails with the install hint when socat is missing. */
function requireSocat(): Promise<void> {
  return new Promise((resolve, reject) => {
    const p = spawn('sh', ['-c', 'command -v socat'], { stdio: 'ignore' });
    p.on('exit', (code) => (code === 0 ? resolve() : reject(new Error('socat is not installed: apt-get install socat'))));
  });
}

export class SimVoiceModem extends EventEmitter<SimVoiceModemEvents> {
  /** The device the gateway opens. */
  readonly path: string;
  /** Commands received, in order. */
  readonly commands: string[] = [];
  /** Digits of the last ATD. */
  dialed = '';
  offhook = false;
  /** RING lines sent for the current call. */
  ringsSent = 0;
  /** Bytes the DTE sent in voice data state, unshielded. */
  received: number[] = [];
  #echo = true;
  #callerIdOn = false;
  #dataMode = false;
  #dle = new DleDecoder();
  #line = '';
  #garble: string | undefined;
  #ringTimer: NodeJS.Timeout | undefined;
  #stream: NodeJS.Timeout | undefined;
  #play: number[] = [];
  #pendingEvents: number[] = [];

  private constructor(
    private readonly socat: ChildProcess,
    private readonly port: SerialPort,
    path: string,
    private readonly options: SimVoiceModemOptions,
  ) {
    super();
    this.path = path;
    port.on('data', (b: Buffer) => this.onData(b));
  }

  /** Starts socat with two linked ptys; the modem takes one, `path` is the other. */
  static async start(options: SimVoiceModemOptions = {}): Promise<SimVoiceModem> {
    await requireSocat();
    const socat = spawn('socat', ['-d', '-d', 'pty,raw,echo=0', 'pty,raw,echo=0'], { stdio: ['ignore', 'ignore', 'pipe'] });
    const paths = await new Promise<string[]>((resolve, reject) => {
      const found: string[] = [];
      let err = '';
      const timer = setTimeout(() => reject(new Error(`socat gave no ptys: ${err}`)), 5000);
      socat.stderr.on('data', (b: Buffer) => {
        err += b.toString();
        for (const m of b.toString().matchAll(/PTY is (\S+)/g)) found.push(m[1]!);
        if (found.length === 2) {
          clearTimeout(timer);
          resolve(found);
        }
      });
      socat.on('exit', (code) => reject(new Error(`socat exited (${code}): ${err}`)));
    });
    const port = new SerialPort({ path: paths[0]!, baudRate: 115200, autoOpen: false });
    await new Promise<void>((resolve, reject) => port.open((e) => (e ? reject(e) : resolve())));
    return new SimVoiceModem(socat, port, paths[1]!, options);
  }

  private send(data: string | Buffer): void {
    this.port.write(data);
  }

  private respond(text: string): void {
    this.send(`\r\n${text}\r\n`);
  }

  /** The next response to a command starting with `prefix` is line noise instead. */
  garbleNext(prefix: string): void {
    this.#garble = prefix.toUpperCase();
  }

  private onData(b: Buffer): void {
    let rest: Buffer = b;
    while (rest.length) {
      if (this.#dataMode) {
        const { data, events, consumed } = this.#dle.push(rest);
        for (const x of data) this.received.push(x);
        rest = rest.subarray(consumed);
        for (const { event } of events) {
          if (event.kind === 'unknown' && event.code === 0x21) this.endData(); // DLE ! from the DTE
          else if (event.kind === 'end') this.endData();
        }
        continue;
      }
      const i = rest.indexOf(0x0d);
      if (i < 0) {
        this.#line += rest.toString('latin1');
        return;
      }
      const cmd = (this.#line + rest.subarray(0, i).toString('latin1')).replace(/\n/g, '').trim();
      this.#line = '';
      rest = rest.subarray(i + 1);
      if (cmd) this.onCommand(cmd);
    }
  }

  private endData(): void {
    this.#dataMode = false;
    clearInterval(this.#stream);
    this.send(Buffer.from([DLE, ETX]));
    this.respond('OK');
  }

  private onCommand(cmd: string): void {
    this.commands.push(cmd);
    this.emit('command', cmd);
    if (this.#echo) this.send(`${cmd}\r`);
    const up = cmd.toUpperCase();
    if (this.#garble && up.startsWith(this.#garble)) {
      this.#garble = undefined;
      this.send(Buffer.from([0x0d, 0x0a, 0x4f, 0x8b, 0x7f, 0x01, 0x4b, 0x0d, 0x0a]));
      return;
    }
    const ok = (): void => this.respond('OK');
    if (up === 'AT' || up === 'ATZ') {
      this.hangUpLine();
      this.#echo = up === 'ATZ' ? true : this.#echo;
      this.#callerIdOn = false;
      return ok();
    }
    if (up === 'ATE0') {
      this.#echo = false;
      return ok();
    }
    if (up === 'AT+FCLASS=8' || up === 'AT+VSM=0,8000' || /^AT\+VSM=(4|130),8000$/.test(up)) return ok();
    if (up === 'AT+FCLASS?') return this.respond('8\r\n\r\nOK');
    if (up === 'AT+VSM=?') {
      if (this.options.compression === 'linear') return this.send('\r\n130,"SIGNED PCM",16,0,(8000),(0),(0)\r\n\r\nOK\r\n');
      // Methods as a Conexant HSF modem lists them; the numbers differ between modems, the names do not.
      return this.send('\r\n0,"SIGNED PCM",8,0,(7200,8000,11025),(0),(0)\r\n1,"UNSIGNED PCM",8,0,(7200,8000,11025),(0),(0)\r\n4,"G.711U",8,0,(8000),(0),(0)\r\n130,"SIGNED PCM",16,0,(8000),(0),(0)\r\n\r\nOK\r\n');
    }
    if (up === 'AT+VLS=?') return this.respond('0,1,4,5,7\r\n\r\nOK');
    if (up === 'AT+VLS?') return this.respond(`${this.offhook ? 1 : 0}\r\n\r\nOK`);
    if (up === 'AT+VCID=1') {
      this.#callerIdOn = true;
      return ok();
    }
    if (up === 'AT+VLS=1') {
      this.goOffhook();
      return ok();
    }
    if (up === 'AT+VLS=0' || up === 'ATH' || up === 'ATH0') {
      this.hangUpLine();
      return ok();
    }
    const dial = /^ATD[TP]?([0-9*#A-D,]*);$/.exec(up);
    if (dial) {
      this.goOffhook();
      if (this.options.noDialTone) {
        this.hangUpLine();
        return this.respond('NO DIALTONE');
      }
      this.dialed = dial[1]!;
      // About 100 ms a digit (Q.24-style DTMF on/off), then OK in command state.
      setTimeout(() => {
        this.emit('dialed', this.dialed);
        ok();
      }, 100 + this.dialed.length * 20);
      return;
    }
    if (up === 'AT+VTR') {
      if (!this.offhook) return this.respond('ERROR');
      this.respond('CONNECT');
      this.#dataMode = true;
      this.#dle = new DleDecoder();
      this.#stream = setInterval(() => this.streamFrame(), 20);
      return;
    }
    this.respond('ERROR');
  }

  private goOffhook(): void {
    clearTimeout(this.#ringTimer);
    if (!this.offhook) {
      this.offhook = true;
      this.emit('offhook');
    }
  }

  private hangUpLine(): void {
    clearTimeout(this.#ringTimer);
    clearInterval(this.#stream);
    this.#dataMode = false;
    if (this.offhook) {
      this.offhook = false;
      this.emit('onhook');
    }
  }

  /** One 20 ms frame of µ-law towards the DTE (what was queued by play(), else silence), with any queued DLE events. */
  private streamFrame(): void {
    const linear = this.options.compression === 'linear';
    const frame = Buffer.alloc(linear ? 320 : 160, linear ? 0 : 0xff);
    const n = Math.min(frame.length, this.#play.length);
    for (let i = 0; i < n; i++) frame[i] = this.#play.shift()!;
    const events = Buffer.from(this.#pendingEvents.flatMap((c) => [DLE, c]));
    this.#pendingEvents = [];
    this.send(Buffer.concat([shieldDle(frame), events]));
  }

  /** Bytes the far end says during the call (µ-law, or 16-bit little-endian linear). */
  play(bytes: Uint8Array): void {
    for (const b of bytes) this.#play.push(b);
  }

  /** A shielded event during voice data state: 'b' busy, 'd' dial tone, 'l' loop break, 's' silence, or a DTMF digit. */
  event(code: string): void {
    this.#pendingEvents.push(code.charCodeAt(0));
  }

  /** Rings: RING lines every ringIntervalMs, caller ID lines after the first (when AT+VCID=1 is on). */
  ring(callerId?: CallerIdLines, maxRings = 10): void {
    let n = 0;
    const every = this.options.ringIntervalMs ?? 1500;
    const once = (): void => {
      if (this.offhook || n++ >= maxRings) return;
      this.ringsSent = n;
      this.respond('RING');
      if (n === 1 && callerId && this.#callerIdOn) {
        setTimeout(() => {
          const lines = [
            callerId.date && `DATE = ${callerId.date}`,
            callerId.time && `TIME = ${callerId.time}`,
            callerId.number && `NMBR = ${callerId.number}`,
            callerId.name && `NAME = ${callerId.name}`,
          ].filter(Boolean);
          this.send(`\r\n${lines.join('\r\n')}\r\n`);
        }, every / 3);
      }
      this.#ringTimer = setTimeout(once, every);
    };
    once();
  }

  async close(): Promise<void> {
    this.hangUpLine();
    if (this.port.isOpen) await new Promise<void>((r) => this.port.close(() => r()));
    this.socat.kill();
  }
}
