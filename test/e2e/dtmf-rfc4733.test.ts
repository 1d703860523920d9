// DTMF from the line to SIP, decoded at the SIP peer (issue #7): the PBX
// keys digits in-band on its B-channel (sox makes the tones), the RTP
// endpoint of the SIPp trunk reads the RFC 4733 events the gateway sends,
// by their own bytes. (SIP -> line with SIPp's RFC 4733 pcap is in
// gateway-calls.test.ts.)
import assert from 'node:assert/strict';
import { requireTool, soxDtmf } from '../peers/signals.js';
import { startSipp } from '../peers/sipp.js';
import { reservePort } from '../support/ports.js';
import { eventually } from '../support/waiting.js';
import { assertSipp, gatewayYaml, PBX_CALLER, startTestGateway, toneShare, type TestGateway } from './gateway-fixture.js';
import { RtpEndpoint } from './rtp-endpoint.js';

/** RFC 4733 §3.2: events 0-9 are the digits, 10 is *, 11 is #, 12-15 are A-D. */
const EVENT_OF: Record<string, number> = { '*': 10, '#': 11, A: 12, B: 13, C: 14, D: 15 };
const eventOf = (d: string): number => EVENT_OF[d] ?? Number(d);

describe('DTMF end to end: in-band on the PBX B-channel -> RFC 4733 events decoded at the SIP peer (issue #7) @slow', function () {
  this.timeout(30000);
  let t: TestGateway;
  let trunkPort: number;
  before(async () => {
    requireTool('sox');
    trunkPort = await reservePort();
    t = await startTestGateway(gatewayYaml({ trunkPorts: [trunkPort] }));
  });
  after(async () => t?.close());

  it('digits 1 5 9 # * keyed by the PBX arrive as events 1 5 9 11 10, each ended, not as tones in the audio', async () => {
    const rtp = await RtpEndpoint.open();
    try {
      const uas = await startSipp({ scenario: 'gw-uas-answer-rtp.xml', transport: 'udp', port: trunkPort, keys: { rtp: String(rtp.port) } });
      t.pbx.command(`call k1 any 5557777 ${PBX_CALLER}`);
      await t.pbx.waitFor('answer', { id: 'k1' });
      await rtp.heard();
      const port = t.registry.snapshot().calls[0]?.port;
      assert.ok(port, 'the call has a B-channel');
      const access = t.gw.simSpan('pbx')!;
      const keyed = '159#*';
      const from = Date.now();
      access.sim.sendAudio(access.bChannel(Number(port.split(':')[1])), soxDtmf(keyed, { onMs: 100, offMs: 150, lowDbm0: -8 }));
      await eventually(`${keyed.length} events ended at the SIP side`, () => rtp.events(101).filter((e) => e.endPackets > 0).length >= keyed.length);
      const events = rtp.events(101);
      const audio = rtp.audio(from);
      t.pbx.command('hangup k1 16');
      assertSipp(await uas.done, 'the call, BYE with cause 16');
      assert.deepEqual(
        events.map((e) => e.event),
        [...keyed].map(eventOf),
        `events at payload type 101: ${JSON.stringify(events)}; payload types seen: ${[...new Set(rtp.packets.map((p) => p.payloadType))].join(',')}`,
      );
      for (const e of events) {
        assert.ok(e.endPackets >= 1, `event ${e.event} has an end packet (RFC 4733 §2.5.1.4): ${JSON.stringify(e)}`);
        assert.ok(e.duration >= 40 * 8 && e.duration <= 400 * 8, `event ${e.event} lasts ${e.duration / 8} ms; keyed 100 ms`);
      }
      // A digit sent as an event is not also sent as a tone (RFC 4733), or the far end may hear it twice.
      const dtmfShare = [697, 770, 852, 941, 1209, 1336, 1477].reduce((s, hz) => s + toneShare(audio, hz), 0);
      assert.ok(dtmfShare < 0.2, `DTMF frequencies are ${(dtmfShare * 100).toFixed(0)}% of the audio sent with the events`);
    } finally {
      rtp.close();
    }
  });
});
