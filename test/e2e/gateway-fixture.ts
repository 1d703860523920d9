// A whole gateway on an emulated T1 card: the libpri harness as the PBX on
// the far end of the span's D-channel (attached through the emulated card's
// far-end API), SIPp as the SIP trunk.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CdrStore, type Cdr } from '../../src/call/cdr-store.js';
import { checkConfig, formatConfigError } from '../../src/call/config-check.js';
import type { GatewayConfig } from '../../src/call/gateway-config.js';
import { SimFramePipe } from '../../src/isdn/channel-frame-pipe.js';
import { startGateway, type RunningGateway } from '../../src/ops/start-gateway.js';
import { StatusRegistry } from '../../src/ops/status-registry.js';
import { LibpriPeer } from '../peers/libpri.js';
import type { SippResult } from '../peers/sipp.js';
export { testCertificate } from '../sip/test-certificate.js';
import { tonePower } from '../media/audio-tools.js';
import { eventually } from '../support/waiting.js';

export const PBX_CALLER = '2125550100';

/**
 * gateway.yaml of these tests: one T1 PRI to a PBX, SIP trunks on loopback. The gateway is the
 * network side unless `side: 'user'` (a PRI from a carrier: the far end is the network).
 */
export function gatewayYaml(o: { trunkPorts: number[]; keepalive?: boolean; noAnswerS?: number; extra?: string; routes?: string; sipPort?: number; side?: 'user' | 'network' }): string {
  // OPTIONS keepalive (down after one unanswered probe) on the first trunk, where a test wants it found down.
  const keepalive = (i: number): string => (o.keepalive && i === 0 ? ', keepalive: { interval: 1, failures: 1 }' : '');
  const trunks = o.trunkPorts
    .map((p, i) => `  - { name: carrier${i === 0 ? '' : i + 1}, host: 127.0.0.1, port: ${p}, allowedAddresses: [127.0.0.1]${keepalive(i)}, codecs: [pcmu, telephone-event] }`)
    .join('\n');
  const names = o.trunkPorts.map((_, i) => `carrier${i === 0 ? '' : i + 1}`).join(', ');
  return `version: 1
toneZone: us
cards:
  - name: card0
    profile: sim-t1
    spans:
      - { name: pbx, span: 1, signalling: pri, side: ${o.side ?? 'network'}, switchType: national }
lineGroups:
  - { name: pbx-trunk, lines: [pbx] }
sipTrunks:
${trunks}
routes:
${o.routes ?? `  - { name: pbx-out, from: pstn, match: { called: "_NXXXXXX" }, to: { trunks: [${names}] } }
  - { name: did, from: sip, match: { called: "_4XXX" }, to: { lineGroup: pbx-trunk } }`}
emergency:
  lineGroup: pbx-trunk
  preempt: true
media:
  codecs: [pcmu]
sip: { listen: "127.0.0.1:${o.sipPort ?? 0}" }
calls: { noAnswerTimeout: ${o.noAnswerS ?? 30} }
cdr: { database: cdr.sqlite }
${o.extra ?? ''}`;
}

/** The CDR rows in `dir`'s cdr.sqlite once there are `count` of them (the writer batches its rows). */
export function cdrRows(dir: string, count: number): Promise<Cdr[]> {
  return eventually(`${count} CDR row(s)`, () => {
    const db = new CdrStore(join(dir, 'cdr.sqlite'), { readonly: true });
    const rows = db.query();
    db.close();
    assert.ok(rows.length >= count, `${rows.length} so far`);
    return rows;
  });
}

export function assertSipp(r: SippResult, what: string): void {
  assert.equal(r.code, 0, `SIPp (${what}) failed:\n${r.output}`);
}

export function parseConfig(yaml: string): GatewayConfig {
  const r = checkConfig(yaml, 'gateway.yaml', {});
  if (!r.ok) throw new Error(r.errors.map(formatConfigError).join('\n'));
  return r.config;
}

