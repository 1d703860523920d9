// Attacks beyond issue 14's list, against the whole gateway on the emulated
// T1 card: answers reflected to a third address through Via, two Vias,
// oversized headers, REGISTER from a stranger. Each from its own loopback
// address; the trunk (127.0.0.1) must still be served afterwards.
import assert from 'node:assert/strict';
import { reservePort } from '../support/ports.js';
import { RawSpeaker } from './attack-tools.js';
import { gatewayYaml, startTestGateway, type TestGateway } from './gateway-fixture.js';
import { eventually, quietFor } from '../support/waiting.js';

let seq = 0;
function invite(s: RawSpeaker, gwPort: number, o: { vias?: string[]; extra?: string[]; method?: string } = {}): string {
  seq++;
  const method = o.method ?? 'INVITE';
  return [
    `${method} sip:4001@127.0.0.1:${gwPort} SIP/2.0`,
    ...(o.vias ?? [`Via: SIP/2.0/UDP ${s.address}:${s.port};branch=z9hG4bKx${seq};rport`]),
    'Max-Forwards: 70',
    `From: <sip:6665550100@${s.address}>;tag=x${seq}`,
    'To: <sip:4001@127.0.0.1>',
    `Call-ID: extra-${seq}@${s.address}`,
    `CSeq: 1 ${method}`,
    `Contact: <sip:6665550100@${s.address}:${s.port}>`,
    ...(o.extra ?? []),
    'Content-Length: 0',
    '',
    '',
  ].join('\r\n');
}

/** Waits until `s` has an answer, or the deadline. */
async function answer(s: RawSpeaker, ms = 3000): Promise<string | undefined> {
  await eventually('an answer', () => s.received.length > 0, { timeoutMs: ms }).catch(() => undefined);
  return s.received[0];
}

describe('attacks beyond the issue list, against the whole gateway @slow', function () {
  this.timeout(30_000);
  let t: TestGateway;

  before(async () => {
    t = await startTestGateway(gatewayYaml({ trunkPorts: [await reservePort()] }));
  });
  after(async () => t?.close());

  it('a Via naming a third address (received, rport, sent-by) does not reflect the 403 there: it goes to the source', async () => {
    const attacker = await RawSpeaker.open('127.0.0.70');
    const victim = await RawSpeaker.open('127.0.0.71');
    try {
      await attacker.send(invite(attacker, t.gw.sipPort, { vias: [`Via: SIP/2.0/UDP ${victim.address}:${victim.port};branch=z9hG4bKrefl${seq};received=${victim.address};rport=${victim.port}`] }), t.gw.sipPort);
      await attacker.send(invite(attacker, t.gw.sipPort, { vias: [`Via: SIP/2.0/UDP ${victim.address}:${victim.port};branch=z9hG4bKrefl2${seq}`] }), t.gw.sipPort);
      await answer(attacker);
      // Nothing is awaited at the victim: a fixed wait only to prove that nothing arrives there.
      await quietFor(500);
      assert.deepEqual(victim.received, [], 'the refusal was reflected to the address the Via named');
    } finally {
      attacker.close();
      victim.close();
    }
  });

  it('two Vias, the top one claiming the trunk: refused (403), no line rung', async () => {
    const s = await RawSpeaker.open('127.0.0.72');
    try {
      await s.send(invite(s, t.gw.sipPort, { vias: [`Via: SIP/2.0/UDP 127.0.0.1:5060;branch=z9hG4bKtop${seq};received=127.0.0.1;rport`, `Via: SIP/2.0/UDP ${s.address}:${s.port};branch=z9hG4bKlow${seq};rport`] }), t.gw.sipPort);
      const a = await answer(s);
      assert.match(a ?? '(no answer)', /^SIP\/2\.0 403 /);
      assert.equal(t.registry.snapshot().calls.length, 0);
    } finally {
      s.close();
    }
  });

  it('REGISTER from a stranger gets 403 and registers nothing', async () => {
    const s = await RawSpeaker.open('127.0.0.73');
    try {
      await s.send(invite(s, t.gw.sipPort, { method: 'REGISTER', extra: ['Expires: 3600'] }), t.gw.sipPort);
      assert.match((await answer(s)) ?? '(no answer)', /^SIP\/2\.0 403 /);
    } finally {
      s.close();
    }
  });

  it('a 60 KB header from a stranger neither ends the gateway nor gets past the screen; the next request is answered', async () => {
    const s = await RawSpeaker.open('127.0.0.74');
    try {
      await s.send(invite(s, t.gw.sipPort, { extra: [`User-Agent: ${'A'.repeat(60_000)}`] }), t.gw.sipPort);
      await s.send(invite(s, t.gw.sipPort, { extra: [`X-Filler: ${'B'.repeat(30_000)}`, `X-Filler: ${'C'.repeat(30_000)}`] }), t.gw.sipPort);
      await s.send(invite(s, t.gw.sipPort), t.gw.sipPort);
      await eventually('the answer to the request after the big ones', () => s.received.some((m) => m.includes(`extra-${seq}@`)), { timeoutMs: 3000 }).catch(() => undefined);
      assert.ok(s.received.some((m) => m.startsWith('SIP/2.0 403 ') && m.includes(`extra-${seq}@`)), `no answer to the request after the big ones: ${s.received.map((m) => m.slice(0, 60)).join(' | ')}`);
      assert.equal(t.registry.snapshot().calls.length, 0);
    } finally {
      s.close();
    }
  });
});
