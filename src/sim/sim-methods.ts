// `sim.*` control socket methods: the operator's hands on the simulated far
// end (the PBX on the PRI span, the central office on the FXO ports, the
// phones on the FXS ports), for `sipline sim ...`. They exist only on a
// gateway running on a sim card.
import { readFile } from 'node:fs/promises';
import { isQ850Cause, Cause } from '../call/q850.js';
import type { SimCard } from '../hw/sim-card.js';
import type { SpanAlarm } from '../hw/span.js';
import type { PriCall } from '../isdn/pri-call.js';
import { ControlError } from '../ops/control-protocol.js';
import type { Gateway } from '../ops/gateway.js';
import type { CentralOffice } from './central-office.js';
import type { SimPbx } from './pbx.js';
import type { Phone } from './phone.js';
import { dtmfSignal } from './sim-signals.js';
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
  /** The central office on each FXO port, by the port's name. */
  offices?: ReadonlyMap<string, CentralOffice>;
  /** The phone on each FXS port, by the port's name. */
  phones?: ReadonlyMap<string, Phone>;
}

export const SIM_METHODS = ['sim.ring', 'sim.pickup', 'sim.dial', 'sim.play', 'sim.hangup', 'sim.alarm', 'sim.call'] as const;

/** The caller of `sim.call` when none is given. */
export const SIM_CALL_CALLER = '2125550199';

const ALARMS: Record<string, SpanAlarm[]> = { red: ['red'], yellow: ['yellow'], blue: ['blue'], los: ['los', 'red'], clear: [] };

function text(p: Record<string, unknown>, key: string, method: string, optional = false): string | undefined {
  const v = p[key];
  if (v === undefined && optional) return undefined;
  if (typeof v !== 'string' || v === '') throw new ControlError('invalid-params', `${method}: params.${key} must be a non-empty string`);
  return v;
}

