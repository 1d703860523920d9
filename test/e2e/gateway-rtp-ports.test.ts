// media.rtpPorts applied: the gateway's calls take their RTP port from the
// configured range, and a call that finds the range used up is refused with
// cause 47 (503 towards SIP, RFC 3398 §7.2.4.1) and a log line saying why.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startSipp } from '../peers/sipp.js';
import { reservePort, unusedPort } from '../support/ports.js';
import { eventually } from '../support/waiting.js';
import { assertSipp, gatewayYaml, PBX_CALLER, startTestGateway, type TestGateway } from './gateway-fixture.js';


/** The m=audio port of the first message in SIPp's message log (-trace_msg) that starts with `first`. */
function loggedAudioPort(file: string, first: RegExp): number | undefined {
  const text = readFileSync(file, 'utf8');
  const at = text.search(first);
  const m = at < 0 ? null : /^m=audio (\d+) /m.exec(text.slice(at));
  return m ? Number(m[1]) : undefined;
}

describe('gateway.yaml media.rtpPorts: RTP ports from the configured range, refusal when it is used up @slow', function () {
  this.timeout(40000);
  let t: TestGateway;
  let trunkPort: number;
  let rtp: number;
  let dir: string;

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'sipline-rtp-ports-'));
    trunkPort = await reservePort();
    // An even port and its odd neighbour (RTP/RTCP, RFC 3550 §11), for the gateway to bind.
    rtp = await unusedPort();
    // One RTP/RTCP pair: one call at a time.
    const routes = `  - { name: pbx-out, from: pstn, match: { called: "_NXXXXXX" }, to: { trunks: [carrier] } }
  - { name: did, from: sip, match: { called: "_4XXX" }, to: { lineGroup: pbx-trunk } }
  - { name: closed, from: sip, match: { called: "_9XXX" }, to: { reject: 17 } }`;
    t = await startTestGateway(gatewayYaml({ trunkPorts: [trunkPort], routes }).replace('media:\n  codecs: [pcmu]', `media:\n  codecs: [pcmu]\n  rtpPorts: { min: ${rtp}, max: ${rtp + 1} }`));
  });
  after(async () => {
    await t?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('a PSTN -> SIP call offers the one port of the range; while it lasts, a SIP call gets 503 with cause 47 and a PBX call DISCONNECT cause 47', async () => {
    const trace = join(dir, 'uas.log');
    const uas = await startSipp({ scenario: 'gw-uas-answer.xml', transport: 'udp', port: trunkPort, extra: ['-trace_msg', '-message_file', trace] });
    t.pbx.command(`call a1 any 5551234 ${PBX_CALLER}`);
    await t.pbx.waitFor('answer', { id: 'a1' });
    assert.equal(loggedAudioPort(trace, /^INVITE sip:/m), rtp, `the INVITE's m=audio port (range ${rtp}-${rtp + 1})`);

    // The range is used up: an INVITE is refused before any line rings.
    const refused = await startSipp({ scenario: 'gw-uac-503.xml', transport: 'udp', remote: `127.0.0.1:${t.gw.sipPort}`, service: '4321', keys: { calling: '3125550199' } });
    assertSipp(await refused.done, 'the INVITE gets 503 with Reason Q.850 cause 47');
    assert.equal(t.registry.snapshot().calls.length, 1, 'no second call was set up');

    // And a call from the PBX is cleared with cause 47 (resource unavailable).
    t.pbx.command(`call a2 any 5559999 ${PBX_CALLER}`);
    const cleared = await t.pbx.waitFor(['disconnect', 'hangup'], { id: 'a2' });
    assert.equal(cleared.fields.cause, '47');
    const line = t.logs.find((l) => /RTP port range \d+-\d+ exhausted/.test(l));
    assert.equal(line, `media: RTP port range ${rtp}-${rtp + 1} exhausted; call refused`);

    t.pbx.command('hangup a1 16');
    assertSipp(await uas.done, 'the first call ends with BYE cause 16');
  });

  it('an INVITE the dial plan refuses (486) gives back the port it was holding at once', async () => {
    await eventually('the earlier calls gone', () => t.registry.snapshot().calls.length === 0);
    const busy = await startSipp({ scenario: 'gw-uac-busy.xml', transport: 'udp', remote: `127.0.0.1:${t.gw.sipPort}`, service: '9000', keys: { calling: '3125550199' } });
    assertSipp(await busy.done, '486 with cause 17, not 503');
  });

  it('once the earlier calls are gone the port is free again: a SIP -> PSTN call answers with it', async () => {
    await eventually('the earlier calls gone', () => t.registry.snapshot().calls.length === 0);
    const trace = join(dir, 'uac.log');
    const uac = await startSipp({ scenario: 'gw-uac-call.xml', transport: 'udp', remote: `127.0.0.1:${t.gw.sipPort}`, service: '4321', keys: { calling: '3125550199' }, extra: ['-trace_msg', '-message_file', trace] });
    const ring = await t.pbx.waitFor('ring', { called: '4321' });
    t.pbx.command(`alert ${ring.fields.id}`);
    t.pbx.command(`answer ${ring.fields.id}`);
    await t.pbx.waitFor(['disconnect', 'hangup'], { id: ring.fields.id! });
    assertSipp(await uac.done, 'the call');
    assert.equal(loggedAudioPort(trace, /^SIP\/2\.0 200 OK/m), rtp, "the 200 OK's m=audio port");
  });
});
