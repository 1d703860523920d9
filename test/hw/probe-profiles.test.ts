import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadHwProfiles } from '../../src/hw/hw-profile.js';
import { formatProbe, probeDahdi, probeDahdiDevices, withProfiles } from '../../src/hw/probe.js';

describe('probe: hw-profiles for what is found', () => {
  it('names the hw-profile of each DAHDI span and lists its channels', () => {
    const root = mkdtempSync(join(tmpdir(), 'sipline-proc-'));
    const chans = Array.from({ length: 31 }, (_, i) => `\t  ${i + 1} TE4/0/1/${i + 1} Clear (In use)`);
    writeFileSync(join(root, '1'), ['Span 1: TE4/0/1 "Wildcard TE435/235 Card 0 Span 1" (MASTER) HDB3/CCS/CRC4', '', ...chans, ''].join('\n'));
    writeFileSync(join(root, '2'), ['Span 2: WCTDM/0 "Wildcard TDM800P" (MASTER)', '', '\t  32 WCTDM/0/0 FXOKS', '\t  33 WCTDM/0/1 FXSKS', ''].join('\n'));
    writeFileSync(join(root, '3'), ['Span 3: XYZ/0 "Some card nobody knows"', ''].join('\n'));
    const r = withProfiles({ dahdi: probeDahdi(root), serialPorts: [] }, loadHwProfiles());
    assert.deepEqual(r.dahdi.spans.map((s) => s.profile), ['digium-te435', 'digium-tdm800', undefined]);
    assert.deepEqual(r.dahdi.spans[1]!.channelList, [
      { number: 32, name: 'WCTDM/0/0', state: 'FXOKS' },
      { number: 33, name: 'WCTDM/0/1', state: 'FXSKS' },
    ]);
    const text = formatProbe(r);
    assert.match(text, /span 1: .*TE435.* \(31 channels\) -> hw-profile digium-te435/);
    assert.match(text, /channel 33: WCTDM\/0\/1 FXSKS/);
    assert.match(text, /span 3: .* \(no matching hw-profile\)/);
  });

  it('reads DAHDI devices from /sys/bus/dahdi_devices and matches their profile', () => {
    const root = mkdtempSync(join(tmpdir(), 'sipline-sys-'));
    const dev = join(root, 'pci:0000:03:00.0');
    mkdirSync(dev);
    writeFileSync(join(dev, 'manufacturer'), 'Digium\n');
    writeFileSync(join(dev, 'type'), 'Wildcard TE133 (VPMOCT032)\n');
    writeFileSync(join(dev, 'span_count'), '1\n');
    const devices = probeDahdiDevices(root);
    assert.deepEqual(devices, [{ id: 'pci:0000:03:00.0', manufacturer: 'Digium', type: 'Wildcard TE133 (VPMOCT032)', spanCount: 1 }]);
    const r = withProfiles({ dahdi: { loaded: true, note: '', spans: [], devices }, serialPorts: [] }, loadHwProfiles());
    assert.equal(r.dahdi.devices![0]!.profile, 'digium-te133');
  });

  it('`sipline probe` on this machine says no DAHDI driver is loaded and offers the sim profiles', () => {
    const r = spawnSync(process.execPath, ['dist/src/cli/main.js', 'probe'], { encoding: 'utf8' });
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /no DAHDI driver loaded/);
    for (const name of ['sim-t1', 'sim-e1', 'sim-fxo4', 'sim-fxs4', 'sim-mixed']) assert.match(r.stdout, new RegExp(`^  ${name}: `, 'm'));
    const json = spawnSync(process.execPath, ['dist/src/cli/main.js', 'probe', '--json'], { encoding: 'utf8' });
    const report = JSON.parse(json.stdout) as { dahdi: { loaded: boolean }; simProfiles: { name: string }[] };
    assert.equal(report.dahdi.loaded, false);
    assert.deepEqual(report.simProfiles.map((p) => p.name).sort(), ['sim-e1', 'sim-fxo4', 'sim-fxs4', 'sim-mixed', 'sim-t1']);
  });
});

describe('probe: /proc/dahdi parsing (property)', () => {
  it('never throws on any span file and counts exactly the channel lines', async () => {
    const fc = (await import('fast-check')).default;
    const channelLine = fc.tuple(fc.integer({ min: 1, max: 9999 }), fc.stringMatching(/^[A-Za-z0-9/]{1,12}$/), fc.stringMatching(/^[ A-Za-z()]{0,20}$/)).map(([n, name, state]) => `\t  ${n} ${name} ${state}`);
    const otherLine = fc.string().filter((l) => !/^\s+\d+\s/.test(l) && !l.includes('\n'));
    fc.assert(
      fc.property(otherLine, fc.array(fc.oneof(channelLine, otherLine), { maxLength: 40 }), (head, lines) => {
        const root = mkdtempSync(join(tmpdir(), 'sipline-proc-'));
        writeFileSync(join(root, '1'), [head, ...lines].join('\n'));
        const r = probeDahdi(root);
        const expected = lines.filter((l) => /^\s+\d+\s/.test(l)).length;
        assert.equal(r.spans[0]!.channels, expected);
        assert.equal(r.spans[0]!.channelList!.length, expected);
      }),
      { numRuns: 100 },
    );
  });
});
