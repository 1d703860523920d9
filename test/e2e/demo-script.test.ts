// The README's first command, as a new user runs it: `bash scripts/demo`,
// no arguments, no other step. It sets up (a no-op on a set-up machine), then
// the demo says what it runs and how to watch it, and calls happen.
import assert from 'node:assert/strict';
import { DemoProcess } from './demo-process.js';

describe('bash scripts/demo, the first command of the README @slow', () => {
  let demo: DemoProcess;
  after(async () => {
    await demo?.interrupt();
    await demo?.cleanup();
  });

  it('starts the demo with no other step and prints how to watch it', async function () {
    this.timeout(180_000);
    demo = new DemoProcess([], ['bash', 'scripts/demo']);
    const m = await demo.waitFor(/^control socket: (\S+)$/m, 150_000);
    // Whatever setup had to do comes first (nothing on a set-up machine); then the demo's own first line.
    const lines = demo.output.split('\n');
    const first = lines.findIndex((l) => l.startsWith('sipline demo:'));
    assert.ok(first >= 0, demo.output);
    assert.equal(lines[first], 'sipline demo: the gateway on the emulated cards sim-mixed (one T1 PRI span, 4 FXO ports) and sim-fxs4 (2 FXS ports with phones); no hardware, no trunk.');
    assert.match(lines[first + 1]!, /^\d\d:\d\d:\d\d span pri1: D-channel up between the gateway \(network side\) and the simulated PBX \(user side\)$/);
    assert.match(lines[first + 2]!, /^control socket: /);
    await demo.waitFor(/Ctrl-C stops\./);
    assert.ok(demo.output.includes(`in another terminal: sipline status --watch --socket ${m[1]}`), demo.output);
    assert.ok(m[1]!.startsWith(demo.dir), 'the socket is under $XDG_RUNTIME_DIR');
    assert.match(demo.output, /^ {2}and: sipline sim --socket \S+ ring\|pickup\|dial\|play\|hangup\|alarm\|call \.\.\. \(ports: pri1:N, fxo1-fxo4, fxs1-fxs2\)$/m, 'names the ports sipline sim acts on');
  });

  it('places calls both ways between the PBX and the SIP trunk through the gateway, with caller ID and DTMF, that connect and end', async function () {
    this.timeout(60_000);
    const socket = /^control socket: (\S+)$/m.exec(demo.output)![1]!;
    const s = await demo.until(
      'a call from the PBX to the SIP trunk connected',
      (x) => x.calls.some((c) => c.calling === '5551000' && c.called === '2125550199' && c.state === 'connected' && c.direction === 'pstn-to-sip' && c.trunk === 'trunk' && c.codec === 'PCMU'),
      20_000,
      socket,
    );
    assert.equal(s.spans[0]?.dchannel, 'up');
    await demo.until('a call from the SIP trunk to the PBX connected', (x) => x.calls.some((c) => c.calling === '2125550142' && c.called === '5551234' && c.state === 'connected' && c.direction === 'sip-to-pstn'), 20_000, socket);
    await demo.until('calls ended', (x) => x.totals.callsEnded >= 2, 20_000, socket);
    assert.match(demo.output, /SIP trunk: DTMF 1 arrived as RFC 4733 on the call from 5551000/);
  });

  it('rings an FXO port from the central office; the caller ID reaches the SIP trunk', async function () {
    this.timeout(60_000);
    const socket = /^control socket: (\S+)$/m.exec(demo.output)![1]!;
    const s = await demo.until('an FXO call to the trunk connected', (x) => x.calls.some((c) => c.calling === '2125550123' && c.called === '5550100' && c.state === 'connected' && /^fxo\d/.test(c.port ?? '')), 40_000, socket);
    assert.equal(s.calls.find((c) => c.calling === '2125550123')?.trunk, 'trunk');
    assert.match(demo.output, /SIP trunk: call from 2125550123 to 5550100 rings/);
  });

  it('exits 0 on Ctrl-C', async () => {
    assert.equal(await demo.interrupt(), 0);
    assert.match(demo.output, /stopped\n$/);
  });
});
