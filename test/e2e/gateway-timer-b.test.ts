// INVITE Timer B on the transport's T1 (RFC 3261 §17.1.1.2): a trunk that
// never answers over UDP gets the INVITE at T1, 2T1, 4T1, ... (Timer A) and
// after 64*T1 the call fails over to the route's next trunk, instead of
// waiting sip.js's fixed 32 s. Over TCP Timer A does not run (the INVITE
// goes once) but Timer B does, on the same T1.
import assert from 'node:assert/strict';
import { createSocket, type Socket } from 'node:dgram';
import { createServer, type Server } from 'node:net';
import { SipStreamFramer } from '../../src/sip/stream-framer.js';
import { startSipp } from '../peers/sipp.js';
import { reservePort } from '../support/ports.js';
import { assertSipp, gatewayYaml, PBX_CALLER, startTestGateway, type TestGateway } from './gateway-fixture.js';

const T1 = 50;

describe('gateway: an unanswered INVITE fails over after 64*T1 (Timer B) over UDP and TCP @slow', function () {
  this.timeout(30000);
  let t: TestGateway | undefined;
  let dead: Socket | undefined;
  let deadTcp: Server | undefined;
  afterEach(async () => {
    await t?.close();
    dead?.close();
    deadTcp?.close();
    t = dead = deadTcp = undefined;
  });

  /** A PBX call routed to the silent trunk first; resolves with when it rang at the second trunk, which answers over `transport`. */
  async function callFailingOver(yaml: string, transport: 'udp' | 'tcp', livePort: number): Promise<number> {
    const gw = (t = await startTestGateway(yaml));
    const uas = await startSipp({ scenario: 'gw-uas-answer.xml', transport, port: livePort, keys: { called: '5551234', calling: PBX_CALLER, cause: '16' } });
    gw.pbx.command(`call c1 any 5551234 ${PBX_CALLER}`);
    await gw.pbx.waitFor('ringing', { id: 'c1' }, 10000).catch((err: Error) => {
      throw new Error(`${err.message}\ngateway log:\n${gw.logs.join('\n')}`);
    });
    const ringing = performance.now();
    await gw.pbx.waitFor('answer', { id: 'c1' });
    assert.equal(gw.registry.snapshot().calls[0]!.trunk, 'carrier2', 'the second trunk took the call');
    gw.pbx.command('hangup c1 16');
    assertSipp(await uas.done, `the second trunk answers over ${transport.toUpperCase()}`);
    return ringing;
  }

  it(`with sip.timers.t1 ${T1} ms: INVITE retransmitted at T1, 2T1, 4T1 ... to the dead trunk, then the next trunk answers about 64*T1 later`, async () => {
    // The dead trunk: a UDP socket that takes every datagram and answers none.
    const invites: number[] = [];
    dead = createSocket('udp4');
    dead.on('message', (m) => {
      if (m.toString('utf8').startsWith('INVITE ')) invites.push(performance.now());
    });
    await new Promise<void>((r) => dead!.bind(0, '127.0.0.1', r));
    const livePort = await reservePort();
    const yaml = gatewayYaml({ trunkPorts: [dead.address().port, livePort] }).replace('sip: { listen: "127.0.0.1:0" }', `sip: { listen: "127.0.0.1:0", timers: { t1: ${T1} } }`);
    const ringing = await callFailingOver(yaml, 'udp', livePort);

    // Timer A: each interval twice the one before, starting at T1 (RFC 3261 §17.1.1.2).
    const gaps = invites.slice(1).map((at, i) => at - invites[i]!);
    assert.ok(invites.length >= 6 && invites.length <= 7, `6 or 7 INVITEs within 64*T1, got ${invites.length} (gaps ${gaps.map((g) => g.toFixed(0)).join(', ')} ms)`);
    gaps.forEach((g, i) => {
      const want = T1 * 2 ** i;
      assert.ok(Math.abs(g - want) <= Math.max(35, want * 0.25), `retransmission ${i + 1} came ${g.toFixed(0)} ms after the one before, want ${want} ms (gaps ${gaps.map((x) => x.toFixed(0)).join(', ')})`);
    });
    // Timer B: the call went on 64*T1 after the first INVITE, not after sip.js's 32 s.
    const failover = ringing - invites[0]!;
    assert.ok(failover >= 64 * T1 - 20 && failover < 64 * T1 + 2000, `the next trunk rang ${failover.toFixed(0)} ms after the first INVITE (64*T1 = ${64 * T1} ms)`);
  });

  it(`over TCP with sip.timers.t1 ${T1} ms: the INVITE goes once to the silent trunk (no Timer A on a reliable transport), the next trunk rings about 64*T1 later`, async () => {
    // The dead trunk: a TCP listener that takes the connection, reads everything and answers nothing.
    const requests: Array<{ line: string; at: number }> = [];
    const connections: string[] = [];
    deadTcp = createServer((socket) => {
      connections.push(`${socket.remoteAddress}:${socket.remotePort}`);
      const framer = new SipStreamFramer();
      socket.on('data', (d: Buffer) => {
        for (const out of framer.push(d)) requests.push({ line: 'message' in out ? out.message.split('\r\n')[0]! : `unframed: ${out.error}`, at: performance.now() });
      });
      socket.on('error', () => undefined);
    });
    await new Promise<void>((r) => deadTcp!.listen(0, '127.0.0.1', r));
    const deadPort = (deadTcp.address() as { port: number }).port;
    const livePort = await reservePort();
    const yaml = gatewayYaml({ trunkPorts: [deadPort, livePort] })
      .replaceAll('codecs: [pcmu, telephone-event] }', 'codecs: [pcmu, telephone-event], transport: tcp }')
      .replace('sip: { listen: "127.0.0.1:0" }', `sip: { listen: "127.0.0.1:0", timers: { t1: ${T1} } }`);
    const ringing = await callFailingOver(yaml, 'tcp', livePort);

    // RFC 3261 §17.1.1.2: Timer A runs on unreliable transports only: one INVITE, and no ACK for a 408 nobody sent.
    assert.equal(connections.length, 1, `one connection to the silent trunk, got ${connections.join(', ')}`);
    assert.deepEqual(
      requests.map((r) => r.line.split(' ')[0]),
      ['INVITE'],
      `requests the silent trunk got: ${requests.map((r) => r.line).join(' | ')}`,
    );
    // Timer B: 64*T1 after the INVITE, not sip.js's fixed 32 s.
    const failover = ringing - requests[0]!.at;
    assert.ok(failover >= 64 * T1 - 20 && failover < 64 * T1 + 2000, `the next trunk rang ${failover.toFixed(0)} ms after the INVITE (64*T1 = ${64 * T1} ms)`);
  });
});
