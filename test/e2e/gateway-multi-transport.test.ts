// One gateway.yaml, two transports at once: a carrier trunk over TLS
// (baresip) and an IP-PBX trunk over UDP (SIPp). Each call leaves over its
// trunk's transport (RFC 3261 §18.1.1, Via and Contact name it, §26.2), an
// INVITE over TLS comes in on the TLS listener and is answered over TLS
// (§18.2.2), and audio crosses the TLS call both ways.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Baresip } from '../peers/baresip.js';
import { readSippMessageLog, startSipp } from '../peers/sipp.js';
import { reservePort, unusedPort } from '../support/ports.js';
import { assertTonesCrossed, exchangeTones, tlsBaresip } from './baresip-call.js';
import { assertSipp, callInState, gatewayYaml, parseConfig, PBX_CALLER, startTestGateway, testCertificate, type TestGateway } from './gateway-fixture.js';

/** sip.transport udp (the default); the carrier trunk says tls, one PBX trunk nothing, one tcp (on the port sip.ports.tcp gives). */
function yaml(o: { tlsPort: number; udpPort: number; tcpListen: number; pem: { cert: string; key: string } }): string {
  return `version: 1
toneZone: us
cards:
  - name: card0
    profile: sim-t1
    spans:
      - { name: pbx, span: 1, signalling: pri, side: network, switchType: national }
lineGroups:
  - { name: pbx-trunk, lines: [pbx] }
sipTrunks:
  - { name: carrier, host: 127.0.0.1, port: ${o.tlsPort}, transport: tls, srtp: mandatory, allowedAddresses: [127.0.0.1], codecs: [pcmu, telephone-event] }
  - { name: ippbx, host: 127.0.0.1, port: ${o.udpPort}, allowedAddresses: [127.0.0.1], codecs: [pcmu, telephone-event] }
  - { name: ippbx-tcp, host: 127.0.0.1, port: ${o.udpPort}, transport: tcp, allowedAddresses: [127.0.0.1], codecs: [pcmu, telephone-event] }
routes:
  - { name: to-carrier, from: pstn, match: { called: "_777XXXX" }, to: { trunks: [carrier] } }
  - { name: to-ippbx, from: pstn, match: { called: "_555XXXX" }, to: { trunks: [ippbx] } }
  - { name: did, from: sip, match: { called: "_4XXX" }, to: { lineGroup: pbx-trunk } }
media:
  codecs: [pcmu]
sip: { listen: "127.0.0.1:0", transport: udp, ports: { tcp: ${o.tcpListen} }, tls: { certificate: "${o.pem.cert}", key: "${o.pem.key}", ca: "${o.pem.cert}" } }
calls: { noAnswerTimeout: 30 }
cdr: { database: cdr.sqlite }
`;
}

