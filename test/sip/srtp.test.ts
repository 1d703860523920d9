// SRTP with SDES keys (RFC 4568) in our SDP offer/answer, and against baresip over TLS.
import assert from 'node:assert/strict';
import { execFileSync, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import type { AudioFrame } from '../../src/media/frame.js';
import { g711Decode, g711Encode } from '../../src/hw/g711.js';
import { formatSdesCrypto, generateSdesCrypto } from '../../src/media/sdes-crypto.js';
import type { SipCall } from '../../src/sip/sip-call.js';
import { SipEndpoint } from '../../src/sip/sip-endpoint.js';
import { rtpMediaFactory } from '../../src/sip/rtp-media-factory.js';
import { acceptAnswer, answerOffer, createOffer, SdpRejection, srtpRefusal, type LocalMedia, type SrtpPolicy } from '../../src/sip/sdp-negotiation.js';
import { need, startCapture, stopCapture } from '../peers/tshark.js';
import { startBaresip, type Baresip } from '../peers/baresip.js';
import { reservePort } from '../support/ports.js';
import { testCertificatePem } from './test-certificate.js';
import { eventually } from '../support/waiting.js';

function local(srtp: SrtpPolicy, port = 40000): LocalMedia {
  return { address: '127.0.0.1', port, codecs: ['PCMU', 'PCMA'], direction: 'sendrecv', sessionId: 1, sessionVersion: 1, srtp, crypto: generateSdesCrypto() };
}

function offer(protocol: string, cryptoLines: string[]): string {
  return ['v=0', 'o=- 1 1 IN IP4 127.0.0.1', 's=-', 'c=IN IP4 127.0.0.1', 't=0 0', `m=audio 41000 ${protocol} 0 101`, 'a=rtpmap:0 PCMU/8000', 'a=rtpmap:101 telephone-event/8000', ...cryptoLines.map((l) => `a=crypto:${l}`), 'a=sendrecv', ''].join('\r\n');
}

function cryptoLinesOf(sdp: string): string[] {
  return sdp.split(/\r?\n/).filter((l) => l.startsWith('a=crypto:'));
}

describe('SDP offer/answer with SDES keys (RFC 4568)', () => {
  it('offers RTP/SAVP with our AES_CM_128_HMAC_SHA1_80 key when SRTP is required, RTP/AVP with a=crypto when optional, nothing when off', () => {
    const req = local('required');
    const sdp = createOffer(req);
    assert.match(sdp, /^m=audio 40000 RTP\/SAVP 0 8 101/m);
    assert.deepEqual(cryptoLinesOf(sdp), [`a=crypto:${formatSdesCrypto(req.crypto!)}`]);
    assert.match(cryptoLinesOf(sdp)[0]!, /^a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:[A-Za-z0-9+/]{40}$/);
    const opt = createOffer(local('optional'));
    assert.match(opt, /^m=audio 40000 RTP\/AVP /m);
    assert.equal(cryptoLinesOf(opt).length, 1);
    const off = createOffer(local('off'));
    assert.match(off, /^m=audio 40000 RTP\/AVP /m);
    assert.equal(cryptoLinesOf(off).length, 0);
  });

  it('answers an RTP/SAVP offer with the tag of the line it can use and its own key, and passes both keys on', () => {
    const theirs = generateSdesCrypto(7);
    const ours = local('required');
    // The first line has a suite we do not do: RFC 4568 §7.1.2 says pick another.
    const r = answerOffer(offer('RTP/SAVP', [`3 AES_256_CM_HMAC_SHA1_80 inline:${Buffer.alloc(46).toString('base64')}`, formatSdesCrypto(theirs)]), ours);
    assert.ok(!(r instanceof SdpRejection), r instanceof SdpRejection ? r.reason : '');
    assert.match(r.answer, /^m=audio 40000 RTP\/SAVP 0 101/m);
    assert.deepEqual(cryptoLinesOf(r.answer), [`a=crypto:${formatSdesCrypto({ ...ours.crypto!, tag: 7 })}`]);
    assert.equal(r.negotiated.crypto?.local.tag, 7);
    assert.deepEqual(Buffer.from(r.negotiated.crypto.local.masterKey), Buffer.from(ours.crypto!.masterKey));
    assert.deepEqual(Buffer.from(r.negotiated.crypto.remote.masterKey), Buffer.from(theirs.masterKey));
    assert.deepEqual(Buffer.from(r.negotiated.crypto.remote.masterSalt), Buffer.from(theirs.masterSalt));
  });

  it('refuses with 488: an SRTP-required call without a=crypto, RTP/SAVP without a usable key, RTP/SAVP where SRTP is off', () => {
    const cases: [SrtpPolicy, string, string[]][] = [
      ['required', 'RTP/AVP', []],
      ['required', 'RTP/SAVP', []],
      ['optional', 'RTP/SAVP', ['1 AES_CM_128_HMAC_SHA1_32 inline:' + Buffer.alloc(30).toString('base64')]],
      ['required', 'RTP/SAVP', ['1 AES_CM_128_HMAC_SHA1_80 inline:c2hvcnQ=']],
      ['off', 'RTP/SAVP', [formatSdesCrypto(generateSdesCrypto())]],
    ];
    for (const [policy, protocol, lines] of cases) {
      const r = answerOffer(offer(protocol, lines), local(policy));
      assert.ok(r instanceof SdpRejection, `${policy} ${protocol} ${lines.join()} was answered`);
      assert.equal(r.status, 488);
      assert.equal(srtpRefusal(offer(protocol, lines), policy)?.status, 488);
    }
    // Plain RTP stays fine where SRTP is optional or off; best-effort a=crypto is ignored when off.
    for (const policy of ['optional', 'off'] as const) {
      const r = answerOffer(offer('RTP/AVP', policy === 'off' ? [formatSdesCrypto(generateSdesCrypto())] : []), local(policy));
      assert.ok(!(r instanceof SdpRejection));
      assert.equal(r.negotiated.crypto, undefined);
      assert.equal(cryptoLinesOf(r.answer).length, 0);
    }
  });

  it('takes the answer to its SRTP offer only when the tag matches (RFC 4568 §7.1.3); both ends end up with crossed keys', () => {
    const a = local('required', 40000);
    const b = local('required', 42000);
    const answered = answerOffer(createOffer(a), b);
    assert.ok(!(answered instanceof SdpRejection));
    const n = acceptAnswer(answered.answer, a);
    assert.ok(!(n instanceof SdpRejection), n instanceof SdpRejection ? n.reason : '');
    assert.deepEqual(Buffer.from(n.crypto!.remote.masterKey), Buffer.from(b.crypto!.masterKey));
    assert.deepEqual(Buffer.from(answered.negotiated.crypto!.remote.masterKey), Buffer.from(a.crypto!.masterKey));
    const wrongTag = answered.answer.replace('a=crypto:1 ', 'a=crypto:2 ');
    assert.equal((acceptAnswer(wrongTag, a) as SdpRejection).status, 488);
    const noCrypto = answered.answer.replace(/a=crypto:.*\r\n/, '');
    assert.equal((acceptAnswer(noCrypto, a) as SdpRejection).status, 488);
  });

  it('never throws on random a=crypto lines, and answers SRTP only with a key it parsed', () => {
    const b64 = fc.base64String({ minLength: 0, maxLength: 60 });
    const line = fc.oneof(
      fc.string({ maxLength: 80 }),
      fc.tuple(fc.nat(2 ** 31), fc.constantFrom('AES_CM_128_HMAC_SHA1_80', 'AES_CM_128_HMAC_SHA1_32', 'F8_128_HMAC_SHA1_80', ''), b64, fc.constantFrom('', '|2^20', '|2^20|1:32', ';inline:x', ' KDR=1', '|x')).map(([t, s, k, rest]) => `${t} ${s} inline:${k}${rest}`),
    );
    fc.assert(
      fc.property(fc.constantFrom('RTP/SAVP', 'RTP/AVP'), fc.array(line.map((l) => l.replace(/[\r\n]/g, '')), { maxLength: 3 }), fc.constantFrom<SrtpPolicy>('required', 'optional', 'off'), (protocol, lines, policy) => {
        const sdp = offer(protocol, lines);
        const l = local(policy);
        const r = answerOffer(sdp, l);
        srtpRefusal(sdp, policy);
        acceptAnswer(sdp, l);
        if (r instanceof SdpRejection) return;
        if (r.negotiated.crypto) {
          assert.equal(r.negotiated.crypto.remote.masterKey.length, 16);
          assert.equal(r.negotiated.crypto.remote.masterSalt.length, 14);
        } else assert.ok(policy !== 'required' && protocol === 'RTP/AVP');
      }),
      { numRuns: 500 },
    );
  });
});

const RATE = 8000;

/** How much of the signal's energy sits at hz: about 0.5 for a pure tone, about 1/N for noise. */
function toneShare(x: Int16Array, hz: number): number {
  const k = 2 * Math.cos((2 * Math.PI * hz) / RATE);
  let s1 = 0;
  let s2 = 0;
  let energy = 0;
  for (const v of x) {
    const s = v + k * s1 - s2;
    s2 = s1;
    s1 = s;
    energy += v * v;
  }
  return energy === 0 ? 0 : (s1 * s1 + s2 * s2 - k * s1 * s2) / (x.length * energy);
}

function join16(parts: Int16Array[]): Int16Array {
  const all = new Int16Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) (all.set(p, at), (at += p.length));
  return all;
}

