// SIP over TLS on IPv6 (RFC 3261 §26.2, RFC 5118): the whole gateway listens
// on [::1], calls baresip at a [::1]:port TLS trunk and takes baresip's call
// over TLS on [::1]; the certificate is checked against the trunk's IPv6
// address, Via and Contact carry bracketed addresses, and SRTP audio crosses
// both ways.
import assert from 'node:assert/strict';
import type { Baresip } from '../peers/baresip.js';
import { reservePort } from '../support/ports.js';
import { assertTonesCrossed, exchangeTones, tlsBaresip, tlsGatewayYaml, tlsSuiteCertificate } from './baresip-call.js';
import { PBX_CALLER, startTestGateway, testCertificate, type TestGateway } from './gateway-fixture.js';

/** The TLS gateway of the SRTP suites moved to [::1]: listen, trunk host and allowed address. */
function ipv6Yaml(port: number, certificate: { cert: string; key: string }): string {
  const yaml = tlsGatewayYaml(port, certificate, 'mandatory');
  const v6 = yaml.replace('host: 127.0.0.1', 'host: "[::1]"').replace('allowedAddresses: [127.0.0.1]', 'allowedAddresses: ["::1"]').replace('listen: "127.0.0.1:0"', 'listen: "[::1]:0"');
  assert.notEqual(v6.indexOf('"[::1]:0"'), -1, 'the fixture yaml changed: no listen to replace');
  assert.equal(v6.indexOf('127.0.0.1'), -1, `an IPv4 address is left in the yaml:\n${v6}`);
  return v6;
}

describe('gateway SIP over TLS on IPv6 ([::1]) with baresip as the far end @slow', function () {
  this.timeout(40000);
  const tls = tlsSuiteCertificate('sipline-tls6-e2e-', 'IP:::1');
  let t: TestGateway | undefined;
  let bs: Baresip | undefined;

  afterEach(async () => {
    await t?.close();
    await bs?.stop();
    t = bs = undefined;
  });

  const baresip = async (o: { commands?: string[]; record?: boolean; port?: number }, cert = tls.pem): Promise<Baresip> =>
    tlsBaresip(cert, { ...o, host: '::1', mediaenc: 'srtp-mand', port: o.port ?? (await reservePort('::1')), user: '5551234' });

  it('a PBX call leaves over TLS to the [::1] trunk: bracketed Via and Contact with transport=tls, IPv6 SRTP both ways', async () => {
    const port = await reservePort('::1');
    bs = await baresip({ port, record: true });
    // baresip listens for TLS on its SIP port + 1.
    t = await startTestGateway(ipv6Yaml(port + 1, tls.pem));
    t.pbx.command(`call s1 any 5551234 ${PBX_CALLER}`);
    await t.pbx.waitFor('answer', { id: 's1' }, 8000).catch((err: Error) => {
      throw new Error(`${err.message}\ngateway log:\n${t!.logs.join('\n')}\nbaresip:\n${bs!.output().slice(-3000)}`);
    });
    await bs.waitFor(/Call established/);
    const out = bs.output();
    // RFC 5118 §4.1 / RFC 3261 §25.1: IPv6 references in brackets; §26.2: the dialog asks for TLS.
    assert.match(out, /^INVITE sip:5551234@\[::1\]:\d+;transport=tls SIP\/2\.0/m, 'the INVITE baresip received');
    assert.match(out, /^Via: SIP\/2\.0\/TLS \[::1\]:\d+;/m);
    assert.match(out, /^Contact: <sip:sipline@\[::1\]:\d+;transport=tls[;>]/m);
    assert.match(out, /^c=IN IP6 ::1/m, 'our offer gives an IPv6 media address');
    assert.match(out, /^m=audio \d+ RTP\/SAVP 0/m);
    assert.match(out, /SRTP is Enabled/);
    const r = await exchangeTones(t, bs, 's1');
    assert.doesNotMatch(r.out, /failed to decrypt RTP/, 'baresip could not decrypt our SRTP');
    assertTonesCrossed(r);
  });

  it('baresip calls the gateway at [::1] over TLS: received/rport in our answer, the PBX rings and audio crosses both ways', async () => {
    t = await startTestGateway(ipv6Yaml(await reservePort('::1'), tls.pem));
    bs = await baresip({ record: true, commands: [`/dial sip:4321@[::1]:${t.gw.sipPort};transport=tls`] });
    const ring = await t.pbx.waitFor('ring', { called: '4321' }, 8000).catch((err: Error) => {
      throw new Error(`${err.message}\ngateway log:\n${t!.logs.join('\n')}\nbaresip:\n${bs!.output().slice(-3000)}`);
    });
    t.pbx.command(`alert ${ring.fields.id}`);
    t.pbx.command(`answer ${ring.fields.id}`);
    await bs.waitFor(/Call established/);
    const out = bs.output();
    // RFC 3261 §18.2.1 / RFC 3581 §4: the answer's Via names where the request came from.
    assert.match(out, /^SIP\/2\.0 200 OK[\s\S]*?^Via: SIP\/2\.0\/TLS \[::1\]:\d+;[^\r\n]*received=::1/m);
    assert.match(out, /^SIP\/2\.0 200 OK[\s\S]*?^Contact: <sip:sipline@\[::1\]:\d+;transport=tls[;>]/m);
    const r = await exchangeTones(t, bs, ring.fields.id!);
    assertTonesCrossed(r);
  });

  it('the trunk certificate is checked against the [::1] of the trunk: the same call to a peer whose certificate names only 127.0.0.1 is refused and the line cleared at once (503, cause 41)', async () => {
    // Both ends present and trust this one certificate: only its name differs from the first test's.
    const v4only = testCertificate(tls.dir, 'IP:127.0.0.1');
    const port = await reservePort('::1');
    bs = await baresip({ port }, v4only);
    t = await startTestGateway(ipv6Yaml(port + 1, v4only));
    t.pbx.command(`call v1 any 5551234 ${PBX_CALLER}`);
    await t.pbx.waitFor('proceeding', { id: 'v1' });
    // RFC 3261 §8.1.3.1: the failed handshake is a transport error, a 503 at once, and the line is cleared.
    const cleared = await t.pbx.waitFor(['disconnect', 'hangup'], { id: 'v1' }, 5000);
    // RFC 3398 §8.2.6.1: 503 Service Unavailable -> cause 41 (temporary failure).
    assert.equal(cleared.fields.cause, '41', cleared.line);
    assert.ok(t.logs.includes('sip: connection-error'), `the TLS handshake failed:\n${t.logs.join('\n')}`);
    assert.doesNotMatch(bs.output(), /^INVITE /m, 'baresip got no INVITE');
  });
});
