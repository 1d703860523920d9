import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { stringify } from 'yaml';
import { Card } from '../../src/hw/card.js';
import { HwProfileError, loadHwProfile, loadHwProfiles, parseHwProfile, profileChannels, simSpans, type HwProfile } from '../../src/hw/hw-profile.js';
import { SimCard } from '../../src/hw/sim-card.js';
import { channelEvent } from './sim-helpers.js';

const good = `model: TE220
vendor: Digium
description: dual-span card
backend: dahdi
match:
  driver: wct4xxp
  names: ["TE220"]
spans:
  - type: e1
    framing: ccs
    coding: hdb3
    crc4: true
    signalling: pri-cpe
defaults:
  blockSize: 160
  echoCanceller:
    enabled: true
    tailMs: 128
  rxGainDb: 0
  txGainDb: 0
  toneZone: de
`;

function fails(text: string): HwProfileError {
  try {
    parseHwProfile(text, 'hw-profiles/bad.yaml');
  } catch (err) {
    assert.ok(err instanceof HwProfileError, `threw ${String(err)}`);
    return err;
  }
  assert.fail('a bad profile was accepted');
}

describe('hw-profiles', () => {
  it('ships at least 12 real cards and the five sim profiles, all valid', () => {
    const profiles = loadHwProfiles();
    const real = profiles.filter((p) => p.backend === 'dahdi');
    assert.ok(real.length >= 12, `${real.length} real card profiles`);
    assert.ok(real.every((p) => p.match && p.match.names.length > 0), 'every real card says how probe recognises it');
    for (const name of ['sim-t1', 'sim-e1', 'sim-fxo4', 'sim-fxs4', 'sim-mixed']) {
      assert.equal(profiles.find((p) => p.name === name)?.backend, 'sim', name);
    }
  });

  it('lays out sim-mixed as one T1 PRI span (D-channel on 24) and 4 FXO ports', () => {
    const p = loadHwProfiles().find((x) => x.name === 'sim-mixed')!;
    const ch = profileChannels(p);
    assert.equal(ch.length, 28);
    assert.deepEqual(ch.filter((c) => c.mode === 'hdlc').map((c) => c.number), [24]);
    assert.deepEqual(ch.filter((c) => c.span === 2).map((c) => c.number), [25, 26, 27, 28]);
    assert.deepEqual(simSpans(p), [{ type: 't1', pri: true }, { type: 'analog', ports: ['fxo', 'fxo', 'fxo', 'fxo'] }]);
  });

  it('opens a card from the sim-mixed profile: the FXO ports ring and the D-channel carries frames', async () => {
    const p = loadHwProfiles().find((x) => x.name === 'sim-mixed')!;
    const sim = new SimCard(simSpans(p));
    const card = Card.open({ kernel: sim, channels: profileChannels(p) });
    try {
      const ring = channelEvent(card.channel(27), 'ringBegin');
      sim.ring(27, true);
      await ring;
      const frame = new Promise<Buffer>((resolve) => card.channel(24).once('frame', resolve));
      sim.sendFrame(24, Buffer.from([0x02, 0x01, 0x7f]));
      assert.deepEqual([...(await frame)], [0x02, 0x01, 0x7f]);
    } finally {
      card.close();
      sim.close();
    }
  });

  it('names file, line and field for a value the span type does not allow (E1 with B8ZS)', () => {
    const e = fails(good.replace('coding: hdb3', 'coding: b8zs'));
    assert.equal(e.line, 11);
    assert.equal(e.field, 'spans[0].coding');
    assert.match(e.message, /^hw-profiles\/bad\.yaml:11:\d+: spans\[0\]\.coding: must be one of hdb3, ami$/);
  });

  it('refuses CRC-4 on a T1 span', () => {
    const e = fails(good.replace('type: e1', 'type: t1').replace('framing: ccs', 'framing: esf').replace('coding: hdb3', 'coding: b8zs'));
    assert.equal(e.field, 'spans[0].crc4');
    assert.equal(e.line, 12);
  });

  it('names a missing field and the object it is missing from', () => {
    const e = fails(good.replace('  toneZone: de\n', ''));
    assert.equal(e.field, 'defaults.toneZone');
    assert.match(e.message, /is missing/);
    assert.equal(e.line, 15, 'the defaults block starts on line 15');
  });

  it('names an unknown field at its own line', () => {
    const e = fails(good.replace('    tailMs: 128\n', '    tailMs: 128\n    colour: red\n'));
    assert.equal(e.field, 'defaults.echoCanceller.colour');
    assert.equal(e.line, 19);
    assert.match(e.message, /not a known field/);
  });

  it('refuses a block size that is not a multiple of 8 from 64 to 1600', () => {
    const e = fails(good.replace('blockSize: 160', 'blockSize: 100'));
    assert.equal(e.field, 'defaults.blockSize');
    assert.equal(e.line, 15);
  });

  it('reports YAML syntax errors with their line', () => {
    const e = fails(good.replace('  names: ["TE220"]', '  names: ["TE220"'));
    assert.match(e.message, /YAML syntax/);
    assert.ok(e.line >= 7 && e.line <= 8, `line ${e.line}`);
  });

  it('names the file when loading from disk', () => {
    const dir = mkdtempSync(join(tmpdir(), 'sipline-profile-'));
    const file = join(dir, 'broken.yaml');
    writeFileSync(file, good.replace('backend: dahdi', 'backend: isdn4linux'));
    assert.throws(() => loadHwProfile(file), (e: unknown) => e instanceof HwProfileError && e.file === file && e.line === 4 && /backend: must be one of dahdi, sim/.test(e.message));
  });

  it('never throws anything but HwProfileError, whatever the text (property)', () => {
    fc.assert(
      fc.property(fc.oneof(fc.string(), fc.string().map((s) => good.slice(0, (s.length * 37) % good.length) + s)), (text) => {
        try {
          parseHwProfile(text, 'p.yaml');
        } catch (err) {
          if (!(err instanceof HwProfileError)) throw err;
          assert.ok(err.line >= 1 && err.column >= 1);
        }
      }),
      { numRuns: 300 },
    );
  });

  it('reads back every valid profile it is given as YAML (property)', () => {
    const digital = fc.oneof(
      fc.record({ type: fc.constant('t1' as const), framing: fc.constantFrom('esf' as const, 'd4' as const), coding: fc.constantFrom('b8zs' as const, 'ami' as const), signalling: fc.constantFrom('pri-cpe' as const, 'pri-net' as const, 'em' as const) }),
      fc.record({ type: fc.constant('e1' as const), framing: fc.constantFrom('ccs' as const, 'cas' as const), coding: fc.constantFrom('hdb3' as const, 'ami' as const), crc4: fc.boolean(), signalling: fc.constantFrom('pri-cpe' as const, 'r2' as const) }),
    );
    const analog = fc.record({ type: fc.constant('analog' as const), signalling: fc.constantFrom('loopstart' as const, 'kewlstart' as const), ports: fc.array(fc.constantFrom('fxo' as const, 'fxs' as const), { minLength: 1, maxLength: 24 }) });
    const profile = fc.record({
      model: fc.string({ minLength: 1 }),
      vendor: fc.string({ minLength: 1 }),
      description: fc.string({ minLength: 1 }),
      backend: fc.constantFrom('dahdi' as const, 'sim' as const),
      spans: fc.array(fc.oneof(digital, analog), { minLength: 1, maxLength: 16 }),
      defaults: fc.record({
        blockSize: fc.integer({ min: 8, max: 200 }).map((n) => n * 8),
        echoCanceller: fc.record({ enabled: fc.boolean(), tailMs: fc.constantFrom(32, 64, 128, 256) }),
        rxGainDb: fc.integer({ min: -24, max: 24 }),
        txGainDb: fc.integer({ min: -240, max: 240 }).map((n) => n / 10 + 0),
        toneZone: fc.constantFrom('us', 'de', 'uk', 'fr'),
      }),
    });
    fc.assert(
      fc.property(profile, (p) => {
        const parsed: HwProfile = parseHwProfile(stringify(p), 'gen.yaml');
        const { name: _n, file: _f, ...rest } = parsed;
        assert.deepEqual(rest, JSON.parse(JSON.stringify(p)));
      }),
      { numRuns: 200 },
    );
  });
});

describe('opening a card from its hw-profile', () => {
  it('opens sim-fxs4 by name: ringing port 2 rings the phone on the far end', async () => {
    const { openProfile } = await import('../../src/hw/open-profile.js');
    const opened = openProfile('sim-fxs4');
    try {
      assert.equal(opened.card.channels.length, 4);
      const rang = new Promise((resolve) => opened.sim!.on('far', (e) => e.kind === 'ring' && e.channel === 2 && resolve(e)));
      opened.card.channel(2).hook('ring');
      assert.deepEqual(await rang, { channel: 2, kind: 'ring', on: true });
    } finally {
      opened.close();
    }
    assert.ok(opened.card.closed);
  });

  it('names the known profiles when asked for one that does not exist', async () => {
    const { openProfile } = await import('../../src/hw/open-profile.js');
    assert.throws(() => openProfile('sim-t3'), (e: unknown) => e instanceof HwProfileError && /no hw-profile named sim-t3 \(known: .*sim-mixed/.test(e.message));
  });

  it('on this machine, opening a real card profile fails because there is no DAHDI driver', async () => {
    const { openProfile } = await import('../../src/hw/open-profile.js');
    assert.throws(() => openProfile('digium-te133'), /\/dev\/dahdi\/channel/);
  });
});
