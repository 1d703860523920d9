// IEs whose coding the switch variant decides: progress indicators and party
// numbers the dial plan gave no type to.
import type { CalledPartyNumber } from '../ie/called-party-number.js';
import type { CallingPartyNumber } from '../ie/calling-party-number.js';
import type { ChannelIdentification } from '../ie/channel-identification.js';
import { bChannel } from '../ie/channel-identification.js';
import { ProgressDescription, type ProgressIndicator } from '../ie/progress-indicator.js';
import { variantProfile, type SwitchVariant, type VariantProfile } from './switch-variant.js';

/**
 * The progress indicator marking the far end (SIP) as non-ISDN (Q.931 clause
 * 5.1.6 and 5.2.6: interworking with a non-ISDN network), for a SETUP we send
 * or for our answer to one; undefined where the variant does not take it.
 */
export function interworkingProgressFor(variant: SwitchVariant | VariantProfile, message: 'setup' | 'answer'): ProgressIndicator | undefined {
  const v = variantProfile(variant);
  if (message === 'setup') return v.interworkingProgressInSetup ? progressIndicatorFor(ProgressDescription.ORIGIN_NON_ISDN, v) : undefined;
  return v.interworkingProgressInAnswer ? progressIndicatorFor(ProgressDescription.DESTINATION_NON_ISDN, v) : undefined;
}

/** A progress indicator coded as the variant wants it (Q.931 clause 4.5.23). */
export function progressIndicatorFor(description: number, variant: SwitchVariant | VariantProfile): ProgressIndicator {
  const v = variantProfile(variant);
  return { kind: 'progress-indicator', codingStandard: v.progressCodingStandard, location: v.progressLocation, description };
}

export interface NumberOptions {
  typeOfNumber?: number;
  numberingPlan?: number;
}

export function calledPartyNumberFor(digits: string, variant: SwitchVariant | VariantProfile, opts: NumberOptions = {}): CalledPartyNumber {
  const v = variantProfile(variant);
  return {
    kind: 'called-party-number',
    typeOfNumber: opts.typeOfNumber ?? v.defaultTypeOfNumber,
    numberingPlan: opts.numberingPlan ?? v.defaultNumberingPlan,
    digits,
  };
}

export function callingPartyNumberFor(
  digits: string,
  variant: SwitchVariant | VariantProfile,
  opts: NumberOptions & { presentation?: number; screening?: number } = {},
): CallingPartyNumber {
  const v = variantProfile(variant);
  return {
    kind: 'calling-party-number',
    typeOfNumber: opts.typeOfNumber ?? v.defaultTypeOfNumber,
    numberingPlan: opts.numberingPlan ?? v.defaultNumberingPlan,
    // Q.931 clause 4.5.10: user-provided, not screened unless told otherwise.
    presentation: opts.presentation ?? 0,
    screening: opts.screening ?? 0,
    digits,
  };
}

/**
 * The channel identification a SETUP we send carries: exclusive where the
 * switch expects it, the interface identifier only where the variant has one
 * (NFAS on T1; never on ETSI, EN 300 403-1 clause 4.5.13).
 */
export function setupChannelFor(channel: number, variant: SwitchVariant | VariantProfile, interfaceIdentifier?: number): ChannelIdentification {
  const v = variantProfile(variant);
  if (interfaceIdentifier !== undefined && !v.interfaceIdentifier) {
    throw new RangeError(`channel identification: ${v.title} has no interface identifier (asked for ${interfaceIdentifier})`);
  }
  return bChannel(channel, v.exclusiveChannelDefault, interfaceIdentifier);
}
