// SRTP and SRTCP with SDES keys (RFC 3711, keys from RFC 4568 a=crypto).
// The transforms (AES-CM key derivation §4.3, AES-CM §4.1.1, HMAC-SHA1
// §4.2.1, ROC §3.3.1) come from werift-rtp; the replay list of §3.3.2 is
// ours, because werift-rtp keeps none.
import { ProtectionProfileAes128CmHmacSha1_80, RtpHeader, SrtcpSession, SrtpSession } from 'werift-rtp';
import type { SdesCrypto } from './media-description.js';
import type { Parsed } from './sdes-crypto.js';

const REPLAY_WINDOW = 64; // RFC 3711 §3.3.2: at least 64 packets
const AUTH_TAG = 10; // AES_CM_128_HMAC_SHA1_80: 80-bit tag
const SRTCP_INDEX = 4;

/** A sliding window of received indices (RFC 3711 §3.3.2). */
class ReplayList {
  private highest = -1;
  private window = 0n;

  /** True when the index is new and inside the window; marks it seen. */
  accept(index: number): boolean {
    if (index > this.highest) {
      const shift = index - this.highest;
      this.window = shift >= REPLAY_WINDOW ? 1n : ((this.window << BigInt(shift)) | 1n) & ((1n << BigInt(REPLAY_WINDOW)) - 1n);
      this.highest = index;
      return true;
    }
    const back = this.highest - index;
    if (back >= REPLAY_WINDOW) return false;
    const bit = 1n << BigInt(back);
    if (this.window & bit) return false;
    this.window |= bit;
    return true;
  }
}

/** One direction pair of SRTP/SRTCP for a call. */
export class SrtpContext {
  private readonly srtp: SrtpSession;
  private readonly srtcp: SrtcpSession;
  private readonly replay = new Map<number, { list: ReplayList; roc: number; lastSeq: number }>();
  private readonly rtcpReplay = new Map<number, ReplayList>();

  constructor(local: SdesCrypto, remote: SdesCrypto) {
    const keys = {
      localMasterKey: Buffer.from(local.masterKey),
      localMasterSalt: Buffer.from(local.masterSalt),
      remoteMasterKey: Buffer.from(remote.masterKey),
      remoteMasterSalt: Buffer.from(remote.masterSalt),
    };
    this.srtp = new SrtpSession({ keys, profile: ProtectionProfileAes128CmHmacSha1_80 });
    this.srtcp = new SrtcpSession({ keys, profile: ProtectionProfileAes128CmHmacSha1_80 });
  }

  /** RTP -> SRTP (RFC 3711 §3.3). */
  protectRtp(packet: Uint8Array): Uint8Array {
    const buf = Buffer.from(packet.buffer, packet.byteOffset, packet.byteLength);
    const header = RtpHeader.deSerialize(buf);
    return this.srtp.encrypt(buf.subarray(header.payloadOffset), header);
  }

  /** SRTP -> RTP (RFC 3711 §3.4): authentication, then replay check, then decryption. */
  unprotectRtp(packet: Uint8Array): Parsed<Uint8Array> {
    if (packet.length < 12 + AUTH_TAG) return { ok: false, error: `SRTP packet of ${packet.length} octets is too short` };
    const buf = Buffer.from(packet.buffer, packet.byteOffset, packet.byteLength);
    const ssrc = buf.readUInt32BE(8);
    const seq = buf.readUInt16BE(2);
    let out: Buffer;
    try {
      out = this.srtp.decrypt(buf);
    } catch (err) {
      return { ok: false, error: `SRTP packet seq ${seq} from SSRC ${ssrc.toString(16)}: ${(err as Error).message}` };
    }
    // §3.3.1: estimate the packet index from our own ROC and highest seq.
    let state = this.replay.get(ssrc);
    if (!state) {
      state = { list: new ReplayList(), roc: 0, lastSeq: seq };
      this.replay.set(ssrc, state);
    }
    let roc = state.roc;
    if (state.lastSeq < 32768 && seq - state.lastSeq > 32768) roc = state.roc - 1;
    else if (state.lastSeq >= 32768 && state.lastSeq - seq > 32768) roc = state.roc + 1;
    const index = roc * 65536 + seq;
    if (!state.list.accept(index)) return { ok: false, error: `SRTP packet seq ${seq} from SSRC ${ssrc.toString(16)} is a replay (RFC 3711 §3.3.2)` };
    if (index > state.roc * 65536 + state.lastSeq) {
      state.roc = roc;
      state.lastSeq = seq;
    }
    return { ok: true, value: out };
  }

  /** RTCP -> SRTCP (RFC 3711 §3.4, E bit set, SRTCP index). */
  protectRtcp(packet: Uint8Array): Uint8Array {
    return this.srtcp.encrypt(Buffer.from(packet.buffer, packet.byteOffset, packet.byteLength));
  }

  unprotectRtcp(packet: Uint8Array): Parsed<Uint8Array> {
    if (packet.length < 8 + SRTCP_INDEX + AUTH_TAG) return { ok: false, error: `SRTCP packet of ${packet.length} octets is too short` };
    const buf = Buffer.from(packet.buffer, packet.byteOffset, packet.byteLength);
    let out: Buffer;
    try {
      out = this.srtcp.decrypt(buf);
    } catch (err) {
      return { ok: false, error: `SRTCP packet: ${(err as Error).message}` };
    }
    const ssrc = buf.readUInt32BE(4);
    const index = buf.readUInt32BE(buf.length - AUTH_TAG - SRTCP_INDEX) & 0x7fffffff;
    let list = this.rtcpReplay.get(ssrc);
    if (!list) this.rtcpReplay.set(ssrc, (list = new ReplayList()));
    if (!list.accept(index)) return { ok: false, error: `SRTCP index ${index} from SSRC ${ssrc.toString(16)} is a replay (RFC 3711 §3.3.2)` };
    return { ok: true, value: out };
  }
}
