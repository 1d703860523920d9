// Facility, Q.932 clause 4.6.2 (identifier 0x1c): supplementary-service
// components (ROSE, QSIG names); passed through as bytes.
import { passedThrough } from './passed-through.js';

/*
 *         8     7     6     5     4     3     2     1
 *      +-----+-----------------------------------------+
 *  3   |  1  | spare 0 0 |  service discriminator      |   0x91 ROSE
 *      +-----+-----------------------------------------+
 *  4.. |              components (ASN.1 BER)           |
 *      +-----------------------------------------------+
 */
export interface Facility {
  kind: 'facility';
  /** Contents from octet 3 on. */
  data: Uint8Array;
}

export const facility = passedThrough('facility', 0x1c, 'facility', 1);
