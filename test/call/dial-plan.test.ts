import assert from 'node:assert/strict';
import fc from 'fast-check';
import { checkConfig, formatConfigError } from '../../src/call/config-check.js';
import { DialPlan, rewriteNumber, type ActiveCall, type CallSource, type RouteState } from '../../src/call/dial-plan.js';
import type { GatewayConfig } from '../../src/call/gateway-config.js';

const yaml = `
country: US
cards:
  - name: c0
    profile: sim
    spans:
      - { name: pri1, span: 1, signalling: pri, side: user, switchType: national }
    ports:
      - { name: fxo1, port: 1, signalling: fxo, destination: "200" }
      - { name: fxo2, port: 2, signalling: fxo }
      - { name: fxs1, port: 3, signalling: fxs }
lineGroups:
  - { name: pstn, lines: [pri1, fxo1, fxo2], hunt: first-free }
  - { name: analog, lines: [fxo1, fxo2], hunt: round-robin }
sipTrunks:
  - { name: a, host: a.example, register: { username: u, password: p } }
  - { name: b, host: b.example, allowedAddresses: [192.0.2.1] }
  - { name: pbx, host: 10.0.0.5, allowedAddresses: [10.0.0.5], calledNumber: to }
routes:
  - name: barred
    from: any
    match: { called: "_1900X." }
    to: { reject: 21 }
  - name: out
    from: pstn
    match: { called: ["_1NXXNXXXXXX", "_NXXNXXXXXX"] }
    rewrite: { called: { e164: US }, calling: { e164: US } }
    to: { trunks: [a, b], lineGroup: pstn, prefer: sip, failover: true }
  - name: intl
    from: pstn
    match: { called: "_011X." }
    rewrite: { called: { strip: 3, prefix: "+" } }
    to: { trunks: [a] }
  - name: from-pbx
    from: sip
    match: { called: "_9X.", calling: "_2XX" }
    rewrite: { called: { strip: 1 } }
    to: { lineGroup: analog, trunks: [a], failover: true }
  - name: quick
    from: pstn
    match: { called: "_*7!" }
    to: { trunks: [pbx] }
  - name: extensions
    from: pstn
    match: { called: "_2XX" }
    to: { trunks: [pbx] }
emergency:
  numbers: ["933"]
  lineGroup: pstn
  preempt: true
`;

function config(text = yaml): GatewayConfig {
  const r = checkConfig(text);
  assert.ok(r.ok, r.ok ? '' : r.errors.map(formatConfigError).join('\n'));
  return r.config;
}

/** Gateway state the test controls: trunks up, free channels, calls. */
function state(up: string[], free: Record<string, number>, calls: ActiveCall[] = []): RouteState {
  return { trunkUp: (t) => up.includes(t), freeChannels: (l) => free[l] ?? 0, calls: () => calls };
}

const pstn = (line = 'fxs1'): CallSource => ({ kind: 'pstn', line });
const sip = (trunk = 'pbx'): CallSource => ({ kind: 'sip', trunk });
const allFree = { pri1: 23, fxo1: 1, fxo2: 1 };

