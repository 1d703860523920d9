import assert from 'node:assert/strict';
import { once } from 'node:events';
import { SipEndpoint } from '../../src/sip/sip-endpoint.js';
import { BoundRtpPort } from './bound-rtp-port.js';
import { runSipp, startSipp } from '../peers/sipp.js';
import { eventually } from '../support/waiting.js';

describe('reliable provisional responses, 100rel and PRACK (RFC 3262), against SIPp', function () {
  this.timeout(20000);
  let endpoint: SipEndpoint | undefined;
  const media: BoundRtpPort[] = [];
  afterEach(async () => {
    await endpoint?.stop();
    endpoint = undefined;
    media.length = 0;
  });

  async function start(allow: boolean): Promise<SipEndpoint> {
    endpoint = await SipEndpoint.start({
      transport: { protocol: 'udp' },
      trunks: [],
      ...(allow ? { inbound: { allowAddresses: ['127.0.0.1'] } } : {}),
      media: async () => {
        const m = await BoundRtpPort.open();
        media.push(m);
        return m;
      },
    });
    return endpoint;
  }

  it('offers Supported: 100rel, PRACKs a reliable 183 and starts its early media before the 200', async () => {
    const gw = await start(false);
    const sipp = await startSipp({ scenario: 'uas-100rel.xml', transport: 'udp' });
    await gw.addTrunk({ name: 'sipp', host: '127.0.0.1', port: sipp.port });
    const call = gw.call('sipp', { digits: '5551000' }, { digits: '2000' });
    const progress = once(call, 'progress');
    const answered = once(call, 'answered');
    let answeredYet = false;
    void answered.then(() => (answeredYet = true));
    call.invite();
    // A failed SIPp check ends the scenario: say so instead of waiting for an answer.
    const failed = sipp.done.then((r) => Promise.reject(new Error(`SIPp ended early: ${r.output}`)));
    failed.catch(() => undefined);
    assert.deepEqual(await Promise.race([progress, failed]), [183, true]);
    // Early media: the 183's answer sets up the media before the 200 (SIPp waits 200 ms after the PRACK).
    await eventually('the 183 answer at the media session, or the 200', () => media[0]?.negotiations.length === 1 || answeredYet, { intervalMs: 5 });
    assert.equal(answeredYet, false, 'the 183 answer reached the media session before the 200');
    assert.equal(media[0]!.negotiations[0]!.codec, 'PCMU');
    await Promise.race([answered, failed]);
    assert.equal(media.length, 1, 'the 200 keeps the early media session');
    call.release(16);
    const r = await sipp.done;
    // SIPp checked Supported: 100rel on the INVITE and RAck: 1 <CSeq> INVITE on the PRACK.
    assert.equal(r.code, 0, `SIPp: ${r.output}`);
  });

  it('sends its 183 reliably (Require: 100rel, RSeq) to a caller that requires it, and answers after the PRACK', async () => {
    const gw = await start(true);
    const answeredAfter: string[] = [];
    gw.on('incoming', (call) => {
      call.ringing(true);
      setTimeout(() => {
        answeredAfter.push('answer');
        call.answer();
      }, 300);
    });
    const r = await runSipp({ scenario: 'uac-100rel.xml', transport: 'udp', remote: `127.0.0.1:${gw.port}` });
    assert.equal(r.code, 0, `SIPp: ${r.output}`);
    assert.deepEqual(answeredAfter, ['answer']);
    assert.equal(media.length, 1);
    assert.equal(media[0]!.negotiations[0]!.codec, 'PCMU');
  });
});
