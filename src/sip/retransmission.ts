// RFC 3261 §17 reliability over UDP, in one place. sip.js assumes a reliable
// transport (its Timers D, I, J, K are 0 and it never retransmits a request
// or a non-2xx final response), so the UDP transport runs every message
// through this table: it retransmits what the RFC says the transaction layer
// must, and absorbs what a completed transaction would have absorbed.
import { cseqOf, headerValue, type RawSipMessage } from './sip-message.js';
import { parseVia } from './via.js';

/** The timer values of RFC 3261 §17.1.1.1 (Table 4), in ms. */
export interface SipTimerValues {
  /** RTT estimate, 500 ms by default. */
  T1: number;
  /** Longest interval for non-INVITE requests and INVITE responses, 4 s. */
  T2: number;
  /** Longest time a message stays in the network, 5 s. */
  T4: number;
}

export const DEFAULT_TIMERS: SipTimerValues = { T1: 500, T2: 4000, T4: 5000 };

/**
 * How long an INVITE that got a provisional response is remembered for its
 * final one: RFC 3261 §16.6 step 11 (Timer C, "greater than 3 minutes"),
 * restarted by each provisional. Waiting for the answer itself is the call
 * layer's no-answer timer; this only bounds the table.
 */
const PROCEEDING_KEEP_MS = 181_000;

export interface Destination {
  host: string;
  port: number;
}

type Send = (text: string, to: Destination) => void;

interface Pending {
  text: string;
  to: Destination;
  interval: number;
  timer?: NodeJS.Timeout;
  deadline: NodeJS.Timeout;
}

interface Done {
  /** What to send again when the peer repeats itself (the ACK, or the final response). */
  reply?: { text: string; to: Destination };
  expires: NodeJS.Timeout;
}

function branchOf(msg: RawSipMessage): string | undefined {
  const via = headerValue(msg, 'via');
  return via ? parseVia(via)?.params.get('branch') ?? undefined : undefined;
}

/** Transaction key: branch and CSeq method, ACK folded onto INVITE (RFC 3261 §17.1.3, §17.2.3). */
function keyOf(msg: RawSipMessage, side: 'client' | 'server'): string | undefined {
  const branch = branchOf(msg);
  const method = cseqOf(msg)?.method;
  if (!branch || !method) return undefined;
  let sentBy = '';
  if (side === 'server') {
    const via = parseVia(headerValue(msg, 'via') ?? '');
    sentBy = via ? `${via.host}:${via.port ?? ''}` : '';
  }
  return `${side} ${branch} ${sentBy} ${method === 'ACK' ? 'INVITE' : method}`;
}

export class UdpRetransmission {
  /** Requests we sent and keep retransmitting (Timers A, E). */
  private readonly clientPending = new Map<string, Pending>();
  /** Client transactions completed: final response seen (Timers D, K). */
  private readonly clientDone = new Map<string, Done>();
  /** Non-2xx final responses to INVITE we keep retransmitting (Timer G). */
  private readonly serverPending = new Map<string, Pending>();
  /** Server transactions completed: final response sent or ACK seen (Timers H-after-ACK, I, J). */
  private readonly serverDone = new Map<string, Done>();
  /** Client transactions ended by Timer B or F, whose ACK for our own 408 must not leave. */
  private readonly expired = new Map<string, NodeJS.Timeout>();

  constructor(
    private readonly timers: SipTimerValues,
    private readonly send: Send,
    /** A request got no final response within 64*T1 (Timer F), or an INVITE none at all (Timer B). */
    private readonly timedOut: (request: RawSipMessage) => void = () => undefined,
  ) {}

  /**
   * True for the ACK sip.js makes for the 408 of a timed-out INVITE: RFC 3261
   * §17.1.1.2 ends the transaction at Timer B without one, and no peer sent
   * that 408.
   */
  ackOfTimeout(msg: RawSipMessage): boolean {
    const key = msg.method === 'ACK' ? keyOf(msg, 'client') : undefined;
    const gone = key ? this.expired.get(key) : undefined;
    if (!gone) return false;
    clearTimeout(gone);
    return this.expired.delete(key!);
  }

