// Notification indicator, Q.931 clause 4.5.22 (identifier 0x27).
import { EXT, checkField, fail, ok, type IeCodec, type IeResult } from './ie-codec.js';

/*
 *         8     7     6     5     4     3     2     1
 *      +-----+-----------------------------------------+
 *  3   | ext |       notification description          |
 *      +-----+-----------------------------------------+
 *  4.. |  extended description (Q.932 clause 4.6.x), passed through  |
 *      +-----------------------------------------------+
 */
const SEVEN_BITS = 0x7f;

/** Notification description (octet 3). */
export const Notification = { USER_SUSPENDED: 0, USER_RESUMED: 1, BEARER_SERVICE_CHANGE: 2 } as const;

export interface NotificationIndicator {
  kind: 'notification-indicator';
  description: number;
  /** Octets after octet 3 (Q.932 discriminated notifications). */
  extension?: Uint8Array;
}

const NAME = 'notification indicator';

function decode(c: Uint8Array): IeResult<NotificationIndicator> {
  const o3 = c[0];
  if (o3 === undefined) return fail(`${NAME}: empty, octet 3 needs 1 octet`);
  if (!(o3 & EXT)) return fail(`${NAME}: octet 3 lacks the extension bit`);
  const ie: NotificationIndicator = { kind: 'notification-indicator', description: o3 & SEVEN_BITS };
  if (c.length > 1) ie.extension = c.slice(1);
  return ok(ie);
}

function encode(ie: NotificationIndicator): Uint8Array {
  checkField(NAME, 'description', ie.description, SEVEN_BITS);
  const out = new Uint8Array(1 + (ie.extension?.length ?? 0));
  out[0] = EXT | ie.description;
  if (ie.extension) out.set(ie.extension, 1);
  return out;
}

export const notificationIndicator: IeCodec<NotificationIndicator> = {
  identifier: 0x27,
  name: NAME,
  decode,
  encode,
  length: (ie) => 1 + (ie.extension?.length ?? 0),
};
