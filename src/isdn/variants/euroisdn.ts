// EuroISDN (ETSI EN 300 403-1, DSS1) on E1 30B+D.
import type { VariantProfile } from './switch-variant.js';
import { etsiPri } from './variant-base.js';

// EN 300 403-1 has no SERVICE messages (restarts only) and no interface identifier: all in etsiPri.
export const euroisdn: VariantProfile = {
  ...etsiPri,
  name: 'euroisdn',
  title: 'EuroISDN (ETSI DSS1)',
  standard: 'ETSI EN 300 403-1',
};
