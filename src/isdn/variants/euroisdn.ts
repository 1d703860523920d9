// EuroISDN (ETSI EN 300 403-1, DSS1) on E1 30B+D.
import type { VariantProfile } from './switch-variant.js';

export const euroisdn: VariantProfile = {
  name: 'euroisdn',
  title: 'EuroISDN (ETSI DSS1)',
  standard: 'ETSI EN 300 403-1',
  // EN 300 403-1 has no SERVICE messages; restarts only.
  maintenanceDiscriminator: null,
  maxCallReferenceLength: 2,
  nameCarriage: 'display',
  displayTypeCallingName: null,
  // EN 300 403-1 clause 4.5.13: associated interface only, no interface identifier.
  interfaceIdentifier: false,
  exclusiveChannelDefault: false,
  progressCodingStandard: 0,
  // Q.850 location 1: a private network (the gateway) serving the local user.
  progressLocation: 1,
  interworkingProgressInSetup: false,
  interworkingProgressInAnswer: true,
  defaultTypeOfNumber: 0,
  defaultNumberingPlan: 1,
  codesets: [5, 6, 7],
};
