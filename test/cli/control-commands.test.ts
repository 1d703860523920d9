import assert from 'node:assert/strict';
import { join } from 'node:path';
import type { CallStatus } from '../../src/ops/status-model.js';
import { sipline, startDaemon, tempDir, type Daemon } from '../ops/daemon-harness.js';

describe('sipline control commands against a running gateway @slow', () => {
  let d: Daemon;
  before(async () => {
    d = await startDaemon('fixture');
  });
  after(() => d.cleanup());

  it('says what to do when no gateway is running', () => {
    const sock = join(tempDir(), 'control.sock');
    for (const args of [['status'], ['calls'], ['events'], ['hangup', 'c1'], ['span', 'restart', 'span1'], ['port', 'block', 'fxo1']]) {
      const r = sipline(...args, '--socket', sock);
      assert.equal(r.status, 1, args.join(' '));
      assert.equal(r.stderr, `sipline: cannot connect to ${sock}: is \`sipline start\` running? (pass --socket or --config if it uses another control socket)\n`);
    }
  });

  it('prints one screen of spans, channels with levels and calls, trunks and totals', () => {
    const r = sipline('status', '--config', d.config);
    assert.equal(r.status, 0, r.stderr);
    assert.ok(!r.stdout.includes('\u001b['), 'no colour when not on a terminal');
    assert.match(r.stdout, /totals: spans 2 \(1 in alarm\)/);
    assert.match(r.stdout, /^span2 +T1 +ESF +B8ZS +RED +down +23 +bpv 17 {2}slips 2$/m);
    assert.match(r.stdout, /^span1:1 +pri +- +pri-cpe U10 +connected +5551234 -> 18005550100 +PCMA +1:[2-5]\d +█+░* -12\.5 +█+░* -18\.3 +2\.5ms +0\.4%$/m);
    assert.match(r.stdout, /^fxo1 +fxo +on-hook +loopstart ringing +alerting/m);
    assert.match(r.stdout, /^backup +down +0 +408 Request Timeout$/m);
  });

  it('lists calls as a table and as JSON', () => {
    const r = sipline('calls', '--socket', d.socket);
    assert.match(r.stdout, /^c1 +pstn-to-sip +span1:1 +carrier +5551234 -> 18005550100 +connected +PCMA +1:[2-5]\d$/m);
    const calls = JSON.parse(sipline('calls', '--json', '--socket', d.socket).stdout) as CallStatus[];
    assert.deepEqual(calls.map((c) => c.id), ['c1']);
  });

  it('blocks and unblocks a port, restarts a span, and names what is unknown', () => {
    assert.equal(sipline('port', 'block', 'fxo1', '--socket', d.socket).stdout, 'port fxo1 blocked\n');
    assert.match(sipline('status', '--socket', d.socket).stdout, /^fxo1 .* blocked /m);
    assert.equal(sipline('port', 'unblock', 'fxo1', '--socket', d.socket).stdout, 'port fxo1 unblocked\n');
    assert.equal(sipline('span', 'restart', 'span2', '--socket', d.socket).stdout, 'span span2 restarted\n');
    const span = sipline('span', 'restart', 'span7', '--socket', d.socket);
    assert.equal(span.status, 1);
    assert.equal(span.stderr, "sipline: no span 'span7' (known: span1, span2); `sipline status` lists the spans\n");
    const call = sipline('hangup', 'c9', '--socket', d.socket);
    assert.match(call.stderr, /no call 'c9' \(known: c1\); `sipline calls` lists the active calls/);
    const cause = sipline('hangup', 'c1', '--cause', '200', '--socket', d.socket);
    assert.match(cause.stderr, /a Q\.850 cause is an integer 1\.\.127/);
  });
});
