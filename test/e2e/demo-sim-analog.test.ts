// `sipline sim ...` on the analog ports of a running `sipline demo --no-calls`:
// the central office rings an FXO port with caller ID and the call reaches the
// demo's SIP trunk peer; the phone on an FXS port lifts, dials and talks. What
// is asserted is what the operator sees: the trunk peer's lines, `sipline
// status --json` (hook, signalling, levels) and the gateway's events.
import assert from 'node:assert/strict';
import { schemaValidator } from '../ops/daemon-harness.js';
import { DemoProcess, portRow } from './demo-process.js';

describe('sipline sim on the FXO and FXS ports of a running demo @slow', function () {
  this.timeout(60_000);
  let demo: DemoProcess;
  const validStatus = schemaValidator('status');

  before(async () => {
    demo = new DemoProcess(['--no-calls']);
    await demo.waitFor(/no scripted calls/);
  });
  after(async () => {
    await demo?.interrupt();
    await demo?.cleanup();
  });

  const ok = (args: string[]): string => demo.run(['sim', ...args]);

  it('lists the analog ports on-hook and idle, valid against the status schema', () => {
    const s = demo.status();
    validStatus(s);
    for (const name of ['fxo1', 'fxo4', 'fxs1', 'fxs2']) {
      const p = portRow(s, name);
      assert.equal(p.hook, 'on-hook', name);
      assert.equal(p.callState, 'idle', name);
      assert.equal(p.levelRxDbm0, null, `${name}: no level while on hook`);
    }
    assert.equal(portRow(s, 'fxo1').kind, 'fxo');
    assert.equal(portRow(s, 'fxs1').kind, 'fxs');
  });

  it('ring fxo1 --caller: the office rings the port, the INVITE reaches the SIP peer with that caller; status shows it ringing', async () => {
    assert.match(ok(['ring', 'fxo1', '--caller', '5551234', '--name', 'Front Desk']), /ringing fxo1 with caller ID 5551234/);
    const ringing = await demo.until('fxo1 ringing', (s) => portRow(s, 'fxo1').hook === 'ringing', 5000);
    assert.equal(portRow(ringing, 'fxo1').signallingState, 'ringing');
    assert.equal(portRow(ringing, 'fxo1').callState, 'alerting');
    await demo.waitFor(/SIP trunk: call from 5551234 to 5550100 rings/, 20_000);
    const s = await demo.until('the call from fxo1', (x) => x.calls.some((c) => c.calling === '5551234'));
    const call = s.calls.find((c) => c.calling === '5551234')!;
    assert.equal(call.direction, 'pstn-to-sip');
    assert.equal(call.called, '5550100');
    assert.equal(call.trunk, 'trunk');
    assert.equal(portRow(s, 'fxo1').callId, call.id, 'the port row points at its call');
  });

  it('pickup fxo1: the SIP peer answers; the port is off hook, talking, with the peer\'s tone measured towards the line', async () => {
    assert.match(ok(['pickup', 'fxo1']), /picked up fxo1 \(trunk\)/);
    const s = await demo.until('fxo1 talking with a tx level', (x) => {
      const p = portRow(x, 'fxo1');
      return p.callState === 'connected' && p.levelTxDbm0 !== null && p.levelTxDbm0 > -25;
    });
    validStatus(s);
    const p = portRow(s, 'fxo1');
    assert.equal(p.hook, 'off-hook');
    assert.equal(p.signallingState, 'answered');
    // The trunk peer plays 1004 Hz at -16 dBm0 (the milliwatt test tone level).
    assert.ok(Math.abs(p.levelTxDbm0! - -16) < 2, `tx ${p.levelTxDbm0}`);
    assert.equal(p.call?.calling, '5551234');
    assert.equal(p.call?.codec, 'PCMU');
    const q = await demo.until('fxo1 jitter and loss measured', (x) => (portRow(x, 'fxo1').call?.jitterMs ?? null) !== null, 8000);
    assert.ok(portRow(q, 'fxo1').call!.jitterMs! < 20, 'loopback jitter is small');
    assert.equal(portRow(q, 'fxo1').call!.lossPct, 0, 'no loss on loopback');
  });

  it('play and dial on fxo1: the office\'s WAV is measured from the line, its DTMF reaches the SIP peer as RFC 4733', async () => {
    assert.match(ok(['play', 'fxo1', demo.toneWav('office.wav', -10)]), /playing .*office\.wav \(4\.0 s\) on fxo1/);
    await demo.until('fxo1 rx level near -10 dBm0', (x) => {
      const rx = portRow(x, 'fxo1').levelRxDbm0;
      return rx !== null && Math.abs(rx - -10) < 2;
    }, 4000);
    // The WAV ends first, or its tone would mask the digits.
    await demo.until('fxo1 rx level down at the end of the WAV', (x) => (portRow(x, 'fxo1').levelRxDbm0 ?? -99) < -40, 8000);
    ok(['dial', 'fxo1', '73#']);
    await demo.waitFor(/DTMF # arrived as RFC 4733 on the call from 5551234/, 8000);
    const got = [...demo.output.matchAll(/SIP trunk: DTMF (\S) arrived as RFC 4733 on the call from 5551234/g)].map((m) => m[1]).join('');
    assert.equal(got, '73#');
  });

  it('hangup fxo1: the office drops loop current; the call ends with cause 16 and the port is idle on hook', async () => {
    assert.match(ok(['hangup', 'fxo1']), /hung up fxo1 \(loop current drop\)/);
    const s = await demo.until('fxo1 idle', (x) => portRow(x, 'fxo1').callState === 'idle' && x.calls.length === 0);
    assert.equal(portRow(s, 'fxo1').hook, 'on-hook');
    await demo.waitFor(/SIP trunk: call 5551234 -> 5550100 ended \(BYE\)/);
    const released = (await demo.recent({ limit: 200 })).filter((e) => e.type === 'released' && e.port?.startsWith('fxo1'));
    assert.equal(released.at(-1)?.cause, 16);
  });

  it('pickup and dial fxs1: the phone takes dial tone, dials, and its call rings at the SIP peer; the peer answers, the phone talks', async () => {
    assert.match(ok(['pickup', 'fxs1']), /picked up fxs1 \(phone \(dial tone\)\)/);
    let s = await demo.until('fxs1 off hook collecting digits', (x) => portRow(x, 'fxs1').hook === 'off-hook' && portRow(x, 'fxs1').signallingState === 'collecting', 5000);
    assert.equal(portRow(s, 'fxs1').callState, 'dialing');
    ok(['dial', 'fxs1', '2125550142']);
    await demo.waitFor(/SIP trunk: call from 5550201 to 2125550142 rings/, 20_000);
    s = await demo.until('fxs1 alerting', (x) => portRow(x, 'fxs1').callState === 'alerting');
    assert.equal(s.calls.find((c) => c.called === '2125550142')?.direction, 'pstn-to-sip');
    assert.match(ok(['pickup', 'fxs1']), /picked up fxs1 \(trunk\)/);
    await demo.until('fxs1 talking with the peer\'s tone towards the phone', (x) => {
      const p = portRow(x, 'fxs1');
      return p.callState === 'connected' && p.levelTxDbm0 !== null && Math.abs(p.levelTxDbm0 - -16) < 2;
    });
    ok(['play', 'fxs1', demo.toneWav('phone.wav', -12)]);
    s = await demo.until('fxs1 rx level near -12 dBm0', (x) => {
      const rx = portRow(x, 'fxs1').levelRxDbm0;
      return rx !== null && Math.abs(rx - -12) < 2;
    }, 4000);
    assert.equal(portRow(s, 'fxs1').signallingState, 'call');
  });

  it('hangup fxs1: the phone goes on hook; the SIP peer gets the BYE and the port is idle', async () => {
    assert.match(ok(['hangup', 'fxs1']), /hung up fxs1 \(on hook\)/);
    await demo.waitFor(/SIP trunk: call 5550201 -> 2125550142 ended \(BYE\)/);
    const s = await demo.until('fxs1 idle', (x) => portRow(x, 'fxs1').callState === 'idle' && x.calls.length === 0);
    assert.equal(portRow(s, 'fxs1').hook, 'on-hook');
  });

  it('says what is wrong: ringing an FXS port, a cause on an analog line, an unknown port, dialling on hook', () => {
    const fxs = demo.cli(['sim', 'ring', 'fxs2', '--caller', '5551234']);
    assert.equal(fxs.code, 1);
    assert.match(fxs.stderr, /fxs2 is an FXS port: the gateway rings its phone/);
    const cause = demo.cli(['sim', 'hangup', 'fxo2', '--cause', '17']);
    assert.match(cause.stderr, /fxo2 is an analog line: it clears without a cause/);
    const unknown = demo.cli(['sim', 'ring', 'fxo9', '--caller', '1']);
    assert.match(unknown.stderr, /no analog port 'fxo9' on the simulator \(ports are pri1:1\.\.pri1:23, fxo1, fxo2, fxo3, fxo4, fxs1, fxs2\)/);
    const onhook = demo.cli(['sim', 'dial', 'fxs2', '123']);
    assert.match(onhook.stderr, /the phone on fxs2 is on hook/);
  });
});
