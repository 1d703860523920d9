// What the codec knows about each message: its code, its mandatory IEs and
// what Q.931 clause 5.8.6.1 says to do when one is missing or wrong.
import type { IeKind, InformationElement, TypedIe } from '../information-element.js';
import type { MessageTypeName } from '../message-type.js';

/**
 * Reaction to a missing or malformed mandatory IE (Q.931 clause 5.8.6.1 / 5.8.6.2):
 * - status: do not process; STATUS with cause 96 (missing) or 100 (content).
 * - release-complete: SETUP; RELEASE COMPLETE with the cause.
 * - release: DISCONNECT; clear with RELEASE carrying the cause.
 * - process-respond: RELEASE; process as cause 31, RELEASE COMPLETE carries the cause.
 * - process: RELEASE COMPLETE; process as cause 31, nothing to send.
 */
export type MandatoryErrorReaction = 'status' | 'release-complete' | 'release' | 'process-respond' | 'process';

export interface MessageRule {
  readonly name: MessageTypeName;
  readonly messageType: number;
  /** Carried under a maintenance protocol discriminator (0x03 / 0x43). */
  readonly maintenance?: boolean;
  /** Clause of the Recommendation with the message's contents table. */
  readonly clause: string;
  readonly mandatory: readonly TypedIe['kind'][];
  readonly onMandatoryError: MandatoryErrorReaction;
  /**
   * Clause 5.8.7.1 a)-c): a clearing message answers an optional IE error in its
   * response ('respond': DISCONNECT -> RELEASE, RELEASE -> RELEASE COMPLETE), or
   * not at all ('last': RELEASE COMPLETE); never with STATUS.
   */
  readonly clearing?: 'respond' | 'last';
  /** IEs mandatory only when the message's other IEs say so (e.g. RESTART of indicated channels). */
  readonly conditionalMandatory?: (ies: readonly InformationElement[]) => readonly TypedIe['kind'][];
  /** Recognized IEs the message's other IEs rule out (clause 5.8.7.3: treated as unrecognized). */
  readonly conditionalUnexpected?: (ies: readonly InformationElement[]) => readonly TypedIe['kind'][];
  /** Repeat limits of this message that differ from REPEAT_LIMIT. */
  readonly repeat?: Partial<Record<IeKind, number>>;
}

/** Clause 5.8.5.2: how often an IE may appear; the rest are ignored. Default 1. */
export const REPEAT_LIMIT: Partial<Record<IeKind, number>> = {
  // Q.931 clause 3.1.14 (SETUP): bearer capability, LLC, HLC repeat with a repeat indicator.
  'bearer-capability': 3,
  'low-layer-compatibility': 3,
  'high-layer-compatibility': 2,
  // Clause 3.1.x tables: "may be repeated" (up to two progress indicators).
  'progress-indicator': 2,
  cause: 2,
  facility: Infinity,
  opaque: Infinity,
  shift: Infinity,
};
