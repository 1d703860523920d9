// Low layer compatibility, Q.931 clause 4.5.19 (identifier 0x7c); passed
// through end to end as bytes.
import { passedThrough } from './passed-through.js';

/*
 *         8     7     6     5     4     3     2     1
 *      +-----+-----------+-----------------------------+
 *  3   | ext | coding std|  information transfer capab. |   then octets 3a..7 as in
 *      +-----+-----------+-----------------------------+   bearer capability
 */
export interface LowLayerCompatibility {
  kind: 'low-layer-compatibility';
  data: Uint8Array;
}

export const lowLayerCompatibility = passedThrough('low-layer-compatibility', 0x7c, 'low layer compatibility', 1);
