import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';

const cli = 'dist/src/cli/main.js';

function sipline(...args: string[]) {
  return spawnSync(process.execPath, [cli, ...args], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
}

describe('sipline CLI', () => {
  it('prints the package version with --version', () => {
    const { version } = JSON.parse(readFileSync('package.json', 'utf8')) as { version: string };
    const r = sipline('--version');
    assert.equal(r.status, 0);
    assert.equal(r.stdout.trim(), version);
  });

  it('lists its commands with --help', () => {
    const r = sipline('--help');
    assert.equal(r.status, 0);
    assert.match(r.stdout, /Usage: sipline/);
    assert.match(r.stdout, /probe/);
    assert.match(r.stdout, /versions/);
  });

  it('reports addon and library versions as JSON', () => {
    const v = JSON.parse(execFileSync(process.execPath, [cli, 'versions', '--json'], { encoding: 'utf8' })) as Record<string, unknown>;
    assert.equal(typeof v.spandsp, 'string');
    assert.equal(typeof v.dahdiHeaders, 'string');
    assert.equal(v.node, process.versions.node);
  });

  it('fails with a message and status 1 on an unknown command', () => {
    const r = sipline('frobnicate');
    assert.notEqual(r.status, 0);
    assert.match(r.stderr, /unknown command 'frobnicate'/);
  });

  it('says plainly that no DAHDI driver is loaded on a machine without one', () => {
    const r = sipline('probe');
    assert.equal(r.status, 0);
    assert.match(r.stdout, /no DAHDI driver loaded/);
  });
});
