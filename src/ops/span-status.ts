// The gateway's PRI span as the operator sees it: the span (alarms, counters,
// D-channel), its B-channels as ports (Q.931 state, levels from the card's
// DSP) and the calls on it, registered with the status registry, and their
// events published there. Everything shown is read from the card and the
// Q.931 stack at the moment of the request.
import type { Card } from '../hw/card.js';
import { CallState } from '../isdn/call-state.js';
import type { PriCall } from '../isdn/pri-call.js';
import type { PriSpan } from '../isdn/pri-span.js';
import type { StatusRegistry } from './status-registry.js';
import type { CallState as LineCallState, PortStatus, SpanStatus } from './status-model.js';

export interface SpanStatusOptions {
  registry: StatusRegistry;
  card: Card;
  /** The card's span number (1-based). */
  spanNumber: number;
  /** Card channel number of B-channel 1. */
  firstChannel: number;
  pri: PriSpan;
  framing: string;
  lineCoding: string;
  /** Register the span itself too (false when the gateway assembly already does). */
  spanProvider?: boolean;
}

/** Q.931 call state to the operator's call state. */
function lineState(s: CallState): LineCallState {
  switch (s) {
    case CallState.Null: return 'idle';
    case CallState.CallInitiated:
    case CallState.OverlapSending:
    case CallState.OverlapReceiving: return 'dialing';
    case CallState.OutgoingCallProceeding:
    case CallState.IncomingCallProceeding:
    case CallState.CallPresent: return 'proceeding';
    case CallState.CallDelivered:
    case CallState.CallReceived:
    case CallState.ConnectRequest: return 'alerting';
    case CallState.Active: return 'connected';
    default: return 'releasing';
  }
}

/** Registers the span, its B-channels and its calls; returns the function that removes them. */
export function registerSpanStatus(o: SpanStatusOptions): () => void {
  const { registry, card, pri } = o;
  const name = pri.name;
  const hwSpan = card.span(o.spanNumber);
  const routedCall = (port: string): string | undefined => {
    for (const [id, c] of registry.calls.entries()) {
      try {
        if (c.status().port === port) return id;
      } catch {
        // a broken call provider shows up in the registry's own error report
      }
    }
    return undefined;
  };
  const callOn = (b: number): PriCall | undefined => pri.activeCalls.find((c) => c.channel === b && !c.isReleased);
  const removers: (() => void)[] = [];

  if (o.spanProvider !== false) removers.push(
    registry.spans.add(name, {
      status: (): SpanStatus => {
        const s = hwSpan.status();
        return {
          name,
          type: pri.type.toUpperCase(),
          framing: o.framing,
          lineCoding: o.lineCoding,
          alarms: s.alarmNames.map((a) => a.toUpperCase()),
          dchannel: pri.isUp ? 'up' : 'down',
          counters: { bpv: s.bpvCount, crc4: s.crc4Count, ebit: s.ebitCount, fas: s.fasCount },
          channels: pri.channelNumbers.length,
        };
      },
      restart: () => pri.restart('interface'),
    }),
  );

  for (const b of pri.channelNumbers) {
    const port = `${name}:${b}`;
    const channel = card.channel(o.firstChannel + b - 1);
    removers.push(
      registry.ports.add(port, {
        status: (): PortStatus => {
          const call = callOn(b);
          const state = pri.channelState(b);
          const talking = call !== undefined && call.state === CallState.Active;
          const levels = talking ? channel.levels() : null;
          return {
            name: port,
            kind: 'pri',
            span: name,
            channel: b,
            hook: 'none',
            signalling: pri.side === 'network' ? 'pri-net' : 'pri-cpe',
            signallingState: state?.call ?? `${pri.side === 'network' ? 'N' : 'U'}0`,
            callState: state && state.service !== 0 ? 'blocked' : call ? lineState(call.state) : 'idle',
            blocked: state !== undefined && state.service !== 0,
            // The call through the gateway on this channel (the router registers it), else the span's own call.
            callId: call ? (routedCall(port) ?? null) : null,
            levelRxDbm0: levels ? round1(levels.rxDbm0) : null,
            levelTxDbm0: levels ? round1(levels.txDbm0) : null,
          };
        },
        block: () => pri.setChannelService(b, 2),
        unblock: () => pri.setChannelService(b, 0),
      }),
    );
  }

  const onUp = (): void => void registry.publish({ kind: 'span', name, type: 'dchannel-up', span: name, text: `span ${name}: D-channel up` });
  const onDown = (): void => void registry.publish({ kind: 'span', name, type: 'dchannel-down', span: name, text: `span ${name}: D-channel down` });
  // The gateway assembly publishes the D-channel's changes itself when it registers the span.
  if (o.spanProvider !== false) {
    pri.signalling.on('up', onUp);
    pri.signalling.on('down', onDown);
  }
  const onAlarm = (alarms: string[]): void =>
    void registry.publish({ kind: 'span', name, type: 'alarm', span: name, text: `span ${name}: alarm ${alarms.map((a) => a.toUpperCase()).join(', ')}` });
  const onNoAlarm = (): void => void registry.publish({ kind: 'span', name, type: 'alarm-cleared', span: name, text: `span ${name}: alarms cleared` });
  hwSpan.on('alarm', onAlarm);
  hwSpan.on('noAlarm', onNoAlarm);
  removers.push(() => {
    pri.signalling.off('up', onUp);
    pri.signalling.off('down', onDown);
    hwSpan.off('alarm', onAlarm);
    hwSpan.off('noAlarm', onNoAlarm);
  });

  return () => {
    for (const r of removers) r();
  };
}

function round1(x: number): number {
  return Math.round(x * 10) / 10;
}
