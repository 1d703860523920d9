// SDP offer/answer for one audio stream (RFC 3264), parsed and written with
// sdp-transform. Pure functions: the session description handler keeps the
// state, media/ gets the result as a NegotiatedAudio.
import sdpTransform, { type MediaDescription, type SessionDescription } from 'sdp-transform';
import type { AudioCodecName, MediaDirection, RtpMapEntry } from '../media/media-description.js';

export type { AudioCodecName, MediaDirection, RtpMapEntry };

/** What offer/answer settled for the audio stream, from our point of view. */
export interface NegotiatedAudio {
  remoteAddress: string;
  remoteRtpPort: number;
  payloadTypes: ReadonlyMap<number, RtpMapEntry>;
  /** The payload type we send: the first common audio format of the answer (RFC 3264 §6.1). */
  sendPayloadType: number;
  codec: AudioCodecName;
  ptime?: number;
  direction: MediaDirection;
  /** telephone-event/8000 (RFC 4733 §7.1.1), when both sides have it. */
  telephoneEventPayloadType?: number;
}

export interface LocalMedia {
  address: string;
  port: number;
  /** Codecs in our order of preference. */
  codecs: readonly AudioCodecName[];
  ptime?: number;
  /** sendrecv normally; sendonly when we put the peer on hold. */
  direction: MediaDirection;
  /** o= session id and version (RFC 4566 §5.2); the version goes up with every new SDP we send (RFC 3264 §8). */
  sessionId: number;
  sessionVersion: number;
}

/** RFC 3551 §6 static types for G.711; dynamic ones we use for opus and telephone-event. */
const codecFormats: Record<AudioCodecName, { pt: number; entry: RtpMapEntry }> = {
  PCMU: { pt: 0, entry: { name: 'PCMU', clockRate: 8000 } },
  PCMA: { pt: 8, entry: { name: 'PCMA', clockRate: 8000 } },
  // RFC 7587 §7: always opus/48000/2 in SDP.
  opus: { pt: 111, entry: { name: 'opus', clockRate: 48000, channels: 2, fmtp: { useinbandfec: '1' } } },
};
const TELEPHONE_EVENT_PT = 101;
/** telephone-event/48000 to go with opus (RFC 4733 §2.1, RFC 7587 §4.1). */
const TELEPHONE_EVENT_48K_PT = 102;

/** Raised (as a value) when an offer cannot be answered; the status says how to refuse it. */
export class SdpRejection {
  constructor(
    readonly status: 488 | 400,
    readonly reason: string,
  ) {}
}

function parse(sdp: string): SessionDescription | SdpRejection {
  try {
    const s = sdpTransform.parse(sdp);
    if (!Array.isArray(s.media)) return new SdpRejection(400, 'SDP without media');
    return s;
  } catch (err) {
    return new SdpRejection(400, `unparsable SDP: ${(err as Error).message}`);
  }
}

function fmtpOf(m: MediaDescription, pt: number): Record<string, string> | undefined {
  const f = (m.fmtp ?? []).find((x) => x.payload === pt);
  if (!f) return undefined;
  const out: Record<string, string> = {};
  for (const part of String(f.config).split(';')) {
    const [k, v] = part.split('=');
    if (k?.trim()) out[k.trim()] = (v ?? '').trim();
  }
  return out;
}

/** The rtpmap entries of an m= line; static types without rtpmap are filled in (RFC 3551 §6). */
function formatsOf(m: MediaDescription): { pt: number; entry: RtpMapEntry }[] {
  const pts = String(m.payloads ?? '')
    .split(/\s+/)
    .filter((p) => /^\d{1,3}$/.test(p))
    .map(Number);
  const out: { pt: number; entry: RtpMapEntry }[] = [];
  for (const pt of pts) {
    const rtp = (m.rtp ?? []).find((r) => r.payload === pt);
    let entry: RtpMapEntry | undefined;
    if (rtp) {
      entry = { name: String(rtp.codec), clockRate: Number(rtp.rate) || 8000 };
      const ch = Number(rtp.encoding);
      if (Number.isInteger(ch) && ch > 0) entry.channels = ch;
    } else if (pt === 0) entry = { name: 'PCMU', clockRate: 8000 };
    else if (pt === 8) entry = { name: 'PCMA', clockRate: 8000 };
    if (!entry) continue;
    const fmtp = fmtpOf(m, pt);
    if (fmtp) entry.fmtp = fmtp;
    out.push({ pt, entry });
  }
  return out;
}

