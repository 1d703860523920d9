// Toll-fraud policy through the real gateway (issue 14): SIPp as the SIP
// trunk and as a digest phone, libpri as the PBX on the PRI. A SIP source's
// call to an international number is refused unless a route allows it; a
// trunk over its concurrent calls, a user over its calls per second and an
// answered call past its maximum duration are refused or ended with a cause
// the peers see, a log line and a metric; a plain SIP source's emergency
// call clears nobody's call.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GatewayMetrics } from '../../src/ops/gateway-metrics.js';
import { scenarioDir, startSipp } from '../peers/sipp.js';
import { reservePort } from '../support/ports.js';
import { eventually } from '../support/waiting.js';
import { assertSipp, gatewayYaml, PBX_CALLER, startTestGateway, type TestGateway } from './gateway-fixture.js';

const scratch = mkdtempSync(join(tmpdir(), 'sipline-policy-'));
after(() => rmSync(scratch, { recursive: true, force: true }));

/** A scenario of test/peers/sipp with [status] and [cause] written in (SIPp reads them when it loads it). */
function scenario(file: string, values: { status?: number; cause?: number }): string {
  let text = readFileSync(join(scenarioDir, file), 'utf8');
  if (values.status !== undefined) text = text.replaceAll('[status]', String(values.status));
  if (values.cause !== undefined) text = text.replaceAll('[cause]', String(values.cause));
  const path = join(scratch, `${values.status ?? ''}-${values.cause ?? ''}-${file}`);
  writeFileSync(path, text);
  return path;
}

/** Resolves once a gateway log line matches, or fails after `ms` with the log. */
async function logged(t: TestGateway, re: RegExp, ms = 5000): Promise<string> {
  return eventually(`a log line matching ${String(re)} (gateway log:\n${t.logs.join('\n')})`, () => t.logs.find((l) => re.test(l)), { timeoutMs: ms });
}

/** The PBX's ring for `called`; a timeout says what the gateway logged. */
async function ring(t: TestGateway, called: string): Promise<{ id: string }> {
  const r = await t.pbx.waitFor('ring', { called }, 8000).catch((err: Error) => {
    throw new Error(`${err.message}\ngateway log:\n${t.logs.join('\n')}`);
  });
  return { id: r.fields.id! };
}

async function metric(metrics: GatewayMetrics, re: RegExp): Promise<string | undefined> {
  return (await metrics.scrape()).split('\n').find((l) => re.test(l));
}

