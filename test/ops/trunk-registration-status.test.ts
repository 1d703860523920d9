// A trunk's row in `sipline status` follows its registration: a refresh the
// registrar refuses (RFC 3261 §10.2.4) turns it unregistered with the status
// line as lastError, and a later successful REGISTER makes it registered
// again. SIPp plays the registrar.
import assert from 'node:assert/strict';
import type { TrunkStatus } from '../../src/ops/status-model.js';
import { gatewayYaml, startTestGateway, type TestGateway } from '../e2e/gateway-fixture.js';
import { startSipp } from '../peers/sipp.js';
import { reservePort } from '../support/ports.js';

describe('sipline status: trunk state after a refused re-REGISTER, SIPp as the registrar @slow', function () {
  this.timeout(30000);
  let t: TestGateway | undefined;
  after(async () => t?.close());

  for (const c of [
    // Grants 2 s, refuses the refresh and the first retry with 403, then grants 60 s.
    { how: 'refused', scenario: 'registrar-refuse-refresh.xml', error: '403 Forbidden', sip: '' },
    // Grants 2 s, never answers the refresh: Timer F (64*T1, T1 50 ms here) ends it as a 408 (RFC 3261 §8.1.3.1).
    { how: 'unanswered', scenario: 'registrar-silent-refresh.xml', error: '408 Request Timeout', sip: ', timers: { t1: 50 }' },
  ]) it(`registered -> unregistered (lastError ${c.error}) when the refresh is ${c.how} -> registered again after the retry succeeds`, async () => {
    await t?.close();
    t = undefined;
    const port = await reservePort();
    const sipp = await startSipp({ scenario: c.scenario, transport: 'udp', port, timeoutS: 15 });
    const yaml = gatewayYaml({ trunkPorts: [port] })
      .replace('allowedAddresses: [127.0.0.1]', 'register: { username: alice, password: s3cret }')
      .replace('sip: { listen: "127.0.0.1:0" }', `sip: { listen: "127.0.0.1:0"${c.sip} }`);
    t = await startTestGateway(yaml);
    const rows: Array<Pick<TrunkStatus, 'state' | 'lastError' | 'registrations'>> = [];
    const sample = (): void => {
      const row = t!.registry.snapshot().trunks.find((x) => x.name === 'carrier')!;
      const last = rows.at(-1);
      if (!last || last.state !== row.state || last.lastError !== row.lastError || last.registrations !== row.registrations) rows.push({ state: row.state, lastError: row.lastError, registrations: row.registrations });
    };
    const poll = setInterval(sample, 20);
    const r = await sipp.done;
    clearInterval(poll);
    sample();
    assert.equal(r.code, 0, `SIPp registrar: ${r.output}`);
    const seen = JSON.stringify(rows);
    const firstOk = rows.findIndex((x) => x.state === 'registered');
    const refused = rows.findIndex((x, i) => i > firstOk && x.state === 'unregistered');
    const again = rows.findIndex((x, i) => i > refused && x.state === 'registered');
    assert.ok(firstOk >= 0, `registered first: ${seen}`);
    assert.ok(refused > firstOk, `the refused refresh shows as unregistered: ${seen}`);
    assert.equal(rows[refused]!.lastError, c.error, seen);
    assert.ok(again > refused, `registered again after recovery: ${seen}`);
    // Between the refusal and the recovery the row never claimed a binding.
    assert.ok(rows.slice(refused, again).every((x) => x.state === 'unregistered' || x.state === 'registering'), seen);
    assert.deepEqual(rows.at(-1), { state: 'registered', lastError: c.error, registrations: 2 }, seen);
  });
});
