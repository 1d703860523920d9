// Issue 14's acceptance run with sipvicious (svmap, svwar, svcrack) against a
// whole gateway on the emulated T1 card (libpri as the PBX), with a trunk,
// a digest user and `security.reject: silent`. Each tool runs twice: as
// shipped (User-Agent friendly-scanner, dropped on sight) and as an attacker
// who changed that one line, so the screen behind the User-Agent check is
// what is tested. Every attack comes from its own loopback address.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GatewayMetrics } from '../../src/ops/gateway-metrics.js';
import { StatusRegistry } from '../../src/ops/status-registry.js';
import { reservePort, unusedPort } from '../support/ports.js';
import { requireSipvicious, sample, sipvicious } from './attack-tools.js';
import { gatewayYaml, startTestGateway, type TestGateway } from './gateway-fixture.js';

const PASSWORD = 'Tr0ub4dor-and-3';
const FAILURES = 5;
/** A softphone's User-Agent: what a careful attacker puts instead of friendly-scanner. */
const DISGUISE = 'Zoiper rv2.10.8.6';

describe('sipvicious against the gateway (issue 14 acceptance) @slow', function () {
  this.timeout(60_000);
  let t: TestGateway;
  let metrics: GatewayMetrics;
  let metricsUrl = '';
  let work = '';
  let sipPort = 0;

  const scrape = async (): Promise<string> => (await fetch(metricsUrl)).text();
  /** Common arguments: the gateway's port, the attacker's source address and a free source port there. */
  const from = async (address: string): Promise<string[]> => ['-p', String(sipPort), '-b', address, '-P', String(await unusedPort(address))];

  before(async () => {
    requireSipvicious();
    work = mkdtempSync(join(tmpdir(), 'sipline-sipvicious-'));
    const trunkPort = await reservePort();
    const registry = new StatusRegistry();
    metrics = new GatewayMetrics(registry);
    t = await startTestGateway(
      gatewayYaml({
        trunkPorts: [trunkPort],
        extra: `security:
  reject: silent
  realm: gw.test
  ban: { failures: ${FAILURES}, findTime: 600, banTime: 3600 }
  users:
    - { username: alice, password: "${PASSWORD}" }
`,
      }),
      registry,
    );
    sipPort = t.gw.sipPort;
    metricsUrl = `http://${await metrics.listen({ host: '127.0.0.1', port: 0 })}/metrics`;
  });
  after(async () => {
    await metrics?.close();
    await t?.close();
    if (work) rmSync(work, { recursive: true, force: true });
  });

  describe('svmap (OPTIONS sweep)', () => {
    it('as shipped, finds nothing: its User-Agent is dropped', async () => {
      const r = await sipvicious('svmap', [...(await from('127.0.0.11')), '127.0.0.1'], { killAfterMs: 30_000, cwd: work });
      assert.match(r.output, /found nothing/, r.summary);
      assert.doesNotMatch(r.output, /SIP Device/, r.summary);
    });

    it('with a softphone User-Agent, finds nothing either: OPTIONS from a stranger gets no answer with reject: silent', async () => {
      const r = await sipvicious('svmap', [...(await from('127.0.0.12')), '127.0.0.1'], { userAgent: DISGUISE, killAfterMs: 30_000, cwd: work });
      assert.match(r.output, /found nothing/, r.summary);
    });
  });

  describe('svwar (extension enumeration)', () => {
    const words = (): string => {
      const file = join(work, 'extensions.txt');
      writeFileSync(file, ['100', '1000', '2000', '4321', 'alice', 'bob', 'admin', 'sipline'].join('\n') + '\n');
      return file;
    };
    let next = 130;
    for (const method of ['REGISTER', 'INVITE'] as const) {
      for (const userAgent of [undefined, DISGUISE]) {
        const address = `127.0.0.${next++}`;
        it(`-m ${method}${userAgent ? ' with a softphone User-Agent' : ' as shipped'} reports no extension`, async () => {
          const r = await sipvicious('svwar', [...(await from(address)), '-m', method, '-d', words(), '--maximumtime', '3', '127.0.0.1'], { ...(userAgent ? { userAgent } : {}), killAfterMs: 30_000, cwd: work });
          assert.doesNotMatch(r.output, /extension '[^']*' (exists|probably exists)/, r.summary);
          assert.doesNotMatch(r.output, /we have \d+ extensions/, r.summary);
        });
      }
    }

    it('-m INVITE --force (past its sanity check) hears the same challenge for alice as for names nobody has: it learns no user', async () => {
      const file = join(work, 'mixed.txt');
      writeFileSync(file, 'alice\nnobody-7f3a\n');
      const r = await sipvicious('svwar', [...(await from('127.0.0.15')), '-m', 'INVITE', '--force', '-d', file, '--maximumtime', '3', '127.0.0.1'], { userAgent: DISGUISE, killAfterMs: 30_000, cwd: work });
      const found = [...r.output.matchAll(/extension '([^']*)' (exists[^\n]*)/g)].map((m) => `${m[1]}: ${m[2]}`);
      // Either both "exist" (the same 401 for any name) or neither: never alice alone.
      assert.ok(found.length === 0 || found.length === 2, `svwar told alice apart:\n${r.summary}`);
    });
  });

  describe('svcrack (password guessing for alice, the right password near the end of the list)', () => {
    const wordList = (): string => {
      const file = join(work, 'passwords.txt');
      const wrong = Array.from({ length: 30 }, (_, i) => `guess${i}`);
      wrong.splice(27, 0, PASSWORD);
      writeFileSync(file, wrong.join('\n') + '\n');
      return file;
    };

    it('as shipped (REGISTER, friendly-scanner): no answer at all, no password', async () => {
      const r = await sipvicious('svcrack', [...(await from('127.0.0.16')), '-u', 'alice', '-d', wordList(), '--maximumtime', '3', '127.0.0.1'], { killAfterMs: 30_000, cwd: work });
      assert.match(r.output, /no server response/, r.summary);
      assert.doesNotMatch(r.output, /The password for/, r.summary);
    });

    it('with a softphone User-Agent and REGISTER: no answer (a stranger may not REGISTER), so no password is ever tried', async () => {
      const r = await sipvicious('svcrack', [...(await from('127.0.0.17')), '-u', 'alice', '-d', wordList(), '--maximumtime', '3', '127.0.0.1'], { userAgent: DISGUISE, killAfterMs: 30_000, cwd: work });
      assert.match(r.output, /no server response/, r.summary);
      assert.doesNotMatch(r.output, /The password for/, r.summary);
    });

    it(`with a softphone User-Agent and -m INVITE: banned after ${FAILURES} failures, before the right password; the ban in /metrics, status and the log`, async () => {
      const attacker = '127.0.0.18';
      const before = await scrape();
      const failuresBefore = sample(before, 'sipline_sip_inbound_refused_total{reason="auth-failure"}') ?? 0;
      const bansBefore = sample(before, 'sipline_sip_bans_active') ?? 0;
      const r = await sipvicious('svcrack', [...(await from(attacker)), '-u', 'alice', '-m', 'INVITE', '-d', wordList(), '--maximumtime', '3', '127.0.0.1'], { userAgent: DISGUISE, killAfterMs: 40_000, cwd: work });
      assert.doesNotMatch(r.output, /The password for/, `svcrack found the password:\n${r.summary}`);
      assert.equal(r.killed, false, `svcrack did not stop on its own:\n${r.summary}`);
      // Banned: the gateway went silent, and svcrack gave up.
      assert.match(r.output, /since we last received a response - stopping/, r.summary);
      const text = await scrape();
      assert.equal(sample(text, 'sipline_sip_bans_active'), bansBefore + 1, text);
      assert.equal((sample(text, 'sipline_sip_inbound_refused_total{reason="auth-failure"}') ?? 0) - failuresBefore, FAILURES, 'exactly the configured failures were judged; the rest met the ban');
      assert.ok((sample(text, 'sipline_sip_inbound_refused_total{reason="ban"}') ?? 0) >= 1, text);
      assert.ok(t.registry.snapshot().security?.bans.some((b) => b.address === attacker), JSON.stringify(t.registry.snapshot().security?.bans));
      assert.ok(t.logs.some((l) => /source-banned/.test(l)), t.logs.join('\n'));
      assert.equal(t.registry.snapshot().calls.length, 0);
    });
  });
});