function codecOf(e: RtpMapEntry): AudioCodecName | undefined {
  const name = e.name.toUpperCase();
  if (name === 'PCMU' && e.clockRate === 8000) return 'PCMU';
  if (name === 'PCMA' && e.clockRate === 8000) return 'PCMA';
  if (name === 'OPUS' && e.clockRate === 48000) return 'opus';
  return undefined;
}

function isTelephoneEvent(e: RtpMapEntry): boolean {
  return e.name.toLowerCase() === 'telephone-event';
}

/** RFC 4733 §2.1: events run at the audio codec's clock; prefer that rate, else 8000. */
function pickTelephoneEvent(formats: { pt: number; entry: RtpMapEntry }[], audioRate: number): { pt: number; entry: RtpMapEntry } | undefined {
  const events = formats.filter((f) => isTelephoneEvent(f.entry));
  return events.find((f) => f.entry.clockRate === audioRate) ?? events.find((f) => f.entry.clockRate === 8000);
}

function directionOf(s: SessionDescription, m: MediaDescription): MediaDirection {
  // RFC 3264 §5.1 / RFC 4566 §6: media-level attribute wins over session level; default sendrecv.
  const d = m.direction ?? s.direction ?? 'sendrecv';
  // RFC 3264 §8.4: the old hold form c=0.0.0.0 means the offerer does not want to receive.
  const c = m.connection?.ip ?? s.connection?.ip;
  if (c === '0.0.0.0' && d === 'sendrecv') return 'sendonly';
  return d;
}

/** RFC 3264 §6.1: the answerer's direction mirrors the offer's. */
function answerDirection(offered: MediaDirection, ours: MediaDirection): MediaDirection {
  const weSend = ours === 'sendrecv' || ours === 'sendonly';
  const weReceive = ours === 'sendrecv' || ours === 'recvonly';
  const theySend = offered === 'sendrecv' || offered === 'sendonly';
  const theyReceive = offered === 'sendrecv' || offered === 'recvonly';
  const send = weSend && theyReceive;
  const receive = weReceive && theySend;
  return send && receive ? 'sendrecv' : send ? 'sendonly' : receive ? 'recvonly' : 'inactive';
}

function write(local: LocalMedia, formats: { pt: number; entry: RtpMapEntry }[], direction: MediaDirection, port: number, rejected: MediaDescription[] = [], rejectedIndex: number[] = []): string {
  const audio: MediaDescription = {
    type: 'audio',
    port,
    protocol: 'RTP/AVP',
    payloads: formats.map((f) => f.pt).join(' '),
    rtp: formats.map((f) => ({ payload: f.pt, codec: f.entry.name, rate: f.entry.clockRate, ...(f.entry.channels ? { encoding: f.entry.channels } : {}) })),
    fmtp: formats
      .filter((f) => f.entry.fmtp)
      .map((f) => ({
        payload: f.pt,
        config: Object.entries(f.entry.fmtp!)
          .map(([k, v]) => (v === '' ? k : `${k}=${v}`))
          .join(';'),
      })),
    direction,
  };
  if (local.ptime) audio.ptime = local.ptime;
  const media: MediaDescription[] = [audio];
  // RFC 3264 §6: the answer has one m= line per offered one, rejected ones with port 0.
  rejectedIndex.forEach((at, i) => media.splice(at, 0, rejected[i]!));
  const ip = local.address;
  const session: SessionDescription = {
    version: 0,
    origin: { username: 'sipline', sessionId: local.sessionId, sessionVersion: local.sessionVersion, netType: 'IN', ipVer: ip.includes(':') ? 6 : 4, address: ip },
    name: 'sipline',
    connection: { version: ip.includes(':') ? 6 : 4, ip },
    timing: { start: 0, stop: 0 },
    media,
  };
  return sdpTransform.write(session);
}

/** Our offer: every codec we have plus telephone-event (RFC 3264 §5, RFC 4733 §7.1.1). */
export function createOffer(local: LocalMedia): string {
  const formats = local.codecs.map((c) => codecFormats[c]);
  formats.push({ pt: TELEPHONE_EVENT_PT, entry: { name: 'telephone-event', clockRate: 8000, fmtp: { '0-16': '' } } });
  if (local.codecs.includes('opus')) formats.push({ pt: TELEPHONE_EVENT_48K_PT, entry: { name: 'telephone-event', clockRate: 48000, fmtp: { '0-16': '' } } });
  return write(local, formats, local.direction, local.port);
}

function firstAudio(s: SessionDescription): { m: MediaDescription; index: number } | undefined {
  const index = s.media.findIndex((m) => m.type === 'audio' && m.port > 0);
  return index < 0 ? undefined : { m: s.media[index]!, index };
}