describe('toll-fraud policy end to end: destination classes, limits, preemption (issue 14) @slow', function () {
  this.timeout(60000);

  describe('a trunk (concurrentCalls 1, maxDuration 1 s) and a digest user (one call per 5 s)', () => {
    let t: TestGateway;
    let metrics: GatewayMetrics;
    const sipp = (): string => `127.0.0.1:${t.gw.sipPort}`;
    // The phone calls from another loopback address than the trunk's: it is challenged, not taken as the trunk.
    const PHONE = '127.0.0.2';
    // The digest-uri must be the Request-URI (RFC 3261 §22.4); SIPp's default is the bare host.
    const digest = (service: string): string[] => ['-au', 'dave', '-ap', 'dave-secret', '-auth_uri', `${service}@127.0.0.1:${t.gw.sipPort}`];

    before(async () => {
      const yaml = gatewayYaml({
        trunkPorts: [await reservePort()],
        routes: `  - { name: intl, from: { trunks: [carrier] }, match: { called: "_01144X." }, allow: [international], to: { lineGroup: pbx-trunk } }
  - { name: out, from: { trunks: [carrier], users: [dave] }, to: { lineGroup: pbx-trunk } }`,
        extra: `security:
  users:
    - { username: dave, password: "dave-secret", limits: { callsPerSecond: 0.2 } }
`,
      }).replace('codecs: [pcmu, telephone-event] }', 'codecs: [pcmu, telephone-event], limits: { concurrentCalls: 1, maxDuration: 1 } }');
      t = await startTestGateway(yaml);
      metrics = new GatewayMetrics(t.registry);
    });
    after(async () => t?.close());

    it('an international number from the trunk on a route without allow gets 403 with cause 21, no line rings, and the log names class, source and route', async () => {
      const uac = await startSipp({ scenario: scenario('gw-uac-refused.xml', { status: 403, cause: 21 }), transport: 'udp', remote: sipp(), service: '0113314159265', keys: { calling: '3125550199' } });
      assertSipp(await uac.done, '403 with Reason cause 21');
      await logged(t, /refused with cause 21 \(destination class international is denied to trunk carrier by default \(route out\); allow it with allow: \[international\]/);
      assert.equal(t.pbx.events.filter((e) => e.name === 'ring').length, 0, 'no SETUP reached the PBX');
      assert.match((await metric(metrics, /^sipline_calls_refused_total\{source="trunk carrier",rule="class"\}/)) ?? '', / 1$/);
    });

    it('the same class on the route that allows it rings the PBX, and the call goes through', async () => {
      const uac = await startSipp({ scenario: 'gw-uac-call.xml', transport: 'udp', remote: sipp(), service: '011442079460000', keys: { calling: '3125550199' } });
      const rung = await ring(t, '011442079460000');
      t.pbx.command(`alert ${rung.id}`);
      t.pbx.command(`answer ${rung.id}`);
      assertSipp(await uac.done, 'the allowed international call');
      await t.pbx.waitFor(['disconnect', 'hangup'], { id: rung.id });
    });

    it('a second call while the trunk holds one (concurrentCalls 1) gets 403 with cause 21, a log line and a metric', async () => {
      const first = await startSipp({ scenario: 'gw-uac-call.xml', transport: 'udp', remote: sipp(), service: '2125551234', keys: { calling: '3125550199' } });
      const rung = await ring(t, '2125551234');
      const second = await startSipp({ scenario: scenario('gw-uac-refused.xml', { status: 403, cause: 21 }), transport: 'udp', remote: sipp(), service: '2125559999', keys: { calling: '3125550199' } });
      assertSipp(await second.done, 'the second call is refused with 403 and cause 21');
      await logged(t, /limit concurrentCalls of trunk carrier: 1 call\(s\) in progress, concurrentCalls is 1/);
      assert.match((await metric(metrics, /^sipline_calls_refused_total\{source="trunk carrier",rule="concurrentCalls"\}/)) ?? '', / 1$/);
      t.pbx.command(`alert ${rung.id}`);
      t.pbx.command(`answer ${rung.id}`);
      assertSipp(await first.done, 'the first call goes on');
      await t.pbx.waitFor(['disconnect', 'hangup'], { id: rung.id });
    });

    it('an answered call is released after maxDuration with cause 102: BYE with Reason to SIPp, DISCONNECT to the PBX', async () => {
      const uac = await startSipp({ scenario: scenario('gw-uac-call-ended.xml', { cause: 102 }), transport: 'udp', remote: sipp(), service: '2125551235', keys: { calling: '3125550199' }, timeoutS: 15 });
      const rung = await ring(t, '2125551235');
      t.pbx.command(`alert ${rung.id}`);
      t.pbx.command(`answer ${rung.id}`);
      const cleared = await t.pbx.waitFor(['disconnect', 'hangup'], { id: rung.id }, 8000);
      assert.equal(cleared.fields.cause, '102');
      assertSipp(await uac.done, 'BYE with Reason cause 102');
      await logged(t, /ended: limit maxDuration of trunk carrier \(1 s\) reached/);
      assert.match((await metric(metrics, /^sipline_calls_limited_total\{source="trunk carrier",rule="maxDuration"\}/)) ?? '', / 1$/);
    });

    it('a digest user over callsPerSecond (0.2: one call per 5 s) gets 403 with cause 21 on its second call', async () => {
      const first = await startSipp({ scenario: 'gw-uac-digest.xml', transport: 'udp', remote: sipp(), service: '2125551236', extra: digest('2125551236'), address: PHONE });
      const rung = await ring(t, '2125551236');
      t.pbx.command(`alert ${rung.id}`);
      t.pbx.command(`answer ${rung.id}`);
      await t.pbx.waitFor(['disconnect', 'hangup'], { id: rung.id });
      assertSipp(await first.done, "dave's first call");
      const second = await startSipp({ scenario: 'gw-uac-digest-limited.xml', transport: 'udp', remote: sipp(), service: '2125551237', extra: digest('2125551237'), address: PHONE });
      assertSipp(await second.done, "dave's second call within 5 s: 403 with cause 21");
      await logged(t, /call offered on user dave: .*limit callsPerSecond of user dave: more than callsPerSecond 0\.2/);
      assert.match((await metric(metrics, /^sipline_calls_refused_total\{source="user dave",rule="callsPerSecond"\}/)) ?? '', / 1$/);
    });
  });

  it('a plain SIP source calling 911 with every emergency line busy clears nobody: it gets 503 with cause 34 and the PBX call goes on', async () => {
    const trunkPort = await reservePort();
    const t = await startTestGateway(gatewayYaml({ trunkPorts: [trunkPort] }));
    try {
      const span = t.gw.spans.get('pbx')!;
      // One B-channel in service (SERVICE, ANSI T1.607): one call fills the group.
      for (const n of span.channelNumbers.slice(0, -1)) span.setChannelService(n, 2);
      const pbxCall = await startSipp({ scenario: 'gw-uas-answer.xml', transport: 'udp', port: trunkPort, keys: { called: '5551234', calling: PBX_CALLER, cause: '16' } });
      t.pbx.command(`call v1 any 5551234 ${PBX_CALLER}`);
      await t.pbx.waitFor('answer', { id: 'v1' });
      assert.equal(span.freeChannels(), 0, 'every line busy');
      const uac = await startSipp({ scenario: 'gw-uac-all-busy.xml', transport: 'udp', remote: `127.0.0.1:${t.gw.sipPort}`, service: '911', keys: { calling: '3125550199', cause: '34' } });
      assertSipp(await uac.done, 'the emergency call from the trunk gets 503 with cause 34');
      assert.equal(t.pbx.events.filter((e) => e.fields.id === 'v1' && (e.name === 'disconnect' || e.name === 'hangup')).length, 0, 'the PBX call was not preempted');
      assert.equal(t.registry.snapshot().calls.filter((c) => c.state === 'connected').length, 1, 'the PBX call is still connected');
      t.pbx.command('hangup v1 16');
      assertSipp(await pbxCall.done, 'the PBX call ends normally');
    } finally {
      await t.close();
    }
  });
});