const NUMBER = /^[0-9*#]{1,32}$/;

type Analog = { port: string; kind: 'fxo'; office: CentralOffice } | { port: string; kind: 'fxs'; phone: Phone };

export function registerSimMethods(gateway: Gateway, w: SimWorld): void {
  const offices = w.offices ?? new Map<string, CentralOffice>();
  const phones = w.phones ?? new Map<string, Phone>();
  const portList = (): string => [`${w.spanName}:1..${w.spanName}:23`, ...offices.keys(), ...phones.keys()].join(', ');

  /** The analog port named in params.port, if it is one. */
  const analog = (p: Record<string, unknown>): Analog | undefined => {
    const port = p.port;
    if (typeof port !== 'string') return undefined;
    const office = offices.get(port);
    if (office) return { port, kind: 'fxo', office };
    const phone = phones.get(port);
    return phone ? { port, kind: 'fxs', phone } : undefined;
  };

  /** The PBX's call on a port `span:channel`. */
  const onPort = (p: Record<string, unknown>, method: string): { port: string; pbx: PriCall } => {
    const port = text(p, 'port', method)!;
    const m = /^(.+):(\d+)$/.exec(port);
    if (!m || m[1] !== w.spanName) throw new ControlError('not-found', `${method}: no port '${port}' on the simulator (ports are ${portList()})`);
    const ch = Number(m[2]);
    const pbx = w.pbx.calls.find((c) => c.channel === ch && !c.isReleased);
    if (!pbx) throw new ControlError('not-found', `${method}: no call on port '${port}' (\`sipline status\` shows the busy ports)`);
    return { port, pbx };
  };

  /** The gateway's call on an analog port, from the status registry (its PSTN leg is `port:1`). */
  const gatewayCall = (port: string): { calling: string; direction: string; state: string } | undefined => {
    for (const [, c] of gateway.registry.calls.entries()) {
      const s = c.status();
      if (s.port === port || s.port?.startsWith(`${port}:`)) return s;
    }
    return undefined;
  };

  /** Whether the operator has blocked the port (`sipline port block`). */
  const isBlocked = (port: string): boolean => {
    try {
      return gateway.registry.ports.get(port)?.status().blocked === true;
    } catch {
      return false;
    }
  };

  /** Answers at the SIP trunk the gateway's call from an analog port, if it rings there. */
  const answerAtTrunk = (port: string, method: string): { port: string; by: string } => {
    const call = gatewayCall(port);
    const sip = call && call.direction === 'pstn-to-sip' ? w.peer.calls.find((c) => c.direction === 'incoming' && !w.peer.isAnswered(c) && c.from.digits === call.calling) : undefined;
    if (!sip) throw new ControlError('failed', `${method}: nothing to answer on ${port} (no call from it ringing at the SIP trunk)`);
    w.peer.answer(sip);
    return { port, by: 'trunk' };
  };

  const wav = async (p: Record<string, unknown>): Promise<{ file: string; samples: Int16Array }> => {
    const file = text(p, 'file', 'sim.play')!;
    const bytes = await readFile(file).catch((err: NodeJS.ErrnoException) => {
      throw new ControlError('invalid-params', `sim.play: cannot read ${file}: ${err.code ?? err.message}`);
    });
    try {
      return { file, samples: decodeWav(bytes, file) };
    } catch (err) {
      throw new ControlError('invalid-params', `sim.play: ${err instanceof WavError ? err.message : String(err)}`);
    }
  };

  gateway.addMethod('sim.ring', (p) => {
    const a = analog(p);
    if (a) {
      // The central office rings an FXO port with caller ID in the zone's format (GR-30-CORE, EN 300 659-1).
      if (a.kind === 'fxs') throw new ControlError('invalid-params', `sim.ring: ${a.port} is an FXS port: the gateway rings its phone (call a DID routed to it from SIP)`);
      const calling = text(p, 'calling', 'sim.ring', true);
      const name = text(p, 'name', 'sim.ring', true);
      if (calling !== undefined && !NUMBER.test(calling)) throw new ControlError('invalid-params', 'sim.ring: the caller is 1 to 32 digits 0-9, *, #');
      if (a.office.offhook) throw new ControlError('failed', `sim.ring: ${a.port} is off hook (in a call)`);
      a.office.ring(calling ? { number: calling, ...(name ? { name } : {}) } : undefined, { maxRings: 10 });
      return { port: a.port, calling: calling ?? '' };
    }
    if (typeof p.port === 'string') throw new ControlError('not-found', `sim.ring: no analog port '${p.port}' on the simulator (ports are ${portList()})`);
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
    const a = analog(p);
    if (a?.kind === 'fxs') {
      // The phone lifts its handset: answers the ringing phone, or takes dial tone.
      if (!a.phone.isOffhook) {
        // Being rung: in a ring burst, or in the silence between two (at most 4 s in the zones' cadences).
        const last = a.phone.rings[a.phone.rings.length - 1];
        const ringing = a.phone.ringing || (last !== undefined && Date.now() - last.at < 4500);
        const blocked = !ringing && isBlocked(a.port);
        a.phone.offhook();
        return { port: a.port, by: ringing ? 'phone (answered)' : blocked ? 'phone (off hook on a blocked port: congestion tone)' : 'phone (dial tone)' };
      }
      return answerAtTrunk(a.port, 'sim.pickup');
    }
    if (a?.kind === 'fxo') {
      // The gateway dialled out on the line: the called party answers, the office reverses the line (answer supervision).
      if (a.office.offhook && a.office.digits !== '' && gatewayCall(a.port)?.direction === 'sip-to-pstn') {
        a.office.answer({ polarity: true });
        return { port: a.port, by: 'office' };
      }
      return answerAtTrunk(a.port, 'sim.pickup');
    }
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
    const a = analog(p);
    const digits = text(p, 'digits', 'sim.dial')!;
    if (!isDtmfDigits(digits)) throw new ControlError('invalid-params', `sim.dial: '${digits}' is not DTMF digits (0-9, *, #, A-D)`);
    if (a?.kind === 'fxs') {
      if (!a.phone.isOffhook) throw new ControlError('failed', `sim.dial: the phone on ${a.port} is on hook (\`sipline sim pickup ${a.port}\` first)`);
      a.phone.dial(digits, 100, 100);
      return { port: a.port, digits };
    }
    if (a?.kind === 'fxo') {
      if (!a.office.offhook) throw new ControlError('failed', `sim.dial: no call on ${a.port} (the line is on hook)`);
      // ITU-T Q.23 tones from the far end of the line, as a caller keying digits.
      a.office.play(dtmfSignal(digits, 100, 100));
      return { port: a.port, digits };
    }
    const { port, pbx } = onPort(p, 'sim.dial');
    w.pbx.sendDigits(pbx, digits);
    return { port, digits };
  });

  gateway.addMethod('sim.play', async (p) => {
    const a = analog(p);
    if (a) {
      const { file, samples } = await wav(p);
      if (a.kind === 'fxs') a.phone.say(samples);
      else a.office.play(samples);
      return { port: a.port, file, seconds: samples.length / 8000 };
    }
    const { port, pbx } = onPort(p, 'sim.play');
    const { file, samples } = await wav(p);
    w.pbx.play(pbx, samples);
    return { port, file, seconds: samples.length / 8000 };
  });

  gateway.addMethod('sim.hangup', (p) => {
    const a = analog(p);
    if (a) {
      // Analog lines carry no cause: the far end drops loop current or goes on hook, which the port maps to cause 16.
      if (p.cause !== undefined) throw new ControlError('invalid-params', `sim.hangup: ${a.port} is an analog line: it clears without a cause (leave out --cause)`);
      if (a.kind === 'fxs') {
        a.phone.onhook();
        return { port: a.port, signal: 'on hook' };
      }
      if (!a.office.offhook) {
        a.office.stopRinging();
        return { port: a.port, signal: 'ringing stopped' };
      }
      a.office.hangup('loopCurrent');
      return { port: a.port, signal: 'loop current drop' };
    }
    const { port, pbx } = onPort(p, 'sim.hangup');
    const cause = p.cause ?? Cause.NORMAL_CLEARING;
    if (!isQ850Cause(cause)) throw new ControlError('invalid-params', `sim.hangup: params.cause ${JSON.stringify(cause)} is not a Q.850 cause (an integer 1..127)`);
    w.pbx.hangup(pbx, cause);
    return { port, cause };
  });

  gateway.addMethod('sim.call', (p) => {
    // The carrier (the SIP trunk peer) places a call to a DID of the gateway; the route decides the line.
    const called = text(p, 'called', 'sim.call')!;
    const calling = text(p, 'calling', 'sim.call', true) ?? SIM_CALL_CALLER;
    const name = text(p, 'name', 'sim.call', true);
    if (!NUMBER.test(called) || !NUMBER.test(calling)) throw new ControlError('invalid-params', 'sim.call: the called and calling numbers are 1 to 32 digits 0-9, *, #');
    try {
      w.peer.call(called, { digits: calling, presentation: 'allowed', ...(name ? { name } : {}) });
    } catch (err) {
      throw new ControlError('failed', `sim.call: ${(err as Error).message}`);
    }
    return { called, calling };
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
