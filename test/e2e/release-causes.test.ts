// Release causes before answer, both ways (issue #7). SIPp refuses calls the
// PBX places through the gateway; the PBX (libpri) reads the Q.850 cause of
// the DISCONNECT: the RFC 3398 §8.2.6.1 table for the status, or the Reason
// header's cause when there is one (RFC 3326). The PBX refuses calls from
// SIPp; SIPp checks the status (RFC 3398 §7.2.4.1) and the Reason cause.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { scenarioDir, startSipp } from '../peers/sipp.js';
import { reservePort } from '../support/ports.js';
import { assertSipp, gatewayYaml, PBX_CALLER, startTestGateway, type TestGateway } from './gateway-fixture.js';

// With the gateway as the network side (facing a PBX) and as the user side (facing a carrier).
for (const side of ['network', 'user'] as const) describe(`release causes both ways between SIP and the PRI, the gateway as the ${side} side: status <-> Q.850 cause with Reason (issue #7) @slow`, function () {
  this.timeout(30000);
  let t: TestGateway;
  let trunkPort: number;
  let dir: string;
  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'sipline-causes-'));
    trunkPort = await reservePort();
    t = await startTestGateway(gatewayYaml({ trunkPorts: [trunkPort], side }));
  });
  after(async () => {
    await t?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  /** SIPp reads a response's status code when it loads the scenario, so each status gets its own copy. */
  function scenarioFor(file: string, status: number, cause?: number): string {
    const path = join(dir, `${status}-${cause ?? ''}-${file}`);
    let text = readFileSync(join(scenarioDir, file), 'utf8').replaceAll('[status]', String(status));
    if (cause !== undefined) text = text.replaceAll('[cause]', String(cause));
    writeFileSync(path, text);
    return path;
  }

  /** The cause the PBX is cleared with when SIPp refuses its call with `status` (and a Reason cause). */
  async function refusedWith(id: string, status: number, reasonCause?: number): Promise<string | undefined> {
    const uas = await startSipp({
      scenario: scenarioFor(reasonCause === undefined ? 'gw-uas-refuse.xml' : 'gw-uas-refuse-reason.xml', status, reasonCause),
      transport: 'udp',
      port: trunkPort,
    });
    t.pbx.command(`call ${id} any 5551234 ${PBX_CALLER}`);
    const cleared = await t.pbx.waitFor(['disconnect', 'hangup'], { id }).catch(async (err: Error) => {
      throw new Error(`${err.message}\nSIPp:\n${(await uas.done).output}\ngateway log:\n${t.logs.join('\n')}`);
    });
    assertSipp(await uas.done, `${status} and its ACK`);
    return cleared.fields.cause;
  }

  // RFC 3398 §8.2.6.1, a row of each kind: number, busy, no answer, address, decline, server.
  const table: [number, number][] = [
    [404, 1],
    [486, 17],
    [480, 18],
    [484, 28],
    [603, 21],
    [503, 41],
  ];
  for (const [status, cause] of table) {
    it(`${status} -> cause ${cause}`, async () => {
      assert.equal(await refusedWith(`s${status}`, status), String(cause));
    });
  }

  it('a status the table does not list -> cause 31 (normal, unspecified)', async () => {
    assert.equal(await refusedWith('s499', 499), '31');
  });

  it('486 with Reason Q.850 cause 21 -> cause 21: the far switch\'s own cause wins (RFC 3326)', async () => {
    assert.equal(await refusedWith('r486', 486, 21), '21');
  });

  // The other way, RFC 3398 §7.2.4.1: the PBX refuses a call from SIP with a cause; SIPp checks the status and the Reason.
  const back: [number, number][] = [
    [1, 404],
    [17, 486],
    [21, 403],
    [28, 484],
    [27, 502],
    [41, 503],
  ];
  for (const [cause, status] of back) {
    it(`the PBX's cause ${cause} -> ${status} with Reason Q.850 cause ${cause}`, async () => {
      const called = `46${String(cause).padStart(2, '0')}`;
      const uac = await startSipp({ scenario: scenarioFor('gw-uac-refused.xml', status, cause), transport: 'udp', remote: `127.0.0.1:${t.gw.sipPort}`, service: called, keys: { calling: '3125550199' } });
      const ring = await t.pbx.waitFor('ring', { called });
      // A carrier's switch answers our SETUP with CALL PROCEEDING before it clears (Q.931 clause 5.1.5.2).
      if (side === 'user') t.pbx.command(`proceed ${ring.fields.id}`);
      t.pbx.command(`hangup ${ring.fields.id} ${cause}`);
      assertSipp(await uac.done, `${status} with Reason cause ${cause}`);
    });
  }
});
