// `sipline demo`: the gateway (startGateway, with a generated gateway.yaml)
// on the emulated cards sim-mixed (one T1 PRI span and four FXO ports) and
// sim-fxs4 (two of its FXS ports used), with no hardware and no trunk. A
// simulated legacy PBX sits on the user side of the span (our Q.931 stack in
// the user role over the card's far-end D-channel), a simulated central
// office on the FXO ports, a simulated phone on each FXS port, and a SIP
// trunk peer on loopback stands in for the carrier. A call script places calls both
// ways with caller ID and DTMF, so that `sipline status --watch` has lines
// ringing, talking and hanging up.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { checkConfig, formatConfigError } from '../call/config-check.js';
import { loadDaemonConfig } from '../ops/daemon-config.js';
import { Gateway } from '../ops/gateway.js';
import { startGateway } from '../ops/start-gateway.js';
import { CentralOffice } from './central-office.js';
import { DemoCallScript } from './demo-call-script.js';
import { SimPbx } from './pbx.js';
import { Phone } from './phone.js';
import { SipTrunkPeer } from './sip-trunk-peer.js';
import { registerSimMethods } from './sim-methods.js';

export interface DemoOptions {
  version: string;
  /** Control socket path; by default one in a new folder under $XDG_RUNTIME_DIR or the temp folder. */
  socket?: string;
  /** Drive the call script (default true); false leaves the lines to `sipline sim`. */
  calls?: boolean;
  /** One line per thing the demo does. */
  say?: (line: string) => void;
  /** Scales the script's pauses and call lengths. */
  pace?: number;
}

export interface Demo {
  socket: string;
  configPath: string;
  logPath: string;
  gateway: Gateway;
  sipPeerPort: number;
  stop(): Promise<void>;
}

export const SPAN = 'pri1';
const FXO_PORTS = ['fxo1', 'fxo2', 'fxo3', 'fxo4'];
export const FXS_PORTS = ['fxs1', 'fxs2'];
/** The phones' own numbers (DIDs of the did-phones route) and caller names. */
export const FXS_NUMBERS = ['5550201', '5550202'];
const FXS_NAMES = ['Lobby', 'Workshop'];

/** The generated gateway.yaml: the PBX's and the phones' calls go to the trunk; the trunk's calls to 5551xxx go to the PBX, to 55502xx to the phones. */
export function demoConfigYaml(socket: string, trunkPort: number): string {
  return `# written by sipline demo: the emulated card sim-mixed, a SIP trunk peer on loopback
version: 1
toneZone: us
control: { socket: ${JSON.stringify(socket)} }
log: { level: info }
cards:
  - name: sim
    profile: sim-mixed
    spans:
      - { name: ${SPAN}, span: 1, signalling: pri, side: network, switchType: national, framing: esf, coding: b8zs }
    ports:
${FXO_PORTS.map((p, i) => `      - { name: ${p}, port: ${i + 1}, signalling: fxo, number: "555010${i + 1}", destination: "5550100", callerId: bell202, answerOnRing: 2, answerSupervision: polarity-reversal${i === 3 ? ', whenBlocked: busy-out' : ''} }`).join('\n')}
  - name: phones
    profile: sim-fxs4
    ports:
${FXS_PORTS.map((p, i) => `      - { name: ${p}, port: ${i + 1}, signalling: fxs, callerId: bell202, number: "${FXS_NUMBERS[i]}", callerName: "${FXS_NAMES[i]}" }`).join('\n')}
lineGroups:
  - { name: pbx, lines: [${SPAN}] }
  - { name: office, lines: [${FXO_PORTS.join(', ')}] }
  - { name: phones, lines: [${FXS_PORTS.join(', ')}] }
sipTrunks:
  - { name: trunk, host: 127.0.0.1, port: ${trunkPort}, allowedAddresses: [127.0.0.1], codecs: [pcmu, telephone-event] }
routes:
  - { name: to-trunk, from: pstn, to: { trunks: [trunk] } }
  - { name: did-pbx, from: sip, match: { called: "_5551XXX" }, to: { lineGroup: pbx } }
  - { name: did-phones, from: sip, match: { called: "_55502XX" }, to: { lineGroup: phones } }
  - { name: out-office, from: sip, match: { called: "_NXXNXXXXXX" }, to: { lineGroup: office } }
emergency:
  lineGroup: office
media:
  codecs: [pcmu]
sip: { listen: "127.0.0.1:0" }
calls: { noAnswerTimeout: 30 }
`;
}

