import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

const unit = readFileSync('scripts/sipline.service', 'utf8');

function setting(key: string): string[] {
  return [...unit.matchAll(new RegExp(`^${key}=(.*)$`, 'gm'))].map((m) => m[1] ?? '');
}

describe('systemd unit scripts/sipline.service', () => {
  it('runs sipline start in the foreground as a notify service (READY=1, STOPPING=1, watchdog), restarts it on failure and reloads with SIGHUP', () => {
    assert.deepEqual(setting('Type'), ['notify']);
    assert.deepEqual(setting('NotifyAccess'), ['main'], 'the daemon itself sends the notifications');
    const watchdog = Number(setting('WatchdogSec')[0]);
    const start = Number(setting('TimeoutStartSec')[0]);
    assert.ok(watchdog >= 10, 'a watchdog long enough for a busy machine');
    assert.ok(start > 20, 'the start timeout leaves room for the 20 s the daemon waits for spans and trunks before READY=1');
    assert.deepEqual(setting('Restart'), ['on-failure']);
    assert.match(setting('ExecStart')[0] ?? '', /sipline start --config \S+\.yaml$/);
    assert.deepEqual(setting('ExecReload'), ['/bin/kill -HUP $MAINPID']);
  });

  it('runs unprivileged: own user, dialout for DAHDI and serial devices, no capabilities', () => {
    assert.deepEqual(setting('User'), ['sipline']);
    assert.deepEqual(setting('SupplementaryGroups'), ['dialout']);
    assert.deepEqual(setting('AmbientCapabilities'), ['']);
    assert.deepEqual(setting('CapabilityBoundingSet'), ['']);
    assert.deepEqual(setting('RuntimeDirectory'), ['sipline'], '/run/sipline for the default control socket');
  });

  it('passes systemd-analyze verify', function () {
    if (spawnSync('systemd-analyze', ['--version']).status !== 0) throw new Error('systemd-analyze is missing: apt-get install systemd');
    const dir = mkdtempSync(join(tmpdir(), 'sipline-unit-'));
    try {
      // The installed binary does not exist here; point ExecStart at the built CLI.
      const file = join(dir, 'sipline.service');
      writeFileSync(file, unit.replace(/^ExecStart=\S+/m, `ExecStart=${process.execPath} ${resolve('dist/src/cli/main.js')}`));
      const r = spawnSync('systemd-analyze', ['verify', file], { encoding: 'utf8' });
      assert.equal(r.status, 0, r.stderr);
      assert.equal(r.stderr.trim(), '');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
