import assert from 'node:assert/strict';
import { once } from 'node:events';
import type { AudioFrame } from '../../src/media/frame.js';
import { g711Decode, g711Encode } from '../../src/hw/g711.js';
import type { SipCall } from '../../src/sip/sip-call.js';
import { SipEndpoint } from '../../src/sip/sip-endpoint.js';
import { rtpMediaFactory } from '../../src/sip/rtp-media-factory.js';
import { startBaresip, type Baresip } from '../peers/baresip.js';
import { reservePort } from '../support/ports.js';
import { concatSamples } from '../../src/sim/sim-signals.js';
import { tonePower } from '../media/audio-tools.js';
import { eventually } from '../support/waiting.js';

function pcmOf(frames: AudioFrame[]): Int16Array {
  const pcm = frames.map((f) => g711Decode('PCMU', f.data, new Int16Array(f.samples)));
  return concatSamples(pcm);
}

/** 20 ms PCMU frames of a 600 Hz tone, phase-continuous. */
function toneFrames(): () => AudioFrame {
  let n = 0;
  return () => {
    const pcm = new Int16Array(160);
    for (let i = 0; i < 160; i++, n++) pcm[i] = Math.round(8000 * Math.sin((2 * Math.PI * 600 * n) / 8000));
    return { encoding: 'PCMU', samples: 160, data: g711Encode('PCMU', pcm, new Uint8Array(160)) };
  };
}

describe('SIP and RTP over IPv6 (::1) against baresip @slow', function () {
  this.timeout(30000);
  let bs: Baresip | undefined;
  let gw: SipEndpoint | undefined;
  afterEach(async () => {
    await gw?.stop();
    await bs?.stop();
    gw = bs = undefined;
  });

  for (const protocol of ['udp', 'tcp'] as const) {
    it(`calls baresip at [::1] over ${protocol.toUpperCase()}: IPv6 media (c=IN IP6) both ways: its 1 kHz tone reaches us and our 600 Hz tone reaches it`, async () => {
      const port = await reservePort('::1');
      bs = await startBaresip({ port, host: '::1', codec: 'PCMU', record: true });
      gw = await SipEndpoint.start({
        transport: { protocol, address: '::1' },
        // The config may write the trunk's host either way.
        trunks: [{ name: 'bs', host: protocol === 'tcp' ? '[::1]' : '::1', port }],
        media: rtpMediaFactory({ address: '::1', lineEncoding: 'PCMU' }),
      });
      const call = gw.call('bs', { digits: '5551000' }, { digits: 'baresip' });
      const frames: AudioFrame[] = [];
      call.audio.onFrame((f) => frames.push(f));
      call.invite();
      await once(call, 'answered');
      await bs.waitFor(/Call established/);
      const next = toneFrames();
      const feed = setInterval(() => call.audio.write(next()), 20);
      await eventually('1.5 s of audio both ways', () => frames.length >= 75 && bs!.recording().length >= 12000);
      clearInterval(feed);
      assert.equal(call.negotiation?.remoteAddress, '::1', 'the answer gave an IPv6 media address');
      assert.ok(frames.length >= 40, `${frames.length} frames from baresip`);
      const heard = pcmOf(frames.slice(-25));
      assert.ok(tonePower(heard, 1000) > 20 * tonePower(heard, 600), 'baresip 1 kHz tone at our end');
      const got = bs.recording();
      assert.ok(got.length >= 8000, `baresip decoded ${got.length} samples from us`);
      const tail = got.subarray(got.length - 4000);
      assert.ok(tonePower(tail, 600) > 20 * tonePower(tail, 1000), 'our 600 Hz tone at baresip');
      call.release(16);
      await bs.waitFor(/terminated|session closed/);
    });
  }

  it('takes a call from baresip at [::1] over UDP: the Via gets received/rport and the answer finds its way back', async () => {
    const logs: string[] = [];
    gw = await SipEndpoint.start({
      transport: { protocol: 'udp', address: '::1' },
      trunks: [],
      inbound: { allowAddresses: ['::1'] },
      media: rtpMediaFactory({ address: '::1', lineEncoding: 'PCMU' }),
      log: (event, detail) => logs.push(`${event} ${JSON.stringify(detail)}`),
    });
    const incoming = once(gw, 'incoming') as Promise<[SipCall]>;
    const port = await reservePort('::1');
    bs = await startBaresip({ port, host: '::1', codec: 'PCMU', commands: [`/dial sip:2000@[::1]:${gw.port}`] });
    const [call] = await incoming;
    assert.equal(call.to.digits, '2000');
    call.answer();
    await bs.waitFor(/Call established/);
    assert.equal(call.negotiation?.remoteAddress, '::1');
    const released = once(call, 'released');
    await bs.stop();
    bs = undefined;
    const [r] = (await released) as [{ by: string }];
    assert.equal(r.by, 'remote');
    assert.deepEqual(logs.filter((l) => /refused|stray|unparsable|error/.test(l)), []);
  });
});
