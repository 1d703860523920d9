// The bridge's early media policy for SIP provisional responses (RFC 3960
// §3.2): after a 180 with SDP the line hears our ringback until the SIP
// side's RTP arrives, then the SIP side's frames and no more ringback; after
// a 183 with SDP it hears the SIP side only. Legs here are stand-ins: the
// e2e tests (test/e2e/ringing-with-sdp.test.ts) run the real gateway.
import assert from 'node:assert/strict';
import { EventEmitter } from 'node:events';
import { toneZone } from '../../src/analog/tone-zones.js';
import { Call } from '../../src/call/call.js';
import type { PstnLegEvents } from '../../src/call/pstn-leg.js';
import type { SipLegEvents } from '../../src/call/sip-leg.js';
import type { AudioFrame } from '../../src/media/frame.js';
import { eventually, quietFor } from '../support/waiting.js';

const frame = (fill: number): AudioFrame => ({ encoding: 'PCMU', samples: 160, data: new Uint8Array(160).fill(fill) });

class Line extends EventEmitter<PstnLegEvents> {
  readonly id = 'line-1';
  readonly direction = 'incoming' as const;
  readonly address = { kind: 'pri' as const, line: 'pbx', channel: 1 };
  readonly calling = { digits: '2125550100' };
  readonly called = { digits: '5551234' };
  readonly written: AudioFrame[] = [];
  readonly told: string[] = [];
  readonly audio = { onFrame: (): void => {}, write: (f: AudioFrame): void => void this.written.push(f) };
  setup(): void {}
  alert(inband?: boolean): void {
    this.told.push(`alert ${inband === true}`);
  }
  progress(inband: boolean): void {
    this.told.push(`progress ${inband}`);
  }
  answer(): void {}
  release(): void {}
  sendDigits(): void {}
}

class Trunk extends EventEmitter<SipLegEvents> {
  readonly id = 'sip-1';
  readonly direction = 'outgoing' as const;
  readonly trunk = 'carrier';
  readonly user = undefined;
  readonly from = { digits: '2125550100' };
  readonly to = { digits: '5551234' };
  /** RTP packets the far end has sent so far. */
  packets = 0;
  receiver: ((f: AudioFrame) => void) | null = null;
  readonly audio = { onFrame: (r: ((f: AudioFrame) => void) | null): void => void (this.receiver = r), write: (): void => {} };
  mediaStats(): { jitterMs: number; loss: number; packetsReceived: number } {
    return { jitterMs: 0, loss: 0, packetsReceived: this.packets };
  }
  invite(): void {}
  ringing(): void {}
  answer(): void {}
  release(): void {}
  sendDigits(): void {}
}

function placeCall(): { call: Call; line: Line; sip: Trunk } {
  const line = new Line();
  const sip = new Trunk();
  let offered = false;
  const call = Call.fromPstn(line, () => (offered ? null : ((offered = true), sip)), {
    id: 'c1',
    calling: '2125550100',
    called: '5551234',
    noAnswerMs: 10000,
    ringback: toneZone('us').ringback,
  });
  call.start();
  return { call, line, sip };
}

const ringbackFrames = (line: Line): number => line.written.filter((f) => f.encoding === 'L16').length;

describe('early media policy of a call (RFC 3960 §3.2)', () => {
  it('180 with SDP: ringback while the SIP side sends no RTP (its playout silence is not written), then its frames in place of the ringback', async () => {
    const { call, line, sip } = placeCall();
    try {
      sip.emit('progress', 180, true);
      assert.deepEqual(line.told, ['alert true'], 'ALERTING with in-band information');
      await eventually('three ringback frames', () => ringbackFrames(line) >= 3);
      sip.receiver!(frame(0xff));
      assert.equal(line.written.filter((f) => f.encoding === 'PCMU').length, 0, 'the playout\'s silence before any RTP did not reach the line');
      sip.packets = 1;
      sip.receiver!(frame(0x55));
      const stoppedAt = ringbackFrames(line);
      // No ringback frame may follow.
      await quietFor(100);
      assert.equal(ringbackFrames(line), stoppedAt, 'no ringback once RTP came');
      assert.deepEqual(line.written.filter((f) => f.encoding === 'PCMU').map((f) => f.data[0]), [0x55], 'the far end\'s frame reached the line');
    } finally {
      call.hangup(16);
    }
  });

  it('183 with SDP: PROGRESS, the SIP side only, no ringback of ours even before RTP', async () => {
    const { call, line, sip } = placeCall();
    try {
      sip.emit('progress', 183, true);
      assert.deepEqual(line.told, ['progress true']);
      // No ringback of ours over the far end's early media.
      await quietFor(100);
      assert.equal(ringbackFrames(line), 0);
      sip.receiver!(frame(0xff));
      assert.equal(line.written.length, 1, 'the SIP side\'s frames go to the line');
    } finally {
      call.hangup(16);
    }
  });
});
