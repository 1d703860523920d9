// Limits per source (issue 14) on a clock the test moves: what is refused,
// which maxDuration a call gets, and calls ended when a class's minutes of
// the day are spent.
import assert from 'node:assert/strict';
import { CallLimits, type CallHold, type LimitRefusal } from '../../src/call/call-limits.js';
import { checkConfig, formatConfigError } from '../../src/call/config-check.js';
import { eventually } from '../support/waiting.js';
import type { GatewayConfig } from '../../src/call/gateway-config.js';

function config(extra: string): GatewayConfig {
  const r = checkConfig(`country: US
cards:
  - { name: c0, profile: sim, ports: [{ name: lobby, port: 1, signalling: fxs, limits: { maxDuration: 600 } }, { name: co1, port: 2, signalling: fxo }] }
lineGroups:
  - { name: phones, lines: [lobby], limits: { concurrentCalls: 1, maxDuration: 300 } }
sipTrunks:
  - { name: pbx, host: 192.0.2.2, allowedAddresses: [192.0.2.2], limits: { minutesPerDay: { international: 1, premium-rate: 0 } } }
routes:
  - { name: out, from: any, to: { lineGroup: phones } }
${extra}`);
  assert.ok(r.ok, r.ok ? '' : r.errors.map(formatConfigError).join('\n'));
  return r.config;
}

const isHold = (x: CallHold | LimitRefusal): x is CallHold => !('rule' in x);
const pbx = { kind: 'sip' as const, trunk: 'pbx' };

describe('call limits per source', () => {
  let clock = Date.UTC(2026, 11, 7, 12);
  const spent: [string[], LimitRefusal][] = [];
  let limits: CallLimits;
  beforeEach(() => {
    spent.length = 0;
    limits = new CallLimits(config('calls: { maxDuration: 7200 }\n'), (ids, why) => spent.push([ids, why]), () => clock);
  });
  afterEach(() => limits.close());

  it('the strictest maxDuration of a line and its group wins; a source without one gets calls.maxDuration', () => {
    const lobby = limits.admit('c1', { kind: 'pstn', line: 'lobby' }, 'national', false);
    assert.ok(isHold(lobby));
    assert.equal(lobby.maxDurationMs, 300_000);
    assert.equal(lobby.maxDurationBy, 'lineGroup phones');
    const co = limits.admit('c2', { kind: 'pstn', line: 'co1' }, 'national', false);
    assert.ok(isHold(co));
    assert.equal(co.maxDurationMs, 7_200_000);
  });

  it('without calls.maxDuration a forgotten call ends after 4 hours', () => {
    const l = new CallLimits(config(''), () => undefined, () => clock);
    const h = l.admit('c1', { kind: 'pstn', line: 'co1' }, 'national', false);
    assert.ok(isHold(h));
    assert.equal(h.maxDurationMs, 4 * 3_600_000);
    l.close();
  });

  it('a line group over concurrentCalls refuses the next call from its lines until one ends', () => {
    const first = limits.admit('c1', { kind: 'pstn', line: 'lobby' }, 'national', false);
    assert.ok(isHold(first));
    const second = limits.admit('c2', { kind: 'pstn', line: 'lobby' }, 'national', false);
    assert.ok(!isHold(second));
    assert.equal(second.rule, 'concurrentCalls');
    assert.equal(second.source, 'lineGroup phones');
    first.ended();
    assert.ok(isHold(limits.admit('c3', { kind: 'pstn', line: 'lobby' }, 'national', false)));
  });

  it('a class with 0 minutes a day is refused outright; other classes are not counted', () => {
    const r = limits.admit('c1', pbx, 'premium-rate', false);
    assert.ok(!isHold(r));
    assert.equal(r.rule, 'minutesPerDay');
    assert.match(r.reason, /trunk pbx: the 0 minute\(s\) of premium-rate calls a day are spent/);
    assert.ok(isHold(limits.admit('c2', pbx, 'national', false)));
  });

  it('when the day\'s international minute is spent, the call in progress ends and the next is refused; a new day starts afresh', async () => {
    const a = limits.admit('a', pbx, 'international', false);
    assert.ok(isHold(a));
    a.answered();
    clock += 59_000;
    a.ended();
    const b = limits.admit('b', pbx, 'international', false);
    assert.ok(isHold(b), 'one second is left');
    b.answered();
    clock += 2_000;
    await eventually('the minutes spent', () => spent.length > 0, { timeoutMs: 3000 });
    assert.deepEqual(spent[0]?.[0], ['b']);
    assert.equal(spent[0]?.[1].rule, 'minutesPerDay');
    b.ended();
    assert.ok(!isHold(limits.admit('c', pbx, 'international', false)));
    clock += 24 * 3_600_000;
    assert.ok(isHold(limits.admit('d', pbx, 'international', false)), 'the next day');
  });

  it('emergency calls are never refused or cut', () => {
    const first = limits.admit('c1', { kind: 'pstn', line: 'lobby' }, 'national', false);
    assert.ok(isHold(first));
    const e = limits.admit('e1', { kind: 'pstn', line: 'lobby' }, 'emergency', true);
    assert.ok(isHold(e));
    assert.equal(e.maxDurationMs, Infinity);
  });
});
