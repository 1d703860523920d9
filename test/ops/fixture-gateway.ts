// A test fixture that plays the parts of the gateway (spans, channels, trunks,
// a call) towards the operator side, until the real parts plug in. Used
// in-process by the tests and, run as a script, as a daemon:
//   node dist/test/ops/fixture-gateway.js CONFIG [PIDFILE]
import { pathToFileURL } from 'node:url';
import type { Gateway } from '../../src/ops/gateway.js';
import { runDaemon } from '../../src/ops/daemon.js';
import type { CallStatus, PortStatus, SpanStatus, TrunkStatus } from '../../src/ops/status-model.js';

export interface Fixture {
  spans: Map<string, SpanStatus>;
  ports: Map<string, PortStatus>;
  trunks: Map<string, TrunkStatus>;
  calls: Map<string, CallStatus>;
  hangups: { call: string; cause: number }[];
  restarts: string[];
}

export function addFixture(gateway: Gateway): Fixture {
  const reg = gateway.registry;
  const fx: Fixture = { spans: new Map(), ports: new Map(), trunks: new Map(), calls: new Map(), hangups: [], restarts: [] };
  const started = new Date(Date.now() - 83_000).toISOString();

  const spans: SpanStatus[] = [
    { name: 'span1', type: 'E1', framing: 'CRC4', lineCoding: 'HDB3', alarms: [], dchannel: 'up', counters: { bpv: 0, crc4: 3, slips: 0 }, channels: 30 },
    { name: 'span2', type: 'T1', framing: 'ESF', lineCoding: 'B8ZS', alarms: ['RED'], dchannel: 'down', counters: { bpv: 17, slips: 2 }, channels: 23 },
  ];
  for (const s of spans) {
    fx.spans.set(s.name, s);
    reg.spans.add(s.name, {
      status: () => ({ ...s }),
      restart: () => {
        fx.restarts.push(s.name);
        reg.publish({ kind: 'span', name: s.name, type: 'restarted', span: s.name, text: `span ${s.name} restarted by the operator` });
      },
    });
  }

  const port = (p: Partial<PortStatus> & Pick<PortStatus, 'name' | 'kind' | 'channel'>): PortStatus => ({
    span: null,
    hook: 'none',
    signalling: 'pri-cpe',
    signallingState: 'U0',
    callState: 'idle',
    blocked: false,
    callId: null,
    levelRxDbm0: null,
    levelTxDbm0: null,
    ...p,
  });
  const ports: PortStatus[] = [
    port({ name: 'span1:1', kind: 'pri', span: 'span1', channel: 1, signallingState: 'U10', callState: 'connected', callId: 'c1', levelRxDbm0: -12.5, levelTxDbm0: -18.25 }),
    port({ name: 'span1:2', kind: 'pri', span: 'span1', channel: 2 }),
    port({ name: 'span2:1', kind: 'pri', span: 'span2', channel: 1, signalling: 'pri-net' }),
    port({ name: 'fxo1', kind: 'fxo', channel: 1, hook: 'on-hook', signalling: 'loopstart', signallingState: 'ringing', callState: 'alerting', levelRxDbm0: -41 }),
  ];
  for (const p of ports) {
    fx.ports.set(p.name, p);
    const set = (blocked: boolean): void => {
      p.blocked = blocked;
      p.callState = blocked ? 'blocked' : p.callId ? 'connected' : 'idle';
      reg.publish({ kind: 'port', name: p.name, type: blocked ? 'blocked' : 'unblocked', port: p.name, ...(p.span ? { span: p.span } : {}), text: `port ${p.name} ${blocked ? 'blocked' : 'unblocked'} by the operator` });
    };
    reg.ports.add(p.name, { status: () => ({ ...p }), block: () => set(true), unblock: () => set(false) });
  }

  const trunks: TrunkStatus[] = [
    { name: 'carrier', state: 'registered', lastError: null, registrations: 1 },
    { name: 'backup', state: 'down', lastError: '408 Request Timeout', registrations: 0 },
  ];
  for (const t of trunks) {
    fx.trunks.set(t.name, t);
    reg.trunks.add(t.name, { status: () => ({ ...t }) });
  }

  const call: CallStatus = {
    id: 'c1',
    direction: 'pstn-to-sip',
    port: 'span1:1',
    trunk: 'carrier',
    calling: '5551234',
    called: '18005550100',
    state: 'connected',
    codec: 'PCMA',
    startedAt: started,
    answeredAt: started,
    durationS: 83,
    jitterMs: 2.5,
    lossPct: 0.4,
  };
  fx.calls.set(call.id, call);
  const removeCall = reg.calls.add(call.id, {
    status: () => ({ ...call, durationS: (Date.now() - Date.parse(call.startedAt)) / 1000 }),
    hangup: (cause) => {
      fx.hangups.push({ call: call.id, cause });
      removeCall();
      fx.calls.delete(call.id);
      const p = fx.ports.get('span1:1');
      if (p) Object.assign(p, { callState: 'idle', callId: null, signallingState: 'U0', levelRxDbm0: null, levelTxDbm0: null });
      reg.publish({ kind: 'call', name: call.id, type: 'released', call: call.id, port: 'span1:1', span: 'span1', cause, text: `call ${call.id} released, cause ${cause}` });
    },
  });
  reg.publish({ kind: 'trunk', name: 'carrier', type: 'registered', trunk: 'carrier', text: 'trunk carrier registered' });
  reg.publish({ kind: 'span', name: 'span2', type: 'alarm', span: 'span2', text: 'span span2 RED alarm' });
  reg.publish({ kind: 'call', name: 'c1', type: 'incoming', call: 'c1', port: 'span1:1', span: 'span1', text: 'call c1 from 5551234 to 18005550100' });
  reg.publish({ kind: 'call', name: 'c1', type: 'answered', call: 'c1', port: 'span1:1', span: 'span1', text: 'call c1 answered' });

  gateway.onReload((next) => gateway.log.info({ logLevel: next.logLevel }, 'fixture: reload hook ran'));
  gateway.onShutdown(() => gateway.log.info({ hangups: fx.hangups }, 'fixture: shutdown hook ran'));
  return fx;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const [configPath, pidFile] = process.argv.slice(2);
  if (configPath === undefined) throw new Error('usage: fixture-gateway.js CONFIG [PIDFILE]');
  runDaemon({ configPath, ...(pidFile ? { pidFile } : {}), version: 'fixture', setup: (g) => void addFixture(g) }).then(
    (code) => process.exit(code),
    (err: unknown) => {
      process.stderr.write(`fixture-gateway: ${err instanceof Error ? err.message : String(err)}\n`);
      process.exit(1);
    },
  );
}
