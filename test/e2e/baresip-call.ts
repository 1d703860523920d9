// baresip as a TLS trunk of the whole gateway: started with the test's
// throwaway certificate, and a call's audio checked both ways (the PBX plays
// 600 Hz into the gateway, baresip plays its 1 kHz tone file).
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { concatSamples, sineSignal } from '../../src/sim/sim-signals.js';
import { startBaresip, type Baresip } from '../peers/baresip.js';
import { channelOfCall, gatewayYaml, testCertificate, toneShare, type TestGateway } from './gateway-fixture.js';
import { eventually } from '../support/waiting.js';

type BaresipOptions = Parameters<typeof startBaresip>[0];

/** The fixture's gateway.yaml with sip.transport tls and its one trunk over TLS to `port` with `srtp`. */
/**
 * Registers the enclosing suite's hooks for a temporary directory holding a
 * test certificate for `san`, removed after the suite; read `pem` in tests.
 */
export function tlsSuiteCertificate(prefix: string, san?: string): { dir: string; pem: { cert: string; key: string } } {
  const suite = { dir: '', pem: { cert: '', key: '' } };
  before(() => {
    suite.dir = mkdtempSync(join(tmpdir(), prefix));
    suite.pem = testCertificate(suite.dir, san);
  });
  after(() => rmSync(suite.dir, { recursive: true, force: true }));
  return suite;
}

export function tlsGatewayYaml(port: number, pem: { cert: string; key: string }, srtp: string, trust = `ca: "${pem.cert}"`): string {
  return gatewayYaml({ trunkPorts: [port] })
    .replace('codecs: [pcmu, telephone-event] }', `codecs: [pcmu, telephone-event], transport: tls, srtp: ${srtp} }`)
    .replace('sip: { listen: "127.0.0.1:0" }', `sip: { listen: "127.0.0.1:0", transport: tls, tls: { certificate: "${pem.cert}", key: "${pem.key}", ${trust} } }`);
}

/** baresip on PCMU over TLS, trusting and presenting `pem` (its TLS port is `port` + 1). */
export function tlsBaresip(pem: { cert: string; key: string }, opts: Omit<BaresipOptions, 'codec' | 'tls'>): Promise<Baresip> {
  const cert = readFileSync(pem.cert, 'utf8');
  return startBaresip({ codec: 'PCMU', sipTrace: true, ...opts, tls: { certAndKey: `${cert}${readFileSync(pem.key, 'utf8')}`, ca: cert } });
}

export interface TonesHeard {
  /** baresip's output, with its SIP trace. */
  out: string;
  /** The last 0.5 s the PBX heard on the B-channel. */
  atPbx: Int16Array;
  /** 1 s of what baresip recorded, before its last 0.5 s. */
  atBaresip: Int16Array;
}

/** On the PBX's answered call `id` (baresip recording): 2 s of tones both ways, then the PBX hangs up with cause 16. */
export async function exchangeTones(t: TestGateway, b: Baresip, id: string): Promise<TonesHeard> {
  await b.waitFor(/Call established/);
  const access = t.gw.simSpan('pbx')!;
  const channel = access.bChannel(await channelOfCall(t));
  access.sim.receiveAudio(channel);
  const heard: Int16Array[] = [];
  const poll = setInterval(() => heard.push(access.sim.receiveAudio(channel)), 20);
  access.sim.sendAudio(channel, sineSignal(600, 2000));
  await eventually('2 s of audio at the PBX', () => concatSamples(heard).length >= 16000);
  clearInterval(poll);
  t.pbx.command(`hangup ${id} 16`);
  await b.waitFor(/terminated|session closed/);
  const played = await b.finalRecording(12000);
  return { out: b.output(), atPbx: concatSamples(heard).subarray(-4000), atBaresip: played.subarray(Math.max(0, played.length - 12000), played.length - 4000) };
}

export function assertTonesCrossed(r: TonesHeard): void {
  assert.ok(toneShare(r.atPbx, 1000) > 0.3, `the PBX hears baresip's 1000 Hz (share ${toneShare(r.atPbx, 1000).toFixed(2)} of ${r.atPbx.length} samples)`);
  assert.ok(toneShare(r.atBaresip, 600) > 0.3, `baresip hears the PBX's 600 Hz (share ${toneShare(r.atBaresip, 600).toFixed(2)} of ${r.atBaresip.length} samples)`);
}
