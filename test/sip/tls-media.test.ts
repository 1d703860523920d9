import assert from 'node:assert/strict';
import { once } from 'node:events';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { DtmfDigit } from '../../src/call/pstn-leg.js';
import type { SipCall } from '../../src/sip/sip-call.js';
import { SipEndpoint } from '../../src/sip/sip-endpoint.js';
import { rtpMediaFactory } from '../../src/sip/rtp-media-factory.js';
import type { AudioCodecName } from '../../src/sip/sdp-negotiation.js';
import { testCertificatePem } from './test-certificate.js';

function digits(call: SipCall, n: number): Promise<string> {
  return new Promise((resolve) => {
    let got = '';
    const on = (d: DtmfDigit): void => {
      got += d;
      if (got.length === n) {
        call.off('digit', on);
        resolve(got);
      }
    };
    call.on('digit', on);
  });
}

describe('SIP over TLS with RTP media: codecs, RFC 4733 digits both ways, hold and resume', function () {
  this.timeout(20000);
  let dir: string;
  let a: SipEndpoint;
  let b: SipEndpoint;
  const logs: string[] = [];

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'sipline-tls-'));
    const { key, cert } = testCertificatePem(dir);
    const media = rtpMediaFactory({ address: '127.0.0.1', lineEncoding: 'PCMU' });
    const log = (event: string, detail: Record<string, unknown>): void => void logs.push(`${event} ${JSON.stringify(detail)}`);
    // B admits only digest users, and challenges with SHA-256 (RFC 7616).
    b = await SipEndpoint.start({ transport: { protocol: 'tls', tls: { key, cert } }, trunks: [], inbound: { users: [{ username: 'pbx', password: 'pw-1' }], algorithm: 'SHA-256', realm: 'b.test' }, media, log });
    a = await SipEndpoint.start({
      transport: { protocol: 'tls', tls: { key, cert, ca: cert } },
      trunks: [{ name: 'b', host: '127.0.0.1', port: b.port, auth: { username: 'pbx', password: 'pw-1' } }],
      media,
      log,
    });
  });

  after(async () => {
    await Promise.all([a?.stop(), b?.stop()]);
    rmSync(dir, { recursive: true, force: true });
  });

  for (const codec of ['PCMU', 'PCMA', 'opus'] as AudioCodecName[]) {
    it(`calls with ${codec} only, passes digits each way as RFC 4733 events, holds and resumes`, async () => {
      const incoming = once(b, 'incoming') as Promise<[SipCall]>;
      // The trunk offers this codec alone, so the callee has to take it.
      a.removeTrunk('b');
      await a.addTrunk({ name: 'b', host: '127.0.0.1', port: b.port, auth: { username: 'pbx', password: 'pw-1' }, codecs: [codec] });
      const call = a.call('b', { digits: '5551000' }, { digits: '2000' });
      call.invite();
      const [callee] = await incoming;
      callee.answer();
      await once(call, 'answered');
      await new Promise((r) => setTimeout(r, 100));
      const towardsB = digits(callee, 3);
      call.sendDigits('12#');
      assert.equal(await towardsB, '12#');
      const towardsA = digits(call, 2);
      callee.sendDigits('9*');
      assert.equal(await towardsA, '9*');
      assert.equal(callee.negotiation?.codec, codec);
      // RFC 3264 §8.4: our sendonly re-INVITE is answered recvonly; resume restores sendrecv.
      await call.hold(true);
      assert.deepEqual([call.negotiation?.direction, callee.negotiation?.direction], ['sendonly', 'recvonly']);
      await call.hold(false);
      assert.deepEqual([call.negotiation?.direction, callee.negotiation?.direction], ['sendrecv', 'sendrecv']);
      const releasedAtB = once(callee, 'released');
      call.release(16);
      const [r] = (await releasedAtB) as [{ cause?: number }];
      assert.equal(r.cause, 16);
    });
  }

  it('B challenges with SHA-256 digest only: the calls above answered it, a caller without credentials gets 401', async () => {
    assert.ok(!logs.some((l) => l.startsWith('inbound-refused')), logs.join('\n'));
    const c = await SipEndpoint.start({ transport: { protocol: 'tls', tls: { ca: readFileSync(join(dir, 'cert.pem')) } }, trunks: [{ name: 'b', host: '127.0.0.1', port: b.port }], media: rtpMediaFactory({ address: '127.0.0.1', lineEncoding: 'PCMU' }) });
    try {
      let admitted = 0;
      b.on('incoming', () => admitted++);
      const call = c.call('b', { digits: '1' }, { digits: '2' });
      call.invite();
      const [r] = (await once(call, 'released')) as [{ status?: number }];
      assert.equal(r.status, 401);
      assert.equal(admitted, 0);
    } finally {
      await c.stop();
    }
  });
});
