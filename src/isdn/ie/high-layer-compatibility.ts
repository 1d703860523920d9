// High layer compatibility, Q.931 clause 4.5.17 (identifier 0x7d); passed
// through end to end as bytes.
import { passedThrough } from './passed-through.js';

/*
 *         8     7     6     5     4     3     2     1
 *      +-----+-----------+-----------------+-----------+
 *  3   | ext | coding std| interpretation  | presentat.|
 *      +-----+-----------+-----------------+-----------+
 *  4   | ext |  high layer characteristics identification   |  (4a optional)
 *      +-----+-----------------------------------------+
 */
export interface HighLayerCompatibility {
  kind: 'high-layer-compatibility';
  data: Uint8Array;
}

export const highLayerCompatibility = passedThrough('high-layer-compatibility', 0x7d, 'high layer compatibility', 2);
