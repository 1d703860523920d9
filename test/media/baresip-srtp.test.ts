// SRTP interop with an independent implementation: baresip (libre's SRTP)
// calls us with SDES keys (RFC 4568); each side sends a 1 kHz tone that the
// other must decrypt, authenticate and decode.
import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import { createSocket, type RemoteInfo, type Socket } from 'node:dgram';
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { once } from 'node:events';
import { g711Decode, g711Encode } from '../../src/hw/g711.js';
import { MediaSession } from '../../src/media/media-session.js';
import { formatSdesCrypto, generateSdesCrypto, parseSdesCrypto } from '../../src/media/sdes-crypto.js';
import { RTP_PORTS } from '../peers/baresip.js';
import { requirePeer } from '../peers/installed.js';
import { handOverPort, reservePort } from '../support/ports.js';
import { peakFrequency, rms } from './audio-tools.js';

/** Just enough of a SIP UAS (RFC 3261 §8.2.6) to answer baresip's INVITE and BYE. */
function answer(sip: Socket, req: string, to: RemoteInfo, sdp: string): void {
  const lines = req.split('\r\n');
  const keep = lines.filter((l) => /^(Via|From|Call-ID|CSeq):/i.test(l));
  let toHeader = lines.find((l) => /^To:/i.test(l)) ?? 'To: <sip:ours@127.0.0.1>';
  if (!/;tag=/.test(toHeader)) toHeader += ';tag=sipline-test';
  const port = sip.address().port;
  const head = ['SIP/2.0 200 OK', ...keep, toHeader, `Contact: <sip:ours@127.0.0.1:${port}>`];
  if (sdp) head.push('Content-Type: application/sdp');
  head.push(`Content-Length: ${Buffer.byteLength(sdp)}`);
  sip.send(head.join('\r\n') + '\r\n\r\n' + sdp, to.port, to.address);
}

