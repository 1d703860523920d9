import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { createSocket, type Socket } from 'node:dgram';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { once } from 'node:events';
import { join } from 'node:path';
import fc from 'fast-check';
import { addressBytes } from '../../src/ops/ip-datagram.js';
import { encodeHep3, HepExporter, sipCallId, type HepPacket } from '../../src/ops/hep-exporter.js';
import { boundPorts, handOverPort, reservePort, udpQueue } from '../support/ports.js';
import { eventually, quietFor } from '../support/waiting.js';
import { decodeHep3 } from './hep-decoder.js';

const sipInvite = (callId: string, host = '192.0.2.10'): string =>
  `INVITE sip:4321@${host}:5060 SIP/2.0\r\nVia: SIP/2.0/UDP 198.51.100.7:5060;branch=z9hG4bK-1;rport\r\nFrom: <sip:2125550100@198.51.100.7>;tag=a1\r\nTo: <sip:4321@${host}>\r\nCall-ID: ${callId}\r\nCSeq: 1 INVITE\r\nMax-Forwards: 70\r\nContent-Length: 0\r\n\r\n`;

async function collector(): Promise<{ socket: Socket; port: number; received: Buffer[] }> {
  const socket = createSocket('udp4');
  const received: Buffer[] = [];
  socket.on('message', (m) => received.push(m));
  await new Promise<void>((r) => socket.bind(0, '127.0.0.1', () => r()));
  return { socket, port: socket.address().port, received };
}

