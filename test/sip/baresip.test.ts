import assert from 'node:assert/strict';
import { once } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AudioFrame } from '../../src/media/frame.js';
import { g711Decode } from '../../src/hw/g711.js';
import type { SipCall } from '../../src/sip/sip-call.js';
import { SipEndpoint } from '../../src/sip/sip-endpoint.js';
import { rtpMediaFactory } from '../../src/sip/rtp-media-factory.js';
import type { SipTransportProtocol } from '../../src/sip/node-transport.js';
import { startBaresip, type Baresip } from '../peers/baresip.js';
import { reservePort } from '../support/ports.js';
import { concatSamples } from '../../src/sim/sim-signals.js';
import { tonePower } from '../media/audio-tools.js';
import { testCertificatePem } from './test-certificate.js';
import { eventually } from '../support/waiting.js';

function toneIn(frames: AudioFrame[]): { at1k: number; at600: number } {
  const pcm = frames.slice(-25).map((f) => g711Decode('PCMU', f.data, new Int16Array(f.samples)));
  const all = concatSamples(pcm);
  return { at1k: tonePower(all, 1000), at600: tonePower(all, 600) };
}

describe('SIP against baresip: real calls both ways over UDP, TCP and TLS @slow', function () {
  this.timeout(30000);
  let dir: string;
  let cert: Buffer;
  let key: Buffer;
  let bs: Baresip | undefined;
  let gw: SipEndpoint | undefined;

  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'sipline-bs-'));
    ({ cert, key } = testCertificatePem(dir));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));
  afterEach(async () => {
    await gw?.stop();
    await bs?.stop();
    gw = bs = undefined;
  });

  const cases: [SipTransportProtocol, string, string][] = [
    ['udp', 'PCMU', 'PCMU'],
    ['udp', 'PCMA', 'PCMA'],
    ['udp', 'opus/48000/2', 'opus'],
    ['tcp', 'PCMA', 'PCMA'],
    ['tls', 'opus/48000/2', 'opus'],
  ];

  for (const [protocol, bsCodec, ours] of cases) {
    it(`calls baresip over ${protocol.toUpperCase()} with ${ours}: it answers, its 1 kHz tone reaches our line, hold and resume by re-INVITE, our BYE ends it`, async () => {
      const port = await reservePort();
      bs = await startBaresip({ port, codec: bsCodec, tls: protocol === 'tls' ? { certAndKey: `${cert.toString()}${key.toString()}`, ca: cert.toString() } : undefined, ...(protocol === 'tls' ? { mediaenc: 'srtp-mand' as const } : {}) });
      gw = await SipEndpoint.start({
        transport: { protocol, tls: { ca: cert } },
        trunks: [{ name: 'bs', host: '127.0.0.1', port: protocol === 'tls' ? port + 1 : port }],
        media: rtpMediaFactory({ address: '127.0.0.1', lineEncoding: 'PCMU' }),
      });
      const call = gw.call('bs', { digits: '5551000' }, { digits: 'baresip' });
      const frames: AudioFrame[] = [];
      call.audio.onFrame((f) => frames.push(f));
      call.invite();
      await once(call, 'answered');
      assert.equal(call.negotiation?.codec, ours);
      await bs.waitFor(/Call established/);
      const feed = setInterval(() => call.audio.write({ encoding: 'PCMU', samples: 160, data: new Uint8Array(160).fill(0xff) }), 20);
      await eventually('frames from baresip', () => frames.length >= 75);
      clearInterval(feed);
      const t = toneIn(frames);
      assert.ok(t.at1k > 20 * t.at600, `1 kHz ${t.at1k.toExponential(2)} vs 600 Hz ${t.at600.toExponential(2)}`);
      // RFC 3264 §8.4: baresip answers our sendonly re-INVITE with recvonly; resume restores sendrecv.
      await call.hold(true);
      assert.equal(call.negotiation?.direction, 'sendonly');
      await call.hold(false);
      assert.equal(call.negotiation?.direction, 'sendrecv');
      call.release(16);
      await bs.waitFor(/terminated|session closed/);
    });
  }

  for (const protocol of ['udp', 'tcp', 'tls'] as const) {
    it(`takes a call from baresip over ${protocol.toUpperCase()} and answers it`, async () => {
      gw = await SipEndpoint.start({
        transport: { protocol, tls: { key, cert } },
        trunks: [],
        inbound: { allowAddresses: ['127.0.0.1'] },
        media: rtpMediaFactory({ address: '127.0.0.1', lineEncoding: 'PCMU' }),
      });
      const incoming = once(gw, 'incoming') as Promise<[SipCall]>;
      const port = await reservePort();
      bs = await startBaresip({ port, codec: 'PCMU', tls: protocol === 'tls' ? { certAndKey: `${cert.toString()}${key.toString()}`, ca: cert.toString() } : undefined, ...(protocol === 'tls' ? { mediaenc: 'srtp-mand' as const } : {}), commands: [`/dial sip:2000@127.0.0.1:${gw.port};transport=${protocol}`] });
      const [call] = await incoming;
      assert.equal(call.to.digits, '2000');
      call.answer();
      await bs.waitFor(/Call established/);
      const released = once(call, 'released');
      await bs.stop();
      bs = undefined;
      const [r] = (await released) as [{ by: string }];
      assert.equal(r.by, 'remote');
    });
  }
});
