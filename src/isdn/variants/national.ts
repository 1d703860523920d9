// National ISDN-2 (Telcordia SR-4619, ANSI T1.607 for the layer 3 coding).
import type { VariantProfile } from './switch-variant.js';
import { ansiPri } from './variant-base.js';

export const national: VariantProfile = {
  ...ansiPri,
  name: 'national',
  title: 'National ISDN-2 (NI-2)',
  standard: 'ANSI T1.607',
  // NI-2 expects "origination address is non-ISDN" in a SETUP from interworking equipment.
  interworkingProgressInSetup: true,
};
