import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { addon } from '../../src/hw/addon.js';

describe('native addon', () => {
  it('loads and reports the package version', () => {
    const pkg = JSON.parse(execFileSync('node', ['-p', 'JSON.stringify(require("./package.json"))'], { encoding: 'utf8' })) as { version: string };
    assert.equal(addon().version(), pkg.version);
  });

  it('reports the spandsp it was built against, as pkg-config sees it', () => {
    const expected = execFileSync('pkg-config', ['--modversion', 'spandsp'], { encoding: 'utf8' }).trim();
    const v = addon().versions();
    assert.equal(v.spandsp, expected);
    assert.match(v.spandspRelease, /^\d{8} \d{6}$/);
  });

  it('reports the DAHDI user headers it was compiled with', () => {
    const expected = execFileSync('dpkg-query', ['-W', '-f=${Version}', 'dahdi-source'], { encoding: 'utf8' }).trim();
    assert.equal(addon().versions().dahdiHeaders, expected);
  });
});
