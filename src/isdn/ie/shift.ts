// Shift, Q.931 clause 4.5.3 (locking) and 4.5.4 (non-locking): single octet.
/*
 *         8     7     6     5     4     3     2     1
 *      +-----+-----------------+-----+-----------------+
 *      |  1  |  0     0     1  |  0  | new codeset id. |   locking shift
 *      |  1  |  0     0     1  |  1  | temporary cs.   |   non-locking shift
 *      +-----+-----------------+-----+-----------------+
 */
export const SHIFT_MASK = 0xf0;
export const SHIFT = 0x90;
export const NON_LOCKING = 0x08;
export const CODESET_MASK = 0x07;

export interface Shift {
  kind: 'shift';
  /** Locking shift: every following IE is in `codeset` until the next locking shift. */
  locking: boolean;
  codeset: number;
}

export function shiftOctet(s: Shift): number {
  if (!Number.isInteger(s.codeset) || s.codeset < 0 || s.codeset > CODESET_MASK) {
    throw new RangeError(`shift: codeset ${s.codeset} does not fit (0..7)`);
  }
  return SHIFT | (s.locking ? 0 : NON_LOCKING) | s.codeset;
}
