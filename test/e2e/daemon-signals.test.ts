import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CdrStore } from '../../src/call/cdr-store.js';
import { startSipp, type SippResult } from '../peers/sipp.js';
import { releasePort, reservePort } from '../support/ports.js';
import { watchOutput, type Output } from '../support/output.js';
import { assertSipp, gatewayYaml, PBX_CALLER } from './gateway-fixture.js';

const CHILD = 'dist/test/e2e/daemon-child.js';
function yaml(dir: string, trunk: 'carrier' | 'carrier2', ports: { a: number; b: number }): string {
  return gatewayYaml({
    trunkPorts: [ports.a, ports.b],
    routes: `  - { name: pbx-out, from: pstn, match: { called: "_NXXXXXX" }, to: { trunks: [${trunk}] } }
  - { name: did, from: sip, match: { called: "_4XXX" }, to: { lineGroup: pbx-trunk } }`,
    extra: `control: { socket: ${join(dir, 'control.sock')} }\nlog: { level: info }\n`,
  });
}

interface Child {
  proc: ChildProcess;
  /** The daemon's log (stdout) and the harness's and our reports (stderr: "peer: ...", "gateway: ..."). */
  out: Output;
  err: Output;
  exited: Promise<number | null>;
  /** The SIP port it bound (listen port 0), as it reported it. */
  sipPort: number;
}

function startChild(config: string): Omit<Child, 'sipPort'> {
  const proc = spawn(process.execPath, [CHILD, config], { stdio: ['pipe', 'pipe', 'pipe'] });
  // 'close': after the last of its output.
  const exited = new Promise<number | null>((r) => proc.on('close', (code) => r(code)));
  return { proc, out: watchOutput('gateway (stdout)', proc, [proc.stdout]), err: watchOutput('gateway (stderr)', proc, [proc.stderr]), exited };
}

/** The gateway is up: control socket open, SIP port known and the PBX's D-channel restarted. */
async function ready(c: Omit<Child, 'sipPort'>): Promise<Child> {
  await c.out.waitFor(/started; control socket/, { timeoutMs: 10000 });
  const port = await c.err.waitFor(/gateway: sip port (\d+)/, { timeoutMs: 10000 });
  await c.err.waitFor(/gateway: span pbx restarted/, { timeoutMs: 10000 });
  return { ...c, sipPort: Number(port[1]) };
}

/** A call from the PBX answered by SIPp on `port`; resolves with SIPp's run once the PBX sees the answer. */
async function pbxCall(c: Child, port: number, id: string, called: string, timeoutS?: number): Promise<{ done: Promise<SippResult> }> {
  const uas = await startSipp({ scenario: 'gw-uas-answer.xml', transport: 'udp', port, ...(timeoutS ? { timeoutS } : {}) });
  c.proc.stdin!.write(`call ${id} any ${called} ${PBX_CALLER}\n`);
  await c.err.waitFor(new RegExp(`peer: answer id=${id}\\b`), { timeoutMs: 10000 });
  return uas;
}

describe('sipline start on the emulated card: SIGHUP, SIGTERM and kill -9 @slow', function () {
  this.timeout(40000);
  let dir: string;
  let config: string;
  let ports: { a: number; b: number };
  const children: Omit<Child, 'sipPort'>[] = [];

  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'sipline-e2e-daemon-'));
    config = join(dir, 'gateway.yaml');
    // The two trunks' SIPp ports, held from now until each SIPp binds its own (the gateway binds port 0).
    ports = { a: await reservePort(), b: await reservePort() };
    writeFileSync(config, yaml(dir, 'carrier', ports));
  });
  const started = async (file: string): Promise<Child> => {
    const c = startChild(file);
    children.push(c);
    return ready(c);
  };

  afterEach(async () => {
    for (const c of children.splice(0)) if (c.proc.exitCode === null && c.proc.signalCode === null) c.proc.kill('SIGKILL');
    await releasePort(ports.a);
    await releasePort(ports.b);
    rmSync(dir, { recursive: true, force: true });
  });

  it('SIGHUP with a changed route: the next call takes the new route while the call in progress goes on', async () => {
    const c = await started(config);
    const first = await pbxCall(c, ports.a, 'h1', '5551234');
    writeFileSync(config, yaml(dir, 'carrier2', ports));
    c.proc.kill('SIGHUP');
    await c.out.waitFor(/reloaded: 2 route/);
    const second = await pbxCall(c, ports.b, 'h2', '5555678');
    // Both calls are up; each ends with the PBX's hang-up, so the first one outlived the reload.
    c.proc.stdin!.write('hangup h1 16\nhangup h2 16\n');
    assertSipp(await first.done, 'the call in progress on carrier continues and ends with BYE cause 16');
    assertSipp(await second.done, 'the next call goes to carrier2');
    c.proc.kill('SIGTERM');
    assert.equal(await c.exited, 0);
  });

  it('SIGTERM releases calls with cause 16: SIPp sees BYE with Reason cause=16 and the PBX a DISCONNECT with 16', async () => {
    const c = await started(config);
    const uas = await pbxCall(c, ports.a, 't1', '5551234');
    c.proc.kill('SIGTERM');
    assertSipp(await uas.done, 'BYE with Reason cause=16');
    assert.equal(await c.exited, 0, `exit code; stderr:\n${c.err.text()}`);
    assert.match(c.err.text(), /peer: (disconnect|hangup) id=t1 cause=16/);
    const db = new CdrStore(join(dir, 'cdr.sqlite'), { readonly: true });
    const rows = db.query();
    db.close();
    assert.equal(rows.length, 1, 'the CDR is flushed');
    assert.equal(rows[0]?.pstnCause, 16);
    assert.equal(rows[0]?.hungUpBy, 'gateway');
  });

  it('kill -9 mid-call: every finished call\'s CDR is intact after restart', async () => {
    const c = await started(config);
    // A finished call: the carrier calls a DID, the PBX answers, the carrier hangs up.
    const uac = await startSipp({ scenario: 'gw-uac-call.xml', transport: 'udp', remote: `127.0.0.1:${c.sipPort}`, service: '4321', keys: { calling: '3125550199' } });
    assertSipp(await uac.done, 'the finished call');
    // A call in progress when the gateway is killed.
    const uas = await pbxCall(c, ports.a, 'k2', '5551234', 3);
    c.proc.kill('SIGKILL');
    await c.exited;
    await uas.done;
    const again = await started(config);
    const db = new CdrStore(join(dir, 'cdr.sqlite'), { readonly: true });
    assert.equal(db.integrity(), 'ok');
    const rows = db.query();
    db.close();
    assert.equal(rows.length, 1, 'the finished call, and nothing of the killed one');
    assert.equal(rows[0]?.direction, 'sip-to-pstn');
    assert.equal(rows[0]?.caller, '3125550199');
    assert.equal(rows[0]?.callee, '4321');
    assert.equal(rows[0]?.hungUpBy, 'sip');
    assert.ok(rows[0]?.answer !== undefined);
    again.proc.kill('SIGTERM');
    assert.equal(await again.exited, 0);
  });
});
