// gateway.yaml sip.transport tls with sip.tls, and a trunk's srtp policy,
// applied: the whole gateway calls baresip over TLS (RFC 3261 §26.2) with
// SDES-keyed SRTP (RFC 4568, AES_CM_128_HMAC_SHA1_80), audio crosses both
// ways, and an offer without keys on an SRTP-mandatory trunk gets 488.
import assert from 'node:assert/strict';
import type { Baresip } from '../peers/baresip.js';
import { reservePort } from '../support/ports.js';
import { assertTonesCrossed, exchangeTones, tlsBaresip, tlsGatewayYaml, tlsSuiteCertificate } from './baresip-call.js';
import { eventually } from '../support/waiting.js';
import { PBX_CALLER, startTestGateway, type TestGateway } from './gateway-fixture.js';

describe('gateway.yaml SIP over TLS and per-trunk SRTP, baresip as the far end @slow', function () {
  this.timeout(40000);
  const tls = tlsSuiteCertificate('sipline-tls-e2e-');
  let t: TestGateway | undefined;
  let bs: Baresip | undefined;

  /** The fixture's gateway with sip.transport tls and its one trunk on TLS towards `port` with `srtp`. */
  const yaml = (port: number, srtp: string, trust?: string): string => tlsGatewayYaml(port, tls.pem, srtp, trust);

  afterEach(async () => {
    await t?.close();
    await bs?.stop();
    t = bs = undefined;
  });

  const baresip = async (o: { commands?: string[]; mediaenc?: 'srtp-mand'; record?: boolean; port?: number }): Promise<Baresip> =>
    tlsBaresip(tls.pem, { ...o, port: o.port ?? (await reservePort()), user: '5551234' });

  it('a PBX call leaves over TLS with a transport=tls Contact and RTP/SAVP keys; 1 kHz from baresip reaches the B-channel, 600 Hz from the PBX reaches baresip', async () => {
    const port = await reservePort();
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

    const r = await exchangeTones(t, bs, 's1');
    assert.doesNotMatch(r.out, /failed to decrypt RTP/, 'baresip could not decrypt our SRTP');
    assertTonesCrossed(r);
  });

  it("without the CA baresip's self-signed certificate is refused; verify: false takes it", async () => {
    const port = await reservePort();
    bs = await baresip({ port, mediaenc: 'srtp-mand' });
    t = await startTestGateway(yaml(port + 1, 'mandatory', 'verify: true'));
    t.pbx.command(`call v1 any 5551234 ${PBX_CALLER}`);
    await t.pbx.waitFor('proceeding', { id: 'v1' });
    await eventually('the TLS handshake to fail', () => t!.logs.includes('sip: connection-error'));
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
    const port = await reservePort();
    t = await startTestGateway(yaml(port + 1, 'mandatory'));
    bs = await baresip({ port, commands: [`/dial sip:4321@127.0.0.1:${t.gw.sipPort};transport=tls`] });
    await bs.waitFor(/\b488 Not Acceptable Here/, 10000); // not bare "488": a port number in the output may hold it
    assert.match(bs.output(), /^m=audio \d+ RTP\/AVP /m, 'baresip offered plain RTP');
    assert.equal(t.registry.snapshot().calls.length, 0);
    assert.ok(t.logs.some((l) => /sip: inbound-rejected-sdp/.test(l)), t.logs.join('\n'));
  });

  it('the same offer is answered where the trunk has srtp off (plain RTP over TLS)', async () => {
    const port = await reservePort();
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