/** A gateway of one analog card (`profile`, `ports` lines of YAML) and one trunk, in a temp dir. */
export async function startAnalogGateway(o: { profile: string; ports: string; trunkPort: number; lineGroups?: string; routes: string; trustedTrunk?: boolean }): Promise<{
  gw: RunningGateway;
  registry: StatusRegistry;
  /** CDR rows once there are `count` of them. */
  rows(count: number): Promise<Cdr[]>;
  close(): Promise<void>;
}> {
  const dir = mkdtempSync(join(tmpdir(), 'sipline-e2e-'));
  const registry = new StatusRegistry();
  const gw = await startGateway(
    parseConfig(`version: 1
toneZone: us
cards:
  - name: analog
    profile: ${o.profile}
    ports:
${o.ports}
${o.lineGroups ?? ''}
sipTrunks:
  - { name: pbx, host: 127.0.0.1, port: ${o.trunkPort}, allowedAddresses: [127.0.0.1], codecs: [pcmu, telephone-event]${o.trustedTrunk ? ', trusted: true' : ''} }
routes:
${o.routes}
sip: { listen: "127.0.0.1:0" }
cdr: { database: cdr.sqlite }
`),
    { baseDir: dir, registry },
  );
  return {
    gw,
    registry,
    rows: (count) => cdrRows(dir, count),
    async close() {
      await gw.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

export interface TestGateway {
  gw: RunningGateway;
  registry: StatusRegistry;
  pbx: LibpriPeer;
  dir: string;
  logs: string[];
  close(): Promise<void>;
}

/** Starts the gateway and the PBX far end; resolves once the D-channel is up and restarted. */
export async function startTestGateway(yaml: string, registry = new StatusRegistry()): Promise<TestGateway> {
  const dir = mkdtempSync(join(tmpdir(), 'sipline-e2e-'));
  const logs: string[] = [];
  const config = parseConfig(yaml);
  const gw = await startGateway(config, { baseDir: dir, registry, log: (m) => logs.push(m) });
  const access = gw.simSpan('pbx');
  if (!access) throw new Error('span pbx is not on an emulated card');
  // libpri takes the other side of the span from the gateway's.
  const ours = config.cards.flatMap((c) => c.spans ?? []).find((s) => s.name === 'pbx')?.side ?? 'network';
  const pbx = new LibpriPeer({ side: ours === 'network' ? 'user' : 'network', switchType: 'national', span: 't1' });
  const far = new SimFramePipe(access.sim, access.dChannel);
  // The harness's frames go onto the emulated D-channel and back.
  pbx.pipe.on('frame', (f) => far.send(f));
  far.on('frame', (f) => pbx.pipe.send(f));
  const span = gw.spans.get('pbx')!;
  await eventually('span pbx to come up with free channels', () => {
    assert.ok(span.freeChannels() > 0, `libpri said:\n${pbx.output}`);
    return true;
  }, { timeoutMs: 15000 });
  return {
    gw,
    registry,
    pbx,
    dir,
    logs,
    async close() {
      await gw.close();
      await pbx.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** The B-channel of the (only) call in progress, from the status the gateway keeps. */
export async function channelOfCall(t: TestGateway): Promise<number> {
  const port = await eventually('a call with a B-channel in status', () => {
    const port = t.registry.snapshot().calls[0]?.port;
    assert.ok(port, `gateway log:\n${t.logs.join('\n')}`);
    return port;
  });
  return Number(port.split(':')[1]);
}

/** Waits until port `name` (an analog port) is in signalling state `state` (collecting: dial tone, digits wanted). */
export async function portInState(registry: StatusRegistry, name: string, state: string): Promise<void> {
  await eventually(`port ${name} to be ${state}`, () => {
    assert.equal(registry.snapshot().ports.find((p) => p.name === name)?.signallingState, state);
    return true;
  });
}

/** Waits until the (only) call in status is in `state`. */
export async function callInState(registry: StatusRegistry, state: string): Promise<void> {
  await eventually(`the call to be ${state}`, () => {
    assert.equal(registry.snapshot().calls[0]?.state, state);
    return true;
  });
}

/** Power of one frequency in the samples, relative to the total (Goertzel). */
export function toneShare(samples: Int16Array, hz: number): number {
  let total = 0;
  for (const x of samples) total += x * x;
  return total === 0 ? 0 : (2 * tonePower(samples, hz)) / (samples.length * total);
}
