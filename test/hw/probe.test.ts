import assert from 'node:assert/strict';
import { mkdtempSync, mkdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { probeDahdi } from '../../src/hw/probe.js';

describe('probe: DAHDI spans', () => {
  it('reports no driver when /proc/dahdi is absent', () => {
    const r = probeDahdi(join(tmpdir(), 'no-such-dahdi'));
    assert.equal(r.loaded, false);
    assert.match(r.note, /no DAHDI driver loaded/);
  });

  it('lists spans and counts their channels from /proc/dahdi', () => {
    const root = mkdtempSync(join(tmpdir(), 'sipline-proc-'));
    const dahdi = join(root, 'dahdi');
    mkdirSync(dahdi);
    const chans = Array.from({ length: 24 }, (_, i) => `\t   ${i + 1} TE2/0/1/${i + 1} Clear (In use) (EC: VPMOCT032 - INACTIVE)`);
    writeFileSync(join(dahdi, '1'), ['Span 1: TE2/0/1 "T2XXP (PCI) Card 0 Span 1" (MASTER) B8ZS/ESF', '', ...chans, ''].join('\n'));
    writeFileSync(join(dahdi, '2'), ['Span 2: TE2/0/2 "T2XXP (PCI) Card 0 Span 2" RED', '', chans[0], ''].join('\n'));
    const r = probeDahdi(dahdi);
    assert.equal(r.loaded, true);
    assert.deepEqual(r.spans.map((s) => [s.number, s.channels]), [[1, 24], [2, 1]]);
    assert.match(r.spans[0]!.description, /T2XXP/);
  });
});
