// Switch variants: every place where the Q.931 coding differs between the
// switches a span can face lives in one profile per variant (one file each
// in this folder), read by the codec; no variant test is scattered in the IEs.
import { national } from './national.js';
import { dms100 } from './dms100.js';
import { lucent5ess } from './lucent-5ess.js';
import { att4ess } from './att-4ess.js';
import { euroisdn } from './euroisdn.js';
import { qsig } from './qsig.js';

/** The switch variant configured per span. */
export type SwitchVariant = 'national' | 'dms100' | '5ess' | '4ess' | 'euroisdn' | 'qsig';

export const SWITCH_VARIANTS: readonly SwitchVariant[] = ['national', 'dms100', '5ess', '4ess', 'euroisdn', 'qsig'];

/** Where the calling name travels. */
export type NameCarriage =
  /** Display IE (0x28) in codeset 0, plain IA5 (Q.931 clause 4.5.16). */
  | 'display'
  /** Display IE in codeset 0 led by a display-type octet (ANSI T1.607 clause 4.5.16, NI-2). */
  | 'display-typed'
  /** Display IE in codeset 6 after a non-locking shift (AT&T 5ESS/4ESS custom). */
  | 'codeset6-display'
  /** Facility IE (QSIG name, ECMA-164); no display IE. */
  | 'facility';

export interface VariantProfile {
  readonly name: SwitchVariant;
  /** What the switch is called in the field. */
  readonly title: string;
  /** The standard the variant follows, cited where the codec departs from Q.931. */
  readonly standard: string;
  /**
   * Protocol discriminator of SERVICE / SERVICE ACKNOWLEDGE (national
   * maintenance messages), or null where the variant has none.
   */
  readonly maintenanceDiscriminator: 0x03 | 0x43 | null;
  /** Largest call reference length accepted (Q.931 clause 4.3: 2 octets on a PRI). */
  readonly maxCallReferenceLength: number;
  readonly nameCarriage: NameCarriage;
  /** Display-type octet put in front of a calling name when nameCarriage is display-typed. */
  readonly displayTypeCallingName: number | null;
  /** Whether the channel identification IE may carry the interface identifier (NFAS, Q.931 clause 4.5.13 octet 3.1). */
  readonly interfaceIdentifier: boolean;
  /** Whether the switch expects the exclusive bit in a SETUP it receives from us. */
  readonly exclusiveChannelDefault: boolean;
  /** Coding standard of progress indicators we send (Q.931 clause 4.5.23 octet 3 bits 7-6). */
  readonly progressCodingStandard: number;
  /** Location of progress indicators we send (Q.850 clause 2.2.3). */
  readonly progressLocation: number;
  /**
   * Whether a SETUP we originate from the SIP side carries progress "origination
   * address is non-ISDN" (Q.931 clause 5.1.6 / 5.11, interworking), and whether our
   * SETUP ACKNOWLEDGE / CALL PROCEEDING / ALERTING / CONNECT carry "destination
   * address is non-ISDN". Switches differ in which of these they accept.
   */
  readonly interworkingProgressInSetup: boolean;
  readonly interworkingProgressInAnswer: boolean;
  /** Type of number and numbering plan of a number the dial plan gave no type to. */
  readonly defaultTypeOfNumber: number;
  readonly defaultNumberingPlan: number;
  /** Codesets whose IEs the variant defines (passed through as bytes, Q.931 clause 4.5.2). */
  readonly codesets: readonly number[];
}

const PROFILES: Readonly<Record<SwitchVariant, VariantProfile>> = {
  national,
  dms100,
  '5ess': lucent5ess,
  '4ess': att4ess,
  euroisdn,
  qsig,
};

export function isSwitchVariant(v: unknown): v is SwitchVariant {
  return typeof v === 'string' && (SWITCH_VARIANTS as readonly string[]).includes(v);
}

/** The profile of a variant; a profile passes through unchanged. */
export function variantProfile(variant: SwitchVariant | VariantProfile): VariantProfile {
  if (typeof variant !== 'string') return variant;
  const profile = PROFILES[variant];
  if (profile === undefined) {
    throw new RangeError(`switch variant "${String(variant)}" is not one of ${SWITCH_VARIANTS.join(', ')}`);
  }
  return profile;
}