  /** Called for every request the transport sends. */
  requestSent(msg: RawSipMessage, text: string, to: Destination): void {
    const key = keyOf(msg, 'client');
    if (!key) return;
    const { T1, T2 } = this.timers;
    if (msg.method === 'ACK') {
      // RFC 3261 §17.1.1.2: an ACK for a non-2xx response shares the INVITE's
      // branch; Timer D (at least 32 s on UDP) keeps it for re-sending.
      const done = this.clientDone.get(key);
      if (done) done.reply = { text, to };
      return;
    }
    if (msg.method === 'CANCEL' || this.clientPending.has(key)) this.stop(this.clientPending, key);
    const invite = msg.method === 'INVITE';
    const p: Pending = {
      text,
      to,
      interval: T1,
      // RFC 3261 §17.1.1.2 Timer B / §17.1.2.2 Timer F: give up after 64*T1.
      deadline: setTimeout(() => {
        this.stop(this.clientPending, key);
        this.expired.set(key, setTimeout(() => this.expired.delete(key), this.timers.T4));
        // §17.1.1.2 / §17.1.2.2: Timers B and F tell the TU of the timeout
        // (§8.1.3.1: as a 408), on our T1 rather than on sip.js's fixed 32 s,
        // so a route fails over from a dead trunk after 64*T1.
        this.timedOut(msg);
      }, 64 * T1),
    };
    const fire = (): void => {
      this.send(p.text, p.to);
      // RFC 3261 §17.1.1.2: Timer A doubles each time, without a cap.
      // RFC 3261 §17.1.2.2: Timer E doubles up to T2.
      p.interval = invite ? p.interval * 2 : Math.min(p.interval * 2, T2);
      p.timer = setTimeout(fire, p.interval);
    };
    // RFC 3261 §17.1.1.2 / §17.1.2.2: "set timer A (E) to fire in T1 seconds".
    p.timer = setTimeout(fire, T1);
    this.clientPending.set(key, p);
  }

  /** Called for every response received; true when it is a retransmission to absorb. */
  responseReceived(msg: RawSipMessage): boolean {
    const key = keyOf(msg, 'client');
    if (!key) return false;
    const final = msg.status >= 200;
    const done = this.clientDone.get(key);
    if (done) {
      // RFC 3261 §17.1.1.2 (Completed): a retransmitted final response makes
      // the ACK be passed to the transport again; §17.1.2.2 (Completed, Timer K)
      // absorbs retransmitted final responses to non-INVITE requests.
      if (msg.status >= 300 && done.reply) this.send(done.reply.text, done.reply.to);
      // A 2xx to INVITE goes up each time: the dialog re-sends its ACK (RFC 3261 §13.2.2.4).
      return !(msg.status >= 200 && msg.status < 300 && key.endsWith(' INVITE'));
    }
    const p = this.clientPending.get(key);
    if (!p) return false;
    if (key.endsWith(' INVITE')) {
      // RFC 3261 §17.1.1.2: any response stops Timer A (Proceeding or Completed).
      if (p.timer) clearTimeout(p.timer);
      p.timer = undefined;
      // Timer B runs only in Calling: a provisional means the final response
      // is waited for (RFC 3261 §17.1.1.2 Proceeding; Timer C territory, §16.6 step 11).
      clearTimeout(p.deadline);
      if (!final) p.deadline = setTimeout(() => this.stop(this.clientPending, key), PROCEEDING_KEEP_MS);
      // RFC 3261 §17.1.1.2 Timer D: at least 32 s on UDP.
      if (final) this.complete(key, Math.max(32000, 64 * this.timers.T1));
    } else if (final) {
      this.complete(key, this.timers.T4);
    } else if (p.timer) {
      // RFC 3261 §17.1.2.2 (Proceeding): retransmit at T2 intervals from now on.
      clearTimeout(p.timer);
      p.interval = this.timers.T2;
      const again = (): void => {
        this.send(p.text, p.to);
        p.timer = setTimeout(again, p.interval);
      };
      p.timer = setTimeout(again, p.interval);
    }
    return false;
  }

  private complete(key: string, keep: number): void {
    this.stop(this.clientPending, key);
    const done: Done = { expires: setTimeout(() => this.clientDone.delete(key), keep) };
    this.clientDone.set(key, done);
  }

  /** Called for every response the transport sends. */
  responseSent(msg: RawSipMessage, text: string, to: Destination): void {
    const key = keyOf(msg, 'server');
    if (!key || msg.status < 200) return;
    const { T1, T2, T4 } = this.timers;
    const invite = key.endsWith(' INVITE');
    if (!invite) {
      // RFC 3261 §17.2.2 (Completed, Timer J = 64*T1): answer retransmitted requests with this response.
      this.remember(key, { text, to }, 64 * T1);
      return;
    }
    if (msg.status < 300) return; // 2xx: the dialog retransmits it (RFC 3261 §13.3.1.4), sip.js does
    this.stop(this.serverPending, key);
    const p: Pending = {
      text,
      to,
      interval: T1,
      // RFC 3261 §17.2.1 Timer H: stop after 64*T1 without an ACK.
      deadline: setTimeout(() => this.stop(this.serverPending, key), 64 * T1),
    };
    const fire = (): void => {
      this.send(p.text, p.to);
      // RFC 3261 §17.2.1: Timer G doubles up to T2.
      p.interval = Math.min(p.interval * 2, T2);
      p.timer = setTimeout(fire, p.interval);
    };
    p.timer = setTimeout(fire, T1);
    this.serverPending.set(key, p);
    // A retransmitted INVITE in Completed gets the response again (RFC 3261 §17.2.1).
    this.remember(key, { text, to }, Math.max(64 * T1, T4));
  }

