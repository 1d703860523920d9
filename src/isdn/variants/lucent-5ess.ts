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
  progressCodingStandard: 0,
  // Q.850 location 1: a private network (the gateway) serving the local user.
  progressLocation: 1,
  interworkingProgressInSetup: false,
  interworkingProgressInAnswer: true,
  defaultTypeOfNumber: 2,
  defaultNumberingPlan: 1,
  codesets: [5, 6, 7],
};
