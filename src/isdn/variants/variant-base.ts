// What several switch variants share because their standards say the same
// thing; each variant's own file spreads one of these and lists only where
// that switch departs from it.
import type { VariantProfile } from './switch-variant.js';

export type VariantBase = Omit<VariantProfile, 'name' | 'title' | 'standard'>;

/** Q.931 on a primary rate interface, as every variant here codes it. */
const q931Pri = {
  // Q.931 clause 4.3: a 2-octet call reference on a PRI.
  maxCallReferenceLength: 2,
  progressCodingStandard: 0,
  // Q.850 location 1: a private network (the gateway) serving the local user.
  progressLocation: 1,
  interworkingProgressInSetup: false,
  interworkingProgressInAnswer: true,
  defaultTypeOfNumber: 0,
  defaultNumberingPlan: 1,
  codesets: [5, 6, 7],
} as const;

/** ETSI DSS1 and the QSIG aligned with it (ETS 300 172): no maintenance messages, associated interface only. */
export const etsiPri: VariantBase = {
  ...q931Pri,
  maintenanceDiscriminator: null,
  nameCarriage: 'display',
  displayTypeCallingName: null,
  // EN 300 403-1 clause 4.5.13: associated interface only, no interface identifier.
  interfaceIdentifier: false,
  exclusiveChannelDefault: false,
};

/** ANSI T1.607 on a T1 PRI: NFAS interface identifiers, an exclusive B-channel. */
export const ansiPri: VariantBase = {
  ...q931Pri,
  // NI-2 national maintenance messages use protocol discriminator 0x43 (0x03 is AT&T's).
  maintenanceDiscriminator: 0x43,
  // ANSI T1.607 clause 4.5.16: the display IE starts with a display-type octet.
  nameCarriage: 'display-typed',
  displayTypeCallingName: 0xb1,
  interfaceIdentifier: true,
  exclusiveChannelDefault: true,
};

/** AT&T custom PRI (4ESS TR 41459, 5ESS 235-900-342) on ANSI T1.607. */
export const attPri: VariantBase = {
  ...ansiPri,
  // AT&T maintenance messages use protocol discriminator 0x03.
  maintenanceDiscriminator: 0x03,
  // The calling name arrives as a display IE in codeset 6.
  nameCarriage: 'codeset6-display',
  displayTypeCallingName: null,
  defaultTypeOfNumber: 2,
};
