// `sipline sim ...` against a running `sipline demo --no-calls`: each command
// changes what `sipline status` and the gateway's events show.
import assert from 'node:assert/strict';
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { sineSignal } from '../../src/sim/sim-signals.js';
import { encodeWav } from '../../src/sim/wav-file.js';
import { DemoProcess } from './demo-process.js';
import { quietFor } from '../support/waiting.js';

describe('sipline sim against a running demo @slow', () => {
  let demo: DemoProcess;
  let port = '';

  before(async () => {
    demo = new DemoProcess(['--no-calls']);
    await demo.waitFor(/no scripted calls/);
  });
  after(async () => {
    await demo?.interrupt();
    await demo?.cleanup();
  });


  it('places no call by itself with --no-calls', async () => {
    // No call may start by itself.
    await quietFor(1500);
    const s = demo.status();
    assert.equal(s.calls.length, 0);
    assert.equal(s.spans[0]?.dchannel, 'up');
  });

  it('ring: the PBX calls out on a port with the caller ID given; the call rings at the SIP trunk', async () => {
    const r = demo.cli(['sim', 'ring', '5551000', '2125550199', '--name', 'Front Desk']);
    assert.equal(r.code, 0, r.stderr);
    port = /ringing on (pri1:\d+)/.exec(r.stdout)?.[1] ?? '';
    assert.ok(port, r.stdout);
    const s = await demo.until(`${port} alerting`, (x) => x.ports.some((p) => p.name === port && p.callState === 'alerting'));
    const call = s.calls.find((c) => c.port === port);
    assert.equal(call?.calling, '5551000');
    assert.equal(call?.called, '2125550199');
    assert.equal(call?.state, 'alerting');
    assert.equal(call?.trunk, 'trunk');
    assert.equal(call?.direction, 'pstn-to-sip');
    await demo.waitFor(/SIP trunk: call from 5551000 to 2125550199 rings/);
  });

  it('pickup: the SIP trunk answers the ringing call and the line talks (levels both ways)', async () => {
    const r = demo.cli(['sim', 'pickup', port]);
    assert.equal(r.code, 0, r.stderr);
    const s = await demo.until(`${port} connected with levels`, (x) => x.ports.some((p) => p.name === port && p.callState === 'connected' && p.levelRxDbm0 !== null && p.levelRxDbm0 > -25));
    const p = s.ports.find((x) => x.name === port)!;
    assert.equal(p.signallingState, 'N10');
    assert.equal(s.calls.find((c) => c.port === port)?.codec, 'PCMU');
    assert.ok(p.levelTxDbm0 !== null && Math.abs(p.levelTxDbm0 - -16) < 2, `tx ${p.levelTxDbm0}`);
    // The B-channel's own row carries its call: caller, callee, codec, duration, jitter and loss.
    assert.equal(p.call?.calling, '5551000');
    assert.equal(p.call?.called, '2125550199');
    assert.equal(p.call?.codec, 'PCMU');
    assert.ok(p.call.durationS > 0);
  });

  it('dial: the DTMF digits of the PBX reach the SIP trunk as RFC 4733 events', async () => {
    const r = demo.cli(['sim', 'dial', port, '4711#']);
    assert.equal(r.code, 0, r.stderr);
    await demo.waitFor(/DTMF # arrived as RFC 4733 on the call from 5551000/, 5000);
    const got = [...demo.output.matchAll(/SIP trunk: DTMF (\S) arrived as RFC 4733 on the call from 5551000/g)].map((m) => m[1]).join('');
    assert.equal(got, '4711#');
  });

  it('play: a WAV file goes into the line and the gateway measures its level', async () => {
    const file = join(demo.dir, 'loud.wav');
    writeFileSync(file, encodeWav(sineSignal(1000, 4000, -6)));
    const r = demo.cli(['sim', 'play', port, file]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /playing .*loud\.wav \(4\.0 s\)/);
    await demo.until(`${port} rx level near -6 dBm0`, (x) => x.ports.some((p) => p.name === port && p.levelRxDbm0 !== null && Math.abs(p.levelRxDbm0 - -6) < 1.5), 4000);
    const bad = join(demo.dir, 'bad.wav');
    writeFileSync(bad, 'not audio');
    const e = demo.cli(['sim', 'play', port, bad]);
    assert.equal(e.code, 1);
    assert.match(e.stderr, /bad\.wav: not a WAV file/);
  });

  it('hangup: the simulated end clears with the cause given; the port goes idle', async () => {
    const r = demo.cli(['sim', 'hangup', port, '--cause', '17']);
    assert.equal(r.code, 0, r.stderr);
    await demo.until(`${port} idle`, (x) => x.ports.some((p) => p.name === port && p.callState === 'idle') && x.calls.length === 0);
    const released = (await demo.recent({ port })).find((e) => e.type === 'released');
    assert.equal(released?.cause, 17);
  });

  it('alarm: raises RED on the span and clears it', async () => {
    let r = demo.cli(['sim', 'alarm', 'pri1', 'red']);
    assert.equal(r.code, 0, r.stderr);
    await demo.until('RED on pri1', (x) => x.spans[0]!.alarms.includes('RED'));
    r = demo.cli(['sim', 'alarm', 'pri1', 'clear']);
    assert.equal(r.code, 0, r.stderr);
    await demo.until('pri1 out of alarm', (x) => x.spans[0]!.alarms.length === 0);
  });

  it('says what is wrong for a port without a call, an unknown span or alarm, and bad digits', () => {
    const idle = demo.cli(['sim', 'pickup', 'pri1:9']);
    assert.equal(idle.code, 1);
    assert.match(idle.stderr, /no call on port 'pri1:9'/);
    const span = demo.cli(['sim', 'alarm', 'span9', 'red']);
    assert.match(span.stderr, /no span 'span9' on the simulator \(it has pri1\)/);
    const alarm = demo.cli(['sim', 'alarm', 'pri1', 'purple']);
    assert.match(alarm.stderr, /alarm 'purple' is not one of red, yellow, blue, los, clear/);
    const ring = demo.cli(['sim', 'ring', 'abc', '5551000']);
    assert.match(ring.stderr, /calling and called are 1 to 32 digits/);
  });

  it('stops on Ctrl-C: calls released, control socket removed, exit 0', async () => {
    assert.equal(demo.cli(['sim', 'ring', '5551001', '2125550177']).code, 0);
    await demo.until('a call up', (x) => x.calls.length === 1);
    assert.equal(await demo.interrupt(), 0);
    assert.match(demo.output, /SIGINT: stopping; releasing calls/);
    assert.match(demo.output, /PBX: B-channel \d+ released \(cause 16\)/);
    assert.match(demo.output, /stopped\n$/);
    assert.equal(existsSync(demo.socket), false, 'control socket removed');
    const r = demo.cli(['status']);
    assert.equal(r.code, 1);
  });
});
