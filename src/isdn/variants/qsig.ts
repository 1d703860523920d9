// QSIG basic call (ISO/IEC 11572, ECMA-143) between PBXs.
import type { VariantProfile } from './switch-variant.js';

export const qsig: VariantProfile = {
  name: 'qsig',
  title: 'QSIG basic call',
  standard: 'ECMA-143',
  maintenanceDiscriminator: null,
  maxCallReferenceLength: 2,
  // ECMA-164: names travel in facility IEs.
  nameCarriage: 'facility',
  displayTypeCallingName: null,
  interfaceIdentifier: false,
  exclusiveChannelDefault: false,
  progressCodingStandard: 0,
  // Q.850 location 1: a private network (the gateway) serving the local user.
  progressLocation: 1,
  interworkingProgressInSetup: false,
  interworkingProgressInAnswer: true,
  defaultTypeOfNumber: 0,
  // ECMA-143: private numbering plan (9).
  defaultNumberingPlan: 9,
  codesets: [5, 6, 7],
};