describe('HEP v3 export', () => {
  it('round-trips any message, addresses, ports, time, agent, key and Call-ID through the encoder (property)', () => {
    const endpoint = (v6: boolean) => fc.record({ address: v6 ? fc.ipV6() : fc.ipV4(), port: fc.integer({ min: 0, max: 65535 }) });
    const packet = fc.boolean().chain((v6) =>
      fc.record(
        {
          transport: fc.constantFrom('udp' as const, 'tcp' as const),
          src: endpoint(v6),
          dst: endpoint(v6),
          at: fc.integer({ min: 0, max: 4_000_000_000_000 }),
          payload: fc.uint8Array({ maxLength: 4000 }),
          captureAgentId: fc.nat(),
          authKey: fc.string({ maxLength: 40 }),
          correlationId: fc.string({ minLength: 1, maxLength: 80 }),
        },
        { requiredKeys: ['transport', 'src', 'dst', 'at', 'payload'] },
      ),
    );
    fc.assert(
      fc.property(packet, (p: HepPacket) => {
        const b = encodeHep3(p);
        assert.ok(b);
        const d = decodeHep3(b);
        const v6 = p.src.address.includes(':');
        assert.equal(d.family, v6 ? 10 : 2);
        assert.equal(d.protocol, p.transport === 'udp' ? 17 : 6);
        assert.deepEqual(d.src, addressBytes(p.src.address));
        assert.deepEqual(d.dst, addressBytes(p.dst.address));
        assert.equal(d.srcPort, p.src.port);
        assert.equal(d.dstPort, p.dst.port);
        assert.equal(d.seconds, Math.floor(p.at / 1000));
        assert.equal(d.micros, (p.at % 1000) * 1000);
        assert.equal(d.protoType, 1, 'SIP');
        assert.equal(d.agentId, p.captureAgentId ?? 0);
        assert.equal(d.authKey, p.authKey);
        assert.deepEqual(d.payload, p.payload);
        assert.equal(d.correlationId, p.correlationId);
      }),
      { numRuns: 300 },
    );
  });

  it('puts the fixed chunks first, in the order positional collectors read them', () => {
    const b = encodeHep3({ transport: 'udp', src: { address: '192.0.2.1', port: 5060 }, dst: { address: '192.0.2.2', port: 5080 }, at: 1, payload: Buffer.from('x') })!;
    const types: number[] = [];
    for (let off = 6; off < b.length; off += b.readUInt16BE(off + 4)) types.push(b.readUInt16BE(off + 2));
    assert.deepEqual(types, [1, 2, 7, 8, 9, 10, 11, 12, 3, 4, 15]);
  });

  it('refuses a message the 16-bit HEP length cannot carry instead of sending a wrong length', () => {
    assert.equal(encodeHep3({ transport: 'tcp', src: { address: '::1', port: 1 }, dst: { address: '::1', port: 2 }, at: 0, payload: new Uint8Array(65535) }), undefined);
  });

  it('finds the Call-ID in the headers, long or compact form, never in the body (property)', () => {
    const token = fc.stringMatching(/^[A-Za-z0-9.!%*_+`'~@:-]{1,40}$/);
    fc.assert(
      fc.property(token, fc.boolean(), fc.constantFrom('Call-ID', 'call-id', 'CALL-ID', 'i'), (id, crlf, name) => {
        const nl = crlf ? '\r\n' : '\n';
        const msg = `SIP/2.0 200 OK${nl}Via: SIP/2.0/UDP h;branch=z9hG4bK1${nl}${name} :  ${id}${nl}Content-Length: 12${nl}${nl}Call-ID: body`;
        assert.equal(sipCallId(Buffer.from(msg)), id);
        assert.equal(sipCallId(Buffer.from(`SIP/2.0 200 OK${nl}Content-Length: 12${nl}${nl}Call-ID: ${id}`)), undefined);
      }),
    );
  });

  it('sends each message to a UDP collector as one HEP3 datagram with the addresses, agent, key and Call-ID', async () => {
    const c = await collector();
    const exporter = await HepExporter.open({ host: '127.0.0.1', port: c.port, captureAgentId: 2001, authKey: 'homer-secret' });
    try {
      const at = Date.UTC(2026, 10, 29, 12, 0, 0) + 0.25;
      exporter.send({ transport: 'udp', src: { address: '198.51.100.7', port: 5060 }, dst: { address: '192.0.2.10', port: 5080 }, at, payload: Buffer.from(sipInvite('call-1@gw')), correlationId: 'call-1@gw' });
      exporter.send({ transport: 'tcp', src: { address: '2001:db8::7', port: 40000 }, dst: { address: '2001:db8::10', port: 5061 }, at, payload: Buffer.from(sipInvite('call-2@gw')), correlationId: 'call-2@gw' });
      await eventually('two HEP datagrams', () => c.received.length === 2);
      const [a, b] = c.received.map(decodeHep3);
      assert.equal(Buffer.from(a!.payload!).toString(), sipInvite('call-1@gw'));
      assert.deepEqual([a!.family, a!.protocol, a!.srcPort, a!.dstPort, a!.agentId, a!.authKey, a!.correlationId], [2, 17, 5060, 5080, 2001, 'homer-secret', 'call-1@gw']);
      assert.deepEqual(a!.src, Uint8Array.from([198, 51, 100, 7]));
      assert.deepEqual([a!.seconds, a!.micros], [Math.floor(at / 1000), 250]);
      assert.deepEqual([b!.family, b!.protocol, b!.dstPort, b!.correlationId], [10, 6, 5061, 'call-2@gw']);
      assert.deepEqual(b!.dst, addressBytes('2001:db8::10'));
    } finally {
      await exporter.close();
      c.socket.close();
    }
  });

  it('logs one clear line when the collector is down, loses packets without throwing, and says when it is back', async () => {
    const c = await collector();
    const port = c.port;
    await new Promise<void>((r) => c.socket.close(() => r()));
    const lines: string[] = [];
    const exporter = await HepExporter.open({ host: '127.0.0.1', port, log: (l) => lines.push(l) });
    try {
      const send = (id: string) => exporter.send({ transport: 'udp', src: { address: '127.0.0.1', port: 5060 }, dst: { address: '127.0.0.1', port: 5070 }, at: Date.now(), payload: Buffer.from(sipInvite(id)), correlationId: id });
      for (let i = 0; i < 6; i++) {
        send(`lost-${i}`);
        await new Promise((r) => setTimeout(r, 20));
      }
      await eventually('the failure line', () => lines.length > 0);
      // One line only: the sends after it add none.
      await quietFor(100);
      assert.equal(lines.length, 1, lines.join('\n'));
      assert.match(lines[0]!, new RegExp(`^HEP export to 127\\.0\\.0\\.1:${port} failed: .*ECONNREFUSED.*calls go on`));
      assert.ok(exporter.lost >= 1);
      // The collector comes back on the same port.
      const back = createSocket('udp4');
      const received: Buffer[] = [];
      back.on('message', (m) => received.push(m));
      await new Promise<void>((r) => back.bind(port, '127.0.0.1', () => r()));
      try {
        send('back');
        await eventually('a datagram at the collector', () => received.length > 0);
        // Keep sending, as calls would: no more bounces, so after a second the collector counts as back.
        const more = setInterval(() => send('more'), 100);
        try {
          await eventually('the recovery line', () => lines.length === 2, { timeoutMs: 5000 });
        } finally {
          clearInterval(more);
        }
        assert.equal(lines[1], `HEP export to 127.0.0.1:${port} works again`);
        assert.equal(decodeHep3(received[0]!).correlationId, 'back');
      } finally {
        back.close();
      }
    } finally {
      await exporter.close();
    }
  });
});

describe('HEP v3 export decoded by sngrep as the collector, then by tshark @slow', function () {
  this.timeout(30000);

  it('sngrep -L takes our HEP3 datagrams as SIP packets; tshark reads them with the original addresses and ports', async () => {
    if (spawnSync('sngrep', ['-V']).error) throw new Error('sngrep is not installed: apt-get install sngrep (scripts/setup does it)');
    if (spawnSync('tshark', ['-v']).error) throw new Error('tshark is not installed: apt-get install tshark (scripts/setup does it)');
    const dir = mkdtempSync(join(tmpdir(), 'sipline-hep-'));
    const port = await reservePort();
    const out = join(dir, 'from-hep.pcap');
    const sngrep = await handOverPort(port, () => spawn('sngrep', ['-N', '-q', '-L', `udp:127.0.0.1:${port}`, '-O', out], { stdio: ['ignore', 'pipe', 'pipe'] }), (p) => once(p, 'close'));
    let stderr = '';
    sngrep.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const exited = new Promise<number | null>((r) => sngrep.on('exit', (code) => r(code)));
    try {
      // sngrep says nothing when it listens: it does once the port is taken.
      await eventually(`sngrep listening on ${port}`, () => {
        assert.ok(boundPorts(sngrep.pid!, 'udp').includes(port), `not yet; stderr: ${stderr}`);
        return true;
      });
      const exporter = await HepExporter.open({ host: '127.0.0.1', port, captureAgentId: 7 });
      const ringing = 'SIP/2.0 180 Ringing\r\nVia: SIP/2.0/UDP 198.51.100.7:5060;branch=z9hG4bK-1;rport\r\nFrom: <sip:2125550100@198.51.100.7>;tag=a1\r\nTo: <sip:4321@192.0.2.10>;tag=b2\r\nCall-ID: hep-1@gw\r\nCSeq: 1 INVITE\r\nContent-Length: 0\r\n\r\n';
      exporter.send({ transport: 'udp', src: { address: '198.51.100.7', port: 5060 }, dst: { address: '192.0.2.10', port: 5080 }, at: Date.now(), payload: Buffer.from(sipInvite('hep-1@gw')), correlationId: 'hep-1@gw' });
      exporter.send({ transport: 'udp', src: { address: '192.0.2.10', port: 5080 }, dst: { address: '198.51.100.7', port: 5060 }, at: Date.now(), payload: Buffer.from(ringing), correlationId: 'hep-1@gw' });
      // sngrep writes what it took off its socket when it stops: wait until it has read both datagrams.
      await eventually('both datagrams sent', () => exporter.sent === 2);
      await eventually('sngrep to read both datagrams', () => udpQueue(sngrep.pid!, port) === 0);
      await exporter.close();
      sngrep.kill('SIGINT');
      await exited;
      const r = spawnSync('tshark', ['-r', out, '-d', 'udp.port==5080,sip', '-Y', 'sip', '-T', 'fields', '-e', 'ip.src', '-e', 'udp.srcport', '-e', 'ip.dst', '-e', 'udp.dstport', '-e', 'sip.Call-ID', '-e', 'sip.Method', '-e', 'sip.Status-Code'], { encoding: 'utf8' });
      assert.equal(r.status, 0, r.stderr);
      assert.deepEqual(r.stdout.trim().split('\n'), ['198.51.100.7\t5060\t192.0.2.10\t5080\thep-1@gw\tINVITE\t', '192.0.2.10\t5080\t198.51.100.7\t5060\thep-1@gw\t\t180']);
    } finally {
      if (sngrep.exitCode === null) sngrep.kill('SIGKILL');
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
