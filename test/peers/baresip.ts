// Runs baresip (Debian package baresip) as a real SIP user agent, with a
// config folder made for the run in a temp directory and audio from a file
// (aufile module).
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { watchOutput } from '../support/output.js';
import { handOverPort } from '../support/ports.js';
import { eventually } from '../support/waiting.js';
import { requirePeer } from './installed.js';

export function requireBaresip(): void {
  requirePeer('baresip');
}

/**
 * baresip's RTP ports: below those reservePort() hands out (its default range
 * covers them, and it could take one a peer is about to bind).
 */
export const RTP_PORTS = 'rtp_ports 10000-19998';

/** A 16-bit WAV of a sine tone (baresip 1.0's aufile needs the codec's rate and channels). */
export function toneWav(hz: number, seconds: number, rate = 8000, channels = 1): Buffer {
  const n = rate * seconds;
  const data = Buffer.alloc(n * 2 * channels);
  for (let i = 0; i < n; i++) {
    const v = Math.round(8000 * Math.sin((2 * Math.PI * hz * i) / rate));
    for (let c = 0; c < channels; c++) data.writeInt16LE(v, (i * channels + c) * 2);
  }
  const h = Buffer.alloc(44);
  h.write('RIFF', 0);
  h.writeUInt32LE(36 + data.length, 4);
  h.write('WAVEfmt ', 8);
  h.writeUInt32LE(16, 16);
  h.writeUInt16LE(1, 20);
  h.writeUInt16LE(channels, 22);
  h.writeUInt32LE(rate, 24);
  h.writeUInt32LE(rate * 2 * channels, 28);
  h.writeUInt16LE(2 * channels, 32);
  h.writeUInt16LE(16, 34);
  h.write('data', 36);
  h.writeUInt32LE(data.length, 40);
  return Buffer.concat([h, data]);
}

export interface Baresip {
  /** UDP/TCP port; TLS listens on port + 1. */
  port: number;
  output(): string;
  /** Resolves when the output matches. */
  waitFor(pattern: RegExp, timeoutMs?: number): Promise<void>;
  /** What baresip decoded from us (the sndfile module's *-dec.wav; start with record), as 16-bit samples. */
  recording(): Int16Array;
  /** The recording once it holds `minSamples` and has stopped growing (after the call ended). */
  finalRecording(minSamples: number): Promise<Int16Array>;
  stop(): Promise<void>;
}

/**
 * mediaenc: baresip's srtp module with SDES keys (RFC 4568); "srtp-mand" offers and
 * demands RTP/SAVP, "srtp" offers RTP/AVP with a=crypto (best effort).
 */
export async function startBaresip(opts: { port: number; codec: string; /** Address to listen on, 127.0.0.1 by default (::1 for IPv6). */ host?: string; tls?: { certAndKey: string; ca: string }; commands?: string[]; mediaenc?: 'srtp' | 'srtp-mand'; record?: boolean; sipTrace?: boolean; user?: string }): Promise<Baresip> {
  requireBaresip();
  const dir = mkdtempSync(join(tmpdir(), 'sipline-baresip-'));
  const host = opts.host?.includes(':') ? `[${opts.host}]` : (opts.host ?? '127.0.0.1');
  const opus = opts.codec.toLowerCase().startsWith('opus');
  writeFileSync(join(dir, 'tone.wav'), opus ? toneWav(1000, 10, 48000, 2) : toneWav(1000, 10));
  const config = [
    'module_path /usr/lib/baresip/modules',
    `sip_listen ${host}:${opts.port}`,
    RTP_PORTS,
    `audio_source aufile,${join(dir, 'tone.wav')}`,
    `audio_player aufile,${join(dir, 'out.wav')}`,
    `audio_alert aufile,${join(dir, 'tone.wav')}`,
    'module g711.so',
    'module opus.so',
    'module aufile.so',
    'module account.so',
    'module_app menu.so',
  ];
  if (opts.record) {
    mkdirSync(join(dir, 'dump'));
    config.push('module sndfile.so', `snd_path ${join(dir, 'dump')}`);
  }
  // The srtp module must register before account.so reads mediaenc= from the accounts file.
  if (opts.mediaenc) config.splice(config.indexOf('module account.so'), 0, 'module srtp.so');
  if (opts.tls) {
    writeFileSync(join(dir, 'both.pem'), opts.tls.certAndKey);
    writeFileSync(join(dir, 'ca.pem'), opts.tls.ca);
    config.push(`sip_certificate ${join(dir, 'both.pem')}`, `sip_cafile ${join(dir, 'ca.pem')}`);
  }
  // baresip picks its media address from its interfaces: IPv6 and loopback only.
  if (opts.host?.includes(':')) config.push('net_prefer_ipv6 yes', `net_interface ${opts.host}`);
  writeFileSync(join(dir, 'config'), `${config.join('\n')}\n`);
  writeFileSync(join(dir, 'accounts'), `<sip:${opts.user ?? 'baresip'}@${host}>;regint=0;answermode=auto;audio_codecs=${opts.codec}${opts.mediaenc ? `;mediaenc=${opts.mediaenc}` : ''}\n`);
  const args = ['-f', dir, ...(opts.sipTrace ? ['-s'] : []), ...(opts.commands ?? []).flatMap((c) => ['-e', c])];
  const child: ChildProcess = await handOverPort(opts.port, () => spawn('baresip', args, { stdio: ['ignore', 'pipe', 'pipe'] }), (c) => once(c, 'close'));
  const out = watchOutput('baresip', child);
  const b: Baresip = {
    port: opts.port,
    output: () => out.text(),
    waitFor: async (pattern, timeoutMs = 5000) => {
      await out.waitFor(pattern, { timeoutMs });
    },
    recording: () => {
      const name = opts.record ? readdirSync(join(dir, 'dump')).find((f) => f.endsWith('-dec.wav')) : undefined;
      if (!name) return new Int16Array(0);
      const wav = readFileSync(join(dir, 'dump', name));
      // Samples follow the "data" chunk header; its size may not be filled in while the call runs.
      const at = wav.indexOf('data', 12);
      if (at < 0) return new Int16Array(0);
      const data = wav.subarray(at + 8, at + 8 + ((wav.length - at - 8) & ~1));
      return new Int16Array(data.buffer.slice(data.byteOffset, data.byteOffset + data.length));
    },
    finalRecording: (minSamples) => {
      let last = -1;
      return eventually('baresip\'s recording to be complete', () => {
        const r = b.recording();
        const done = r.length >= minSamples && r.length === last;
        last = r.length;
        return done && r;
      }, { intervalMs: 100 });
    },
    stop: async () => {
      if (child.exitCode === null) {
        child.kill('SIGTERM');
        await new Promise((r) => child.once('close', r));
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
  await b.waitFor(/baresip is ready/);
  return b;
}
