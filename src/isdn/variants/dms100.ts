// Nortel DMS-100 PRI (NIS A211-1), built on ANSI T1.607.
import type { VariantProfile } from './switch-variant.js';
import { ansiPri } from './variant-base.js';

export const dms100: VariantProfile = {
  ...ansiPri,
  name: 'dms100',
  title: 'Nortel DMS-100',
  standard: 'ANSI T1.607 / NIS A211-1',
  // DMS-100 maintenance messages use protocol discriminator 0x03, as AT&T's do.
  maintenanceDiscriminator: 0x03,
  // DMS-100 refuses "not end-to-end ISDN" progress from the user side; send none.
  interworkingProgressInAnswer: false,
};
