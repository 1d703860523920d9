// Change status, ANSI T1.607 clause 4.5.x / NI-2 maintenance (identifier 0x01),
// carried by SERVICE and SERVICE ACKNOWLEDGE.
import { EXT, checkField, fail, ok, type IeCodec, type IeResult } from './ie-codec.js';

/*
 *         8     7     6     5     4     3     2     1
 *      +-----+-----+-----------------+-----------------+
 *  3   | ext |pref.|   spare 0 0 0   |   new status    |
 *      +-----+-----+-----------------+-----------------+
 */
const PREFERENCE = 0x40;
const STATUS_MASK = 0x07;

/** New status (octet 3 bits 3-1). */
export const ChannelStatus = { IN_SERVICE: 0, MAINTENANCE: 1, OUT_OF_SERVICE: 2 } as const;

export interface ChangeStatus {
  kind: 'change-status';
  /** Octet 3 bit 7: true = the status applies to a B-channel, false = to the whole interface. */
  channel: boolean;
  status: number;
}

const NAME = 'change status';

function decode(c: Uint8Array): IeResult<ChangeStatus> {
  if (c.length !== 1) return fail(`${NAME}: ${c.length} octets, expected 1`);
  const o3 = c[0] ?? 0;
  if (!(o3 & EXT)) return fail(`${NAME}: octet 3 lacks the extension bit`);
  return ok({ kind: 'change-status', channel: (o3 & PREFERENCE) !== 0, status: o3 & STATUS_MASK });
}

function encode(ie: ChangeStatus): Uint8Array {
  checkField(NAME, 'status', ie.status, STATUS_MASK);
  return Uint8Array.of(EXT | (ie.channel ? PREFERENCE : 0) | ie.status);
}

export const changeStatus: IeCodec<ChangeStatus> = { identifier: 0x01, name: NAME, decode, encode, length: () => 1 };