describe('gateway.yaml with a TLS trunk and a UDP trunk at once, baresip and SIPp as the far ends @slow', function () {
  this.timeout(60000);
  let dir: string;
  let pem: { cert: string; key: string };
  let t: TestGateway | undefined;
  let bs: Baresip | undefined;
  let bsPort: number;
  let udpPort: number;
  let tcpListen: number;

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'sipline-multi-e2e-'));
    pem = testCertificate(dir);
    bsPort = await reservePort();
    udpPort = await reservePort();
    // The gateway binds it.
    tcpListen = await unusedPort();
    bs = await tlsBaresip(pem, { port: bsPort, mediaenc: 'srtp-mand', record: true, user: '7771234' });
    // baresip listens for TLS on its SIP port + 1.
    t = await startTestGateway(yaml({ tlsPort: bsPort + 1, udpPort, tcpListen, pem }));
  });
  after(async () => {
    await t?.close();
    await bs?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('listens on UDP (the default), on TLS (the carrier trunk) and on TCP (the TCP trunk, on sip.ports.tcp), each on its own port', () => {
    const listening = t!.gw.sip.listening;
    assert.deepEqual(listening.map((l) => l.protocol).sort(), ['tcp', 'tls', 'udp']);
    assert.equal(listening.find((l) => l.protocol === 'tcp')!.port, tcpListen);
    assert.equal(listening.find((l) => l.protocol === 'udp')!.port, t!.gw.sipPort);
    assert.notEqual(listening.find((l) => l.protocol === 'tls')!.port, t!.gw.sipPort);
  });

  it('a call to the carrier leaves over TLS (Via SIP/2.0/TLS, Contact ;transport=tls on the TLS port) and audio crosses both ways', async () => {
    const tlsPort = t!.gw.sip.listening.find((l) => l.protocol === 'tls')!.port;
    t!.pbx.command(`call s1 any 7771234 ${PBX_CALLER}`);
    await t!.pbx.waitFor('answer', { id: 's1' }, 8000).catch((err: Error) => {
      throw new Error(`${err.message}\ngateway log:\n${t!.logs.join('\n')}\nbaresip:\n${bs!.output().slice(-3000)}`);
    });
    await bs!.waitFor(/Call established/);
    const out = bs!.output();
    assert.match(out, /^INVITE sip:7771234@127\.0\.0\.1:\d+;transport=tls SIP\/2\.0/m, 'the INVITE baresip received');
    assert.match(out, new RegExp(`^Via: SIP/2\\.0/TLS 127\\.0\\.0\\.1:${tlsPort};`, 'm'));
    assert.match(out, new RegExp(`^Contact: <sip:sipline@127\\.0\\.0\\.1:${tlsPort};transport=tls[;>]`, 'm'));
    assert.match(out, /^m=audio \d+ RTP\/SAVP 0/m);

    assertTonesCrossed(await exchangeTones(t!, bs!, 's1'));
  });

  it('a call to the IP-PBX leaves over UDP from the UDP port (Via SIP/2.0/UDP, Contact ;transport=udp)', async () => {
    const log = join(dir, 'sipp-messages.log');
    const uas = await startSipp({ scenario: 'gw-uas-answer.xml', transport: 'udp', port: udpPort, keys: { called: '5551234', calling: PBX_CALLER, cause: '16' }, extra: ['-trace_msg', '-message_file', log] });
    t!.pbx.command(`call u1 any 5551234 ${PBX_CALLER}`);
    await t!.pbx.waitFor('answer', { id: 'u1' }, 8000).catch(async (err: Error) => {
      throw new Error(`${err.message}\ngateway log:\n${t!.logs.slice(-30).join('\n')}\nSIPp:\n${(await uas.done).output}\n${readFileSync(log, 'utf8').slice(0, 3000)}`);
    });
    assert.equal(t!.registry.snapshot().calls[0]!.trunk, 'ippbx');
    t!.pbx.command('hangup u1 16');
    assertSipp(await uas.done, 'the IP-PBX answers and sees the BYE');
    const invite = readSippMessageLog(readFileSync(log, 'utf8')).find((m) => /^INVITE /.test(m.text));
    assert.ok(invite, 'SIPp logged the INVITE');
    assert.match(invite.text, new RegExp(`^Via: SIP/2\\.0/UDP 127\\.0\\.0\\.1:${t!.gw.sipPort};`, 'm'));
    assert.match(invite.text, new RegExp(`^Contact: <sip:sipline@127\\.0\\.0\\.1:${t!.gw.sipPort};transport=udp[;>]`, 'm'));
    assert.doesNotMatch(invite.text, /transport=tls/);
  });

  it('an INVITE from the carrier to the TLS port is answered over TLS and rings the line', async () => {
    const tlsPort = t!.gw.sip.listening.find((l) => l.protocol === 'tls')!.port;
    const caller = await tlsBaresip(pem, { port: await reservePort(), mediaenc: 'srtp-mand', commands: [`/dial sip:4321@127.0.0.1:${tlsPort};transport=tls`] });
    try {
      const ring = await t!.pbx.waitFor('ring', { called: '4321' }, 8000);
      t!.pbx.command(`alert ${ring.fields.id}`);
      t!.pbx.command(`answer ${ring.fields.id}`);
      await caller.waitFor(/Call established/);
      const out = caller.output();
      // The 200 came back on the TLS connection, with a Contact for TLS.
      assert.match(out, /^SIP\/2\.0 200 OK/m);
      assert.match(out, new RegExp(`^Contact: <sip:sipline@127\\.0\\.0\\.1:${tlsPort};transport=tls[;>]`, 'm'));
      t!.pbx.command(`hangup ${ring.fields.id} 16`);
      await caller.waitFor(/terminated|session closed/);
    } finally {
      await caller.stop();
    }
  });

  it('an INVITE over TCP to sip.ports.tcp rings the line; the answers come back on that connection with a TCP Contact', async () => {
    const log = join(dir, 'sipp-tcp-messages.log');
    const uac = await startSipp({ scenario: 'gw-uac-call.xml', transport: 'tcp', remote: `127.0.0.1:${tcpListen}`, service: '4322', keys: { calling: '3125550199' }, extra: ['-trace_msg', '-message_file', log] });
    const ring = await t!.pbx.waitFor('ring', { called: '4322' }, 8000).catch(async (err: Error) => {
      throw new Error(`${err.message}\ngateway log:\n${t!.logs.slice(-20).join('\n')}\nSIPp:\n${(await uac.done).output.slice(0, 2000)}\n${readFileSync(log, 'utf8').slice(0, 4000)}`);
    });
    t!.pbx.command(`alert ${ring.fields.id}`);
    await callInState(t!.registry, 'alerting');
    t!.pbx.command(`answer ${ring.fields.id}`);
    assert.equal(t!.registry.snapshot().calls[0]!.trunk, 'ippbx-tcp', 'among trunks on one address, the one of the transport used');
    assertSipp(await uac.done, 'the call over TCP');
    const ok = readSippMessageLog(readFileSync(log, 'utf8')).find((m) => m.received && /^SIP\/2\.0 200 OK/.test(m.text) && /^CSeq:\s*\d+ INVITE/im.test(m.text));
    assert.ok(ok, 'SIPp got the 200 to its INVITE');
    assert.match(ok.text, new RegExp(`^Contact: <sip:sipline@127\\.0\\.0\\.1:${tcpListen};transport=tcp[;>]`, 'm'));
  });

  it('a TCP trunk added by a reload opens a TCP listener, and its calls leave over TCP', async () => {
    const tcpPeer = await reservePort();
    const before = gatewayYaml({ trunkPorts: [await reservePort()] });
    const g = await startTestGateway(before);
    try {
      assert.deepEqual(g.gw.sip.listening.map((l) => l.protocol), ['udp']);
      const after = before.replace('codecs: [pcmu, telephone-event] }', `codecs: [pcmu, telephone-event] }\n  - { name: pbx-tcp, host: 127.0.0.1, port: ${tcpPeer}, transport: tcp, allowedAddresses: [127.0.0.1], codecs: [pcmu, telephone-event] }`).replace('to: { trunks: [carrier] }', 'to: { trunks: [pbx-tcp] }');
      await g.gw.reload(parseConfig(after));
      const tcp = g.gw.sip.listening.find((l) => l.protocol === 'tcp');
      assert.ok(tcp && tcp.port > 0, `listening: ${JSON.stringify(g.gw.sip.listening)}`);
      const log = join(dir, 'sipp-reload-tcp.log');
      const uas = await startSipp({ scenario: 'gw-uas-answer.xml', transport: 'tcp', port: tcpPeer, keys: { called: '5551234', calling: PBX_CALLER, cause: '16' }, extra: ['-trace_msg', '-message_file', log] });
      g.pbx.command(`call r1 any 5551234 ${PBX_CALLER}`);
      await g.pbx.waitFor('answer', { id: 'r1' }, 8000).catch((err: Error) => {
        throw new Error(`${err.message}\ngateway log:\n${g.logs.slice(-20).join('\n')}`);
      });
      g.pbx.command('hangup r1 16');
      assertSipp(await uas.done, 'the TCP trunk answers');
      const invite = readSippMessageLog(readFileSync(log, 'utf8')).find((m) => /^INVITE /.test(m.text))!;
      assert.match(invite.text, new RegExp(`^Via: SIP/2\\.0/TCP 127\\.0\\.0\\.1:${tcp.port};`, 'm'));
      assert.match(invite.text, new RegExp(`^Contact: <sip:sipline@127\\.0\\.0\\.1:${tcp.port};transport=tcp[;>]`, 'm'));
    } finally {
      await g.close();
    }
  });
});
