// What one redraw of `status --watch` costs as the gateway grows: the status
// request over the control socket, rendering the screen, and a metrics
// scrape, for 1, 4 and 16 E1 spans (30 channels each, every channel in a call).
//   node dist/bench/ops/status-bench.js
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { renderStatus } from '../../src/cli/status-screen.js';
import { ControlClient } from '../../src/ops/control-client.js';
import { Gateway } from '../../src/ops/gateway.js';

async function time(n: number, fn: () => unknown): Promise<number> {
  for (let i = 0; i < 5; i++) await fn();
  const t0 = process.hrtime.bigint();
  for (let i = 0; i < n; i++) await fn();
  return Number(process.hrtime.bigint() - t0) / 1e6 / n;
}

async function measure(spans: number): Promise<{ channels: number; status: number; render: number; scrape: number; bytes: number }> {
  const dir = mkdtempSync(join(tmpdir(), 'sipline-bench-'));
  const gw = new Gateway({ config: { controlSocket: join(dir, 'c.sock'), metrics: null, logLevel: 'silent' }, log: pino({ level: 'silent' }), version: 'bench' });
  const started = new Date().toISOString();
  for (let s = 1; s <= spans; s++) {
    gw.registry.spans.add(`span${s}`, {
      status: () => ({ name: `span${s}`, type: 'E1', framing: 'CRC4', lineCoding: 'HDB3', alarms: [], dchannel: 'up', counters: { bpv: 0, crc4: 0 }, channels: 30 }),
    });
    for (let c = 1; c <= 30; c++) {
      const port = `span${s}:${c}`;
      const call = `c${s}-${c}`;
      gw.registry.ports.add(port, {
        status: () => ({ name: port, kind: 'pri', span: `span${s}`, channel: c, hook: 'none', signalling: 'pri-cpe', signallingState: 'U10', callState: 'connected', blocked: false, callId: call, levelRxDbm0: -20, levelTxDbm0: -22 }),
      });
      gw.registry.calls.add(call, {
        status: () => ({ id: call, direction: 'pstn-to-sip', port, trunk: 't', calling: '5551234', called: '18005550100', state: 'connected', codec: 'PCMA', startedAt: started, answeredAt: started, durationS: 10, jitterMs: 1, lossPct: 0 }),
      });
    }
  }
  await gw.start();
  const client = await ControlClient.connect(gw.config.controlSocket);
  const snapshot = await client.request('status');
  const result = {
    channels: spans * 30,
    status: await time(200, () => client.request('status')),
    render: await time(200, () => renderStatus(snapshot, { color: true, width: 200 })),
    scrape: await time(100, () => gw.metrics.scrape()),
    bytes: JSON.stringify(snapshot).length,
  };
  client.close();
  await gw.shutdown();
  rmSync(dir, { recursive: true, force: true });
  return result;
}

const rows = [];
for (const spans of [1, 4, 16]) rows.push(await measure(spans));
const base = rows[0]!;
console.log('channels  status over socket  render screen  metrics scrape  status JSON');
for (const r of rows) {
  console.log(
    `${String(r.channels).padStart(8)}  ${r.status.toFixed(3).padStart(9)} ms (x${(r.status / base.status).toFixed(1)})` +
      `  ${r.render.toFixed(3).padStart(8)} ms (x${(r.render / base.render).toFixed(1)})` +
      `  ${r.scrape.toFixed(3).padStart(8)} ms (x${(r.scrape / base.scrape).toFixed(1)})  ${(r.bytes / 1024).toFixed(0).padStart(6)} KiB`,
  );
}