describe('dial plan: routes, rewrite, failover, emergency', () => {
  it('takes the first route that matches, rewrites to E.164 and lists trunks in failover order', () => {
    const plan = new DialPlan(config());
    const d = plan.route({ source: pstn(), called: '12125551234', calling: '2125550000' }, state(['a', 'b'], allFree));
    assert.deepEqual(d, {
      action: 'route',
      route: 'out',
      emergency: false,
      called: '+12125551234',
      calling: '+12125550000',
      targets: [
        { kind: 'trunk', trunk: 'a' },
        { kind: 'trunk', trunk: 'b' },
      ],
    });
  });

  it('strips and prefixes (011 44 ... -> +44 ...)', () => {
    const d = new DialPlan(config()).route({ source: pstn(), called: '01144201234567', calling: '' }, state(['a'], allFree));
    assert.equal(d.action, 'route');
    assert.equal(d.action === 'route' && d.called, '+44201234567');
  });

  it('skips a trunk that is down and fails over to the PSTN group when every trunk is down', () => {
    const plan = new DialPlan(config());
    const req = { source: pstn(), called: '2125551234', calling: '' };
    const oneDown = plan.route(req, state(['b'], allFree));
    assert.deepEqual(oneDown.action === 'route' && oneDown.targets, [{ kind: 'trunk', trunk: 'b' }]);
    const allDown = plan.route(req, state([], allFree));
    assert.deepEqual(allDown.action === 'route' && allDown.targets.map((t) => (t.kind === 'line' ? t.line : t.trunk)), ['pri1', 'fxo1', 'fxo2']);
    const nothing = plan.route(req, state([], {}));
    assert.deepEqual(nothing, { action: 'reject', route: 'out', cause: 34, reason: 'route out: every destination is down or busy' });
  });

  it('fails over from a busy line group to SIP the other way round', () => {
    const plan = new DialPlan(config());
    const req = { source: sip(), called: '95551234', calling: '201' };
    const lines = plan.route(req, state(['a'], allFree));
    assert.equal(lines.action === 'route' && lines.targets[0]?.kind, 'line');
    assert.equal(lines.action === 'route' && lines.called, '5551234');
    const busy = plan.route(req, state(['a'], { pri1: 23 }));
    assert.deepEqual(busy.action === 'route' && busy.targets, [{ kind: 'trunk', trunk: 'a' }]);
  });

  it('matches on the calling number too, and on the side the call came from', () => {
    const plan = new DialPlan(config());
    const s = state(['a'], allFree);
    assert.equal(plan.route({ source: sip(), called: '95551234', calling: '301' }, s).action, 'reject', 'calling 301 is not _2XX');
    assert.equal(plan.route({ source: pstn(), called: '95551234', calling: '201' }, s).action, 'reject', 'route is from sip only');
    const none = plan.route({ source: pstn(), called: '5', calling: '' }, s);
    assert.deepEqual(none, { action: 'reject', cause: 3, reason: "no route matches called number '5'" });
  });

  it('refuses calls on a restricting route with its cause', () => {
    const d = new DialPlan(config()).route({ source: pstn(), called: '19005551234', calling: '' }, state(['a'], allFree));
    assert.deepEqual(d, { action: 'reject', route: 'barred', cause: 21, reason: 'route barred refuses the call' });
  });

  it('routes emergency numbers (911, 112, 999, 000 and configured) to the PSTN group first, whatever the routes say', () => {
    const plan = new DialPlan(config());
    for (const called of ['911', '112', '999', '000', '933']) {
      const d = plan.route({ source: sip(), called, calling: '555' }, state(['a', 'b', 'pbx'], allFree));
      assert.equal(d.action, 'route', called);
      if (d.action !== 'route') continue;
      assert.equal(d.emergency, true);
      assert.deepEqual(d.targets[0], { kind: 'line', group: 'pstn', line: 'pri1' }, called);
      assert.deepEqual(d.targets.slice(3), [{ kind: 'trunk', trunk: 'a' }, { kind: 'trunk', trunk: 'b' }, { kind: 'trunk', trunk: 'pbx' }]);
    }
  });

  it('routes an emergency call even when a catch-all route refuses everything', () => {
    const locked = config(yaml.replace('routes:\n', 'routes:\n  - { name: deny-all, from: any, to: { reject: 21 } }\n'));
    const plan = new DialPlan(locked);
    const s = state(['a'], allFree);
    assert.deepEqual(plan.route({ source: pstn(), called: '2125551234', calling: '' }, s), {
      action: 'reject',
      route: 'deny-all',
      cause: 21,
      reason: 'route deny-all refuses the call',
    });
    const d = plan.route({ source: pstn(), called: '112', calling: '' }, s);
    assert.ok(d.action === 'route' && d.emergency);
    assert.deepEqual(d.targets[0], { kind: 'line', group: 'pstn', line: 'pri1' });
    assert.equal(plan.dialState(pstn(), '11'), 'ambiguous', 'deny-all matches anything, 112 could follow');
    assert.equal(plan.dialState(pstn(), '112'), 'complete');
  });

  it('treats a number the route rewrites into an emergency number (9 + 911) as emergency', () => {
    const d = new DialPlan(config()).route({ source: sip(), called: '9911', calling: '201' }, state([], allFree));
    assert.ok(d.action === 'route' && d.emergency && d.called === '911', JSON.stringify(d));
  });

  it('preempts the newest non-emergency call on the group when no line is free', () => {
    const calls: ActiveCall[] = [
      { id: 'old', line: 'pri1', started: 100, emergency: false },
      { id: 'em', line: 'fxo1', started: 300, emergency: true },
      { id: 'new', line: 'fxo2', started: 200, emergency: false },
      { id: 'elsewhere', line: 'fxs1', started: 400, emergency: false },
    ];
    const d = new DialPlan(config()).route({ source: pstn(), called: '911', calling: '' }, state(['a'], {}, calls));
    assert.ok(d.action === 'route');
    assert.deepEqual(d.preempt, { callId: 'new', line: 'fxo2', cause: 8 });
    assert.deepEqual(d.targets, [
      { kind: 'line', group: 'pstn', line: 'fxo2' },
      { kind: 'trunk', trunk: 'a' },
    ]);
  });

  it('goes to SIP instead of preempting when preemption is off, and never preempts an emergency call', () => {
    const noPreempt = config(yaml.replace('preempt: true', 'preempt: false'));
    const calls: ActiveCall[] = [{ id: 'x', line: 'pri1', started: 1, emergency: false }];
    const d = new DialPlan(noPreempt).route({ source: pstn(), called: '112', calling: '' }, state(['b'], {}, calls));
    assert.ok(d.action === 'route' && d.preempt === undefined);
    assert.deepEqual(d.targets, [{ kind: 'trunk', trunk: 'b' }]);
    const onlyEmergency: ActiveCall[] = [{ id: 'e', line: 'pri1', started: 1, emergency: true }];
    const r = new DialPlan(config()).route({ source: pstn(), called: '112', calling: '' }, state([], {}, onlyEmergency));
    assert.deepEqual(r, { action: 'reject', route: 'emergency', cause: 34, reason: 'emergency call: no line free and no trunk up' });
  });

  it('preemption picks a non-emergency call of the group for any set of calls (property)', () => {
    const plan = new DialPlan(config());
    const callArb = fc.record({
      id: fc.uuid(),
      line: fc.constantFrom('pri1', 'fxo1', 'fxo2', 'fxs1'),
      started: fc.nat(),
      emergency: fc.boolean(),
    });
    fc.assert(
      fc.property(fc.array(callArb, { maxLength: 10 }), (calls) => {
        const d = plan.route({ source: pstn(), called: '911', calling: '' }, state([], {}, calls));
        const victims = calls.filter((c) => !c.emergency && c.line !== 'fxs1');
        if (victims.length === 0) return assert.equal(d.action, 'reject');
        assert.ok(d.action === 'route' && d.preempt);
        const v = calls.find((c) => c.id === d.preempt!.callId)!;
        assert.ok(!v.emergency && v.line !== 'fxs1');
        assert.equal(v.started, Math.max(...victims.map((c) => c.started)));
      }),
    );
  });

  it('uses the port fixed destination for calls in on an FXO line and the To user for a trunk that asks', () => {
    const plan = new DialPlan(config());
    assert.equal(plan.inboundCalled(pstn('fxo1'), {}), '200');
    assert.equal(plan.inboundCalled(pstn('pri1'), { called: '4001' }), '4001');
    assert.equal(plan.inboundCalled(sip('pbx'), { called: 'gw', toUser: '95551234' }), '95551234');
    assert.equal(plan.inboundCalled(sip('a'), { called: '+12125551234', toUser: 'x' }), '+12125551234');
  });
});

