import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { createSocket } from 'node:dgram';
import { mkdirSync, readdirSync, rmSync, statSync, symlinkSync } from 'node:fs';
import { join } from 'node:path';
import { startSipp } from '../peers/sipp.js';
import { reservePort } from '../support/ports.js';
import { decodeHep3 } from '../ops/hep-decoder.js';
import { eventually, quietFor } from '../support/waiting.js';
import { assertSipp, callInState, gatewayYaml, startTestGateway, type TestGateway } from './gateway-fixture.js';

function tshark(args: string[]): string {
  const r = spawnSync('tshark', args, { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  if (r.error) throw new Error(`tshark could not run (${r.error.message}): apt-get install tshark`);
  if (r.status !== 0) throw new Error(`tshark ${args.join(' ')} exited ${r.status}: ${r.stderr}`);
  return r.stdout;
}

/** tshark verifies every checksum, so a wrong one is an expert error too. */
const CHECKSUMS = ['-o', 'ip.check_checksum:TRUE', '-o', 'udp.check_checksum:TRUE', '-o', 'tcp.check_checksum:TRUE'];
/** Anything tshark finds wrong in a frame: a malformed packet, a bad checksum, an expert error or warning. */
const BROKEN = '_ws.malformed || _ws.expert.severity >= 6291456 || ip.checksum.status == 0 || udp.checksum.status == 0';

interface SipRow {
  src: string;
  dst: string;
  callId: string;
  /** Method of a request, status code of a response. */
  what: string;
}

/** The SIP messages of one pcap file in frame order, SIP decoded on the gateway's port. */
function sipRows(file: string, sipPort: number): SipRow[] {
  const out = tshark(['-r', file, '-d', `udp.port==${sipPort},sip`, '-Y', 'sip', '-T', 'fields', '-E', 'separator=|', '-e', 'ip.src', '-e', 'udp.srcport', '-e', 'ip.dst', '-e', 'udp.dstport', '-e', 'sip.Call-ID', '-e', 'sip.Method', '-e', 'sip.Status-Code']);
  return out
    .split('\n')
    .filter((l) => l.length > 0)
    .map((l) => {
      const [ip, sport, dip, dport, callId, method, status] = l.split('|');
      return { src: `${ip}:${sport}`, dst: `${dip}:${dport}`, callId: callId ?? '', what: method || status || '' };
    });
}

/** One call's messages as "what src->dst", a retransmission (the same message again) counted once. */
function flow(rows: SipRow[], callId: string): string[] {
  const lines = rows.filter((r) => r.callId === callId).map((r) => `${r.what} ${r.src}->${r.dst}`);
  return lines.filter((l, i) => l !== lines[i - 1]);
}

/** A SIP -> PSTN call: SIPp's INVITE to a DID, the PBX alerts and answers, SIPp hangs up. */
async function didCall(t: TestGateway): Promise<number> {
  // A port of its own for each call: the test tells the calls apart by it.
  const uac = await startSipp({ scenario: 'gw-uac-call.xml', transport: 'udp', remote: `127.0.0.1:${t.gw.sipPort}`, service: '4321', keys: { calling: '3125550199' }, port: await reservePort() });
  // SIPp's start and the INVITE's way to a SETUP can take a while on a loaded CI machine.
  const ring = await t.pbx.waitFor('ring', { called: '4321' }, 15_000);
  const id = ring.fields.id!;
  t.pbx.command(`alert ${id}`);
  await callInState(t.registry, 'alerting');
  t.pbx.command(`answer ${id}`);
  await t.pbx.waitFor(['disconnect', 'hangup'], { id });
  assertSipp(await uac.done, 'SIPp calls the DID');
  return uac.port;
}

describe('traces of a running gateway: sip.pcap and dchannel-<span>.pcap read by tshark and sngrep, SIP to a HEP collector @slow', function () {
  this.timeout(90000);

  it('traces every SIP message of real calls with their addresses, rotates at the size limit keeping maxFiles, and sends the same messages as HEP v3', async () => {
    const collector = createSocket('udp4');
    const hep: Buffer[] = [];
    collector.on('message', (m) => hep.push(m));
    await new Promise<void>((r) => collector.bind(0, '127.0.0.1', () => r()));
    const trunkPort = await reservePort();
    const t = await startTestGateway(
      gatewayYaml({ trunkPorts: [trunkPort], extra: `traces: { directory: traces, maxFileSize: 4096, maxFiles: 3, hep: { collector: "127.0.0.1:${collector.address().port}", captureId: 42 } }` }),
    );
    let running = true;
    try {
      const gw = `127.0.0.1:${t.gw.sipPort}`;
      const sippPorts: number[] = [];
      for (let i = 0; i < 4; i++) sippPorts.push(await didCall(t));
      // Closing the gateway writes out what the traces still hold.
      await t.gw.close();
      running = false;
      const dir = join(t.dir, 'traces');

      // Rotation: three files of at most 4096 octets, the oldest messages gone.
      const sipFiles = readdirSync(dir).filter((f) => f.startsWith('sip.pcap')).sort();
      assert.deepEqual(sipFiles, ['sip.pcap', 'sip.pcap.1', 'sip.pcap.2']);
      for (const f of sipFiles) assert.ok(statSync(join(dir, f)).size <= 4096, `${f}: ${statSync(join(dir, f)).size} octets`);
      const rows = ['sip.pcap.2', 'sip.pcap.1', 'sip.pcap'].flatMap((f) => sipRows(join(dir, f), t.gw.sipPort));
      const invites = rows.filter((r) => r.what === 'INVITE');
      assert.ok(invites.length > 0, 'INVITEs in the trace');
      assert.ok(
        !invites.some((r) => r.src === `127.0.0.1:${sippPorts[0]}`),
        `the first call's INVITE went with the oldest file: ${rows.map((r) => `${r.what} ${r.src}`).join(', ')}`,
      );

      // The last call, whole, with SIPp's and the gateway's real addresses.
      const last = invites[invites.length - 1]!;
      const sipp = `127.0.0.1:${sippPorts[3]}`;
      assert.equal(last.src, sipp);
      assert.deepEqual(flow(rows, last.callId), [
        `INVITE ${sipp}->${gw}`,
        `100 ${gw}->${sipp}`,
        `180 ${gw}->${sipp}`,
        `200 ${gw}->${sipp}`,
        `ACK ${sipp}->${gw}`,
        `BYE ${sipp}->${gw}`,
        `200 ${gw}->${sipp}`,
      ]);

      // Nothing tshark finds wrong, checksums included; the files are IP datagrams (LINKTYPE_RAW).
      for (const f of sipFiles) {
        assert.equal(tshark(['-r', join(dir, f), ...CHECKSUMS, '-d', `udp.port==${t.gw.sipPort},sip`, '-Y', BROKEN, '-T', 'fields', '-e', 'frame.number', '-e', '_ws.expert.message']).trim(), '', `${f} has broken frames`);
        assert.match(tshark(['-r', join(dir, f), '-c', '1', '-T', 'fields', '-e', 'frame.protocols']), /^raw:ip:udp/);
      }

      // sngrep reads the files (merged in time order by mergecap) and finds every message of each
      // dialog whose INVITE is still there (it leaves out dialogs it sees no start of).
      if (spawnSync('sngrep', ['-V']).error) throw new Error('sngrep is not installed: apt-get install sngrep (scripts/setup does it)');
      const merged = join(t.dir, 'merged.pcap');
      const m = spawnSync('mergecap', ['-w', merged, ...sipFiles.map((f) => join(dir, f))], { encoding: 'utf8' });
      assert.equal(m.status, 0, `mergecap (apt-get install wireshark-common): ${m.stderr}`);
      const again = join(t.dir, 'sngrep.pcap');
      const s = spawnSync('sngrep', ['-N', '-q', '-I', merged, '-O', again], { encoding: 'utf8', timeout: 20000 });
      assert.equal(s.status, 0, `sngrep -I: ${s.stderr}`);
      const started = new Set(invites.map((r) => r.callId));
      assert.deepEqual(
        sipRows(again, t.gw.sipPort),
        rows.filter((r) => started.has(r.callId)),
      );

      // The D-channel of the span: Q.931 of the last call, nothing malformed.
      const dFiles = readdirSync(dir).filter((f) => f.startsWith('dchannel-pbx.pcap')).sort().reverse();
      assert.ok(dFiles.length >= 1 && dFiles.length <= 3, dFiles.join(', '));
      const q931 = dFiles.flatMap((f) => tshark(['-r', join(dir, f), '-Y', 'q931', '-T', 'fields', '-e', 'q931.message_type']).split('\n').filter(Boolean));
      // Q.931 Table 4-2 codes, clauses 5.2 and 5.3: SETUP, CALL PROCEEDING, ALERTING, CONNECT,
      // CONNECT ACKNOWLEDGE, then DISCONNECT, RELEASE, RELEASE COMPLETE.
      assert.deepEqual(q931.slice(-8), ['0x05', '0x02', '0x01', '0x07', '0x0f', '0x45', '0x4d', '0x5a']);
      for (const f of dFiles) assert.equal(tshark(['-r', join(dir, f), '-Y', '_ws.malformed || _ws.expert.severity >= 8388608']).trim(), '', `${f} has malformed frames`);

      // HEP: the last call's messages went to the collector too, with Call-ID and agent id.
      const traced = rows.filter((r) => r.callId === last.callId);
      const lastHep = await eventually('a HEP packet of each traced message of the last call', () => {
        const got = hep.map(decodeHep3).filter((d) => d.correlationId === last.callId);
        return got.length >= traced.length && got;
      });
      assert.equal(lastHep.length, traced.length, 'one HEP packet per traced message');
      lastHep.forEach((d, i) => {
        assert.equal(d.agentId, 42);
        assert.equal(d.protocol, 17);
        assert.equal(`${[...d.src!].join('.')}:${d.srcPort}`, traced[i]!.src);
        assert.equal(`${[...d.dst!].join('.')}:${d.dstPort}`, traced[i]!.dst);
        assert.match(Buffer.from(d.payload!).toString(), new RegExp(`^${traced[i]!.what === 'INVITE' || traced[i]!.what === 'ACK' || traced[i]!.what === 'BYE' ? traced[i]!.what : `SIP/2.0 ${traced[i]!.what}`} `));
      });
    } finally {
      if (running) await t.gw.close();
      await t.pbx.close();
      collector.close();
      rmSync(t.dir, { recursive: true, force: true });
    }
  });

  it('a full disk costs the trace, never the call: one log line, and the call completes', async () => {
    const trunkPort = await reservePort();
    const t = await startTestGateway(gatewayYaml({ trunkPorts: [trunkPort], extra: 'traces: { directory: traces, dchannel: false }' }));
    try {
      // /dev/full answers every write with ENOSPC, as a full disk does.
      const dir = join(t.dir, 'traces');
      mkdirSync(dir, { recursive: true });
      symlinkSync('/dev/full', join(dir, 'sip.pcap'));
      await didCall(t);
      await didCall(t);
      await eventually('the trace failure in the log', () => t.logs.some((l) => /trace/i.test(l)));
      // And no second line for the other messages.
      await quietFor(300);
      const errors = t.logs.filter((l) => /trace/i.test(l));
      assert.equal(errors.length, 1, errors.join('\n'));
      assert.match(errors[0]!, /^traces: SIP trace .*sip\.pcap: ENOSPC: no space left on device.*calls go on$/);
    } finally {
      await t.close();
    }
  });
});
