// Who may place which call (issue 14): routes serve the sources they name,
// SIP sources reach international and premium-rate numbers only where a
// route or the source allows them, emergency preemption only for lines and
// sources allowed to; and what `sipline check` says about such settings.
import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { checkConfig, checkConfigFile, formatConfigError } from '../../src/call/config-check.js';
import { DialPlan, type CallSource, type RouteState } from '../../src/call/dial-plan.js';
import type { GatewayConfig } from '../../src/call/gateway-config.js';

const head = `country: US
cards:
  - name: c0
    profile: sim
    spans:
      - { name: pbx, span: 1, signalling: pri, side: network, switchType: national }
    ports:
      - { name: lobby, port: 1, signalling: fxs }
      - { name: co1, port: 2, signalling: fxo }
lineGroups:
  - { name: office, lines: [pbx, lobby] }
  - { name: co, lines: [co1] }
sipTrunks:
  - { name: carrier, host: 192.0.2.1, allowedAddresses: [192.0.2.1] }
  - { name: pbx-trunk, host: 192.0.2.2, allowedAddresses: [192.0.2.2], allow: [premium-rate], preempt: true }
security:
  users:
    - { username: alice, password: a }
    - { username: bob, password: b, allow: [international] }
emergency:
  lineGroup: co
`;

function config(routes: string, extra = ''): GatewayConfig {
  const r = checkConfig(`${head}routes:\n${routes}${extra}`);
  assert.ok(r.ok, r.ok ? '' : r.errors.map(formatConfigError).join('\n'));
  return r.config;
}

function problems(routes: string, extra = '', withHead = head): { errors: string[]; warnings: string[] } {
  const r = checkConfig(`${withHead}routes:\n${routes}${extra}`);
  return { errors: r.ok ? [] : r.errors.map(formatConfigError), warnings: r.warnings.map(formatConfigError) };
}

const idle: RouteState = { trunkUp: () => true, freeChannels: () => 1, calls: () => [] };
const trunk = (name: string): CallSource => ({ kind: 'sip', trunk: name });
const user = (name: string): CallSource => ({ kind: 'sip', trunk: 'digest', user: name });
const line = (name: string): CallSource => ({ kind: 'pstn', line: name });