describe('dial plan: overlap dialing', () => {
  const plan = new DialPlan(config());
  const st = (d: string, source = pstn()) => plan.dialState(source, d);

  it('waits while a route could still match, dials at once when one is complete', () => {
    assert.equal(st(''), 'incomplete');
    assert.equal(st('21'), 'incomplete');
    assert.equal(st('2125551234'), 'complete');
    assert.equal(st('21255512345'), 'never');
    assert.equal(st('4'), 'incomplete');
    assert.equal(st('911'), 'complete');
  });

  it("says 'ambiguous' when a route matches but a longer number could match too", () => {
    assert.equal(st('0114420'), 'ambiguous');
    assert.equal(st('212'), 'ambiguous', 'extension 212, or the start of 212 555 1234');
  });

  it("dials at once on a '!' route", () => {
    assert.equal(st('*7'), 'complete');
    assert.equal(st('*712'), 'complete');
  });

  it('is consistent with routing: a complete or ambiguous number routes, a never one does not (property)', () => {
    const s = state(['a', 'b', 'pbx'], allFree);
    fc.assert(
      fc.property(fc.stringMatching(/^[0-9*]{0,12}$/), (d) => {
        const dial = st(d);
        const r = plan.route({ source: pstn(), called: d, calling: '' }, s);
        if (dial === 'complete' || dial === 'ambiguous') assert.equal(r.action === 'route' || (r.action === 'reject' && r.cause !== 3), true, `${d}: ${dial}`);
        else assert.ok(r.action === 'reject' && r.cause === 3, `${d} is ${dial} but routes: ${JSON.stringify(r)}`);
      }),
      { numRuns: 2000 },
    );
  });
});

describe('number rewrite', () => {
  it('normalises national numbers to E.164 per country and back', () => {
    assert.equal(rewriteNumber('02012345678', { e164: 'GB' }), '+442012345678');
    assert.equal(rewriteNumber('030123456', { e164: 'de' }), '+4930123456');
    assert.equal(rewriteNumber('+12125551234', { national: 'US' }), '2125551234');
    assert.equal(rewriteNumber('+442012345678', { national: 'GB' }), '02012345678');
    assert.equal(rewriteNumber('12', { e164: 'US' }), null);
  });

  it('strip then prefix, and never throws (property)', () => {
    fc.assert(
      fc.property(fc.stringMatching(/^\+?[0-9]{0,15}$/), fc.nat({ max: 20 }), fc.stringMatching(/^[0-9]{0,4}$/), fc.constantFrom('US', 'GB', 'DE', 'FR'), (n, strip, prefix, cc) => {
        assert.equal(rewriteNumber(n, { strip, prefix }), prefix + n.slice(strip));
        const e = rewriteNumber(n, { e164: cc });
        if (e !== null) assert.match(e, /^\+[1-9][0-9]{1,14}$/);
      }),
    );
  });
});
