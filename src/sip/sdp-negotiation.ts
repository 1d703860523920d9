// SDP offer/answer for one audio stream (RFC 3264), parsed and written with
// sdp-transform. Pure functions: the session description handler keeps the
// state, media/ gets the result as a NegotiatedAudio.
import sdpTransform, { type MediaDescription, type SessionDescription } from 'sdp-transform';
import type { AudioCodecName, MediaDirection, RtpMapEntry, SdesCrypto } from '../media/media-description.js';
import { formatSdesCrypto, parseSdesCrypto } from '../media/sdes-crypto.js';

export type { AudioCodecName, MediaDirection, RtpMapEntry, SdesCrypto };

/**
 * SRTP with SDES keys (RFC 4568) on a trunk: required offers RTP/SAVP and refuses
 * calls without keys; optional offers RTP/AVP with a=crypto (best effort) and takes
 * either; off never sends a=crypto and refuses RTP/SAVP.
 */
export type SrtpPolicy = 'required' | 'optional' | 'off';

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
  /** SDES keys (RFC 4568) when the stream is SRTP: ours (in our SDP) and the peer's. */
  crypto?: { local: SdesCrypto; remote: SdesCrypto };
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
  /** SRTP policy ('off' when absent) and our master key and salt for it. */
  srtp?: SrtpPolicy;
  crypto?: SdesCrypto;
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

interface Keying {
  protocol: 'RTP/AVP' | 'RTP/SAVP';
  crypto?: SdesCrypto;
}

function write(local: LocalMedia, formats: { pt: number; entry: RtpMapEntry }[], direction: MediaDirection, port: number, keying: Keying, rejected: MediaDescription[] = [], rejectedIndex: number[] = []): string {
  const audio: MediaDescription = {
    type: 'audio',
    port,
    protocol: keying.protocol,
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
  if (keying.crypto) {
    // RFC 4568 §9.1: a=crypto:<tag> <crypto-suite> <key-params>.
    const [id, suite, config] = formatSdesCrypto(keying.crypto).split(' ') as [string, string, string];
    audio.crypto = [{ id: Number(id), suite, config }];
  }
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
  return write(local, formats, local.direction, local.port, offerKeying(local));
}

/**
 * RFC 4568 §5.1.1 / §7.1.1: an SRTP offer carries our a=crypto on an RTP/SAVP
 * m= line; 'optional' keeps RTP/AVP so a peer without SRTP can still answer.
 */
function offerKeying(local: LocalMedia): Keying {
  const policy = local.srtp ?? 'off';
  if (policy === 'off' || !local.crypto) return { protocol: 'RTP/AVP' };
  return { protocol: policy === 'required' ? 'RTP/SAVP' : 'RTP/AVP', crypto: local.crypto };
}

/** The first a=crypto line of m= that we can use (RFC 4568 §7.1.2: unusable lines are skipped). */
function usableCrypto(m: MediaDescription): SdesCrypto | undefined {
  const lines = Array.isArray(m.crypto) ? m.crypto : [];
  for (const c of lines) {
    const text = [c.id, c.suite, c.config, c.sessionConfig].filter((x) => x !== undefined && x !== '').join(' ');
    const parsed = parseSdesCrypto(text);
    if (parsed.ok) return parsed.value;
  }
  return undefined;
}

function isSavp(m: MediaDescription): boolean {
  return String(m.protocol ?? '').toUpperCase() === 'RTP/SAVP';
}

/** How we answer an offer's keying under our policy, or why we refuse it. */
function answerKeying(m: MediaDescription, local: LocalMedia): { keying: Keying; remote?: SdesCrypto } | SdpRejection {
  const policy = local.srtp ?? 'off';
  const savp = isSavp(m);
  // RFC 3264 §6: the answer keeps the offered transport; with SRTP off we cannot speak RTP/SAVP.
  if (savp && policy === 'off') return new SdpRejection(488, 'RTP/SAVP offered but SRTP is off on this trunk');
  if (policy === 'off' || !local.crypto) return { keying: { protocol: 'RTP/AVP' } };
  const remote = usableCrypto(m);
  if (!remote) {
    // RFC 4568 §7.1.2: no acceptable crypto line on RTP/SAVP means the stream cannot be accepted.
    if (savp) return new SdpRejection(488, 'RTP/SAVP offer has no usable a=crypto (AES_CM_128_HMAC_SHA1_80 inline key)');
    if (policy === 'required') return new SdpRejection(488, 'SRTP is required on this trunk but the offer has no a=crypto');
    return { keying: { protocol: 'RTP/AVP' } };
  }
  // RFC 4568 §5.1.2 / §7.1.2: the answer's a=crypto carries the chosen offer line's tag and suite, with our own key.
  return { keying: { protocol: savp ? 'RTP/SAVP' : 'RTP/AVP', crypto: { ...local.crypto, tag: remote.tag, suite: remote.suite } }, remote };
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
  const keyed = answerKeying(audio.m, local);
  if (keyed instanceof SdpRejection) return keyed;
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
  const answer = write(local, formats, direction, local.port, keyed.keying, rejected, rejectedIndex);
  const n = negotiated(address, audio.m, formats, direction, te?.pt);
  if (keyed.keying.crypto && keyed.remote) n.crypto = { local: keyed.keying.crypto, remote: keyed.remote };
  return { answer, negotiated: n };
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
  const n = negotiated(address, audio.m, formats.filter((f) => !isTelephoneEvent(f.entry) || f === te), mirror[theirs], te?.pt);
  const ours = offerKeying(local);
  if (ours.crypto) {
    // RFC 4568 §7.1.3: the answer's a=crypto must carry the tag of the line we offered.
    const remote = usableCrypto(audio.m);
    if (remote && remote.tag === ours.crypto.tag && remote.suite === ours.crypto.suite) n.crypto = { local: ours.crypto, remote };
    else if (ours.protocol === 'RTP/SAVP' || isSavp(audio.m)) return new SdpRejection(488, 'answer to our SRTP offer has no matching a=crypto');
  } else if (isSavp(audio.m)) return new SdpRejection(488, 'answer is RTP/SAVP but we offered plain RTP');
  return n;
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

/**
 * Why an offer's keying is refused under an SRTP policy (488), or undefined when
 * it is acceptable: a quick check before the call is announced.
 */
export function srtpRefusal(offerSdp: string, policy: SrtpPolicy): SdpRejection | undefined {
  const offer = parse(offerSdp);
  if (offer instanceof SdpRejection) return offer;
  const audio = firstAudio(offer);
  if (!audio) return undefined;
  // Any well-formed key stands in for ours: only the offer's side is checked here.
  const probe: SdesCrypto = { tag: 1, suite: 'AES_CM_128_HMAC_SHA1_80', masterKey: new Uint8Array(16), masterSalt: new Uint8Array(14) };
  const keyed = answerKeying(audio.m, { address: '', port: 0, codecs: [], direction: 'sendrecv', sessionId: 0, sessionVersion: 0, srtp: policy, crypto: probe });
  return keyed instanceof SdpRejection ? keyed : undefined;
}
