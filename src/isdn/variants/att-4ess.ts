// AT&T 4ESS toll switch PRI (TR 41459), built on ANSI T1.607.
import type { VariantProfile } from './switch-variant.js';
import { attPri } from './variant-base.js';

export const att4ess: VariantProfile = {
  ...attPri,
  name: '4ess',
  title: 'AT&T 4ESS',
  standard: 'ANSI T1.607 / AT&T TR 41459',
};
