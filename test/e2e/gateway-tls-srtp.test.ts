// gateway.yaml sip.transport tls with sip.tls, and a trunk's srtp policy,
// applied: the whole gateway calls baresip over TLS (RFC 3261 §26.2) with
// SDES-keyed SRTP (RFC 4568, AES_CM_128_HMAC_SHA1_80), audio crosses both
// ways, and an offer without keys on an SRTP-mandatory trunk gets 488.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sineSignal } from '../../src/sim/sim-signals.js';
import { startBaresip, type Baresip } from '../sip/baresip-peer.js';
import { freePort } from '../sip/sipp-peer.js';
import { gatewayYaml, PBX_CALLER, sleep, startTestGateway, testCertificate, toneShare, type TestGateway } from './gateway-fixture.js';

function join16(parts: Int16Array[]): Int16Array {
  const out = new Int16Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) (out.set(p, at), (at += p.length));
  return out;
}

describe('gateway.yaml SIP over TLS and per-trunk SRTP, baresip as the far end @slow', function () {
  this.timeout(40000);
  let dir: string;
  let pem: { cert: string; key: string };
  let t: TestGateway | undefined;
  let bs: Baresip | undefined;

  /** The fixture's gateway with sip.transport tls and its one trunk on TLS towards `port` with `srtp`. */
  const yaml = (port: number, srtp: string, trust = `ca: "${pem.cert}"`): string =>
    gatewayYaml({ trunkPorts: [port] })
      .replace('codecs: [pcmu, telephone-event] }', `codecs: [pcmu, telephone-event], transport: tls, srtp: ${srtp} }`)
      .replace('sip: { listen: "127.0.0.1:0" }', `sip: { listen: "127.0.0.1:0", transport: tls, tls: { certificate: "${pem.cert}", key: "${pem.key}", ${trust} } }`);

  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'sipline-tls-e2e-'));
    pem = testCertificate(dir);
  });
  afterEach(async () => {
    await t?.close();
    await bs?.stop();
    t = bs = undefined;
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  const baresip = async (o: { commands?: string[]; mediaenc?: 'srtp-mand'; record?: boolean; port?: number }): Promise<Baresip> =>
    startBaresip({
      port: o.port ?? (await freePort()),
      codec: 'PCMU',
      tls: { certAndKey: `${readFileSync(pem.cert, 'utf8')}${readFileSync(pem.key, 'utf8')}`, ca: readFileSync(pem.cert, 'utf8') },
      ...(o.mediaenc ? { mediaenc: o.mediaenc } : {}),
      ...(o.record ? { record: true } : {}),
      ...(o.commands ? { commands: o.commands } : {}),
      sipTrace: true,
      user: '5551234',
    });

  it('a PBX call leaves over TLS with a transport=tls Contact and RTP/SAVP keys; 1 kHz from baresip reaches the B-channel, 600 Hz from the PBX reaches baresip', async () => {
    const port = await freePort();
    bs = await baresip({ port, mediaenc: 'srtp-mand', record: true });
    // baresip listens for TLS on its SIP port + 1.
    t = await startTestGateway(yaml(port + 1, 'mandatory'));
    t.pbx.command(`call s1 any 5551234 ${PBX_CALLER}`);
    await t.pbx.waitFor('answer', { id: 's1' }, 8000).catch((err: Error) => {
      throw new Error(`${err.message}\ngateway log:\n${t!.logs.join('\n')}\nbaresip:\n${bs!.output().slice(-3000)}`);
    });
    await bs.waitFor(/Call established/);
    const out = bs.output();
    // RFC 3261 §26.2 / RFC 5630 §3.1.3: the dialog's Contact asks for TLS.
    assert.match(out, /^INVITE sip:5551234@127\.0\.0\.1:\d+;transport=tls SIP\/2\.0/m, 'the INVITE baresip received');
    assert.match(out, /^Contact: <sip:sipline@127\.0\.0\.1:\d+;transport=tls[;>]/m);
    assert.match(out, /^m=audio \d+ RTP\/SAVP 0/m);
    assert.match(out, /^a=crypto:\d+ AES_CM_128_HMAC_SHA1_80 inline:/m);
    assert.match(out, /SRTP is Enabled \(cryptosuite=AES_CM_128_HMAC_SHA1_80\)/);

    const access = t.gw.simSpan('pbx')!;
    const channel = access.bChannel(Number(t.registry.snapshot().calls[0]!.port!.split(':')[1]));
    access.sim.receiveAudio(channel);
    const heard: Int16Array[] = [];
    const poll = setInterval(() => heard.push(access.sim.receiveAudio(channel)), 20);
    access.sim.sendAudio(channel, sineSignal(600, 2000));
    await sleep(2000);
    clearInterval(poll);
    t.pbx.command('hangup s1 16');
    await bs.waitFor(/terminated|session closed/);
    await sleep(300);
    assert.doesNotMatch(bs.output(), /failed to decrypt RTP/, 'baresip could not decrypt our SRTP');
    const atPbx = join16(heard).subarray(-4000);
    assert.ok(toneShare(atPbx, 1000) > 0.3, `the PBX hears baresip's 1000 Hz (share ${toneShare(atPbx, 1000).toFixed(2)} of ${atPbx.length} samples)`);
    const played = bs.recording();
    const last = played.subarray(Math.max(0, played.length - 12000), played.length - 4000);
    assert.ok(toneShare(last, 600) > 0.3, `baresip hears the PBX's 600 Hz (share ${toneShare(last, 600).toFixed(2)} of ${played.length} samples)`);
  });

  it("without the CA baresip's self-signed certificate is refused; verify: false takes it", async () => {
    const port = await freePort();
    bs = await baresip({ port, mediaenc: 'srtp-mand' });
    t = await startTestGateway(yaml(port + 1, 'mandatory', 'verify: true'));
    t.pbx.command(`call v1 any 5551234 ${PBX_CALLER}`);
    await t.pbx.waitFor('proceeding', { id: 'v1' });
    await sleep(1500);
    assert.ok(t.logs.includes('sip: connection-error'), `the TLS handshake failed:\n${t.logs.join('\n')}`);
    assert.doesNotMatch(bs.output(), /^INVITE /m, 'baresip got no INVITE');
    t.pbx.command('hangup v1 16');
    await t.close();

    t = await startTestGateway(yaml(port + 1, 'mandatory', 'verify: false'));
    t.pbx.command(`call v2 any 5551234 ${PBX_CALLER}`);
    await t.pbx.waitFor('answer', { id: 'v2' }, 8000);
    t.pbx.command('hangup v2 16');
    await bs.waitFor(/terminated|session closed/);
  });

  it('an offer without keys from the SRTP-mandatory trunk gets 488 and rings no line', async () => {
    const port = await freePort();
    t = await startTestGateway(yaml(port + 1, 'mandatory'));
    bs = await baresip({ port, commands: [`/dial sip:4321@127.0.0.1:${t.gw.sipPort};transport=tls`] });
    await bs.waitFor(/488/, 10000);
    assert.match(bs.output(), /^m=audio \d+ RTP\/AVP /m, 'baresip offered plain RTP');
    assert.equal(t.registry.snapshot().calls.length, 0);
    assert.ok(t.logs.some((l) => /sip: inbound-rejected-sdp/.test(l)), t.logs.join('\n'));
  });

  it('the same offer is answered where the trunk has srtp off (plain RTP over TLS)', async () => {
    const port = await freePort();
    t = await startTestGateway(yaml(port + 1, 'off'));
    bs = await baresip({ port, commands: [`/dial sip:4321@127.0.0.1:${t.gw.sipPort};transport=tls`] });
    const ring = await t.pbx.waitFor('ring', { called: '4321' }, 8000);
    t.pbx.command(`alert ${ring.fields.id}`);
    t.pbx.command(`answer ${ring.fields.id}`);
    await bs.waitFor(/Call established/);
    t.pbx.command(`hangup ${ring.fields.id} 16`);
    await bs.waitFor(/terminated|session closed/);
  });
});
