// `sipline start` under a service manager (Type=notify): the daemon on the
// emulated T1 card with libpri as the PBX, $NOTIFY_SOCKET bound by socat.
// READY=1 comes once the control socket is open and the span's D-channel is
// up, WATCHDOG=1 at half of WATCHDOG_USEC, STOPPING=1 on SIGTERM before exit.
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { GatewayStatus } from '../../src/ops/status-model.js';
import { NotifyReceiver } from '../ops/notify-receiver.js';
import { reservePort } from '../support/ports.js';
import { CLI } from './demo-process.js';
import { watchOutput } from '../support/output.js';
import { quietFor } from '../support/waiting.js';
import { gatewayYaml } from './gateway-fixture.js';

describe('sipline start tells systemd when it is ready and stopping (sd_notify) @slow', function () {
  this.timeout(60_000);
  const dir = mkdtempSync(join(tmpdir(), 'sipline-notify-e2e-'));
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('READY=1 once the span is up and the control socket answers; STATUS= summary; WATCHDOG=1; STOPPING=1 on SIGTERM', async () => {
    const socket = join(dir, 'control.sock');
    const config = join(dir, 'gateway.yaml');
    writeFileSync(config, gatewayYaml({ trunkPorts: [await reservePort()], extra: `control: { socket: ${socket} }\nlog: { level: info }\n` }));
    const r = await NotifyReceiver.open(join(dir, 'notify.sock'));
    const child = spawn(process.execPath, ['dist/test/e2e/daemon-child.js', config], {
      stdio: ['pipe', 'pipe', 'pipe'],
      env: { ...process.env, NOTIFY_SOCKET: r.socket, WATCHDOG_USEC: '1000000' },
    });
    const output = watchOutput('gateway', child);
    const exited = new Promise<number | null>((res) => child.on('close', (code) => res(code)));
    try {
      await r.waitFor((l) => l === 'READY=1', 'READY=1', 20_000).catch((err: Error) => {
        throw new Error(`${err.message}\ngateway output:\n${output.text()}`);
      });
      // What READY=1 promises: the control socket answers and the span is up.
      const st = spawnSync(process.execPath, [CLI, 'status', '--json', '--socket', socket], { encoding: 'utf8' });
      assert.equal(st.status, 0, st.stderr);
      const s = JSON.parse(st.stdout) as GatewayStatus;
      assert.equal(s.spans[0]?.dchannel, 'up');
      // The log line comes through a pipe, READY=1 through a socket: the pipe may be a moment behind.
      await output.waitFor(/peer: restart/, { what: 'the PBX restarted the interface by READY=1' });
      const status = r.lines.find((l) => l.startsWith('STATUS='));
      assert.equal(status, 'STATUS=spans 1/1 up, trunks 1/1 up, channels 0/23 busy, calls 0 (0 connected), 0 ended');
      assert.ok(r.lines.includes(`MAINPID=${child.pid}`), r.lines.join('\n'));
      await r.waitFor((l) => l === 'WATCHDOG=1', 'WATCHDOG=1', 3000);
      assert.ok(!r.lines.includes('STOPPING=1'));

      child.kill('SIGTERM');
      await r.waitFor((l) => l === 'STOPPING=1', 'STOPPING=1', 5000);
      assert.equal(await exited, 0, output.text());
      const stopAt = r.lines.indexOf('STOPPING=1');
      assert.ok(stopAt > r.lines.indexOf('READY=1'));
      // The process is gone; a ping it sent last could still be on its way through the socket.
      await quietFor(200);
      assert.ok(!r.lines.slice(stopAt).includes('WATCHDOG=1'), 'no watchdog ping after STOPPING=1');
    } finally {
      if (child.exitCode === null) child.kill('SIGKILL');
      r.close();
    }
  });
});
