import assert from 'node:assert/strict';
import { createSocket } from 'node:dgram';
import { SipEndpoint } from '../../src/sip/sip-endpoint.js';
import { BoundRtpPort } from './bound-rtp-port.js';
import { eventually } from '../support/waiting.js';

describe('trunk registration back-off', function () {
  this.timeout(10000);

  it('retries a refused REGISTER with doubling delays up to the cap, then registers once the registrar accepts', async () => {
    // The registrar: refuses with 503 until `accept`, then answers 200 with the binding.
    const registrar = createSocket('udp4');
    await new Promise<void>((r) => registrar.bind(0, '127.0.0.1', r));
    let accept = false;
    const seen: number[] = [];
    const start = Date.now();
    registrar.on('message', (msg, rinfo) => {
      const text = msg.toString();
      if (!text.startsWith('REGISTER ')) return;
      seen.push(Date.now() - start);
      const keep = text.split('\r\n').filter((l) => /^(via|from|to|call-id|cseq|contact):/i.test(l));
      const status = accept ? 'SIP/2.0 200 OK' : 'SIP/2.0 503 Service Unavailable';
      const reply = [status, ...keep.map((l) => (/^to:/i.test(l) ? `${l};tag=r1` : l)), ...(accept ? ['Expires: 60'] : []), 'Content-Length: 0', '', ''].join('\r\n');
      registrar.send(reply, rinfo.port, rinfo.address);
    });
    const retries: number[] = [];
    const a = await SipEndpoint.start({
      transport: { protocol: 'udp' },
      trunks: [],
      media: () => BoundRtpPort.open(),
      log: (event, detail) => {
        if (event === 'register-retry') retries.push(detail.inMs as number);
      },
    });
    const results: boolean[] = [];
    a.on('registration', (_t, ok) => results.push(ok));
    try {
      await a.addTrunk({ name: 'carrier', host: '127.0.0.1', port: registrar.address().port, register: { username: 'u', password: 'p', expires: 60, retryMs: 50, maxRetryMs: 200 } });
      await eventually('five retries', () => retries.length >= 5);
      assert.deepEqual(retries.slice(0, 5), [50, 100, 200, 200, 200]);
      accept = true;
      await eventually('the registration accepted', () => results.includes(true));
      assert.deepEqual(results.slice(0, 5), [false, false, false, false, false]);
      assert.ok(seen.length >= 6);
    } finally {
      await a.stop();
      registrar.close();
    }
  });
});
