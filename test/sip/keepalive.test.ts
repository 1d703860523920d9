import assert from 'node:assert/strict';
import { createSocket } from 'node:dgram';
import { once } from 'node:events';
import { SipEndpoint, type TrunkState } from '../../src/sip/sip-endpoint.js';
import { BoundRtpPort } from './bound-rtp-port.js';

describe('trunk OPTIONS keepalive (RFC 3261 §11)', function () {
  this.timeout(10000);

  it('marks a trunk down after N unanswered probes and up again after one answer', async () => {
    // The trunk: a UDP socket that answers OPTIONS with 200 only while `answering`.
    const trunk = createSocket('udp4');
    await new Promise<void>((r) => trunk.bind(0, '127.0.0.1', r));
    let answering = true;
    const probes = new Set<string>(); // Call-IDs: retransmissions of one probe count once
    trunk.on('message', (msg, rinfo) => {
      const text = msg.toString();
      if (!text.startsWith('OPTIONS ')) return;
      probes.add(/\r\nCall-ID:\s*(\S+)/i.exec(text)?.[1] ?? '');
      if (!answering) return;
      const keep = text.split('\r\n').filter((l) => /^(via|from|to|call-id|cseq):/i.test(l));
      const reply = ['SIP/2.0 200 OK', ...keep.map((l) => (/^to:/i.test(l) ? `${l};tag=t1` : l)), 'Content-Length: 0', '', ''].join('\r\n');
      trunk.send(reply, rinfo.port, rinfo.address);
    });
    const a = await SipEndpoint.start({ transport: { protocol: 'udp' }, trunks: [], media: () => BoundRtpPort.open() });
    const states: TrunkState[] = [];
    a.on('trunkState', (_name, s) => states.push(s));
    try {
      await a.addTrunk({ name: 'carrier', host: '127.0.0.1', port: trunk.address().port, keepalive: { intervalMs: 150, timeoutMs: 100, downAfter: 3 } });
      await once(a, 'trunkState');
      assert.equal(a.trunkState('carrier'), 'up');
      answering = false;
      const before = probes.size;
      while (a.trunkState('carrier') !== 'down') await once(a, 'trunkState');
      assert.equal(probes.size - before, 3, 'down after exactly downAfter unanswered probes');
      answering = true;
      while (a.trunkState('carrier') !== 'up') await once(a, 'trunkState');
      assert.deepEqual(states, ['up', 'down', 'up']);
    } finally {
      await a.stop();
      trunk.close();
    }
  });
});
