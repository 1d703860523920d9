// Lucent 5ESS custom PRI (AT&T 235-900-342), built on ANSI T1.607.
import type { VariantProfile } from './switch-variant.js';

export const lucent5ess: VariantProfile = {
  name: '5ess',
  title: 'Lucent 5ESS custom',
  standard: 'ANSI T1.607 / AT&T 5ESS',
  // AT&T maintenance messages use protocol discriminator 0x03.
  maintenanceDiscriminator: 0x03,
  maxCallReferenceLength: 2,
  // The calling name arrives as a display IE in codeset 6.
  nameCarriage: 'codeset6-display',
  displayTypeCallingName: null,
  interfaceIdentifier: true,
  exclusiveChannelDefault: true,
  // ANSI T1.607 clause 4.5.23: national standard coding of progress descriptions.
  progressCodingStandard: 2,
  progressLocation: 2,
  defaultTypeOfNumber: 2,
  defaultNumberingPlan: 1,
  codesets: [5, 6, 7],
};