export async function startDemo(options: DemoOptions): Promise<Demo> {
  const say = options.say ?? (() => {});
  const auto = options.calls ?? true;
  const pace = options.pace ?? 1;
  const dir = await mkdtemp(join(process.env.XDG_RUNTIME_DIR || tmpdir(), 'sipline-demo-'));
  const socket = options.socket ?? join(dir, 'control.sock');
  const configPath = join(dir, 'gateway.yaml');
  const logPath = join(dir, 'gateway.log');

  const cleanups: (() => void | Promise<void>)[] = [];
  const cleanup = async (): Promise<void> => {
    for (const c of cleanups.reverse()) {
      try {
        await c();
      } catch {
        // best effort: the rest still closes
      }
    }
    await rm(dir, { recursive: true, force: true });
  };

  try {
    // The trunk peer first: the generated config names its port.
    const peer = await SipTrunkPeer.start({ answerAfterMs: auto ? 1500 * pace : null });
    cleanups.push(() => peer.stop());
    peer.on('said', say);
    peer.on('digit', (call, digit) => say(`SIP trunk: DTMF ${digit} arrived as RFC 4733 on the call from ${call.from.digits}`));

    const yaml = demoConfigYaml(socket, peer.port);
    await writeFile(configPath, yaml);
    const checked = checkConfig(yaml, configPath);
    if (!checked.ok) throw new Error(`the generated config is not valid:\n${checked.errors.map(formatConfigError).join('\n')}`);
    const daemonConfig = await loadDaemonConfig(configPath);
    const log = pino({ level: daemonConfig.logLevel, base: { pid: process.pid } }, pino.destination({ dest: logPath, sync: true }));
    const gateway = new Gateway({ config: daemonConfig, configPath, log, version: options.version });

    const running = await startGateway(checked.config, { baseDir: dir, registry: gateway.registry, log: (msg, detail) => log.info(detail ?? {}, msg) });
    cleanups.push(() => running.close());
    await peer.setGateway({ host: '127.0.0.1', port: running.sipPort });

    const access = running.simSpan(SPAN)!;
    const pri = running.spans.get(SPAN)!;
    const firstChannel = access.bChannel(1);

    const pbx = new SimPbx({ sim: access.sim, firstChannel, dchannel: access.dChannel, answerAfterMs: auto ? 2500 * pace : null });
    cleanups.push(() => pbx.close());
    pbx.on('said', say);
    await pbx.start();
    // Q.931 clause 5.5: the gateway restarts the interface at link-up; channels are offered once the PBX acknowledges.
    const deadline = Date.now() + 15_000;
    while (pri.freeChannels() === 0) {
      if (Date.now() > deadline) throw new Error('the span did not come up: no RESTART ACKNOWLEDGE from the simulated PBX within 15 s');
      await new Promise((r) => setTimeout(r, 20));
    }
    say(`span ${SPAN}: D-channel up between the gateway (network side) and the simulated PBX (user side)`);

    const offices = new Map(
      FXO_PORTS.map((p) => {
        const at = running.simPort(p)!;
        const office = new CentralOffice(at.sim, at.channel, { zone: 'us' });
        cleanups.push(() => office.close());
        return [p, office] as const;
      }),
    );

    const phones = new Map(
      FXS_PORTS.map((p) => {
        const at = running.simPort(p)!;
        const phone = new Phone(at.sim, at.channel);
        cleanups.push(() => phone.close());
        return [p, phone] as const;
      }),
    );

    registerSimMethods(gateway, { sim: access.sim, spanName: SPAN, spanNumber: 1, pbx, peer, offices, phones });
    await gateway.start();
    cleanups.push(async () => {
      await gateway.shutdown();
      // Let the releases reach the PBX and the trunk (DISCONNECT, BYE) before the line and the peer close.
      await new Promise((r) => setTimeout(r, 300));
    });

    if (auto) {
      const script = new DemoCallScript({ pbx, peer, offices, phones, say, pace });
      // Runs first on stop (cleanups run in reverse): no new call once stopping.
      cleanups.push(() => script.stop());
      script.start();
    }
    return { socket, configPath, logPath, gateway, sipPeerPort: peer.port, stop: cleanup };
  } catch (err) {
    await cleanup();
    throw err;
  }
}
