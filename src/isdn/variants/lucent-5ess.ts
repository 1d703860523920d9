// Lucent 5ESS custom PRI (AT&T 235-900-342), built on ANSI T1.607.
import type { VariantProfile } from './switch-variant.js';
import { attPri } from './variant-base.js';

export const lucent5ess: VariantProfile = {
  ...attPri,
  name: '5ess',
  title: 'Lucent 5ESS custom',
  standard: 'ANSI T1.607 / AT&T 5ESS',
};
