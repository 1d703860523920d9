// Sending complete, Q.931 clause 4.5.27: single octet 0xa1, no contents.
/*
 *         8     7     6     5     4     3     2     1
 *      +-----+-----------------+-----------------------+
 *      |  1  |  0     1     0  |  0     0     0     1  |
 *      +-----+-----------------+-----------------------+
 */
export const SENDING_COMPLETE = 0xa1;

export interface SendingComplete {
  kind: 'sending-complete';
}
