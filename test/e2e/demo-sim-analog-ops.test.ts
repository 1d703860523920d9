// Analog ports in operation on a running `sipline demo --no-calls` (issues #7
// and #8): `sipline sim call` has the demo's SIP trunk peer call a DID, which
// rings a phone on an FXS port or goes out on an FXO line to the simulated
// office; `sipline sim pickup` answers at the phone or the office. `sipline
// port block|unblock` takes an FXS or FXO port out of service and back.
// Asserted is what the operator sees: `sipline status --json`, the trunk
// peer's lines and the CLI's answers.
import assert from 'node:assert/strict';
import { ControlClient } from '../../src/ops/control-client.js';
import type { GatewayStatus } from '../../src/ops/status-model.js';
import { schemaValidator } from '../ops/daemon-harness.js';
import { DemoProcess, portRow } from './demo-process.js';
import { quietFor } from '../support/waiting.js';


describe('analog ports in operation: sim call, pickup at the phone and the office, port block and unblock @slow', function () {
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

  const near = (x: number | null, want: number): boolean => x !== null && Math.abs(x - want) < 2;
  const idle = (name: string) => (s: GatewayStatus) => portRow(s, name).callState === 'idle' && portRow(s, name).hook === 'on-hook' && s.calls.length === 0;

  it('sim call says what is wrong with a number', () => {
    const bad = demo.cli(['sim', 'call', '555-0201']);
    assert.equal(bad.code, 1);
    assert.match(bad.stderr, /sim\.call: the called and calling numbers are 1 to 32 digits 0-9, \*, #/);
  });

  it('status shows each analog port\'s own number', () => {
    const s = demo.status();
    validStatus(s);
    assert.equal(portRow(s, 'fxs1').number, '5550201');
    assert.equal(portRow(s, 'fxs2').number, '5550202');
    assert.equal(portRow(s, 'fxo1').number, '5550101');
  });

  it('sim call to an FXS DID rings the phone; sim pickup answers it; audio both ways; sim hangup ends it at the SIP peer', async () => {
    assert.match(demo.run(['sim', 'call', '5550201', '--caller', '3125550111']), /calling 5550201 from 3125550111 over the SIP trunk/);
    let s = await demo.until('fxs1 ringing', (x) => portRow(x, 'fxs1').hook === 'ringing', 10_000);
    assert.equal(portRow(s, 'fxs1').signallingState, 'ringing');
    assert.equal(portRow(s, 'fxs1').callState, 'alerting');
    assert.equal(portRow(s, 'fxs1').call?.calling, '3125550111');
    assert.match(demo.run(['sim', 'pickup', 'fxs1']), /picked up fxs1 \(phone \(answered\)\)/);
    s = await demo.until('fxs1 talking with the peer\'s tone towards the phone', (x) => portRow(x, 'fxs1').callState === 'connected' && near(portRow(x, 'fxs1').levelTxDbm0, -16));
    assert.equal(portRow(s, 'fxs1').signallingState, 'call');
    demo.run(['sim', 'play', 'fxs1', demo.toneWav('phone.wav', -12, 8000)]);
    await demo.until('fxs1 rx level near -12 dBm0', (x) => near(portRow(x, 'fxs1').levelRxDbm0, -12), 8000);
    assert.match(demo.run(['sim', 'hangup', 'fxs1']), /hung up fxs1 \(on hook\)/);
    await demo.waitFor(/SIP trunk: call 3125550111 -> 5550201 ended \(BYE\)/);
    await demo.until('fxs1 idle', idle('fxs1'));
  });

  it('sim call to a number routed out an FXO line: the line dials it; sim pickup is the office answering (line reversal); audio both ways', async () => {
    demo.run(['sim', 'call', '2125550142', '--caller', '3125550112']);
    let s = await demo.until('fxo1 dialled and waiting for the answer', (x) => portRow(x, 'fxo1').signallingState === 'waiting', 15_000);
    assert.equal(portRow(s, 'fxo1').hook, 'off-hook');
    assert.equal(portRow(s, 'fxo1').call?.called, '2125550142');
    assert.notEqual(portRow(s, 'fxo1').callState, 'connected', 'not answered before the office answers');
    assert.match(demo.run(['sim', 'pickup', 'fxo1']), /picked up fxo1 \(office\)/);
    s = await demo.until('fxo1 answered with the peer\'s tone towards the line', (x) => portRow(x, 'fxo1').signallingState === 'answered' && portRow(x, 'fxo1').callState === 'connected' && near(portRow(x, 'fxo1').levelTxDbm0, -16));
    validStatus(s);
    demo.run(['sim', 'play', 'fxo1', demo.toneWav('office.wav', -10, 8000)]);
    await demo.until('fxo1 rx level near -10 dBm0', (x) => near(portRow(x, 'fxo1').levelRxDbm0, -10), 8000);
    assert.match(demo.run(['sim', 'hangup', 'fxo1']), /hung up fxo1 \(loop current drop\)/);
    await demo.waitFor(/SIP trunk: call 3125550112 -> 2125550142 ended \(BYE\)/);
    await demo.until('fxo1 idle', idle('fxo1'));
  });

  it('port block fxs1: status shows it blocked; a call to the phones\' group rings fxs2 instead', async () => {
    assert.match(demo.run(['port', 'block', 'fxs1']), /port fxs1 blocked/);
    let s = demo.status();
    assert.equal(portRow(s, 'fxs1').blocked, true);
    assert.equal(portRow(s, 'fxs1').callState, 'blocked');
    assert.equal(s.totals.portsBlocked, 1);
    const c = await ControlClient.connect(demo.socket);
    try {
      const events = await c.request('events.recent', { port: 'fxs1', limit: 10 });
      assert.ok(events.some((e) => e.type === 'blocked' && e.text === 'port fxs1 blocked'), `a 'blocked' event for fxs1 in ${JSON.stringify(events)}`);
    } finally {
      c.close();
    }
    demo.run(['sim', 'call', '5550201', '--caller', '3125550113']);
    s = await demo.until('fxs2 ringing', (x) => portRow(x, 'fxs2').hook === 'ringing', 10_000);
    assert.equal(portRow(s, 'fxs1').hook, 'on-hook', 'the blocked phone is not rung');
    demo.run(['sim', 'pickup', 'fxs2']);
    await demo.until('fxs2 connected', (x) => portRow(x, 'fxs2').callState === 'connected');
    demo.run(['sim', 'hangup', 'fxs2']);
    await demo.until('fxs2 idle', idle('fxs2'));
  });

  it('with both phones blocked a call to the group gets 503 (no circuit); off hook on a blocked port is congestion tone, no dial tone, no call', async () => {
    demo.run(['port', 'block', 'fxs2']);
    demo.run(['sim', 'call', '5550202', '--caller', '3125550114']);
    const ended = await demo.waitFor(/SIP trunk: call 3125550114 -> 5550202 ended \((\S+)\)/);
    assert.equal(ended[1], '503', 'all lines of the group out of service: cause 34, 503 (RFC 3398)');
    assert.match(demo.run(['sim', 'pickup', 'fxs1']), /picked up fxs1 \(phone \(off hook on a blocked port: congestion tone\)\)/);
    const s = await demo.until('fxs1 off hook with a tone', (x) => portRow(x, 'fxs1').hook === 'off-hook' && portRow(x, 'fxs1').levelTxDbm0 !== null && portRow(x, 'fxs1').levelTxDbm0! > -40, 5000);
    assert.equal(portRow(s, 'fxs1').signallingState, 'tone', 'congestion tone, not digit collection');
    demo.run(['sim', 'dial', 'fxs1', '2125550142']);
    // No call may come of them.
    await quietFor(3000);
    assert.equal(demo.status().calls.length, 0, 'digits on a blocked port place no call');
    assert.doesNotMatch(demo.output, /call from 5550201 to 2125550142 rings/);
    demo.run(['sim', 'hangup', 'fxs1']);
  });

  it('port unblock restores service: the phone is rung again', async () => {
    assert.match(demo.run(['port', 'unblock', 'fxs1']), /port fxs1 unblocked/);
    demo.run(['port', 'unblock', 'fxs2']);
    let s = await demo.until('both phones idle in service', (x) => !portRow(x, 'fxs1').blocked && !portRow(x, 'fxs2').blocked && portRow(x, 'fxs1').callState === 'idle');
    assert.equal(s.totals.portsBlocked, 0);
    demo.run(['sim', 'call', '5550201', '--caller', '3125550115']);
    s = await demo.until('fxs1 ringing', (x) => portRow(x, 'fxs1').hook === 'ringing', 10_000);
    demo.run(['sim', 'pickup', 'fxs1']);
    await demo.until('fxs1 connected', (x) => portRow(x, 'fxs1').callState === 'connected');
    demo.run(['sim', 'hangup', 'fxs1']);
    await demo.until('fxs1 idle', idle('fxs1'));
  });

  it('port block fxo1: calls out hunt past it to fxo2, and the office\'s rings on it are not answered', async () => {
    demo.run(['port', 'block', 'fxo1']);
    demo.run(['sim', 'call', '2125550143', '--caller', '3125550116']);
    let s = await demo.until('the call out on fxo2', (x) => portRow(x, 'fxo2').hook === 'off-hook', 15_000);
    assert.equal(portRow(s, 'fxo1').hook, 'on-hook');
    assert.equal(portRow(s, 'fxo1').callState, 'blocked');
    demo.run(['sim', 'hangup', 'fxo2']);
    await demo.until('fxo2 idle', idle('fxo2'));
    demo.run(['sim', 'ring', 'fxo1', '--caller', '5551299']);
    // No call may come, though the demo's lines answer on the second ring (US cadence: 2 s on, 4 s off).
    await quietFor(7000);
    s = demo.status();
    assert.equal(s.calls.length, 0, 'no call from the blocked line');
    assert.equal(portRow(s, 'fxo1').hook, 'on-hook', 'the blocked line stays on hook');
    assert.doesNotMatch(demo.output, /call from 5551299/);
    demo.run(['sim', 'hangup', 'fxo1']);
    demo.run(['port', 'unblock', 'fxo1']);
    s = demo.status();
    assert.equal(portRow(s, 'fxo1').blocked, false);
    assert.equal(portRow(s, 'fxo1').callState, 'idle');
  });

  it('port block fxo4 (whenBlocked: busy-out): the line is seized so the office cannot ring it; unblock puts it back on hook', async () => {
    demo.run(['port', 'block', 'fxo4']);
    let s = await demo.until('fxo4 busied out', (x) => portRow(x, 'fxo4').hook === 'off-hook', 5000);
    assert.equal(portRow(s, 'fxo4').signallingState, 'busy-out');
    assert.equal(portRow(s, 'fxo4').callState, 'blocked');
    const ring = demo.cli(['sim', 'ring', 'fxo4', '--caller', '5551298']);
    assert.equal(ring.code, 1);
    assert.match(ring.stderr, /fxo4 is off hook/, 'the office sees the line busy');
    demo.run(['port', 'unblock', 'fxo4']);
    s = await demo.until('fxo4 back on hook', (x) => portRow(x, 'fxo4').hook === 'on-hook' && portRow(x, 'fxo4').callState === 'idle', 5000);
    assert.equal(portRow(s, 'fxo4').blocked, false);
  });
});
