import assert from 'node:assert/strict';
import { existsSync, rmSync } from 'node:fs';
import { createConnection } from 'node:net';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import fc from 'fast-check';
import { pino } from 'pino';
import { ControlClient } from '../../src/ops/control-client.js';
import { ControlError, type Notification } from '../../src/ops/control-protocol.js';
import { Gateway } from '../../src/ops/gateway.js';
import type { PortStatus } from '../../src/ops/status-model.js';
import { addFixture, type Fixture } from './fixture-gateway.js';
import { schemaValidator, tempDir } from './daemon-harness.js';
import { eventually } from '../support/waiting.js';

interface Logged {
  msg: string;
  [k: string]: unknown;
}

async function gatewayWithFixture(): Promise<{ gw: Gateway; fx: Fixture; dir: string; logs: Logged[]; client: ControlClient }> {
  const dir = tempDir();
  const logs: Logged[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _enc, done) {
      for (const l of chunk.toString().split('\n')) if (l) logs.push(JSON.parse(l) as Logged);
      done();
    },
  });
  const gw = new Gateway({
    config: { controlSocket: join(dir, 'control.sock'), metrics: { host: '127.0.0.1', port: 0 }, logLevel: 'info' },
    log: pino({ level: 'info' }, sink),
    version: 'test',
  });
  const fx = addFixture(gw);
  await gw.start();
  const client = await ControlClient.connect(gw.config.controlSocket);
  return { gw, fx, dir, logs, client };
}

async function expectError(p: Promise<unknown>, code: string, message: RegExp): Promise<void> {
  await assert.rejects(p, (err: unknown) => {
    assert.ok(err instanceof ControlError, String(err));
    assert.equal(err.code, code);
    assert.match(err.message, message);
    return true;
  });
}