  private remember(key: string, reply: Done['reply'], keep: number): void {
    const old = this.serverDone.get(key);
    if (old) clearTimeout(old.expires);
    this.serverDone.set(key, { reply, expires: setTimeout(() => this.serverDone.delete(key), keep) });
  }

  /** Called for every request received; true when it is a retransmission to absorb. */
  requestReceived(msg: RawSipMessage): boolean {
    const key = keyOf(msg, 'server');
    if (!key) return false;
    if (msg.method === 'ACK') {
      const p = this.serverPending.get(key);
      if (p) {
        // RFC 3261 §17.2.1: the ACK moves the transaction to Confirmed; Timer I
        // (T4) absorbs further ACKs.
        this.stop(this.serverPending, key);
        this.remember(key, undefined, this.timers.T4);
        return false;
      }
      const done = this.serverDone.get(key);
      return done !== undefined && done.reply === undefined;
    }
    const done = this.serverDone.get(key);
    if (!done) return false;
    // RFC 3261 §17.2.1 (Completed) / §17.2.2 (Completed): a retransmitted
    // request gets the final response again and goes no further.
    if (done.reply) this.send(done.reply.text, done.reply.to);
    return true;
  }

  private stop(table: Map<string, Pending>, key: string): void {
    const p = table.get(key);
    if (!p) return;
    if (p.timer) clearTimeout(p.timer);
    clearTimeout(p.deadline);
    table.delete(key);
  }

  close(): void {
    for (const table of [this.clientPending, this.serverPending]) for (const key of [...table.keys()]) this.stop(table, key);
    for (const table of [this.clientDone, this.serverDone]) {
      for (const d of table.values()) clearTimeout(d.expires);
      table.clear();
    }
    for (const timer of this.expired.values()) clearTimeout(timer);
    this.expired.clear();
  }
}

/**
 * RFC 3261 §17.1.1.2 / §17.1.2.2 on a reliable transport (TCP, TLS): Timers
 * A and E do not run (nothing is retransmitted), but Timers B and F still end
 * a request after 64*T1. sip.js would wait its fixed 32 s; this runs them on
 * the configured T1, so a route fails over from a dead trunk as on UDP.
 */
export class ReliableTransactionTimers {
  /** Requests waiting for a response (INVITE) or a final response (others), with the connection they left on. */
  private readonly pending = new Map<string, { timer: NodeJS.Timeout; request: RawSipMessage; connection: object }>();
  /** Transactions that ended without a response, whose ACK for our own 408 or 503 must not leave. */
  private readonly expired = new Map<string, NodeJS.Timeout>();

  constructor(
    private readonly timers: SipTimerValues,
    /** Timer B or F fired (status 408), or the connection failed (503, RFC 3261 §8.1.3.1). */
    private readonly ended: (request: RawSipMessage, status: 408 | 503) => void,
  ) {}

  /** Called for every request about to be sent over `connection`; true when it must not go out. */
  requestSent(msg: RawSipMessage, connection: object): boolean {
    const key = keyOf(msg, 'client');
    if (!key) return false;
    if (msg.method === 'ACK') {
      // RFC 3261 §17.1.1.2: Timer B ends the transaction without an ACK;
      // sip.js acknowledges the 408 it was handed, which no peer sent.
      const gone = this.expired.get(key);
      if (gone) clearTimeout(gone);
      return this.expired.delete(key);
    }
    this.stop(key);
    const timer = setTimeout(() => this.end(key, 408), 64 * this.timers.T1);
    this.pending.set(key, { timer, request: msg, connection });
    return false;
  }

  /**
   * RFC 3261 §17.1.4 / §8.1.3.1: a connection that failed (refused, reset, a
   * certificate not accepted) is a transport error for every request waiting
   * on it, taken as a 503 at once rather than after Timer B.
   */
  connectionFailed(connection: object): void {
    for (const [key, p] of [...this.pending]) if (p.connection === connection) this.end(key, 503);
  }

  private end(key: string, status: 408 | 503): void {
    const p = this.pending.get(key);
    if (!p) return;
    this.stop(key);
    this.expired.set(key, setTimeout(() => this.expired.delete(key), this.timers.T4));
    this.ended(p.request, status);
  }

  /** Called for every response received. */
  responseReceived(msg: RawSipMessage): void {
    const key = keyOf(msg, 'client');
    if (!key) return;
    // RFC 3261 §17.1.1.2: any response moves an INVITE out of Calling, where
    // alone Timer B runs; §17.1.2.2: Timer F runs on through Proceeding.
    if (key.endsWith(' INVITE') || msg.status >= 200) this.stop(key);
  }

  private stop(key: string): void {
    const p = this.pending.get(key);
    if (p) clearTimeout(p.timer);
    this.pending.delete(key);
  }

  close(): void {
    for (const p of this.pending.values()) clearTimeout(p.timer);
    for (const timer of this.expired.values()) clearTimeout(timer);
    this.pending.clear();
    this.expired.clear();
  }
}
