import assert from 'node:assert/strict';
import fc from 'fast-check';
import { pstnToSipProvisional, sipProvisionalToPstn } from '../../src/call/progress-mapping.js';

describe('call progress between SIP 1xx and the PSTN leg', () => {
  it('maps 100 / 180 / 183 to proceeding / alerting / progress with in-band audio', () => {
    assert.deepEqual(sipProvisionalToPstn(100, false), { event: 'proceeding' });
    assert.deepEqual(sipProvisionalToPstn(180, false), { event: 'alerting', inbandAudio: false });
    assert.deepEqual(sipProvisionalToPstn(180, true), { event: 'alerting', inbandAudio: true });
    assert.deepEqual(sipProvisionalToPstn(183, true), { event: 'progress', inbandAudio: true });
    assert.equal(sipProvisionalToPstn(200, true), null);
  });

  it('maps proceeding / alerting / progress to 100 / 180 / 183 with SDP when the line has audio', () => {
    assert.deepEqual(pstnToSipProvisional({ event: 'proceeding' }), { status: 100, withSdp: false });
    assert.deepEqual(pstnToSipProvisional({ event: 'alerting', inbandAudio: false }), { status: 180, withSdp: false });
    assert.deepEqual(pstnToSipProvisional({ event: 'alerting', inbandAudio: true }), { status: 183, withSdp: true });
    assert.deepEqual(pstnToSipProvisional({ event: 'progress', inbandAudio: true }), { status: 183, withSdp: true });
    assert.equal(pstnToSipProvisional({ event: 'progress', inbandAudio: false }), null);
  });

  it('keeps early media across a round trip: audio on one side means audio on the other (property)', () => {
    fc.assert(
      fc.property(fc.integer({ min: 100, max: 199 }), fc.boolean(), (status, sdp) => {
        const p = sipProvisionalToPstn(status, sdp);
        assert.ok(p !== null);
        const back = pstnToSipProvisional(p);
        if (status === 100) return assert.deepEqual(back, { status: 100, withSdp: false });
        if (sdp) assert.deepEqual(back, { status: 183, withSdp: true });
      }),
    );
  });
});
