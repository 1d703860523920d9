// `sim.*` control socket methods: the operator's hands on the simulated far
// end (the PBX on the PRI span, the emulated card's line), for
// `sipline sim ...`. They exist only on a gateway running on a sim card.
import { readFile } from 'node:fs/promises';
import { isQ850Cause, Cause } from '../call/q850.js';
import type { SimCard } from '../hw/sim-card.js';
import type { SpanAlarm } from '../hw/span.js';
import type { PriCall } from '../isdn/pri-call.js';
import { ControlError } from '../ops/control-protocol.js';
import type { Gateway } from '../ops/gateway.js';
import type { SimPbx } from './pbx.js';
import type { SipTrunkPeer } from './sip-trunk-peer.js';
import { isDtmfDigits } from './sim-signals.js';
import { decodeWav, WavError } from './wav-file.js';

export interface SimWorld {
  sim: SimCard;
  /** The gateway's PRI span name and its number on the card. */
  spanName: string;
  spanNumber: number;
  pbx: SimPbx;
  /** The SIP trunk peer: it answers the PBX's calls that the gateway sends to the trunk. */
  peer: SipTrunkPeer;
}

export const SIM_METHODS = ['sim.ring', 'sim.pickup', 'sim.dial', 'sim.play', 'sim.hangup', 'sim.alarm'] as const;

const ALARMS: Record<string, SpanAlarm[]> = { red: ['red'], yellow: ['yellow'], blue: ['blue'], los: ['los', 'red'], clear: [] };

function text(p: Record<string, unknown>, key: string, method: string, optional = false): string | undefined {
  const v = p[key];
  if (v === undefined && optional) return undefined;
  if (typeof v !== 'string' || v === '') throw new ControlError('invalid-params', `${method}: params.${key} must be a non-empty string`);
  return v;
}

const NUMBER = /^[0-9*#]{1,32}$/;

export function registerSimMethods(gateway: Gateway, w: SimWorld): void {
  /** The PBX's call on a port `span:channel`. */
  const onPort = (p: Record<string, unknown>, method: string): { port: string; pbx: PriCall } => {
    const port = text(p, 'port', method)!;
    const m = /^(.+):(\d+)$/.exec(port);
    if (!m || m[1] !== w.spanName) throw new ControlError('not-found', `${method}: no port '${port}' on the simulator (ports are ${w.spanName}:1..${w.spanName}:23)`);
    const ch = Number(m[2]);
    const pbx = w.pbx.calls.find((c) => c.channel === ch && !c.isReleased);
    if (!pbx) throw new ControlError('not-found', `${method}: no call on port '${port}' (\`sipline status\` shows the busy ports)`);
    return { port, pbx };
  };

  gateway.addMethod('sim.ring', (p) => {
    const calling = text(p, 'calling', 'sim.ring')!;
    const called = text(p, 'called', 'sim.ring')!;
    const name = text(p, 'name', 'sim.ring', true);
    const span = text(p, 'span', 'sim.ring', true) ?? w.spanName;
    if (span !== w.spanName) throw new ControlError('not-found', `sim.ring: no span '${span}' on the simulator (it has ${w.spanName})`);
    if (!NUMBER.test(calling) || !NUMBER.test(called)) throw new ControlError('invalid-params', 'sim.ring: calling and called are 1 to 32 digits 0-9, *, #');
    const call = w.pbx.call({ digits: calling, typeOfNumber: 'national', numberingPlan: 'isdn', ...(name ? { name } : {}) }, { digits: called, typeOfNumber: 'national', numberingPlan: 'isdn' });
    if (!call) throw new ControlError('failed', `sim.ring: span ${w.spanName} has no free B-channel or its D-channel is down`);
    return { port: `${w.spanName}:${call.channel}`, calling, called };
  });

  gateway.addMethod('sim.pickup', (p) => {
    const { port, pbx } = onPort(p, 'sim.pickup');
    // A call from the gateway rings at the PBX; a call from the PBX rings at the SIP trunk.
    if (pbx.direction === 'incoming') {
      w.pbx.answer(pbx);
      return { port, by: 'pbx' };
    }
    const sip = w.peer.calls.find((c) => c.direction === 'incoming' && !w.peer.isAnswered(c) && c.from.digits === pbx.calling.digits);
    if (!sip) throw new ControlError('failed', `sim.pickup: the call on ${port} is not ringing at the SIP trunk`);
    w.peer.answer(sip);
    return { port, by: 'trunk' };
  });

  gateway.addMethod('sim.dial', (p) => {
    const { port, pbx } = onPort(p, 'sim.dial');
    const digits = text(p, 'digits', 'sim.dial')!;
    if (!isDtmfDigits(digits)) throw new ControlError('invalid-params', `sim.dial: '${digits}' is not DTMF digits (0-9, *, #, A-D)`);
    w.pbx.sendDigits(pbx, digits);
    return { port, digits };
  });

  gateway.addMethod('sim.play', async (p) => {
    const { port, pbx } = onPort(p, 'sim.play');
    const file = text(p, 'file', 'sim.play')!;
    const bytes = await readFile(file).catch((err: NodeJS.ErrnoException) => {
      throw new ControlError('invalid-params', `sim.play: cannot read ${file}: ${err.code ?? err.message}`);
    });
    let samples: Int16Array;
    try {
      samples = decodeWav(bytes, file);
    } catch (err) {
      throw new ControlError('invalid-params', `sim.play: ${err instanceof WavError ? err.message : String(err)}`);
    }
    w.pbx.play(pbx, samples);
    return { port, file, seconds: samples.length / 8000 };
  });

  gateway.addMethod('sim.hangup', (p) => {
    const { port, pbx } = onPort(p, 'sim.hangup');
    const cause = p.cause ?? Cause.NORMAL_CLEARING;
    if (!isQ850Cause(cause)) throw new ControlError('invalid-params', `sim.hangup: params.cause ${JSON.stringify(cause)} is not a Q.850 cause (an integer 1..127)`);
    w.pbx.hangup(pbx, cause);
    return { port, cause };
  });

  gateway.addMethod('sim.alarm', (p) => {
    const span = text(p, 'span', 'sim.alarm')!;
    const alarm = text(p, 'alarm', 'sim.alarm')!.toLowerCase();
    if (span !== w.spanName) throw new ControlError('not-found', `sim.alarm: no span '${span}' on the simulator (it has ${w.spanName})`);
    const bits = ALARMS[alarm];
    if (!bits) throw new ControlError('invalid-params', `sim.alarm: alarm '${alarm}' is not one of ${Object.keys(ALARMS).join(', ')}`);
    w.sim.setAlarms(w.spanNumber, bits);
    return { span, alarm };
  });
}
