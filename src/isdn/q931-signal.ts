// What call control reads from and writes into a Q.931 message: the message
// type, the call reference and the few information elements the procedures
// of Q.931 clause 5 act on. The octets are the codec's business (see
// q931-signal-codec.ts); the state machines never see them.
import type { PartyNumber } from '../call/pstn-leg.js';

/** Message types call control sends and acts on (Q.931 clause 3, Table 4-2; SERVICE per ANSI T1.607). */
export type SignalType =
  | 'ALERTING'
  | 'CALL_PROCEEDING'
  | 'CONNECT'
  | 'CONNECT_ACKNOWLEDGE'
  | 'PROGRESS'
  | 'SETUP'
  | 'SETUP_ACKNOWLEDGE'
  | 'DISCONNECT'
  | 'RELEASE'
  | 'RELEASE_COMPLETE'
  | 'RESTART'
  | 'RESTART_ACKNOWLEDGE'
  | 'INFORMATION'
  | 'NOTIFY'
  | 'STATUS'
  | 'STATUS_ENQUIRY'
  | 'FACILITY'
  | 'SERVICE'
  | 'SERVICE_ACKNOWLEDGE';

/**
 * Q.931 clause 4.3: a call reference value and its flag. The flag is 0 in
 * messages from the side that allocated the value, 1 towards it. `global` is
 * the global call reference (value 0, clause 4.3 / 5.5), `dummy` the dummy one.
 */
export type CallReference = { value: number; flag: 0 | 1 } | 'global' | 'dummy';

/** Channel identification as call control needs it (Q.931 clause 4.5.13). */
export interface ChannelChoice {
  /** 'channels' names B-channels; 'any' leaves the choice to the receiver; 'none' offers no channel. */
  selection: 'channels' | 'any' | 'none';
  channels: number[];
  /** Q.931 clause 4.5.13 octet 3 bit 4: only the indicated channel is acceptable. */
  exclusive: boolean;
}

export interface Signal {
  type: SignalType;
  callRef: CallReference;
  /** Bearer capability of a SETUP: speech or 3.1 kHz audio, in the span's law (Q.931 clause 4.5.5). */
  bearer?: { capability: 'speech' | 'audio-3.1k' | 'unrestricted-digital'; law?: 'mu-law' | 'a-law' };
  channel?: ChannelChoice;
  /** Q.931 clause 4.5.12: the Q.850 cause value. */
  cause?: number;
  /** Q.931 clause 4.5.23: progress descriptions (1 not end-to-end ISDN, 8 in-band information). */
  progress?: number[];
  called?: PartyNumber;
  calling?: PartyNumber;
  /** Q.931 clause 4.5.27: sending complete. */
  sendingComplete?: boolean;
  /** Q.931 clause 4.5.25: restart class 0 indicated channels, 6 single interface, 7 all interfaces. */
  restartClass?: number;
  /** Q.931 clause 4.5.7: call state value of a STATUS. */
  callState?: number;
  /** ANSI T1.607 change status of SERVICE: 0 in service, 1 maintenance, 2 out of service. */
  changeStatus?: number;
  /** Display text (name), when the variant carries it. */
  display?: string;
}

export type SignalDecodeResult =
  | { ok: true; signal: Signal }
  /**
   * The message cannot be acted on. `callRef` and `type` are filled in when the
   * header was readable, so that clause 5.8 error handling can answer it.
   */
  | { ok: false; error: string; callRef?: CallReference; type?: SignalType; cause?: number };

/** Turns signals into Q.931 octets and back, for one switch variant. */
export interface SignalCodec {
  encode(signal: Signal): Uint8Array;
  /** Never throws. */
  decode(octets: Uint8Array): SignalDecodeResult;
}
