import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { once } from 'node:events';
import { join } from 'node:path';
import { ControlClient } from '../../src/ops/control-client.js';
import type { GatewayEvent, GatewayStatus } from '../../src/ops/status-model.js';
import { CLI, schemaValidator, sipline, startDaemon, tempDir, writeConfig, type Daemon } from './daemon-harness.js';
import { eventually } from '../support/waiting.js';

describe('sipline start as a child process @slow', () => {
  let d: Daemon | undefined;
  afterEach(() => {
    d?.cleanup();
    d = undefined;
  });

  it('runs with only the daemon sections in the config: JSON logs, pid file, empty status valid against the schema', async () => {
    d = await startDaemon('cli');
    const started = await d.waitForLog(/started/);
    assert.equal(started.level, 30);
    assert.equal(readFileSync(d.pidFile, 'utf8').trim(), String(d.child.pid));
    const r = sipline('status', '--json', '--config', d.config);
    assert.equal(r.status, 0, r.stderr);
    const s = JSON.parse(r.stdout) as GatewayStatus;
    schemaValidator('status')(s);
    assert.equal(s.gateway.pid, d.child.pid);
    assert.deepEqual([s.spans, s.ports, s.trunks, s.calls], [[], [], [], []]);
    const text = sipline('status', '--socket', d.socket);
    assert.match(text.stdout, /no spans configured/);
    const scrape = await fetch(`http://${s.gateway.metrics}/metrics`);
    assert.equal(scrape.status, 200);
    const metrics = await scrape.text();
    assert.match(metrics, /^sipline_process_cpu_seconds_total \d/m);
    assert.match(metrics, /^# TYPE sipline_span_up gauge$/m);
    assert.ok(!/^sipline_span_up\{/m.test(metrics), 'no span invented');
  });

  it('on SIGHUP calls the reload hook and logs what changed', async () => {
    d = await startDaemon('fixture');
    writeConfig(d.dir, 'debug');
    d.child.kill('SIGHUP');
    const reloaded = await d.waitForLog(/config reloaded/);
    assert.match(reloaded.msg, /log.level info -> debug/);
    assert.deepEqual(reloaded.changes, [{ key: 'log.level', from: 'info', to: 'debug' }]);
    assert.equal((await d.waitForLog(/fixture: reload hook ran/)).level, 30);
    // A broken config is refused; the daemon keeps running on the old one.
    writeFileSync(d.config, 'log:\n  level: loud\n');
    d.child.kill('SIGHUP');
    const failed = await d.waitForLog(/reload failed/);
    assert.match(failed.msg, /gateway.yaml:2: log.level: "loud" is not one of/);
    assert.equal(sipline('status', '--json', '--socket', d.socket).status, 0);
  });

  it('on SIGTERM releases calls with cause 16, runs the shutdown hook, exits 0 and removes socket and pid file', async () => {
    d = await startDaemon('fixture');
    assert.ok(existsSync(d.socket) && existsSync(d.pidFile));
    d.child.kill('SIGTERM');
    assert.equal(await d.waitForExit(), 0);
    const hook = await d.waitForLog(/fixture: shutdown hook ran/);
    assert.deepEqual(hook.hangups, [{ call: 'c1', cause: 16 }]);
    const msgs = d.logs.map((l) => l.msg);
    assert.ok(msgs.indexOf('call c1 released, cause 16') < msgs.indexOf('fixture: shutdown hook ran'));
    assert.equal(msgs.at(-1), 'stopped');
    assert.ok(!existsSync(d.socket), 'socket removed');
    assert.ok(!existsSync(d.pidFile), 'pid file removed');
  });

  it('streams events as JSON lines valid against the schema while the operator acts', async () => {
    d = await startDaemon('fixture');
    const ev = spawn(process.execPath, [CLI, 'events', '--json', '--socket', d.socket], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    ev.stdout.setEncoding('utf8').on('data', (x: string) => (out += x));
    // Wait until the stream is subscribed (it echoes nothing until an event).
    const client = await ControlClient.connect(d.socket);
    const deadline = Date.now() + 10_000;
    let blocked = false;
    while (!out.includes('"unblocked"') && Date.now() < deadline) {
      await client.request(blocked ? 'port.unblock' : 'port.block', { port: 'span1:2' });
      blocked = !blocked;
      await new Promise((r) => setTimeout(r, 150));
    }
    assert.equal(sipline('hangup', 'c1', '--cause', '17', '--socket', d.socket).stdout, 'call c1 released with cause 17 (USER_BUSY)\n');
    await eventually('the released event', () => out.includes('"released"'), { timeoutMs: Math.max(0, deadline - Date.now()) });
    client.close();
    let evErr = '';
    ev.stderr.setEncoding('utf8').on('data', (x: string) => (evErr += x));
    ev.kill('SIGINT');
    const [code] = (await once(ev, 'exit')) as [number | null];
    assert.equal(code, 0, `events exits 0 on Ctrl-C; stderr: ${evErr}`);
    const events = out.trim().split('\n').map((l) => JSON.parse(l) as GatewayEvent);
    const check = schemaValidator('event');
    for (const e of events) check(e);
    assert.ok(events.some((e) => e.kind === 'port' && e.type === 'unblocked' && e.name === 'span1:2'));
    const released = events.find((e) => e.type === 'released');
    assert.equal(released?.cause, 17);
    assert.ok(events.every((e, i) => i === 0 || e.seq > (events[i - 1]?.seq ?? 0)), 'seq increases');
  });

  it('ends the event stream with status 1 and a message when the gateway stops', async () => {
    d = await startDaemon('fixture');
    const ev = spawn(process.execPath, [CLI, 'events', '--socket', d.socket], { stdio: ['ignore', 'pipe', 'pipe'] });
    let err = '';
    let out = '';
    ev.stderr.setEncoding('utf8').on('data', (x: string) => (err += x));
    ev.stdout.setEncoding('utf8').on('data', (x: string) => (out += x));
    // Once the stream shows an event (text form), stopping the daemon must end it.
    const client = await ControlClient.connect(d.socket);
    for (let i = 0; i < 100 && !/port\.blocked +port fxo1 blocked by the operator/.test(out); i++) {
      await client.request('port.block', { port: 'fxo1' });
      await new Promise((r) => setTimeout(r, 100));
    }
    client.close();
    assert.match(out, /^\d{4}-\d\d-\d\dT[\d:.]+Z {2}port\.blocked +port fxo1 blocked by the operator$/m);
    d.child.kill('SIGTERM');
    const [code] = (await once(ev, 'exit')) as [number | null];
    assert.equal(code, 1);
    assert.equal(err, 'sipline: the gateway closed the control socket (stopped?)\n');
  });

  it('refuses to start on the socket of a running daemon, and replaces a stale socket file', async () => {
    d = await startDaemon('cli');
    const second = sipline('start', '--config', d.config);
    assert.equal(second.status, 1);
    assert.match(second.stderr, /another sipline is already running on this control socket/);
    d.child.kill('SIGKILL'); // leaves the socket file behind
    await d.waitForExit();
    assert.ok(existsSync(d.socket));
    const again = spawn(process.execPath, [CLI, 'start', '--config', d.config], { stdio: ['ignore', 'pipe', 'pipe'] });
    try {
      let out = '';
      again.stdout.setEncoding('utf8').on('data', (x: string) => (out += x));
      await eventually('the daemon started again', () => out.includes('started'), { timeoutMs: 10_000 });
      assert.equal(sipline('status', '--json', '--socket', d.socket).status, 0);
    } finally {
      again.kill('SIGTERM');
      await new Promise((r) => again.once('exit', r));
    }
  });

  it('fails to start with the file, line and key of a bad config', () => {
    const dir = tempDir();
    const file = join(dir, 'bad.yaml');
    writeFileSync(file, `control:\n  socket: ${join(dir, 's.sock')}\nmetrics:\n  listen: 127.0.0.1:99999\n`);
    const r = sipline('start', '--config', file);
    assert.equal(r.status, 1);
    assert.match(r.stderr, /bad\.yaml:4: metrics\.listen: "127\.0\.0\.1:99999" has a port above 65535/);
    // A folder that cannot be made: its parent is a plain file.
    writeFileSync(join(dir, 'plain'), '');
    writeFileSync(file, `control:\n  socket: ${join(dir, 'plain', 'run', 'control.sock')}\n`);
    const noDir = sipline('start', '--config', file);
    assert.equal(noDir.status, 1);
    assert.match(noDir.stderr, /cannot create the control socket \S+\/plain\/run\/control\.sock: ENOTDIR \(its folder must exist/);
    writeFileSync(file, `control:\n  socket: ${join(dir, 'plain')}\n`);
    const notSocket = sipline('start', '--config', file);
    assert.equal(notSocket.status, 1);
    assert.match(notSocket.stderr, /plain exists and is not a socket; not replacing it/);
    writeConfig(dir);
    const pidFile = join(dir, 'live.pid');
    writeFileSync(pidFile, `${process.pid}\n`);
    const live = sipline('start', '--config', join(dir, 'gateway.yaml'), '--pid-file', pidFile);
    assert.equal(live.status, 1);
    assert.match(live.stderr, new RegExp(`live\\.pid: sipline is already running as pid ${process.pid} \\(stop it first`));
    const missing = sipline('start', '--config', join(dir, 'none.yaml'));
    assert.match(missing.stderr, /none\.yaml: no such config file \(pass --config with the path of gateway\.yaml\)/);
  });
});
