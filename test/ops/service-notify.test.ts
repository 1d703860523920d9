// systemd Type=notify as the service manager sees it on its socket (socat
// stands in for it): READY=1 once spans and trunks are up, or after the wait
// saying what is down; STATUS= lines; WATCHDOG=1 when WatchdogSec is set;
// STOPPING=1 and silence after it.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ServiceNotify } from '../../src/ops/service-notify.js';
import type { SpanStatus, TrunkStatus } from '../../src/ops/status-model.js';
import { StatusRegistry } from '../../src/ops/status-registry.js';
import { NotifyReceiver } from './notify-receiver.js';
import { eventually, quietFor } from '../support/waiting.js';


function world(): { reg: StatusRegistry; span: SpanStatus; trunk: TrunkStatus } {
  const reg = new StatusRegistry();
  const span: SpanStatus = { name: 'pri1', type: 'T1', framing: 'ESF', lineCoding: 'B8ZS', alarms: [], dchannel: 'down', counters: {}, channels: 23 };
  const trunk: TrunkStatus = { name: 'carrier', state: 'registering', lastError: null, registrations: 0 };
  reg.spans.add('pri1', { status: () => ({ ...span }) });
  reg.trunks.add('carrier', { status: () => ({ ...trunk }) });
  return { reg, span, trunk };
}

describe('systemd notify (Type=notify)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'sipline-sdnotify-'));
  let r: NotifyReceiver | undefined;
  afterEach(() => r?.close());
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('sends READY=1 only once the D-channel and the trunk are up, with the summary, then watchdog pings and STOPPING=1', async () => {
    r = await NotifyReceiver.open(join(dir, 'a.sock'));
    const { reg, span, trunk } = world();
    const n = new ServiceNotify({ registry: reg, env: { NOTIFY_SOCKET: r.socket, WATCHDOG_USEC: '200000' } });
    assert.equal(n.watchdogMs, 100, 'half of WatchdogSec');
    const ready = n.ready();
    // Nothing may be said while the span and the trunk are down.
    await quietFor(400);
    assert.deepEqual(r.lines, [], 'nothing while the span and the trunk are down');
    span.dchannel = 'up';
    trunk.state = 'registered';
    assert.equal(await ready, true);
    await r.waitFor((l) => l === 'READY=1', 'READY=1');
    assert.equal(r.lines[0], 'READY=1');
    assert.equal(r.lines[1], 'STATUS=spans 1/1 up, trunks 1/1 up, channels 0/0 busy, calls 0 (0 connected), 0 ended');
    assert.equal(r.lines[2], `MAINPID=${process.pid}`);
    const t0 = performance.now();
    await eventually('three watchdog pings', () => r!.lines.filter((l) => l === 'WATCHDOG=1').length >= 3);
    // One every 100 ms, however long the wait really took on a loaded machine.
    const pings = r.lines.filter((l) => l === 'WATCHDOG=1').length;
    const elapsed = performance.now() - t0;
    assert.ok(pings <= elapsed / 100 + 2, `${pings} watchdog pings in ${elapsed.toFixed(0)} ms at 100 ms`);
    n.stopping();
    await r.waitFor((l) => l === 'STOPPING=1', 'STOPPING=1');
    const count = r.lines.length;
    // Nothing may follow STOPPING=1.
    await quietFor(300);
    assert.equal(r.lines.length, count, 'no watchdog or status after STOPPING=1');
  });

  it('sends READY=1 after the wait even with a span down, and says what is not up; STATUS= follows changes', async () => {
    r = await NotifyReceiver.open(`@sipline-sdnotify-${process.pid}-${Date.now()}`);
    const { reg, span, trunk } = world();
    trunk.state = 'up';
    span.alarms = ['RED'];
    const n = new ServiceNotify({ registry: reg, env: { NOTIFY_SOCKET: r.socket }, readyWaitMs: 300 });
    assert.equal(n.watchdogMs, null, 'no WatchdogSec, no pings');
    const t0 = Date.now();
    assert.equal(await n.ready(), true);
    assert.ok(Date.now() - t0 >= 280, 'waited for the span first');
    await r.waitFor((l) => l.startsWith('STATUS='), 'STATUS=');
    assert.equal(r.lines[1], 'STATUS=spans 0/1 up, trunks 1/1 up, channels 0/0 busy, calls 0 (0 connected), 0 ended; not up: span pri1');
    span.alarms = [];
    span.dchannel = 'up';
    n.updateStatus();
    await r.waitFor((l) => l.startsWith('STATUS=spans 1/1 up'), 'the new STATUS=');
    n.stopping();
    assert.ok(!r.lines.includes('WATCHDOG=1'));
  });

  it('does nothing without NOTIFY_SOCKET, and ignores a watchdog meant for another process', async () => {
    const { reg } = world();
    const n = new ServiceNotify({ registry: reg, env: {} });
    assert.equal(n.enabled, false);
    assert.equal(await n.ready(), false);
    const other = new ServiceNotify({ registry: reg, env: { NOTIFY_SOCKET: '/nonexistent', WATCHDOG_USEC: '1000000', WATCHDOG_PID: String(process.pid + 1) } });
    assert.equal(other.watchdogMs, null);
  });

  it('reports a send that fails (the manager went away) instead of throwing', async () => {
    const errors: Error[] = [];
    const { reg, span, trunk } = world();
    span.dchannel = 'up';
    trunk.state = 'up';
    const n = new ServiceNotify({ registry: reg, env: { NOTIFY_SOCKET: join(dir, 'gone.sock') }, onError: (e) => errors.push(e) });
    assert.equal(await n.ready(), true);
    n.stopping();
    assert.equal(errors.length, 2);
    assert.match(errors[0]!.message, /gone\.sock/);
  });
});
