// What `sipline status --json` shows for a channel: its row carries the call
// on it (caller, callee, codec, duration, jitter, loss), joined from calls,
// for B-channels (by the call id the span gives) and analog lines (by the
// call's port `line:1`); valid against the shipped schema.
import assert from 'node:assert/strict';
import type { CallStatus, PortStatus } from '../../src/ops/status-model.js';
import { StatusRegistry } from '../../src/ops/status-registry.js';
import { schemaValidator } from './daemon-harness.js';

function port(name: string, span: string | null, extra: Partial<PortStatus> = {}): PortStatus {
  return { name, kind: span ? 'pri' : 'fxo', span, channel: 1, hook: span ? 'none' : 'on-hook', signalling: 'x', signallingState: 'idle', callState: 'idle', blocked: false, callId: null, levelRxDbm0: null, levelTxDbm0: null, ...extra };
}

function call(id: string, portName: string, extra: Partial<CallStatus> = {}): CallStatus {
  return { id, direction: 'pstn-to-sip', port: portName, trunk: 't', calling: '5551000', called: '2125550199', state: 'connected', codec: 'PCMU', startedAt: '2026-01-01T00:00:00.000Z', answeredAt: '2026-01-01T00:00:02.000Z', durationS: 12.5, jitterMs: 1.5, lossPct: 0.4, ...extra };
}

describe('status registry: channel rows with their calls', () => {
  it('joins each B-channel and analog line row with the call on it; idle rows get call null', () => {
    const reg = new StatusRegistry();
    reg.ports.add('pri1:23', { status: () => port('pri1:23', 'pri1', { callState: 'connected', callId: 'call-1', levelRxDbm0: -20, levelTxDbm0: -16 }) });
    reg.ports.add('pri1:22', { status: () => port('pri1:22', 'pri1') });
    reg.ports.add('fxo1', { status: () => port('fxo1', null, { hook: 'off-hook', callState: 'connected' }) });
    reg.calls.add('call-1', { status: () => call('call-1', 'pri1:23') });
    reg.calls.add('call-2', { status: () => call('call-2', 'fxo1:1', { calling: '2125550123', called: '5550100', codec: 'PCMA', jitterMs: null, lossPct: null }) });
    const s = reg.snapshot();
    const row = (n: string): PortStatus => s.ports.find((p) => p.name === n)!;
    assert.deepEqual(row('pri1:23').call, { id: 'call-1', calling: '5551000', called: '2125550199', state: 'connected', codec: 'PCMU', durationS: 12.5, jitterMs: 1.5, lossPct: 0.4 });
    assert.equal(row('pri1:22').call, null);
    assert.equal(row('fxo1').call?.id, 'call-2');
    assert.equal(row('fxo1').call?.codec, 'PCMA');
    schemaValidator('status')({
      gateway: { version: '1', pid: 1, startedAt: '2026-01-01T00:00:00.000Z', uptimeS: 1, controlSocket: '/s', metrics: null },
      ...s,
    });
  });

  it('the schema refuses a row without its call field, or a call with an unknown state', () => {
    const reg = new StatusRegistry();
    reg.ports.add('pri1:1', { status: () => port('pri1:1', 'pri1', { callId: 'c' }) });
    reg.calls.add('c', { status: () => call('c', 'pri1:1') });
    const s = reg.snapshot();
    const gateway = { version: '1', pid: 1, startedAt: '2026-01-01T00:00:00.000Z', uptimeS: 1, controlSocket: '/s', metrics: null };
    const validate = schemaValidator('status');
    const { call: _dropped, ...bare } = s.ports[0]!;
    assert.throws(() => validate({ gateway, ...s, ports: [bare] }), /must have required property 'call'/);
    assert.throws(() => validate({ gateway, ...s, ports: [{ ...s.ports[0], call: { ...s.ports[0]!.call, state: 'ringing' } }] }), /must be equal to one of the allowed values/);
  });
});
