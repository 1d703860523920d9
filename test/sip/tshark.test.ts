// tshark, an independent decoder, reads a live capture of our SIP.
import assert from 'node:assert/strict';
import { execFileSync, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { SipCall } from '../../src/sip/sip-call.js';
import { SipEndpoint } from '../../src/sip/sip-endpoint.js';
import { rtpMediaFactory } from '../../src/sip/rtp-media-factory.js';
import { need, startCapture, stopCapture } from '../peers/tshark.js';

describe('tshark on a capture of our SIP @slow', function () {
  this.timeout(20000);

  for (const protocol of ['udp', 'tcp'] as const) {
    it(`decodes a ${protocol.toUpperCase()} call (INVITE, 180, 200, ACK, re-INVITE hold, BYE, and a 486) with no malformed packet`, async () => {
      need('tshark');
      need('dumpcap');
      const dir = mkdtempSync(join(tmpdir(), 'sipline-sip-'));
      const media = rtpMediaFactory({ address: '127.0.0.1', lineEncoding: 'PCMU' });
      const b = await SipEndpoint.start({ transport: { protocol }, trunks: [], inbound: { allowAddresses: ['127.0.0.1'] }, media });
      const a = await SipEndpoint.start({ transport: { protocol }, trunks: [{ name: 'b', host: '127.0.0.1', port: b.port }], media });
      const file = join(dir, 'sip.pcapng');
      let cap: ChildProcess | undefined;
      try {
        cap = await startCapture(`${protocol} port ${a.port} or ${protocol} port ${b.port}`, file);
        let n = 0;
        b.on('incoming', (call: SipCall) => {
          if (n++ === 0) {
            call.ringing(false);
            call.answer();
          } else call.release(17);
        });
        const call = a.call('b', { digits: '5551000', name: 'Front Desk' }, { digits: '2000' });
        call.invite();
        await once(call, 'answered');
        await call.hold(true);
        const gone = once(call, 'released');
        call.release(16);
        await gone;
        const busy = a.call('b', { digits: '5551000' }, { digits: '2001' });
        busy.invite();
        await once(busy, 'released');
        await stopCapture(cap);
        cap = undefined;

        const decode = ['-r', file, '-d', `${protocol}.port==${a.port},sip`, '-d', `${protocol}.port==${b.port},sip`];
        const bad = execFileSync('tshark', [...decode, '-Y', '_ws.malformed || _ws.expert.severity >= error'], { stdio: ['ignore', 'pipe', 'pipe'] }).toString().trim();
        assert.equal(bad, '', `malformed packets:\n${bad}`);
        const lines = execFileSync('tshark', [...decode, '-Y', 'sip', '-T', 'fields', '-e', 'sip.Method', '-e', 'sip.Status-Code', '-e', 'sip.Via.rport'], { stdio: ['ignore', 'pipe', 'pipe'] })
          .toString()
          .trim()
          .split('\n')
          .map((l) => l.split('\t'));
        // Over TCP one segment may carry several messages: tshark joins their fields with commas.
        const seen = lines.flatMap(([method, status]) => [...(method ?? '').split(','), ...(status ?? '').split(',')]).filter(Boolean);
        for (const want of ['INVITE', '180', '200', 'ACK', 'BYE', '486']) assert.ok(seen.includes(want), `tshark saw ${seen.join(' ')}`);
        assert.ok(seen.filter((s) => s === 'INVITE').length >= 3, `INVITE, re-INVITE and the busy INVITE: ${seen.join(' ')}`);
        // RFC 3581 §4: the responses carry the rport the gateway filled in.
        assert.ok(lines.some(([, s, rport]) => s && rport && /^\d+/.test(rport)), 'rport filled in responses');
      } finally {
        cap?.kill('SIGINT');
        await Promise.all([a.stop(), b.stop()]);
        rmSync(dir, { recursive: true, force: true });
      }
    });
  }
});