function remoteAddressOf(s: SessionDescription, m: MediaDescription): string | undefined {
  return m.connection?.ip ?? s.connection?.ip;
}

/**
 * Answers an offer (RFC 3264 §6): keeps the offered audio formats we support,
 * in the offerer's order, plus telephone-event; 488 when none is common.
 */
export function answerOffer(offerSdp: string, local: LocalMedia): { answer: string; negotiated: NegotiatedAudio } | SdpRejection {
  const offer = parse(offerSdp);
  if (offer instanceof SdpRejection) return offer;
  const audio = firstAudio(offer);
  if (!audio) return new SdpRejection(488, 'offer has no audio stream');
  const address = remoteAddressOf(offer, audio.m);
  if (!address) return new SdpRejection(400, 'offer has no c= line for audio');
  const offered = formatsOf(audio.m);
  const common = offered.filter((f) => {
    const c = codecOf(f.entry);
    return c !== undefined && local.codecs.includes(c);
  });
  // RFC 3264 §6: "If there are no media formats in common ... the answerer MUST reject" (SIP: 488, RFC 3261 §13.3.1.3).
  if (common.length === 0) return new SdpRejection(488, 'no common audio codec');
  const te = pickTelephoneEvent(offered, common[0]!.entry.clockRate);
  const formats = te ? [...common, te] : common;
  const offeredDirection = directionOf(offer, audio.m);
  const direction = answerDirection(offeredDirection, local.direction);
  const rejected: MediaDescription[] = [];
  const rejectedIndex: number[] = [];
  offer.media.forEach((m, i) => {
    if (i !== audio.index) {
      rejected.push({ type: m.type, port: 0, protocol: m.protocol, payloads: m.payloads ?? '' } as MediaDescription);
      rejectedIndex.push(i);
    }
  });
  const answer = write(local, formats, direction, local.port, rejected, rejectedIndex);
  return { answer, negotiated: negotiated(address, audio.m, formats, direction, te?.pt) };
}

function negotiated(address: string, m: MediaDescription, formats: { pt: number; entry: RtpMapEntry }[], direction: MediaDirection, te: number | undefined): NegotiatedAudio {
  const first = formats.find((f) => codecOf(f.entry))!;
  const n: NegotiatedAudio = {
    remoteAddress: address,
    remoteRtpPort: m.port,
    payloadTypes: new Map(formats.map((f) => [f.pt, f.entry])),
    sendPayloadType: first.pt,
    codec: codecOf(first.entry)!,
    direction,
  };
  if (m.ptime) n.ptime = Number(m.ptime);
  if (te !== undefined) n.telephoneEventPayloadType = te;
  return n;
}

/** Takes the answer to our offer (RFC 3264 §7): its formats must be a subset of what we offered. */
export function acceptAnswer(answerSdp: string, local: LocalMedia): NegotiatedAudio | SdpRejection {
  const answer = parse(answerSdp);
  if (answer instanceof SdpRejection) return answer;
  const audio = firstAudio(answer);
  if (!audio) return new SdpRejection(488, 'answer rejected the audio stream');
  const address = remoteAddressOf(answer, audio.m);
  if (!address) return new SdpRejection(400, 'answer has no c= line for audio');
  const formats = formatsOf(audio.m).filter((f) => {
    const c = codecOf(f.entry);
    return (c !== undefined && local.codecs.includes(c)) || isTelephoneEvent(f.entry);
  });
  if (!formats.some((f) => codecOf(f.entry))) return new SdpRejection(488, 'answer has no codec we offered');
  const theirs = directionOf(answer, audio.m);
  // From our side, the direction is the mirror of theirs (RFC 3264 §6.1).
  const mirror: Record<MediaDirection, MediaDirection> = { sendrecv: 'sendrecv', sendonly: 'recvonly', recvonly: 'sendonly', inactive: 'inactive' };
  const first = formats.find((f) => codecOf(f.entry))!;
  const te = pickTelephoneEvent(formats, first.entry.clockRate);
  return negotiated(address, audio.m, formats.filter((f) => !isTelephoneEvent(f.entry) || f === te), mirror[theirs], te?.pt);
}

/** The codecs an offer carries that we know, for a quick 488 check before answering. */
export function offeredCodecs(offerSdp: string): AudioCodecName[] | SdpRejection {
  const offer = parse(offerSdp);
  if (offer instanceof SdpRejection) return offer;
  const audio = firstAudio(offer);
  if (!audio) return [];
  return formatsOf(audio.m)
    .map((f) => codecOf(f.entry))
    .filter((c): c is AudioCodecName => c !== undefined);
}