/** 20 ms PCMU frames of a 1 kHz tone. */
function toneFrames(): Uint8Array[] {
  const frames: Uint8Array[] = [];
  for (let f = 0; f < 8; f++) {
    const pcm = new Int16Array(160).map((_, i) => Math.round(8000 * Math.sin((2 * Math.PI * 1000 * (f * 160 + i)) / RATE)));
    frames.push(g711Encode('PCMU', pcm, new Uint8Array(160)));
  }
  return frames;
}

describe('SRTP (SDES) against baresip over TLS @slow', function () {
  this.timeout(40000);
  let dir: string;
  let cert: Buffer;
  let key: Buffer;
  let bs: Baresip | undefined;
  let gw: SipEndpoint | undefined;
  let cap: ChildProcess | undefined;

  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'sipline-srtp-'));
    ({ cert, key } = testCertificatePem(dir));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));
  afterEach(async () => {
    cap?.kill('SIGINT');
    await gw?.stop();
    await bs?.stop();
    gw = bs = cap = undefined;
  });

  it('calls baresip (mediaenc srtp-mand) on a TLS trunk: RTP/SAVP with a=crypto, a 1 kHz tone heard both ways, and the wire carries no tone', async () => {
    need('tshark');
    need('dumpcap');
    const port = await reservePort();
    bs = await startBaresip({ port, codec: 'PCMU', tls: { certAndKey: `${cert.toString()}${key.toString()}`, ca: cert.toString() }, mediaenc: 'srtp-mand', record: true });
    gw = await SipEndpoint.start({
      transport: { protocol: 'tls', tls: { ca: cert } },
      trunks: [{ name: 'bs', host: '127.0.0.1', port: port + 1 }],
      media: rtpMediaFactory({ address: '127.0.0.1', lineEncoding: 'PCMU' }),
    });
    const file = join(dir, `rtp-${port}.pcapng`);
    // Signalling is TLS (TCP): the UDP between the two is the media.
    cap = await startCapture('udp and host 127.0.0.1', file);
    const call = gw.call('bs', { digits: '5551000' }, { digits: 'baresip' });
    const frames: AudioFrame[] = [];
    call.audio.onFrame((f) => frames.push(f));
    call.invite();
    await once(call, 'answered');
    const n = call.negotiation!;
    assert.ok(n.crypto, 'SRTP keys negotiated');
    assert.equal(n.crypto.local.suite, 'AES_CM_128_HMAC_SHA1_80');
    assert.equal(n.crypto.remote.tag, n.crypto.local.tag);
    await bs.waitFor(/Call established/);
    const tone = toneFrames();
    let i = 0;
    const feed = setInterval(() => call.audio.write({ encoding: 'PCMU', samples: 160, data: tone[i++ % tone.length]! }), 20);
    await eventually('2 s of baresip\'s audio at our end', () => frames.length >= 100);
    clearInterval(feed);
    // baresip -> us: decrypted by our SRTP context.
    assert.ok(frames.length >= 50, `${frames.length} frames from baresip`);
    const heard = join16(frames.slice(-25).map((f) => g711Decode('PCMU', f.data, new Int16Array(f.samples))));
    assert.ok(toneShare(heard, 1000) > 0.2, `1 kHz share of what we heard: ${toneShare(heard, 1000)}`);
    const gone = once(call, 'released');
    call.release(16);
    await gone;
    await bs.waitFor(/terminated|session closed/);
    // us -> baresip: decrypted by baresip's srtp module, decoded and recorded by its sndfile module.
    const played = await bs.finalRecording(RATE);
    assert.ok(played.length >= RATE, `baresip played ${played.length} samples`);
    const last = played.subarray(played.length - RATE / 2);
    assert.ok(toneShare(last, 1000) > 0.2, `1 kHz share of what baresip played: ${toneShare(last, 1000)}`);

    await stopCapture(cap);
    cap = undefined;
    // Decoded as RTP, the packets toward baresip's port carry PCMU-sized payloads that are not the tone.
    const fields = execFileSync('tshark', ['-r', file, '-d', `udp.port==${n.remoteRtpPort},rtp`, '-Y', `rtp && udp.dstport==${n.remoteRtpPort}`, '-T', 'fields', '-e', 'rtp.p_type', '-e', 'rtp.payload'], { stdio: ['ignore', 'pipe', 'pipe'], maxBuffer: 64 << 20 })
      .toString()
      .trim()
      .split('\n')
      .filter(Boolean)
      .map((l) => l.split('\t'));
    assert.ok(fields.length >= 50, `${fields.length} RTP packets captured toward baresip`);
    // SRTP (RFC 3711 §3.1): the 10-octet auth tag follows the encrypted 160-octet payload.
    const payloads = fields.map(([, p]) => Buffer.from((p ?? '').replace(/:/g, ''), 'hex'));
    assert.ok(payloads.every((p) => p.length === 170), `payload lengths ${[...new Set(payloads.map((p) => p.length))].join(',')}`);
    const wire = join16(payloads.slice(-25).map((p) => g711Decode('PCMU', p.subarray(0, 160), new Int16Array(160))));
    assert.ok(toneShare(wire, 1000) < 0.05, `the wire has the tone in clear: share ${toneShare(wire, 1000)}`);
  });

  it('answers baresip calling with RTP/SAVP over TLS, and refuses with 488 where the trunk has SRTP off', async () => {
    gw = await SipEndpoint.start({
      transport: { protocol: 'tls', tls: { key, cert } },
      trunks: [],
      inbound: { allowAddresses: ['127.0.0.1'] },
      media: rtpMediaFactory({ address: '127.0.0.1', lineEncoding: 'PCMU' }),
    });
    const incoming = once(gw, 'incoming') as Promise<[SipCall]>;
    const port = await reservePort();
    bs = await startBaresip({ port, codec: 'PCMU', tls: { certAndKey: `${cert.toString()}${key.toString()}`, ca: cert.toString() }, mediaenc: 'srtp-mand', commands: [`/dial sip:2000@127.0.0.1:${gw.port};transport=tls`] });
    const [call] = await incoming;
    const frames: AudioFrame[] = [];
    call.audio.onFrame((f) => frames.push(f));
    call.answer();
    await bs.waitFor(/Call established/);
    await eventually('1.5 s of baresip\'s audio', () => frames.length >= 75);
    assert.ok(call.negotiation?.crypto, 'SRTP keys negotiated');
    const heard = join16(frames.slice(-25).map((f) => g711Decode('PCMU', f.data, new Int16Array(f.samples))));
    assert.ok(toneShare(heard, 1000) > 0.2, `1 kHz share of what we heard: ${toneShare(heard, 1000)}`);
    await bs.stop();
    bs = undefined;
    await gw.stop();

    gw = await SipEndpoint.start({
      transport: { protocol: 'tls', tls: { key, cert } },
      trunks: [],
      srtp: 'off',
      inbound: { allowAddresses: ['127.0.0.1'] },
      media: rtpMediaFactory({ address: '127.0.0.1', lineEncoding: 'PCMU' }),
    });
    let announced = false;
    gw.on('incoming', () => (announced = true));
    const port2 = await reservePort();
    bs = await startBaresip({ port: port2, codec: 'PCMU', tls: { certAndKey: `${cert.toString()}${key.toString()}`, ca: cert.toString() }, mediaenc: 'srtp-mand', commands: [`/dial sip:2000@127.0.0.1:${gw.port};transport=tls`] });
    await bs.waitFor(/\b488 Not Acceptable Here/, 10000); // not bare "488": a port number in the output may hold it
    assert.equal(announced, false);
  });
});
