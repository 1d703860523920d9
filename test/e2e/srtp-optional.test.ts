// A trunk with `srtp: optional` over TLS, end to end (issue #7): the gateway
// offers RTP/AVP with an a=crypto line (RFC 4568 §5.1.1 best effort, so a
// peer without SRTP can still answer). baresip with best-effort SRTP takes
// the key and the call runs encrypted; baresip without SRTP answers without
// a key and the call runs in clear. Audio is checked both ways in both.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sineSignal } from '../../src/sim/sim-signals.js';
import { startBaresip, type Baresip } from '../sip/baresip-peer.js';
import { freePort } from '../sip/sipp-peer.js';
import { channelOfCall, gatewayYaml, PBX_CALLER, sleep, startTestGateway, testCertificate, toneShare, type TestGateway } from './gateway-fixture.js';

describe('a trunk with srtp: optional over TLS: encrypted with a peer that keys, in clear with one that does not (RFC 4568) @slow', function () {
  this.timeout(40000);
  let dir: string;
  let pem: { cert: string; key: string };
  let t: TestGateway | undefined;
  let bs: Baresip | undefined;

  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'sipline-srtp-optional-'));
    pem = testCertificate(dir);
  });
  afterEach(async () => {
    await t?.close();
    await bs?.stop();
    t = bs = undefined;
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  /** A gateway whose one TLS trunk, with srtp: optional, is baresip on `port` (its TLS port is port + 1). */
  async function gateway(port: number): Promise<TestGateway> {
    t = await startTestGateway(
      gatewayYaml({ trunkPorts: [port + 1] })
        .replace('codecs: [pcmu, telephone-event] }', 'codecs: [pcmu, telephone-event], transport: tls, srtp: optional }')
        .replace('sip: { listen: "127.0.0.1:0" }', `sip: { listen: "127.0.0.1:0", transport: tls, tls: { certificate: "${pem.cert}", key: "${pem.key}", ca: "${pem.cert}" } }`),
    );
    return t;
  }

  async function baresip(port: number, mediaenc?: 'srtp', commands?: string[]): Promise<Baresip> {
    bs = await startBaresip({
      port,
      codec: 'PCMU',
      tls: { certAndKey: `${readFileSync(pem.cert, 'utf8')}${readFileSync(pem.key, 'utf8')}`, ca: readFileSync(pem.cert, 'utf8') },
      ...(mediaenc ? { mediaenc } : {}),
      ...(commands ? { commands } : {}),
      record: true,
      sipTrace: true,
      user: '5551234',
    });
    return bs;
  }

  /** On the answered call `id`: 600 Hz from the PBX, baresip plays 1 kHz; then the PBX hangs up. What each side heard. */
  async function listen(gw: TestGateway, b: Baresip, id: string): Promise<{ out: string; atPbx: Int16Array; atBaresip: Int16Array }> {
    await b.waitFor(/Call established/);
    const access = gw.gw.simSpan('pbx')!;
    const channel = access.bChannel(await channelOfCall(gw));
    access.sim.receiveAudio(channel);
    const heard: Int16Array[] = [];
    const poll = setInterval(() => heard.push(access.sim.receiveAudio(channel)), 20);
    access.sim.sendAudio(channel, sineSignal(600, 2000));
    await sleep(2000);
    clearInterval(poll);
    gw.pbx.command(`hangup ${id} 16`);
    await b.waitFor(/terminated|session closed/);
    await sleep(300);
    const all = new Int16Array(heard.reduce((n, h) => n + h.length, 0));
    heard.reduce((at, h) => (all.set(h, at), at + h.length), 0);
    const played = b.recording();
    return { out: b.output(), atPbx: all.subarray(-4000), atBaresip: played.subarray(Math.max(0, played.length - 12000), played.length - 4000) };
  }

  /** The PBX calls baresip through the gateway. */
  async function call(id: string, mediaenc?: 'srtp'): Promise<{ out: string; atPbx: Int16Array; atBaresip: Int16Array }> {
    const port = await freePort();
    const b = await baresip(port, mediaenc);
    const gw = await gateway(port);
    gw.pbx.command(`call ${id} any 5551234 ${PBX_CALLER}`);
    await gw.pbx.waitFor('answer', { id }, 8000).catch((err: Error) => {
      throw new Error(`${err.message}\ngateway log:\n${gw.logs.join('\n')}\nbaresip:\n${b.output().slice(-3000)}`);
    });
    return listen(gw, b, id);
  }

  /** baresip's 2xx to the INVITE (its answer, the first 2xx it sent), from its SIP trace. */
  function answerSdp(out: string): string {
    const at = out.search(/^SIP\/2\.0 2\d\d /m);
    assert.ok(at >= 0, `baresip sent no 2xx:\n${out.slice(-3000)}`);
    const rest = out.slice(at);
    const end = rest.slice(1).search(/^(SIP\/2\.0|ACK|BYE|INVITE) /m);
    return end < 0 ? rest : rest.slice(0, end + 1);
  }

  function assertAudio(r: { atPbx: Int16Array; atBaresip: Int16Array }): void {
    assert.ok(toneShare(r.atPbx, 1000) > 0.3, `the PBX hears baresip's 1000 Hz (share ${toneShare(r.atPbx, 1000).toFixed(2)} of ${r.atPbx.length} samples)`);
    assert.ok(toneShare(r.atBaresip, 600) > 0.3, `baresip hears the PBX's 600 Hz (share ${toneShare(r.atBaresip, 600).toFixed(2)} of ${r.atBaresip.length} samples)`);
  }

  it('baresip with best-effort SRTP takes our key: SRTP both ways, and the audio crosses both ways', async () => {
    const r = await call('o1', 'srtp');
    // RFC 4568 §5.1.1 with best effort: RTP/AVP offered, the key in a=crypto.
    assert.match(r.out, /^m=audio \d+ RTP\/AVP 0/m, 'our offer keeps RTP/AVP');
    assert.match(r.out, /^a=crypto:\d+ AES_CM_128_HMAC_SHA1_80 inline:/m, 'our offer carries a key');
    assert.match(answerSdp(r.out), /^a=crypto:\d+ AES_CM_128_HMAC_SHA1_80 inline:/m, 'baresip answered with its key');
    assert.match(r.out, /SRTP is Enabled \(cryptosuite=AES_CM_128_HMAC_SHA1_80\)/);
    assert.doesNotMatch(r.out, /failed to decrypt RTP/, 'baresip could not decrypt what we sent');
    assertAudio(r);
  });

  it('baresip without SRTP answers without a key: the call runs in clear and the audio still crosses both ways', async () => {
    const r = await call('o2');
    assert.match(r.out, /^a=crypto:\d+ AES_CM_128_HMAC_SHA1_80 inline:/m, 'our offer carried a key');
    assert.doesNotMatch(answerSdp(r.out), /^a=crypto:/m, 'baresip answered without one');
    assert.doesNotMatch(r.out, /SRTP is Enabled/);
    assertAudio(r);
  });

  it('baresip with best-effort SRTP calls in: our answer keeps RTP/AVP and adds our key; SRTP both ways and the audio crosses', async () => {
    const port = await freePort();
    const gw = await gateway(port);
    const b = await baresip(port, 'srtp', [`/dial sip:4321@127.0.0.1:${gw.gw.sipPort};transport=tls`]);
    const ring = await gw.pbx.waitFor('ring', { called: '4321' }, 8000);
    gw.pbx.command(`alert ${ring.fields.id}`);
    gw.pbx.command(`answer ${ring.fields.id}`);
    const r = await listen(gw, b, ring.fields.id!);
    const answer = answerSdp(r.out);
    // RFC 4568 §7.1.2 / RFC 3264 §6: the answer keeps the offered RTP/AVP and carries our key.
    assert.match(answer, /^m=audio \d+ RTP\/AVP 0/m, `our answer:\n${answer}`);
    assert.match(answer, /^a=crypto:\d+ AES_CM_128_HMAC_SHA1_80 inline:/m, `our answer:\n${answer}`);
    assert.match(r.out, /SRTP is Enabled \(cryptosuite=AES_CM_128_HMAC_SHA1_80\)/);
    assert.doesNotMatch(r.out, /failed to decrypt RTP/, 'baresip could not decrypt what we sent');
    assertAudio(r);
  });
});