describe('ops gateway: status registry behind the control socket', () => {
  let t: Awaited<ReturnType<typeof gatewayWithFixture>>;
  beforeEach(async () => {
    t = await gatewayWithFixture();
  });
  afterEach(async () => {
    t.client.close();
    await t.gw.shutdown();
    rmSync(t.dir, { recursive: true, force: true });
  });

  it('shows a registered span, channel, trunk and call in status, valid against the schema', async () => {
    const s = await t.client.request('status');
    const validate = schemaValidator('status');
    validate(s);
    // The schema has teeth: a channel with an unknown hook state or a missing level is refused.
    const bad = structuredClone(s) as unknown as { ports: Record<string, unknown>[] };
    bad.ports[0]!.hook = 'lifted';
    assert.throws(() => validate(bad), /hook/);
    delete bad.ports[0]!.levelRxDbm0;
    bad.ports[0]!.hook = 'none';
    assert.throws(() => validate(bad), /levelRxDbm0/);
    assert.deepEqual(
      s.spans.map((x) => [x.name, x.alarms]),
      [
        ['span1', []],
        ['span2', ['RED']],
      ],
    );
    const ch = s.ports.find((p) => p.name === 'span1:1');
    assert.equal(ch?.levelRxDbm0, -12.5);
    assert.equal(s.calls[0]?.calling, '5551234');
    assert.equal(s.totals.spansInAlarm, 1);
    assert.equal(s.totals.trunksUp, 1);
    assert.equal(s.gateway.pid, process.pid);
  });

  it('shows a provider registered after start, and drops it once removed', async () => {
    const remove = t.gw.registry.spans.add('span9', {
      status: () => ({ name: 'span9', type: 'E1', framing: 'CAS', lineCoding: 'HDB3', alarms: ['LOS'], dchannel: 'none', counters: {}, channels: 30 }),
    });
    assert.ok((await t.client.request('status')).spans.some((s) => s.name === 'span9' && s.alarms[0] === 'LOS'));
    remove();
    assert.ok(!(await t.client.request('status')).spans.some((s) => s.name === 'span9'));
  });

  it('leaves out a provider whose status throws, logs it, and still answers', async () => {
    t.gw.registry.ports.add('broken', {
      status: (): PortStatus => {
        throw new Error('card gone');
      },
    });
    const s = await t.client.request('status');
    assert.equal(s.ports.length, 4);
    assert.ok(t.logs.some((l) => /status of port 'broken' failed/.test(l.msg)));
  });

  it('answers bad requests with a clear error and keeps serving', async () => {
    // A plain socket, to see the id: null errors too.
    const plain = createConnection(t.gw.config.controlSocket);
    let buf = '';
    plain.on('data', (d) => {
      buf += d.toString();
    });
    await new Promise((r) => plain.once('connect', r));
    plain.write('not json\n[1,2]\n{"id":7}\n{"id":8,"method":"frobnicate"}\n{"id":9,"method":"status","params":[1]}\n' + 'x'.repeat(1.5 * (1 << 20)) + '\n{"id":10,"method":"ping"}\n');
    await eventually('seven answers', () => buf.split('\n').length >= 8);
    plain.destroy();
    const msgs = buf.trim().split('\n').map((l) => JSON.parse(l) as { id: unknown; error?: { code: string; message: string }; result?: unknown });
    assert.deepEqual(
      msgs.map((m) => m.error?.code ?? 'ok'),
      ['parse-error', 'invalid-request', 'invalid-request', 'unknown-method', 'invalid-params', 'request-too-large', 'ok'],
    );
    assert.match(msgs[3]?.error?.message ?? '', /unknown method 'frobnicate' \(known: ping, status/);
    assert.deepEqual(msgs[6], { id: 10, result: { version: 'test' } });
    assert.equal((await t.client.request('ping')).version, 'test');
  });

  it('property: any lines sent to the socket get one answer each and never stop the daemon', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(
          fc.oneof(
            fc.string(),
            fc.jsonValue().map((v) => JSON.stringify(v)),
            fc.record({ id: fc.oneof(fc.integer(), fc.string()), method: fc.constantFrom('status', 'calls', 'events.recent', 'call.hangup', 'span.restart', 'port.block', 'x'), params: fc.jsonValue() }).map((r) => JSON.stringify(r)),
          ).map((l) => l.replace(/\n/g, ' ')),
          { minLength: 1, maxLength: 8 },
        ),
        async (lines) => {
          const expected = lines.filter((l) => l.trim() !== '').length;
          const sock = createConnection(t.gw.config.controlSocket);
          let buf = '';
          sock.on('data', (d) => (buf += d.toString()));
          await new Promise((r) => sock.once('connect', r));
          sock.write(lines.map((l) => l + '\n').join(''));
          await eventually(`${expected} answers`, () => buf.split('\n').length - 1 >= expected, { timeoutMs: 3000, intervalMs: 5 });
          sock.destroy();
          const answers = buf.split('\n').filter(Boolean).map((l) => JSON.parse(l) as Record<string, unknown>);
          assert.equal(answers.length, expected);
          for (const a of answers) assert.ok('result' in a || 'error' in a);
        },
      ),
      { numRuns: 60 },
    );
    // The fixture's call may have been hung up by a generated request; the daemon still answers.
    assert.equal((await t.client.request('ping')).version, 'test');
  });

  it('names the unknown call, span or port and says where to find the known ones', async () => {
    await expectError(t.client.request('call.hangup', { call: 'nope' }), 'not-found', /no call 'nope' \(known: c1\); `sipline calls` lists/);
    await expectError(t.client.request('span.restart', { span: 'span7' }), 'not-found', /no span 'span7' \(known: span1, span2\)/);
    await expectError(t.client.request('port.block', { port: 'fxs9' }), 'not-found', /no port 'fxs9'/);
    await expectError(t.client.request('port.block', {} as { port: string }), 'invalid-params', /params.port must be a non-empty string/);
    await expectError(t.client.request('call.hangup', { call: 'c1', cause: 300 }), 'invalid-params', /not a Q.850 cause/);
  });

  it('dispatches hangup, span restart and port block to the parts and streams their events to subscribers', async () => {
    const seen: Notification[] = [];
    t.client.on('notification', (n) => seen.push(n));
    await t.client.request('subscribe');
    assert.deepEqual(await t.client.request('call.hangup', { call: 'c1', cause: 17 }), { call: 'c1', cause: 17 });
    assert.deepEqual(t.fx.hangups, [{ call: 'c1', cause: 17 }]);
    await t.client.request('span.restart', { span: 'span2' });
    assert.deepEqual(t.fx.restarts, ['span2']);
    assert.deepEqual(await t.client.request('port.block', { port: 'fxo1' }), { port: 'fxo1', blocked: true });
    const s = await t.client.request('status');
    assert.equal(s.calls.length, 0);
    assert.equal(s.ports.find((p) => p.name === 'fxo1')?.blocked, true);
    assert.equal(s.totals.callsEnded, 1);
    assert.deepEqual(
      seen.map((n) => n.event),
      ['call.released', 'span.restarted', 'port.blocked'],
    );
    const check = schemaValidator('event');
    for (const n of seen) check(n.data);
    assert.equal(seen[0]?.data.cause, 17);
    const recent = await t.client.request('events.recent', { port: 'span1:1' });
    assert.deepEqual(
      recent.map((e) => e.type),
      ['incoming', 'answered', 'released'],
    );
  });

  it('serves per-span, per-port and per-trunk metrics and counts calls, causes, alarms and registrations', async () => {
    await t.client.request('call.hangup', { call: 'c1' });
    const at = (await t.client.request('status')).gateway.metrics;
    const res = await fetch(`http://${at}/metrics`);
    assert.equal(res.status, 200);
    const text = await res.text();
    for (const line of [
      'sipline_span_up{span="span1",type="E1"} 1',
      'sipline_span_up{span="span2",type="T1"} 0',
      'sipline_span_alarm{span="span2",alarm="RED"} 1',
      'sipline_span_dchannel_up{span="span2"} 0',
      'sipline_span_errors{span="span2",counter="bpv"} 17',
      'sipline_port_blocked{port="fxo1"} 0',
      'sipline_port_level_dbm0{port="fxo1",direction="rx"} -41',
      'sipline_trunk_up{trunk="backup"} 0',
      'sipline_trunk_registrations_total{trunk="carrier"} 1',
      'sipline_span_alarms_total{span="span2"} 1',
      'sipline_calls_total{direction="pstn-to-sip"} 1',
      'sipline_calls_ended_total{cause="16",cause_name="NORMAL_CLEARING"} 1',
    ]) {
      assert.ok(text.split('\n').includes(line), `metrics lack ${line}`);
    }
    assert.equal((await fetch(`http://${at}/other`)).status, 404);
  });

  it('on shutdown releases every call with cause 16, runs the shutdown hooks, removes the socket', async () => {
    const order: string[] = [];
    t.gw.onShutdown(() => {
      order.push(`hook after ${t.fx.hangups.length} hangup(s)`);
    });
    t.client.close();
    await t.gw.shutdown();
    assert.deepEqual(t.fx.hangups, [{ call: 'c1', cause: 16 }]);
    assert.deepEqual(order, ['hook after 1 hangup(s)']);
    assert.ok(!existsSync(t.gw.config.controlSocket));
    await assert.rejects(ControlClient.connect(t.gw.config.controlSocket), /is `sipline start` running\?/);
  });
});