describe('SRTP with baresip as the far end @slow', function () {
  this.timeout(30000);

  it('exchanges a 1 kHz tone both ways over SDES-keyed AES_CM_128_HMAC_SHA1_80', async () => {
    try {
      execFileSync('baresip', ['-h'], { stdio: 'pipe' });
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') throw new Error('baresip is not installed: apt-get install baresip (scripts/setup does it)');
    }
    const dir = mkdtempSync(join(tmpdir(), 'sipline-media-'));
    const sip = createSocket('udp4');
    await new Promise<void>((r) => sip.bind(0, '127.0.0.1', r));
    const session = await MediaSession.open({ address: '127.0.0.1', lineEncoding: 'PCMU' });
    const warnings: string[] = [];
    session.on('warning', (w) => warnings.push(w));
    const heard: Int16Array[] = [];
    session.onFrame((f) => heard.push(g711Decode('PCMU', f.data, new Int16Array(160))));
    const local = generateSdesCrypto(1);
    let feed: NodeJS.Timeout | undefined;
    try {
      const bsPort = await reservePort();
      // baresip's ausine source is 48 kHz stereo; baresip resamples it to PCMU.
      writeFileSync(join(dir, 'config'), [
        `sip_listen 127.0.0.1:${bsPort}`, RTP_PORTS, 'audio_source ausine,1000', 'audio_player aufile,/dev/null', 'audio_alert aufile,/dev/null',
        'ausrc_srate 48000', 'ausrc_channels 2', `snd_path ${dir}`, 'module_path /usr/lib/baresip/modules',
        ...['g711', 'ausine', 'aufile', 'sndfile', 'srtp', 'account', 'menu'].map((m) => `module ${m}.so`),
      ].join('\n') + '\n');
      writeFileSync(join(dir, 'accounts'), '<sip:bs@127.0.0.1>;regint=0;mediaenc=srtp-mand;audio_codecs=PCMU\n');

      let offered = '';
      sip.on('message', (m, from) => {
        const text = m.toString();
        const method = text.slice(0, text.indexOf(' '));
        if (method === 'BYE') return answer(sip, text, from, '');
        if (method !== 'INVITE') return;
        const body = text.slice(text.indexOf('\r\n\r\n') + 4);
        offered = body;
        const port = Number(/^m=audio (\d+) RTP\/SAVP/m.exec(body)?.[1]);
        const line = body.split(/\r?\n/).find((l) => l.startsWith('a=crypto:') && l.includes('AES_CM_128_HMAC_SHA1_80'));
        const remote = parseSdesCrypto(line ?? '');
        if (!remote.ok || !port) return;
        const ours = { ...local, tag: remote.value.tag };
        const sdp = ['v=0', 'o=- 1 1 IN IP4 127.0.0.1', 's=-', 'c=IN IP4 127.0.0.1', 't=0 0', `m=audio ${session.localRtpPort} RTP/SAVP 0`, 'a=rtpmap:0 PCMU/8000', `a=crypto:${formatSdesCrypto(ours)}`, 'a=sendrecv', ''].join('\r\n');
        answer(sip, text, from, sdp);
        session.negotiate({ remoteAddress: '127.0.0.1', remoteRtpPort: port, payloadTypes: new Map([[0, { name: 'PCMU', clockRate: 8000 }]]), sendPayloadType: 0, direction: 'sendrecv', crypto: { local: ours, remote: remote.value } });
        let n = 0;
        feed = setInterval(() => {
          const pcm = Int16Array.from({ length: 160 }, (_, i) => Math.round(8000 * Math.sin((2 * Math.PI * 1000 * (n * 160 + i)) / 8000)));
          n++;
          session.write({ encoding: 'PCMU', samples: 160, data: g711Encode('PCMU', pcm, new Uint8Array(160)) });
        }, 20);
      });

      requirePeer('baresip');
      const bs = await handOverPort(bsPort, () => spawn('baresip', ['-f', dir, '-t', '7', '-e', `/dial sip:ours@127.0.0.1:${sip.address().port}`], { stdio: ['ignore', 'pipe', 'pipe'] }), (p) => once(p, 'close'));
      let log = '';
      bs.stdout.on('data', (d: Buffer) => (log += d.toString()));
      bs.stderr.on('data', (d: Buffer) => (log += d.toString()));
      await new Promise((r) => bs.once('exit', r));
      clearInterval(feed);

      assert.match(offered, /RTP\/SAVP/, `baresip sent no SRTP offer; its log:\n${log.slice(-2000)}`);
      assert.match(log, /SRTP is Enabled \(cryptosuite=AES_CM_128_HMAC_SHA1_80\)/);
      assert.doesNotMatch(log, /failed to decrypt RTP/, 'baresip could not decrypt our SRTP');
      // Ours: every SRTP packet from baresip authenticated and decoded.
      const s = session.stats();
      assert.ok(s.packetsReceived >= 100, `only ${s.packetsReceived} packets from baresip`);
      assert.equal(s.lost, 0);
      assert.deepEqual(warnings.filter((w) => /SRTP packet/.test(w)), []);
      // baresip's SRTCP sender report (its RTCP interval is ~5 s), decrypted and authenticated, reached our stats.
      // (Its plain RTCP before and after SRTP, an APP keepalive and a final BYE, is refused.)
      assert.ok(s.remote, `no SRTCP report from baresip was accepted: ${warnings.join('; ')}`);
      const ours = new Int16Array(heard.length * 160);
      heard.forEach((f, i) => ours.set(f, i * 160));
      const loud = ours.subarray(ours.length - 8000 - 1600, ours.length - 1600);
      const mine = peakFrequency(loud);
      assert.ok(Math.abs(mine.freq - 1000) <= 2 && rms(loud) > 1000, `we heard ${mine.freq} Hz at rms ${rms(loud).toFixed(0)} from baresip`);
      // Theirs: baresip's recording of what it decrypted and decoded from us.
      const wav = readdirSync(dir).find((f) => f.endsWith('-dec.wav'));
      assert.ok(wav, `baresip recorded nothing it received; files: ${readdirSync(dir).join(', ')}`);
      const raw = execFileSync('sox', [join(dir, wav), '-t', 'raw', '-r', '8000', '-e', 'signed-integer', '-b', '16', '-c', '1', '-']);
      const theirs = new Int16Array(raw.buffer, raw.byteOffset, raw.byteLength >> 1);
      const section = theirs.subarray(Math.max(0, theirs.length - 8000 - 1600), theirs.length - 1600);
      const m = peakFrequency(section);
      assert.ok(Math.abs(m.freq - 1000) <= 2 && rms(section) > 1000, `baresip heard ${m.freq} Hz at rms ${rms(section).toFixed(0)} from us`);
    } finally {
      clearInterval(feed);
      session.close();
      sip.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
