// AT&T 4ESS toll switch PRI (TR 41459), built on ANSI T1.607.
import type { VariantProfile } from './switch-variant.js';

export const att4ess: VariantProfile = {
  name: '4ess',
  title: 'AT&T 4ESS',
  standard: 'ANSI T1.607 / AT&T TR 41459',
  // AT&T maintenance messages use protocol discriminator 0x03.
  maintenanceDiscriminator: 0x03,
  maxCallReferenceLength: 2,
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
