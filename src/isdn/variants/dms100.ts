// Nortel DMS-100 PRI (NIS A211-1), built on ANSI T1.607.
import type { VariantProfile } from './switch-variant.js';

export const dms100: VariantProfile = {
  name: 'dms100',
  title: 'Nortel DMS-100',
  standard: 'ANSI T1.607 / NIS A211-1',
  // DMS-100 maintenance messages use protocol discriminator 0x03, as AT&T's do.
  maintenanceDiscriminator: 0x03,
  maxCallReferenceLength: 2,
  nameCarriage: 'display-typed',
  displayTypeCallingName: 0xb1,
  interfaceIdentifier: true,
  exclusiveChannelDefault: true,
  progressCodingStandard: 0,
  // Q.850 location 1: a private network (the gateway) serving the local user.
  progressLocation: 1,
  // DMS-100 refuses "not end-to-end ISDN" progress from the user side; send none.
  interworkingProgressInSetup: false,
  interworkingProgressInAnswer: false,
  defaultTypeOfNumber: 0,
  defaultNumberingPlan: 1,
  codesets: [5, 6, 7],
};
