// Release causes between the two legs: Q.850 cause values and SIP final
// response status codes, per RFC 3398 (ISUP to SIP mapping).
import { causeClass, type CauseClass, type Q850Cause } from './q850.js';

/** RFC 3398 §7.2.4.1: ISDN cause value -> SIP response, the table as given. */
const causeToStatus: ReadonlyMap<Q850Cause, number> = new Map([
  [1, 404], // unallocated number
  [2, 404], // no route to network
  [3, 404], // no route to destination
  [17, 486], // user busy
  [18, 408], // no user responding
  [19, 480], // no answer from the user
  [20, 480], // subscriber absent
  [21, 403], // call rejected
  [22, 410], // number changed (without diagnostic; the 301 case needs the new number)
  [23, 410], // redirection to new destination
  [26, 404], // non-selected user clearing
  [27, 502], // destination out of order
  [28, 484], // address incomplete
  [29, 501], // facility rejected (the table prints "510 Not implemented": 501 is meant)
  [31, 480], // normal, unspecified
  [34, 503], // no circuit available
  [38, 503], // network out of order
  [41, 503], // temporary failure
  [42, 503], // switching equipment congestion
  [47, 503], // resource unavailable
  [55, 403], // incoming calls barred within CUG
  [57, 403], // bearer capability not authorized
  [58, 503], // bearer capability not presently available
  [65, 488], // bearer capability not implemented
  [70, 488], // only restricted digital information available
  [79, 501], // service or option not implemented
  [87, 403], // user not member of CUG
  [88, 503], // incompatible destination
  [102, 504], // recovery on timer expiry
  [111, 500], // protocol error
  [127, 500], // interworking unspecified
]);

/**
 * Causes the §7.2.4.1 table does not list go by their Q.850 class (clause
 * 2.2.5), as the unspecified cause of that class would (our choice: the
 * table has no row for them).
 */
const classDefault: Record<CauseClass, number> = {
  normal: 480,
  'resource-unavailable': 503,
  'service-unavailable': 503,
  'service-not-implemented': 501,
  'invalid-message': 500,
  'protocol-error': 500,
  interworking: 500,
};

/**
 * The SIP final response for a PSTN release before answer (RFC 3398 §7.2.4.1).
 * Cause 16 "normal call clearing" is a BYE or CANCEL in the RFC (note *); when
 * an INVITE must still be answered we send 480 as for cause 31.
 * With `userLocation` (the cause came from the called user, not the network),
 * 403 becomes 603 Decline (RFC 3398 §7.2.4.1 note +).
 */
export function causeToSipStatus(cause: Q850Cause, opts: { userLocation?: boolean } = {}): number {
  if (cause === 16) return 480;
  const status = causeToStatus.get(cause) ?? classDefault[causeClass(cause)];
  return status === 403 && opts.userLocation ? 603 : status;
}

/** RFC 3398 §8.2.6.1: SIP response -> ISDN cause value, the table as given. */
const statusToCause: ReadonlyMap<number, Q850Cause> = new Map([
  [400, 41],
  [401, 21],
  [402, 21],
  [403, 21],
  [404, 1],
  [405, 63],
  [406, 79],
  [407, 21],
  [408, 102],
  [410, 22],
  [413, 127],
  [414, 127],
  [415, 79],
  [416, 127],
  [420, 127],
  [421, 127],
  [423, 127],
  [480, 18],
  [481, 41],
  [482, 25],
  [483, 25],
  [484, 28],
  [485, 1],
  [486, 17],
  [500, 41],
  [501, 79],
  [502, 38],
  [503, 41],
  [504, 102],
  [505, 127],
  [513, 127],
  [600, 17],
  [603, 21],
  [604, 1],
]);

/**
 * The Q.850 cause for a SIP final response (RFC 3398 §8.2.6.1). "Any SIP
 * status codes not listed ... should be mapped to cause code 31": that covers
 * 487 and 488/606 (which the RFC leaves to the Warning header) as well.
 * A cause from a Reason header (RFC 3326) wins over the table: pass it as
 * `reasonCause` (RFC 3398 §8.2.6.1 prefers the encapsulated cause).
 */
export function sipStatusToCause(status: number, reasonCause?: Q850Cause): Q850Cause {
  if (reasonCause !== undefined) return reasonCause;
  return statusToCause.get(status) ?? 31;
}

/** RFC 3398 §8.2.6.1: BYE and CANCEL map to 16 "normal clearing". */
export const BYE_CAUSE: Q850Cause = 16;
