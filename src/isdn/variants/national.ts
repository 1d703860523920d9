// National ISDN-2 (Telcordia SR-4619, ANSI T1.607 for the layer 3 coding).
import type { VariantProfile } from './switch-variant.js';

export const national: VariantProfile = {
  name: 'national',
  title: 'National ISDN-2 (NI-2)',
  standard: 'ANSI T1.607',
  // NI-2 national maintenance messages use protocol discriminator 0x43 (0x03 is AT&T's).
  maintenanceDiscriminator: 0x43,
  maxCallReferenceLength: 2,
  // ANSI T1.607 clause 4.5.16: the display IE starts with a display-type octet.
  nameCarriage: 'display-typed',
  displayTypeCallingName: 0xb1,
  interfaceIdentifier: true,
  exclusiveChannelDefault: true,
  progressCodingStandard: 0,
  // Q.850 location 1: a private network (the gateway) serving the local user.
  progressLocation: 1,
  // NI-2 expects "origination address is non-ISDN" in a SETUP from interworking equipment.
  interworkingProgressInSetup: true,
  interworkingProgressInAnswer: true,
  defaultTypeOfNumber: 0,
  defaultNumberingPlan: 1,
  codesets: [5, 6, 7],
};
