import assert from 'node:assert/strict';
import { createSocket } from 'node:dgram';
import { once } from 'node:events';
import fc from 'fast-check';
import { InboundPolicy } from '../../src/sip/inbound-policy.js';
import { parseSipMessage, SipParseError } from '../../src/sip/sip-message.js';
import { SipEndpoint } from '../../src/sip/sip-endpoint.js';
import { BoundRtpPort } from './bound-rtp-port.js';
import { quietFor } from '../support/waiting.js';

const invite = (n: number): string =>
  [`INVITE sip:2000@127.0.0.1 SIP/2.0`, `Via: SIP/2.0/UDP 10.0.0.9:5060;branch=z9hG4bK${n}`, 'From: <sip:1@x>;tag=1', 'To: <sip:2000@x>', `Call-ID: c${n}`, 'CSeq: 1 INVITE', 'Content-Length: 0', '', ''].join('\r\n');

describe('inbound screening', () => {
  it('denies by default: no configuration means no inbound calls', () => {
    const p = new InboundPolicy();
    const v = p.screen(parseSipMessage(invite(1)) as never, { address: '192.0.2.1', port: 5060, protocol: 'udp' });
    assert.deepEqual(v, { accept: false, status: 403, reason: 'Forbidden' });
  });

  it('rate-limits each source address on its own (token bucket), logging what it drops', () => {
    const logged: string[] = [];
    const p = new InboundPolicy({ allowAddresses: ['192.0.2.1', '192.0.2.2'], ratePerSecond: 5, burst: 5, log: (e) => logged.push(e) });
    const msg = parseSipMessage(invite(1)) as never;
    const from1 = Array.from({ length: 20 }, () => p.screen(msg, { address: '192.0.2.1', port: 5060, protocol: 'udp' }).accept);
    assert.equal(from1.filter(Boolean).length, 5);
    assert.equal(p.screen(msg, { address: '192.0.2.2', port: 5060, protocol: 'udp' }).accept, true, 'another source is not held up');
    assert.equal(logged.filter((e) => e === 'inbound-rate-limited').length, 15);
  });

  it('never throws on random requests, with or without credentials', () => {
    const p = new InboundPolicy({ users: [{ username: 'a', password: 'b' }], ratePerSecond: 1e9 });
    fc.assert(
      fc.property(fc.string(), fc.string(), fc.ipV4(), (auth, to, ip) => {
        const m = parseSipMessage(invite(2).replace('To: <sip:2000@x>', `To: ${to.replace(/[\r\n]/g, '')}`).replace('Content-Length: 0', `Authorization: Digest ${auth.replace(/[\r\n]/g, '')}\r\nContent-Length: 0`));
        if (m instanceof SipParseError) return;
        p.screen(m, { address: ip, port: 1, protocol: 'udp' });
      }),
      { numRuns: 1000 },
    );
  });

  it('keeps serving after a burst of random and malformed datagrams', async function () {
    this.timeout(10000);
    const b = await SipEndpoint.start({ transport: { protocol: 'udp' }, trunks: [], inbound: { allowAddresses: ['127.0.0.1'], ratePerSecond: 1e6 }, media: () => BoundRtpPort.open() });
    const a = await SipEndpoint.start({ transport: { protocol: 'udp' }, trunks: [{ name: 'b', host: '127.0.0.1', port: b.port }], media: () => BoundRtpPort.open() });
    const junk = createSocket('udp4');
    try {
      const samples = fc.sample(
        fc.oneof(
          fc.uint8Array({ maxLength: 400 }).map((u) => Buffer.from(u)),
          fc.string().map((s) => Buffer.from(invite(3).replace('CSeq: 1 INVITE', s))),
          fc.string().map((s) => Buffer.from(`SIP/2.0 200 OK\r\nVia: ${s}\r\n\r\n`)),
        ),
        { numRuns: 300, seed: 42 },
      );
      for (const s of samples) junk.send(s, b.port, '127.0.0.1');
      // The junk arrives and must break nothing: a real call still goes through.
      await quietFor(300);
      b.on('incoming', (call) => call.answer());
      const call = a.call('b', { digits: '1' }, { digits: '2' });
      call.invite();
      await once(call, 'answered');
      call.release(16);
    } finally {
      junk.close();
      await Promise.all([a.stop(), b.stop()]);
    }
  });
});
