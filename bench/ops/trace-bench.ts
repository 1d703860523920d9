// What tracing a SIP message costs the event loop: SipTrace (datagram built,
// record queued, batched asynchronous writes) against writing each record
// with a synchronous write, side by side; and the HEP v3 encoding.
//   node dist/bench/ops/trace-bench.js
import { closeSync, mkdtempSync, openSync, rmSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { encodeHep3 } from '../../src/ops/hep-exporter.js';
import { ipDatagram } from '../../src/ops/ip-datagram.js';
import { SipTrace } from '../../src/ops/sip-trace.js';
import type { SipWirePacket } from '../../src/sip/node-transport.js';

const N = 20000;
const invite = Buffer.from(
  `INVITE sip:5551234@192.0.2.10:5060 SIP/2.0\r\nVia: SIP/2.0/UDP 198.51.100.7:5060;branch=z9hG4bK-1;rport\r\nFrom: "ACME" <sip:2125550100@198.51.100.7>;tag=a1\r\nTo: <sip:5551234@192.0.2.10>\r\nCall-ID: 5c1b2e@198.51.100.7\r\nCSeq: 1 INVITE\r\nContact: <sip:gw@198.51.100.7:5060>\r\nMax-Forwards: 70\r\nContent-Type: application/sdp\r\nContent-Length: 240\r\n\r\n${'v=0\r\n'.repeat(48)}`,
);
const packet = (i: number): SipWirePacket => ({ direction: 'out', protocol: 'udp', local: { address: '198.51.100.7', port: 5060 }, remote: { address: '192.0.2.10', port: 5060 }, data: invite, at: 1_700_000_000_000 + i });

const dir = mkdtempSync(join(tmpdir(), 'sipline-trace-bench-'));
try {
  // Side by side, each twice; the second round is reported (JIT warm).
  let buffered = 0;
  let flushed = 0;
  let sync = 0;
  for (let round = 0; round < 2; round++) {
    const trace = new SipTrace({ path: join(dir, `buffered-${round}.pcap`), maxBytes: 1 << 30 });
    let t0 = process.hrtime.bigint();
    for (let i = 0; i < N; i++) trace.packet(packet(i));
    buffered = Number(process.hrtime.bigint() - t0) / 1e3 / N;
    t0 = process.hrtime.bigint();
    await trace.close();
    flushed = Number(process.hrtime.bigint() - t0) / 1e6;

    const fd = openSync(join(dir, `sync-${round}.pcap`), 'w');
    t0 = process.hrtime.bigint();
    for (let i = 0; i < N; i++) {
      const d = ipDatagram({ src: { address: '198.51.100.7', port: 5060 }, dst: { address: '192.0.2.10', port: 5060 }, transport: 'udp', payload: invite, id: i });
      const rec = Buffer.allocUnsafe(16 + d.length);
      rec.writeUInt32LE(0, 0);
      rec.writeUInt32LE(0, 4);
      rec.writeUInt32LE(d.length, 8);
      rec.writeUInt32LE(d.length, 12);
      d.copy(rec, 16);
      writeSync(fd, rec);
    }
    sync = Number(process.hrtime.bigint() - t0) / 1e3 / N;
    closeSync(fd);
  }
  const t0 = process.hrtime.bigint();
  for (let i = 0; i < N; i++) encodeHep3({ transport: 'udp', src: { address: '198.51.100.7', port: 5060 }, dst: { address: '192.0.2.10', port: 5060 }, at: 1_700_000_000_000 + i, payload: invite, correlationId: '5c1b2e@198.51.100.7' });
  const hep = Number(process.hrtime.bigint() - t0) / 1e3 / N;
  console.log(`SIP trace of ${N} messages of ${invite.length} octets:`);
  console.log(`  SipTrace.packet (queued):        ${buffered.toFixed(2)} µs/message on the event loop; the batched writes after: ${flushed.toFixed(1)} ms in all`);
  console.log(`  one writeSync per message:       ${sync.toFixed(2)} µs/message on the event loop (${(sync / buffered).toFixed(1)}x)`);
  console.log(`  HEP v3 encoding:                 ${hep.toFixed(2)} µs/message`);
} finally {
  rmSync(dir, { recursive: true, force: true });
}
