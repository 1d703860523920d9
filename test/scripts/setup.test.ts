import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

describe('setup and native build', () => {
  it('fails the addon build with one line naming libspandsp-dev when spandsp is missing', () => {
    // An empty pkg-config search path is what a machine without libspandsp-dev looks like.
    const empty = mkdtempSync(join(tmpdir(), 'sipline-pc-'));
    const r = spawnSync(process.execPath, ['scripts/build-native.mjs'], {
      encoding: 'utf8',
      env: { ...process.env, PKG_CONFIG_LIBDIR: empty, PKG_CONFIG_PATH: '' },
    });
    assert.equal(r.status, 1);
    const lines = r.stderr.trim().split('\n');
    assert.equal(lines.length, 1, r.stderr);
    assert.match(lines[0]!, /spandsp not found; install the Debian package libspandsp-dev/);
    assert.equal(r.stdout, '');
  });

  it('finds nothing to do when run again on a set-up machine', () => {
    const r = spawnSync('bash', ['scripts/setup', '--check'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
    assert.equal(r.status, 0, r.stdout + r.stderr);
    assert.equal(r.stdout.trim(), 'sipline setup: everything is in place');
  });
});
