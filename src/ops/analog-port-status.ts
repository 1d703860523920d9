// An analog port (FXO or FXS) as the operator sees it: hook and loop-start
// state from the port, the call through the gateway on it from the registry,
// levels from the card's power meter (native DSP) while the loop is closed.
import type { FxoPort } from '../analog/fxo-port.js';
import type { FxsPort } from '../analog/fxs-port.js';
import type { CallState, CallStatus, PortStatus } from './status-model.js';
import type { StatusRegistry } from './status-registry.js';

/** The call through the gateway whose PSTN leg is on the port (its leg address is `port:1`). */
function callOn(registry: StatusRegistry, port: string): CallStatus | undefined {
  for (const [, c] of registry.calls.entries()) {
    try {
      const s = c.status();
      if (s.port === port || s.port?.startsWith(`${port}:`)) return s;
    } catch {
      // a broken call provider shows up in the registry's own error report
    }
  }
  return undefined;
}

const FXS_STATE: Record<string, CallState> = { idle: 'idle', collecting: 'dialing', ringing: 'alerting', call: 'connected', tone: 'releasing' };

export function analogPortStatus(name: string, kind: 'fxo' | 'fxs', port: FxoPort | FxsPort, registry: StatusRegistry): PortStatus {
  const call = callOn(registry, name);
  const hook = port.hookState;
  const signallingState = kind === 'fxo' ? (port as FxoPort).signallingState : (port as FxsPort).state;
  let callState: CallState;
  if (call) callState = call.state;
  else if (kind === 'fxs') callState = FXS_STATE[signallingState] ?? 'idle';
  else callState = hook === 'ringing' ? 'alerting' : hook === 'off-hook' ? 'seized' : 'idle';
  // Blocked and no call: the row says so (an FXO line busied out holds its loop for no call).
  if (!call && port.blocked && (signallingState === 'idle' || signallingState === 'busy-out')) callState = 'blocked';
  // Audio flows while the loop is closed: FXO off hook towards the office, FXS phone off hook.
  let levels: { rxDbm0: number; txDbm0: number } | null = null;
  if (hook === 'off-hook' && !port.channel.closed) {
    try {
      levels = port.channel.levels();
    } catch {
      levels = null;
    }
  }
  return {
    name,
    kind,
    span: null,
    channel: port.channel.number,
    hook,
    signalling: kind === 'fxo' ? 'fxo-loopstart' : 'fxs-loopstart',
    signallingState,
    callState,
    blocked: port.blocked,
    callId: call?.id ?? null,
    levelRxDbm0: levels ? round1(levels.rxDbm0) : null,
    levelTxDbm0: levels ? round1(levels.txDbm0) : null,
    ...(port.number !== undefined ? { number: port.number } : {}),
  };
}

/** `sipline port block|unblock` on an analog port: the port takes itself out of service; the event says so. */
export function analogPortBlocking(name: string, port: FxoPort | FxsPort, registry: StatusRegistry): { block(): void; unblock(): void } {
  return {
    block: () => {
      port.block();
      registry.publish({ kind: 'port', name, type: 'blocked', port: name, text: `port ${name} blocked` });
    },
    unblock: () => {
      port.unblock();
      registry.publish({ kind: 'port', name, type: 'unblocked', port: name, text: `port ${name} unblocked` });
    },
  };
}

function round1(x: number): number {
  return Math.round(x * 10) / 10;
}
