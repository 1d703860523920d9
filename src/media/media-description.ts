// What the SDP offer/answer (src/sip/) settled for one audio stream, in the
// shape the media session takes. The sip side builds it; media/ never parses SDP.

/** Stream direction as SDP says it (RFC 3264 §6.1), from our point of view. */
export type MediaDirection = 'sendrecv' | 'sendonly' | 'recvonly' | 'inactive';

/** Audio codecs the transcoder knows (RFC 3551 §6 for G.711, RFC 7587 for Opus). */
export type AudioCodecName = 'PCMU' | 'PCMA' | 'opus';

/** One a=rtpmap entry (RFC 4566 §6) that was negotiated. */
export interface RtpMapEntry {
  /** Encoding name as in a=rtpmap: PCMU, PCMA, opus, telephone-event, CN. Case-insensitive. */
  name: string;
  /** RTP clock rate in Hz (8000 for G.711, 48000 for opus per RFC 7587 §7). */
  clockRate: number;
  /** Channels (opus is always "/2" in SDP, RFC 7587 §7). */
  channels?: number;
  /** a=fmtp parameters, e.g. { useinbandfec: '1' } or { '0-15': '' } for telephone-event. */
  fmtp?: Record<string, string>;
}

/** SRTP crypto suites we offer and accept (RFC 4568 §6.2.1; RFC 3711 default transforms). */
export type SrtpSuite = 'AES_CM_128_HMAC_SHA1_80';

/** One a=crypto line, parsed (RFC 4568 §9.1). */
export interface SdesCrypto {
  /** The tag that pairs offer and answer lines (RFC 4568 §9.1). */
  tag: number;
  suite: SrtpSuite;
  /** 16-octet master key. */
  masterKey: Uint8Array;
  /** 14-octet master salt. */
  masterSalt: Uint8Array;
}

/** The negotiated description of one audio stream. */
export interface NegotiatedMedia {
  /** Where the peer wants RTP (c= and m= of its SDP). Symmetric RTP may latch elsewhere. */
  remoteAddress: string;
  remoteRtpPort: number;
  /** a=rtcp (RFC 3605) if the peer sent one; otherwise remoteRtpPort + 1 (RFC 3550 §11). */
  remoteRtcpPort?: number;
  /** Payload type -> codec of every format both sides accepted (audio, telephone-event, CN). */
  payloadTypes: ReadonlyMap<number, RtpMapEntry>;
  /** The audio payload type we send: the first audio format of the answer (RFC 3264 §6.1). */
  sendPayloadType: number;
  /** Packetisation time in ms (a=ptime); 20 when absent. */
  ptime?: number;
  direction: MediaDirection;
  /** Payload type of telephone-event/8000 (RFC 4733 §7.1.1), when negotiated. */
  telephoneEventPayloadType?: number;
  /** Comfort noise payload type (RFC 3389 §5; static 13, RFC 3551 §6), when negotiated. */
  comfortNoisePayloadType?: number;
  /** SDES keys (RFC 4568) when the stream is RTP/SAVP: ours (sent in our SDP) and theirs. */
  crypto?: { local: SdesCrypto; remote: SdesCrypto };
}
