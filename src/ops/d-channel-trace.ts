// D-channel trace: every Q.921 frame of a span written to a pcap file with
// link type LINUX_LAPD (177), the form tshark/Wireshark decode as LAPD and
// Q.931. Files rotate by size (src/ops/rotating-pcap.ts): trace.pcap, trace.pcap.1, ...
import { EventEmitter } from 'node:events';
import { PCAP_FILE_HEADER_LENGTH, PCAP_RECORD_HEADER_LENGTH, PCAP_SNAPLEN, RotatingPcap } from './rotating-pcap.js';
import type { FramePipe, FramePipeEvents } from '../isdn/frame-pipe.js';

/*
 * Per frame, after the pcap record header: LAPD pseudo-header | Q.921 frame
 * LINKTYPE_LINUX_LAPD pseudo-header (16 octets, big-endian, sll-like):
 *      0        2        4        6                        14       16
 *   +--------+--------+--------+------------------------+--------+
 *   |pkttype |hatype  |halen   | address (8); octet 0 = |protocol|
 *   |0 in,   |ARPHRD_ |        | 1 when we are the      |ETH_P_  |
 *   |4 out   |LAPD    |        | network side           |LAPD    |
 *   +--------+--------+--------+------------------------+--------+
 * The dissector reads C/R (Q.921 clause 3.3.2) from pkttype and the side.
 */
export const LINKTYPE_LINUX_LAPD = 177;
const LAPD_HEADER_LENGTH = 16;
const PKTTYPE_OFFSET = 0;
const HATYPE_OFFSET = 2;
const HALEN_OFFSET = 4;
const ADDR_OFFSET = 6;
const PROTOCOL_OFFSET = 14;
/** Linux packet types: a frame received from the peer, or sent by us. */
const PACKET_HOST = 0;
const PACKET_OUTGOING = 4;
/** ARPHRD_LAPD of Linux mISDN. */
const ARPHRD_LAPD = 8445;
const ETH_P_LAPD = 0x0030;
/** Q.921 clause 5.9.3: N201, at most 260 octets of information; address and control add 4. */
const LARGEST_FRAME = 264;

export type FrameDirection = 'rx' | 'tx';

export interface DChannelTraceOptions {
  /** The file written now; rotated files get .1, .2, ... appended. */
  path: string;
  /** Our side of the D-channel: network (we are the switch) or user (we are the CPE). */
  side: 'network' | 'user';
  /** Rotate before a file would grow past this many octets. Default 10 MiB. */
  maxBytes?: number;
  /** Rotated files kept besides the current one. Default 5. */
  keep?: number;
  /** Called once when writing starts to fail, and again only after a write succeeded. */
  onError?: (err: Error) => void;
}

/**
 * A rotating pcap trace of one span's D-channel. Frames are queued and
 * written in batches; a failing disk never stops the D-channel (see
 * lastError and onError).
 */
export class DChannelTrace {
  readonly path: string;
  private readonly network: boolean;
  private readonly pcap: RotatingPcap;

  constructor(opts: DChannelTraceOptions) {
    this.path = opts.path;
    this.network = opts.side === 'network';
    const maxBytes = opts.maxBytes ?? 10 * 1024 * 1024;
    const smallest = PCAP_FILE_HEADER_LENGTH + PCAP_RECORD_HEADER_LENGTH + LAPD_HEADER_LENGTH + LARGEST_FRAME;
    if (!Number.isInteger(maxBytes) || maxBytes < smallest) {
      throw new RangeError(`D-channel trace ${opts.path}: maxBytes ${maxBytes} is below ${smallest}, the size of one largest frame`);
    }
    this.pcap = new RotatingPcap({
      path: opts.path,
      name: 'D-channel trace',
      linkType: LINKTYPE_LINUX_LAPD,
      maxBytes,
      ...(opts.keep !== undefined ? { keep: opts.keep } : {}),
      ...(opts.onError ? { onError: opts.onError } : {}),
    });
  }

  /** The last write failure (disk full, no permission), until a write succeeds again. */
  get lastError(): Error | null {
    return this.pcap.lastError;
  }

  /**
   * Queues one Q.921 frame (address, control, information; no flags or FCS).
   * `at` is the capture time in milliseconds since the epoch. A frame longer
   * than the snap length (a broken peer) is cut there, its original length kept.
   */
  write(frame: Uint8Array, direction: FrameDirection, at: number = Date.now()): void {
    const captured = frame.subarray(0, PCAP_SNAPLEN - LAPD_HEADER_LENGTH);
    const data = Buffer.alloc(LAPD_HEADER_LENGTH + captured.length);
    data.writeUInt16BE(direction === 'tx' ? PACKET_OUTGOING : PACKET_HOST, PKTTYPE_OFFSET);
    data.writeUInt16BE(ARPHRD_LAPD, HATYPE_OFFSET);
    data.writeUInt16BE(1, HALEN_OFFSET);
    data.writeUInt8(this.network ? 1 : 0, ADDR_OFFSET);
    data.writeUInt16BE(ETH_P_LAPD, PROTOCOL_OFFSET);
    data.set(captured, LAPD_HEADER_LENGTH);
    this.pcap.write(data, at, LAPD_HEADER_LENGTH + frame.length);
  }

  /** Resolves once the frames written so far are on disk (or lost, see lastError). */
  flush(): Promise<void> {
    return this.pcap.flush();
  }

  close(): Promise<void> {
    return this.pcap.close();
  }
}

/**
 * The span's D-channel with every frame, both ways, copied to the trace:
 * received frames before the Q.921 link sees them, sent ones as they leave.
 */
export function tracedFramePipe(pipe: FramePipe, trace: DChannelTrace): FramePipe {
  const traced = new EventEmitter<FramePipeEvents>() as FramePipe;
  pipe.on('frame', (frame) => {
    trace.write(frame, 'rx');
    traced.emit('frame', frame);
  });
  pipe.on('close', () => traced.emit('close'));
  traced.send = (frame) => {
    trace.write(frame, 'tx');
    pipe.send(frame);
  };
  return traced;
}
