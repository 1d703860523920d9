// Q.850 cause <-> SIP status mapping of RFC 3398 and the Reason header of RFC 3326.
import { causeName, isQ850Cause, type Q850Cause } from '../call/q850.js';
import { parseAuthParams } from './digest.js';
import { splitHeaderList } from './sip-message.js';

// RFC 3398 §7.2.4.1, "Receipt of the ISUP REL": cause value -> SIP response.
const statusByCause = new Map<number, number>([
  [1, 404], [2, 404], [3, 404], [17, 486], [18, 408], [19, 480], [20, 480], [21, 403],
  [22, 410], [23, 410], [26, 404], [27, 502], [28, 484], [29, 501], [31, 480], [34, 503],
  [38, 503], [41, 503], [42, 503], [47, 503], [55, 403], [57, 403], [58, 503], [65, 488],
  [70, 488], [79, 501], [87, 403], [88, 503], [102, 504], [111, 500], [127, 500],
]);

// RFC 3398 §8.2.6.1, "Receipt of a final response": SIP response -> cause value.
const causeByStatus = new Map<number, number>([
  [400, 41], [401, 21], [402, 21], [403, 21], [404, 1], [405, 63], [406, 79], [407, 21],
  [408, 102], [410, 22], [413, 127], [414, 127], [415, 79], [416, 127], [420, 127], [421, 127],
  [423, 127], [480, 18], [481, 41], [482, 25], [483, 25], [484, 28], [485, 1], [486, 17],
  [487, 127], [488, 127], [500, 41], [501, 79], [502, 38], [503, 41], [504, 102], [505, 127],
  [513, 127], [600, 17], [603, 21], [604, 1], [606, 58],
]);

/** The final response for a call the PSTN refused (RFC 3398 §7.2.4.1); unlisted causes give 480 (normal class) or 500. */
export function statusForCause(cause: Q850Cause): number {
  return statusByCause.get(cause) ?? (cause < 32 ? 480 : 500);
}

/** The Q.850 cause for a final error response (RFC 3398 §8.2.6.1); unlisted statuses give 127 interworking. */
export function causeForStatus(status: number): Q850Cause {
  return causeByStatus.get(status) ?? 127;
}

/** The Reason header value carrying a Q.850 cause (RFC 3326 §2). */
export function formatReason(cause: Q850Cause): string {
  return `Q.850;cause=${cause};text="${causeName(cause)}"`;
}

/**
 * The Q.850 cause of a Reason header value, if it carries one (RFC 3326 §2:
 * reason-value = protocol *(SEMI reason-params); protocol "Q.850", cause
 * param; several reasons may be listed and only the Q.850 one counts here).
 */
export function parseReasonCause(value: string): Q850Cause | undefined {
  for (const reason of splitHeaderList(value)) {
    const semi = reason.indexOf(';');
    if (semi < 0 || reason.slice(0, semi).trim().toUpperCase() !== 'Q.850') continue;
    const params = parseAuthParams(reason.slice(semi + 1).replace(/;/g, ','));
    const cause = params?.get('cause');
    if (cause !== undefined && /^\d{1,3}$/.test(cause.trim())) {
      const n = Number(cause.trim());
      if (isQ850Cause(n)) return n;
    }
  }
  return undefined;
}
