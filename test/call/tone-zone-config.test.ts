// The tone zone a gateway.yaml names is one the gateway can load at start:
// the config check and the zone table (src/analog/tone-zones.ts) agree.
import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { toneZone, toneZoneNames } from '../../src/analog/tone-zones.js';
import { checkConfig, formatConfigError } from '../../src/call/config-check.js';

const examples = 'src/call/examples';
const example = readFileSync(join(examples, 'pri-pbx-to-sip.yaml'), 'utf8');

function withZone(zone: string): ReturnType<typeof checkConfig> {
  return checkConfig(example.replace(/^toneZone: .*$/m, `toneZone: ${zone}`), 'gateway.yaml', {});
}

describe('tone zone of gateway.yaml', () => {
  it('every zone the config check accepts has tones the gateway can load', () => {
    for (const name of toneZoneNames()) {
      const r = withZone(name);
      assert.ok(r.ok, `toneZone: ${name}: ${r.ok ? '' : r.errors.map(formatConfigError).join('; ')}`);
      assert.ok(toneZone(name).ringback.length > 0, name);
    }
  });

  it('"uk", as people write it, is the gb zone (400+450 Hz double ring)', () => {
    assert.equal(toneZone('uk').code, 'gb');
    assert.ok(withZone('uk').ok);
    assert.ok(withZone('gb').ok);
  });

  it('every shipped example names a zone that loads', () => {
    for (const f of readdirSync(examples).filter((n) => n.endsWith('.yaml'))) {
      const zone = /^toneZone: (\S+)/m.exec(readFileSync(join(examples, f), 'utf8'))?.[1];
      if (zone) assert.doesNotThrow(() => toneZone(zone), f);
    }
  });

  it('a zone without tones is a config error on its line, not a failure at start', () => {
    const r = withZone('be');
    assert.equal(r.ok, false);
    const text = r.ok ? '' : r.errors.map(formatConfigError).join('\n');
    assert.match(text, /toneZone/);
    assert.match(text, /gb/, 'the error lists the zones there are');
  });
});