describe('call policy: routes scoped by source, destination classes, preemption', () => {
  describe('routes serve the sources they name', () => {
    const plan = new DialPlan(
      config(`  - { name: by-name, from: { trunks: [carrier], users: [alice], lineGroups: [office] }, match: { called: "_NXXNXXXXXX" }, to: { lineGroup: co } }
  - { name: lobby-only, from: { lines: [lobby] }, match: { called: "_1NXXNXXXXXX" }, to: { trunks: [carrier] } }
`),
    );
    const routeOf = (source: CallSource, called = '2125551234') => {
      const d = plan.route({ source, called, calling: '' }, idle);
      return d.action === 'route' ? d.route : `refused ${d.cause}`;
    };

    it('a trunk, a digest user and a line of a named group get the route', () => {
      assert.equal(routeOf(trunk('carrier')), 'by-name');
      assert.equal(routeOf(user('alice')), 'by-name');
      assert.equal(routeOf(line('pbx')), 'by-name');
    });

    it('a trunk, a user or a line the route does not name gets no route (cause 3)', () => {
      assert.equal(routeOf(trunk('pbx-trunk')), 'refused 3');
      assert.equal(routeOf(user('bob')), 'refused 3');
      assert.equal(routeOf(line('co1')), 'refused 3');
      assert.equal(routeOf(trunk('digest')), 'refused 3', "'digest' is no trunk: a digest caller is named by its user");
    });

    it('a route naming a line serves that line only', () => {
      assert.equal(routeOf(line('lobby'), '12125551234'), 'lobby-only');
      assert.equal(routeOf(line('pbx'), '12125551234'), 'refused 3');
    });

    it('a route without from serves nobody, even when the checker is bypassed', () => {
      const c = config('  - { name: x, from: any, to: { lineGroup: co } }\n');
      delete c.routes[0]!.from;
      const d = new DialPlan(c).route({ source: line('pbx'), called: '2125551234', calling: '' }, idle);
      assert.equal(d.action, 'reject');
    });
  });

  describe('international and premium-rate numbers are denied to SIP sources unless allowed by name', () => {
    const routes = `  - { name: intl-ok, from: { trunks: [carrier] }, match: { called: "_01144X." }, allow: [international], to: { lineGroup: co } }
  - { name: out, from: sip, to: { lineGroup: co } }
  - { name: from-lines, from: pstn, to: { trunks: [carrier] } }
`;
    const plan = new DialPlan(config(routes));
    const decide = (source: CallSource, called: string) => plan.route({ source, called, calling: '' }, idle);

    it('an international number from a trunk is refused with cause 21 (403), the reason naming the class, source and route', () => {
      const d = decide(trunk('carrier'), '0113314159265');
      assert.equal(d.action, 'reject');
      assert.ok(d.action === 'reject');
      assert.equal(d.cause, 21);
      assert.equal(d.route, 'out');
      assert.equal(d.class, 'international');
      assert.match(d.reason, /destination class international is denied to trunk carrier by default \(route out\); allow it with allow: \[international\]/);
    });

    it('a premium-rate number from a digest user is refused the same way', () => {
      const d = decide(user('alice'), '19005551234');
      assert.ok(d.action === 'reject');
      assert.equal(d.cause, 21);
      assert.match(d.reason, /premium-rate is denied to user alice/);
    });

    it('national, mobile, toll-free and short codes go through from any admitted SIP source', () => {
      for (const n of ['2125551234', '8005551234', '411']) assert.equal(decide(trunk('carrier'), n).action, 'route', n);
    });

    it('allow on the route opens the class for that route', () => {
      const d = decide(trunk('carrier'), '011442079460000');
      assert.equal(d.action === 'route' ? d.route : d.reason, 'intl-ok');
    });

    it('allow on the trunk or the user opens the class for every route of that source', () => {
      assert.equal(decide(trunk('pbx-trunk'), '19005551234').action, 'route');
      assert.equal(decide(user('bob'), '011442079460000').action, 'route');
      assert.equal(decide(user('bob'), '19005551234').action, 'reject', 'bob may call abroad, not premium rate');
    });

    it('calls from lines reach every class', () => {
      assert.equal(decide(line('pbx'), '011442079460000').action, 'route');
      assert.equal(decide(line('pbx'), '19005551234').action, 'route');
    });
  });

  describe('emergency preemption only for lines and sources allowed to preempt', () => {
    const c = config('  - { name: out, from: sip, to: { lineGroup: co } }\n');
    const plan = new DialPlan(c);
    const busy: RouteState = { trunkUp: () => false, freeChannels: () => 0, calls: () => [{ id: 'call-1', line: 'co1', started: 1, emergency: false }] };

    it('a call from a line clears the latest non-emergency call on the busy group with cause 8', () => {
      const d = plan.route({ source: line('pbx'), called: '911', calling: '' }, busy);
      assert.ok(d.action === 'route');
      assert.deepEqual(d.preempt, { callId: 'call-1', line: 'co1', cause: 8 });
    });

    it('a trunk with preempt: true may preempt too', () => {
      const d = plan.route({ source: trunk('pbx-trunk'), called: '911', calling: '' }, busy);
      assert.ok(d.action === 'route' && d.preempt !== undefined);
    });

    it('a plain SIP source clears nobody: its emergency call is refused (cause 34) with the reason', () => {
      const d = plan.route({ source: trunk('carrier'), called: '911', calling: '' }, busy);
      assert.ok(d.action === 'reject');
      assert.equal(d.cause, 34);
      assert.match(d.reason, /trunk carrier may not preempt calls: preempt: true on it allows that/);
    });
  });

  describe('sipline check', () => {
    it('the annotated examples pass with no warning', () => {
      const dir = 'src/call/examples';
      for (const f of readdirSync(dir).filter((x) => x.endsWith('.yaml'))) {
        const r = checkConfigFile(join(dir, f));
        assert.ok(r.ok, r.ok ? '' : r.errors.map(formatConfigError).join('\n'));
        assert.deepEqual(r.warnings.map(formatConfigError), [], f);
      }
    });

    it('a route without from is an error at the route, saying how to name its sources', () => {
      const { errors } = problems('  - { name: out, to: { lineGroup: co } }\n');
      assert.deepEqual(errors, [
        "gateway.yaml:23:5: routes[0]: missing 'from': a route serves only the sources it names (from: pstn, sip, any, or { trunks: [...], users: [...], lineGroups: [...], lines: [...] })",
      ]);
    });

    it('names in from must exist', () => {
      const { errors } = problems('  - { name: out, from: { trunks: [carier], users: [carol], lineGroups: [ofice], lines: [lobbby] }, to: { lineGroup: co } }\n');
      assert.deepEqual(errors, [
        "gateway.yaml:23:35: routes[0].from.trunks[0]: no SIP trunk is named 'carier' (did you mean 'carrier'?)",
        "gateway.yaml:23:52: routes[0].from.users[0]: no digest user (security.users) is named 'carol' (known: alice, bob)",
        "gateway.yaml:23:73: routes[0].from.lineGroups[0]: no line group is named 'ofice' (did you mean 'office'?)",
        "gateway.yaml:23:89: routes[0].from.lines[0]: no span or port is named 'lobbby' (did you mean 'lobby'?)",
      ]);
    });

    it('from with an unknown key or a wrong word says what it takes', () => {
      assert.match(problems('  - { name: out, from: { ports: [lobby] }, to: { lineGroup: co } }\n').errors.join('\n'), /routes\[0\]\.from\.ports: unknown key 'ports'.*expected one of: trunks, users, lineGroups, lines/);
      assert.match(problems('  - { name: out, from: everyone, to: { lineGroup: co } }\n').errors.join('\n'), /routes\[0\]\.from: expected pstn, sip, any, or a mapping of trunks, users, lineGroups, lines/);
    });

    it('allow naming a class nobody is denied, or on a route of lines only, is refused', () => {
      const { errors } = problems('  - { name: out, from: pstn, allow: [mobile], to: { trunks: [carrier] } }\n');
      assert.deepEqual(errors, [
        'gateway.yaml:23:30: routes[0].allow: lines reach every destination class; allow is for routes that serve SIP sources',
        "gateway.yaml:23:38: routes[0].allow[0]: 'mobile' is open to every source; allow names what SIP sources are denied by default: international, premium-rate",
      ]);
    });

    it('a route taking SIP calls to lines needs a country to class numbers in', () => {
      const { errors } = problems('  - { name: out, from: sip, to: { lineGroup: co } }\n', '', head.replace('country: US\n', ''));
      assert.match(errors.join('\n'), /routes\[0\]: the route takes SIP calls to lines: set 'country'/);
    });

    it('security.inbound.default: allow and a top-level recording are refused, naming the replacement', () => {
      const { errors } = problems('  - { name: out, from: pstn, to: { trunks: [carrier] } }\n', 'recording: { enabled: true, directory: rec }\n', head.replace('security:\n', 'security:\n  inbound: { default: allow }\n'));
      assert.match(errors.join('\n'), /security\.inbound\.default: 'allow' was never applied: .*security\.users/);
      assert.match(errors.join('\n'), /recording: a top-level recording section is not applied; record a route's calls with recording: \{ enabled: true, dir: recordings, format: wav \} on the route/);
    });

    it('warns about security.inbound (changes nothing), sip.tls.verify false and listening on 0.0.0.0 without advertisedHost', () => {
      const tls = 'sip: { listen: "0.0.0.0:5061", transport: tls, tls: { certificate: a.pem, key: a.key, verify: false } }\n';
      const r = problems('  - { name: out, from: pstn, to: { trunks: [carrier] } }\n', tls, head.replace('security:\n', 'security:\n  inbound: { default: deny }\n'));
      assert.deepEqual(r.errors, []);
      assert.equal(r.warnings.length, 3, r.warnings.join('\n'));
      assert.match(r.warnings[0]!, /security\.inbound: warning: unknown sources are always refused/);
      assert.match(r.warnings[1]!, /sip\.listen: warning: listening on 0\.0\.0\.0 without sip\.advertisedHost: .*hold \(one-way audio\)/);
      assert.match(r.warnings[2]!, /sip\.tls\.verify: warning: peers' certificates are not checked/);
      const v6 = problems('  - { name: out, from: pstn, to: { trunks: [carrier] } }\n', 'sip: { listen: "[::]:5060" }\n');
      assert.match(v6.warnings.join('\n'), /listening on :: without sip\.advertisedHost/);
      assert.deepEqual(problems('  - { name: out, from: pstn, to: { trunks: [carrier] } }\n', 'sip: { listen: "0.0.0.0:5060", advertisedHost: 192.0.2.10 }\n').warnings, []);
    });

    it('preempt: true on a source without emergency preemption configured is refused', () => {
      const { errors } = problems('  - { name: out, from: pstn, to: { trunks: [carrier] } }\n', '', head.replace('emergency:\n  lineGroup: co\n', ''));
      assert.match(errors.join('\n'), /sipTrunks\[1\]\.preempt: no call is ever preempted: emergency preemption needs emergency\.lineGroup/);
    });
  });
});
