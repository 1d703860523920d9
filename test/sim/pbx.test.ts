// The simulated PBX (our Q.931 stack, user side) against the gateway's PRI
// span (network side) over the emulated card's D-channel: calls both ways,
// caller ID, DTMF heard by the card's DSP, audio levels, clearing causes.
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { openProfile, type OpenedProfile } from '../../src/hw/open-profile.js';
import { ChannelFramePipe } from '../../src/isdn/channel-frame-pipe.js';
import type { PriCall } from '../../src/isdn/pri-call.js';
import { PriSpan } from '../../src/isdn/pri-span.js';
import { SimPbx } from '../../src/sim/pbx.js';
import { TestCallTerminator } from '../../src/sim/test-call-terminator.js';
import { eventually } from '../support/waiting.js';

describe('sim: PBX on the user side of the emulated PRI span', () => {
  let opened: OpenedProfile;
  let gw: PriSpan;
  let pbx: SimPbx;
  let terminator: TestCallTerminator;
  const incoming: PriCall[] = [];

  before(async () => {
    opened = openProfile('sim-mixed');
    gw = new PriSpan(new ChannelFramePipe(opened.card.channel(24)), { name: 'pri1', side: 'network', switchVariant: 'national', type: 't1' });
    gw.on('incoming', (c) => incoming.push(c as PriCall));
    terminator = new TestCallTerminator({ card: opened.card, pri: gw, firstChannel: 1, answerAfterMs: null });
    pbx = new SimPbx({ sim: opened.sim!, firstChannel: 1, dchannel: 24, answerAfterMs: null });
    const restarted = once(gw.signalling, 'restarted');
    gw.start();
    await pbx.start();
    await restarted;
  });
  after(() => {
    terminator?.close();
    pbx?.close();
    gw?.close();
    opened?.close();
  });

  it('brings the D-channel up on both ends through the card', () => {
    assert.equal(gw.isUp, true);
    assert.equal(pbx.span.isUp, true);
  });

  it('calls the gateway with caller ID; the gateway hears its DTMF and its audio level; PBX clearing reaches the gateway with the cause', async () => {
    const call = pbx.call({ digits: '2125550142', name: 'Front Desk', typeOfNumber: 'national' }, { digits: '5551000' });
    assert.ok(call);
    await eventually('the SETUP at the gateway', () => incoming.length === 1);
    const at = incoming[0]!;
    assert.equal(at.calling.digits, '2125550142');
    assert.equal(at.called.digits, '5551000');
    assert.equal(at.channel, call.channel, 'same B-channel on both ends');
    const answered = once(call, 'answered');
    terminator.answer(at);
    await answered;
    assert.equal(at.stateName, 'N10');
    assert.equal(call.stateName, 'U10');

    // The PBX talks at -18 dBm0 (a 440 Hz tone); the card's power meter on the gateway's channel agrees.
    await eventually('the card\'s meter at the PBX\'s level', () => {
      const levels = opened.card.channel(call.channel).levels();
      assert.ok(Math.abs(levels.rxDbm0 - -18) < 2, `rx level ${levels.rxDbm0} dBm0, expected about -18`);
      assert.ok(Math.abs(levels.txDbm0 - -16) < 2, `tx level ${levels.txDbm0} dBm0 (the 1004 Hz test tone), expected about -16`);
      return true;
    });

    const digits: string[] = [];
    terminator.on('digit', (_c, d) => digits.push(d));
    pbx.sendDigits(call, '159#');
    await eventually('four DTMF digits detected by the card DSP', () => digits.length >= 4, { timeoutMs: 4000 });
    assert.equal(digits.join(''), '159#');

    const released = once(at, 'released');
    pbx.hangup(call, 17);
    assert.deepEqual(await released, [17]);
  });

  it('takes a call from the gateway: it rings at the PBX until answered, then the gateway hangs up', async () => {
    const ringing = once(pbx, 'incoming');
    const out = terminator.call({ digits: '5551000' }, { digits: '2125550199' });
    assert.ok(out);
    const alerting = once(out, 'alerting');
    const [atPbx] = (await ringing) as [PriCall];
    assert.equal(atPbx.calling.digits, '5551000');
    assert.equal(atPbx.called.digits, '2125550199');
    await alerting;
    assert.equal(out.stateName, 'N7', 'Q.931 clause 5.2.5.3: ALERTING received, call received');
    const answered = once(out, 'answered');
    pbx.answer(atPbx);
    await answered;
    const released = once(atPbx, 'released');
    out.release(16);
    assert.deepEqual(await released, [16]);
    await eventually('both ends back to the Null state', () => pbx.calls.length === 0 && gw.activeCalls.length === 0);
  });
});
