import assert from 'node:assert/strict';
import { createSocket } from 'node:dgram';
import { once } from 'node:events';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SipEndpoint } from '../../src/sip/sip-endpoint.js';
import { BoundRtpPort } from './bound-rtp-port.js';
import { readSippMessageLog, startSipp } from '../peers/sipp.js';

describe('trunk outbound proxy (RFC 3261 §8.1.2, §16.6 loose routing) with SIPp as proxy and far end', function () {
  this.timeout(30000);

  for (const rr of [
    { header: 'X-No-Record-Route', how: 'a proxy that does not Record-Route' },
    { header: 'Record-Route', how: 'a proxy that Record-Routes (one Route, from the route set)' },
  ]) {
    it(`sends REGISTER, OPTIONS, INVITE, ACK and BYE to ${rr.how}, Request-URIs unchanged, each with Route <proxy;lr>`, async () => {
      // Where the trunk's host and port point: nothing may arrive here.
      const decoy = createSocket('udp4');
      await new Promise<void>((r) => decoy.bind(0, '127.0.0.1', r));
      const strays: string[] = [];
      decoy.on('message', (m) => strays.push(m.toString().split('\r\n')[0]!));
      const decoyPort = decoy.address().port;
      const dir = await mkdtemp(join(tmpdir(), 'sipline-proxy-'));
      const logFile = join(dir, 'messages.log');
      const endpoint = await SipEndpoint.start({ transport: { protocol: 'udp' }, trunks: [], media: () => BoundRtpPort.open() });
      try {
        const sipp = await startSipp({ scenario: 'proxy-uas.xml', transport: 'udp', calls: 3, keys: { decoy_port: String(decoyPort), rr_header: rr.header }, extra: ['-trace_msg', '-message_file', logFile] });
        const proxy = `127.0.0.1:${sipp.port}`;
        const registered = once(endpoint, 'registration');
        const up = once(endpoint, 'trunkState');
        await endpoint.addTrunk({
          name: 'carrier',
          host: '127.0.0.1',
          port: decoyPort,
          outboundProxy: proxy,
          register: { username: 'alice', password: 's3cret', expires: 60 },
          keepalive: { intervalMs: 60000, timeoutMs: 15000 },
        });
        assert.deepEqual((await registered).slice(0, 2), ['carrier', true]);
        assert.deepEqual(await up, ['carrier', 'up']);
        const call = endpoint.call('carrier', { digits: '5551000' }, { digits: '2000' });
        call.invite();
        await once(call, 'answered');
        call.release(16);
        await once(call, 'released');
        const r = await sipp.done;
        assert.equal(r.code, 0, `SIPp proxy: ${r.output}`);
        const received = readSippMessageLog(await readFile(logFile, 'utf8'))
          .filter((m) => m.received && !m.text.startsWith('SIP/2.0'))
          .map((m) => {
            // Every Route value, so that a doubled one shows.
            const routes = [...m.text.matchAll(/^Route:\s*(.*)$/gim)].map((x) => x[1]!.trim()).join(', ');
            return [m.text.split('\r\n')[0]!.split('\n')[0]!.trim(), routes];
          });
        const trunk = `127.0.0.1:${decoyPort}`;
        const routed = `<sip:${proxy};lr>`;
        assert.deepEqual(
          received.sort((a, b) => String(a[0]).localeCompare(String(b[0]))),
          [
            [`ACK sip:sipp@${trunk} SIP/2.0`, routed],
            [`BYE sip:sipp@${trunk} SIP/2.0`, routed],
            [`INVITE sip:2000@${trunk} SIP/2.0`, routed],
            [`OPTIONS sip:${trunk} SIP/2.0`, routed],
            [`REGISTER sip:${trunk} SIP/2.0`, routed],
          ],
        );
        assert.deepEqual(strays, [], 'nothing goes to the trunk address directly');
      } finally {
        await endpoint.stop();
        decoy.close();
        await rm(dir, { recursive: true, force: true });
      }
    });
  }
});
