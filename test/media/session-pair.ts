// Two media sessions on loopback wired to each other, for tests and the bench.
import type { AudioFrame, FrameEncoding } from '../../src/media/frame.js';
import type { NegotiatedMedia, RtpMapEntry, SdesCrypto } from '../../src/media/media-description.js';
import { MediaSession, type MediaConfig } from '../../src/media/media-session.js';

export const RTPMAP: ReadonlyMap<number, RtpMapEntry> = new Map<number, RtpMapEntry>([
  [0, { name: 'PCMU', clockRate: 8000 }],
  [8, { name: 'PCMA', clockRate: 8000 }],
  [111, { name: 'opus', clockRate: 48000, channels: 2, fmtp: { useinbandfec: '1' } }],
  [101, { name: 'telephone-event', clockRate: 8000, fmtp: { '0-15': '' } }],
  [13, { name: 'CN', clockRate: 8000 }],
]);

export const PT: Record<'PCMU' | 'PCMA' | 'opus', number> = { PCMU: 0, PCMA: 8, opus: 111 };

export function description(peer: MediaSession, codec: 'PCMU' | 'PCMA' | 'opus', extra: Partial<NegotiatedMedia> = {}): NegotiatedMedia {
  const map = new Map(RTPMAP);
  if (codec === 'opus') map.set(101, { name: 'telephone-event', clockRate: 48000 });
  return {
    remoteAddress: '127.0.0.1',
    remoteRtpPort: peer.localRtpPort,
    payloadTypes: map,
    sendPayloadType: PT[codec],
    ptime: 20,
    direction: 'sendrecv',
    telephoneEventPayloadType: 101,
    comfortNoisePayloadType: 13,
    ...extra,
  };
}

export async function openPair(a: Partial<MediaConfig> & { lineEncoding: FrameEncoding }, b: Partial<MediaConfig> & { lineEncoding: FrameEncoding }): Promise<[MediaSession, MediaSession]> {
  const x = await MediaSession.open({ address: '127.0.0.1', ...a });
  const y = await MediaSession.open({ address: '127.0.0.1', ...b });
  return [x, y];
}

/** Collects frames a session hands to its line. */
export function collect(s: MediaSession): AudioFrame[] {
  const frames: AudioFrame[] = [];
  s.onFrame((f) => frames.push({ ...f, data: Uint8Array.from(f.data) }));
  return frames;
}

export function keys(tag = 1): { a: SdesCrypto; b: SdesCrypto } {
  const mk = (fill: number): SdesCrypto => ({ tag, suite: 'AES_CM_128_HMAC_SHA1_80', masterKey: new Uint8Array(16).fill(fill), masterSalt: new Uint8Array(14).fill(fill + 1) });
  return { a: mk(3), b: mk(7) };
}

/** Paces a test's sender as a card does: resolves at the next 20 ms frame. Never a wait before an assertion. */
export const nextFrame = (): Promise<void> => new Promise((r) => setTimeout(r, 20));
