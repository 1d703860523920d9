// QSIG basic call (ISO/IEC 11572, ECMA-143) between PBXs.
import type { VariantProfile } from './switch-variant.js';
import { etsiPri } from './variant-base.js';

export const qsig: VariantProfile = {
  ...etsiPri,
  name: 'qsig',
  title: 'QSIG basic call',
  standard: 'ECMA-143',
  // ECMA-164: names travel in facility IEs.
  nameCarriage: 'facility',
  // ECMA-143: private numbering plan (9).
  defaultNumberingPlan: 9,
};
