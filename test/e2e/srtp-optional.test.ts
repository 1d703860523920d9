// A trunk with `srtp: optional` over TLS, end to end (issue #7): the gateway
// offers RTP/AVP with an a=crypto line (RFC 4568 §5.1.1 best effort, so a
// peer without SRTP can still answer). baresip with best-effort SRTP takes
// the key and the call runs encrypted; baresip without SRTP answers without
// a key and the call runs in clear. Audio is checked both ways in both.
import assert from 'node:assert/strict';
import type { Baresip } from '../peers/baresip.js';
import { reservePort } from '../support/ports.js';
import { assertTonesCrossed, exchangeTones, tlsBaresip, tlsGatewayYaml, tlsSuiteCertificate, type TonesHeard } from './baresip-call.js';
import { PBX_CALLER, startTestGateway, type TestGateway } from './gateway-fixture.js';

describe('a trunk with srtp: optional over TLS: encrypted with a peer that keys, in clear with one that does not (RFC 4568) @slow', function () {
  this.timeout(40000);
  const tls = tlsSuiteCertificate('sipline-srtp-optional-');
  let t: TestGateway | undefined;
  let bs: Baresip | undefined;

  afterEach(async () => {
    await t?.close();
    await bs?.stop();
    t = bs = undefined;
  });

  /** A gateway whose one TLS trunk, with srtp: optional, is baresip on `port` (its TLS port is port + 1). */
  async function gateway(port: number): Promise<TestGateway> {
    t = await startTestGateway(tlsGatewayYaml(port + 1, tls.pem, 'optional'));
    return t;
  }

  async function baresip(port: number, mediaenc?: 'srtp', commands?: string[]): Promise<Baresip> {
    bs = await tlsBaresip(tls.pem, { port, record: true, user: '5551234', ...(mediaenc ? { mediaenc } : {}), ...(commands ? { commands } : {}) });
    return bs;
  }

  /** The PBX calls baresip through the gateway. */
  async function call(id: string, mediaenc?: 'srtp'): Promise<TonesHeard> {
    const port = await reservePort();
    const b = await baresip(port, mediaenc);
    const gw = await gateway(port);
    gw.pbx.command(`call ${id} any 5551234 ${PBX_CALLER}`);
    await gw.pbx.waitFor('answer', { id }, 8000).catch((err: Error) => {
      throw new Error(`${err.message}\ngateway log:\n${gw.logs.join('\n')}\nbaresip:\n${b.output().slice(-3000)}`);
    });
    return exchangeTones(gw, b, id);
  }

  /** baresip's 2xx to the INVITE (its answer, the first 2xx it sent), from its SIP trace. */
  function answerSdp(out: string): string {
    const at = out.search(/^SIP\/2\.0 2\d\d /m);
    assert.ok(at >= 0, `baresip sent no 2xx:\n${out.slice(-3000)}`);
    const rest = out.slice(at);
    const end = rest.slice(1).search(/^(SIP\/2\.0|ACK|BYE|INVITE) /m);
    return end < 0 ? rest : rest.slice(0, end + 1);
  }

  it('baresip with best-effort SRTP takes our key: SRTP both ways, and the audio crosses both ways', async () => {
    const r = await call('o1', 'srtp');
    // RFC 4568 §5.1.1 with best effort: RTP/AVP offered, the key in a=crypto.
    assert.match(r.out, /^m=audio \d+ RTP\/AVP 0/m, 'our offer keeps RTP/AVP');
    assert.match(r.out, /^a=crypto:\d+ AES_CM_128_HMAC_SHA1_80 inline:/m, 'our offer carries a key');
    assert.match(answerSdp(r.out), /^a=crypto:\d+ AES_CM_128_HMAC_SHA1_80 inline:/m, 'baresip answered with its key');
    assert.match(r.out, /SRTP is Enabled \(cryptosuite=AES_CM_128_HMAC_SHA1_80\)/);
    assert.doesNotMatch(r.out, /failed to decrypt RTP/, 'baresip could not decrypt what we sent');
    assertTonesCrossed(r);
  });

  it('baresip without SRTP answers without a key: the call runs in clear and the audio still crosses both ways', async () => {
    const r = await call('o2');
    assert.match(r.out, /^a=crypto:\d+ AES_CM_128_HMAC_SHA1_80 inline:/m, 'our offer carried a key');
    assert.doesNotMatch(answerSdp(r.out), /^a=crypto:/m, 'baresip answered without one');
    assert.doesNotMatch(r.out, /SRTP is Enabled/);
    assertTonesCrossed(r);
  });

  it('baresip with best-effort SRTP calls in: our answer keeps RTP/AVP and adds our key; SRTP both ways and the audio crosses', async () => {
    const port = await reservePort();
    const gw = await gateway(port);
    const b = await baresip(port, 'srtp', [`/dial sip:4321@127.0.0.1:${gw.gw.sipPort};transport=tls`]);
    const ring = await gw.pbx.waitFor('ring', { called: '4321' }, 8000);
    gw.pbx.command(`alert ${ring.fields.id}`);
    gw.pbx.command(`answer ${ring.fields.id}`);
    const r = await exchangeTones(gw, b, ring.fields.id!);
    const answer = answerSdp(r.out);
    // RFC 4568 §7.1.2 / RFC 3264 §6: the answer keeps the offered RTP/AVP and carries our key.
    assert.match(answer, /^m=audio \d+ RTP\/AVP 0/m, `our answer:\n${answer}`);
    assert.match(answer, /^a=crypto:\d+ AES_CM_128_HMAC_SHA1_80 inline:/m, `our answer:\n${answer}`);
    assert.match(r.out, /SRTP is Enabled \(cryptosuite=AES_CM_128_HMAC_SHA1_80\)/);
    assert.doesNotMatch(r.out, /failed to decrypt RTP/, 'baresip could not decrypt what we sent');
    assertTonesCrossed(r);
  });
});
