import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { g711Encode } from '../../src/hw/g711.js';
import { sineSignal } from '../../src/sim/sim-signals.js';
import { scenarioDir, startSipp } from '../peers/sipp.js';
import { reservePort } from '../support/ports.js';
import { assertSipp, callInState, cdrRows, gatewayYaml, startTestGateway, toneShare, type TestGateway } from './gateway-fixture.js';

function soxInfo(flag: string, file: string): string {
  try {
    return execFileSync('sox', ['--i', flag, file], { encoding: 'utf8' }).trim();
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') throw new Error('sox is not installed: apt-get install sox');
    throw err;
  }
}

describe('regulatory recording per route: a stereo WAV of both directions, named in the CDR @slow', function () {
  this.timeout(40000);
  let t: TestGateway;
  before(async () => {
    t = await startTestGateway(
      gatewayYaml({
        trunkPorts: [await reservePort()],
        routes: '  - { name: did, from: sip, match: { called: "_4XXX" }, to: { lineGroup: pbx-trunk }, recording: { enabled: true, dir: recordings, format: wav } }',
      }),
    );
  });
  after(async () => t?.close());

  it('left carries what the PBX sent (1000 Hz), right what the SIP caller sent (600 Hz); sox reads 2 channels at 8000 Hz', async () => {
    // SIPp streams 3 s of 600 Hz mu-law (payload type 0) once the call is answered.
    const tone = join(t.dir, 'tone-600.ul');
    writeFileSync(tone, g711Encode('PCMU', sineSignal(600, 3000), new Uint8Array(24000)));
    const scenario = join(t.dir, 'uac-tone.xml');
    writeFileSync(
      scenario,
      readFileSync(join(scenarioDir, 'gw-uac-call.xml'), 'latin1').replace(
        '<pause milliseconds="300"/>',
        `<nop><action><exec rtp_stream="${tone},1,0"/></action></nop>\n  <pause milliseconds="2500"/>`,
      ),
      'latin1',
    );
    const uac = await startSipp({ scenario, transport: 'udp', remote: `127.0.0.1:${t.gw.sipPort}`, service: '4401', keys: { calling: '3125550199' } });
    const ring = await t.pbx.waitFor('ring', { called: '4401' });
    t.pbx.command(`alert ${ring.fields.id}`);
    t.pbx.command(`answer ${ring.fields.id}`);
    const access = t.gw.simSpan('pbx')!;
    await callInState(t.registry, 'connected');
    access.sim.sendAudio(access.bChannel(Number(ring.fields.channel)), sineSignal(1000, 2000));
    assertSipp(await uac.done, 'the recorded call');

    const rows = await cdrRows(t.dir, 1);
    const file = rows[0]?.recording;
    assert.ok(file, `the CDR names the recording (${JSON.stringify(rows[0])})`);
    assert.ok(file.startsWith(join(t.dir, 'recordings')), `in the route's directory: ${file}`);
    assert.equal(soxInfo('-c', file), '2');
    assert.equal(soxInfo('-r', file), '8000');
    assert.equal(soxInfo('-b', file), '16');

    const wav = readFileSync(file);
    assert.equal(wav.readUInt32LE(40), wav.length - 44, 'the data size in the header is fixed up at the end');
    const frames = (wav.length - 44) / 4;
    assert.ok(frames > 8000, `at least a second recorded (${frames} frames)`);
    const left = new Int16Array(frames);
    const right = new Int16Array(frames);
    for (let i = 0; i < frames; i++) {
      left[i] = wav.readInt16LE(44 + i * 4);
      right[i] = wav.readInt16LE(46 + i * 4);
    }
    const share = (s: Int16Array, hz: number): string => toneShare(s, hz).toFixed(2);
    assert.ok(toneShare(left, 1000) > 0.5, `left (PSTN side) carries 1000 Hz: share ${share(left, 1000)}, 600 Hz ${share(left, 600)}`);
    assert.ok(toneShare(left, 600) < 0.1, `left has not the SIP side's 600 Hz: ${share(left, 600)}`);
    assert.ok(toneShare(right, 600) > 0.5, `right (SIP side) carries 600 Hz: share ${share(right, 600)}, 1000 Hz ${share(right, 1000)}`);
    assert.ok(toneShare(right, 1000) < 0.1, `right has not the PBX's 1000 Hz: ${share(right, 1000)}`);
  });
});
