// The PSTN leg: one call on one channel of a card. ISDN PRI (src/isdn/),
// analog FXO and FXS (src/analog/) and the voice modem (src/hw/) implement it;
// call/ drives it without knowing which one it is.
import type { EventEmitter } from 'node:events';
import type { AudioPath } from '../media/frame.js';
import type { Q850Cause } from './q850.js';

/** Type of number (Q.931 clause 4.5.8, octet 3 bits 7-5). */
export type TypeOfNumber = 'unknown' | 'international' | 'national' | 'network-specific' | 'subscriber' | 'abbreviated';

/** Numbering plan (Q.931 clause 4.5.8, octet 3 bits 4-1). */
export type NumberingPlan = 'unknown' | 'isdn' | 'data' | 'telex' | 'national' | 'private';

/** Presentation indicator (Q.931 clause 4.5.10, octet 3a). */
export type Presentation = 'allowed' | 'restricted' | 'unavailable';

/** A calling or called party as the line gives it or takes it. */
export interface PartyNumber {
  /** Digits 0-9, *, #; empty when the number is not available. */
  digits: string;
  typeOfNumber?: TypeOfNumber;
  numberingPlan?: NumberingPlan;
  presentation?: Presentation;
  /** Display name (ISDN display IE, analog caller ID name). */
  name?: string;
}

/** DTMF digits as carried on a line and in RFC 4733 events 0-15. */
export type DtmfDigit = '0' | '1' | '2' | '3' | '4' | '5' | '6' | '7' | '8' | '9' | '*' | '#' | 'A' | 'B' | 'C' | 'D';

/** Where a leg lives: the span or port name and the channel on it. */
export interface LineAddress {
  kind: 'pri' | 'fxo' | 'fxs' | 'modem';
  /** Span name for PRI, port name for analog and modem. */
  line: string;
  /** B-channel (PRI) or 1 for a single-channel port. */
  channel: number;
}

/** Events a PSTN leg raises, in the order a call may raise them. */
export interface PstnLegEvents {
  /** The far end took an outgoing setup: Q.931 CALL PROCEEDING, or the line was seized. */
  proceeding: [];
  /** The called party is being alerted (ALERTING, or ringback heard). */
  alerting: [];
  /** Call progress; inbandAudio is true when tones or announcements are on the channel (PI 1 or 8). */
  progress: [inbandAudio: boolean];
  answered: [];
  /** A digit detected on the line after answer (in-band DTMF or INFO). */
  digit: [digit: DtmfDigit];
  /** The leg is gone; the cause is the far end's or the one mapped from analog signalling. */
  released: [cause: Q850Cause];
}

/**
 * One call on one channel. An incoming leg is announced by its line
 * (PstnLine 'incoming'); an outgoing one comes from PstnLine.originate().
 * After 'released' the leg raises nothing more and its actions do nothing.
 */
export interface PstnLeg extends EventEmitter<PstnLegEvents> {
  readonly id: string;
  readonly direction: 'incoming' | 'outgoing';
  readonly address: LineAddress;
  readonly calling: PartyNumber;
  readonly called: PartyNumber;
  /** Audio of the channel once a B-channel or loop is connected. */
  readonly audio: AudioPath;

  /** Places the outgoing call (Q.931 SETUP, or seize and dial on analog). */
  setup(): void;
  /** Tells the caller of an incoming call that the callee is being alerted. */
  alert(inbandAudio?: boolean): void;
  /**
   * Tells the caller of an incoming call that in-band audio (announcement,
   * the far end's ringback) is on the channel, without saying the callee is
   * alerted (Q.931 PROGRESS). A leg without it is told with alert(true).
   */
  progress?(inbandAudio: boolean): void;
  /** Answers an incoming call (CONNECT, or off-hook on FXO). */
  answer(): void;
  /** Clears the call with a Q.850 cause (DISCONNECT, or on-hook). */
  release(cause: Q850Cause): void;
  /** Sends digits after answer, or more called digits during overlap sending. */
  sendDigits(digits: string): void;
}

/** Events of a span or port that carries PSTN legs. */
export interface PstnLineEvents {
  /** A call arrived; its calling and called numbers are on the leg. */
  incoming: [leg: PstnLeg];
}

/** A span or port: the source of incoming legs and the factory of outgoing ones. */
export interface PstnLine extends EventEmitter<PstnLineEvents> {
  readonly name: string;
  /** Channels free for a new call now (not busy, not blocked, not in maintenance). */
  freeChannels(): number;
  /** Creates an outgoing leg on a free channel, or returns null when none is free. */
  originate(calling: PartyNumber, called: PartyNumber, channel?: number): PstnLeg | null;
}

/** What the digits dialled so far can become (overlap dialing). */
export type DialState =
  /** A route matches and no longer number could match any: dial now. */
  | 'complete'
  /** A route matches now, but more digits could match too: dial after the inter-digit timeout. */
  | 'ambiguous'
  /** Nothing matches yet; more digits could. */
  | 'incomplete'
  /** No number starting with these digits can be routed. */
  | 'never';
