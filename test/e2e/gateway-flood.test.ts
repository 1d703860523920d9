// Issue 14's flood: 10,000 requests from unknown loopback addresses (SIPp
// with wrong digest credentials, and hand-made INVITEs, re-INVITEs, UPDATEs,
// REFERs, BYEs, CANCELs and ACKs naming the trunk's live calls by Call-ID,
// tags and branch, read from the trunk's own SIPp trace; To-header tricks;
// Vias claiming the trunk's address; made-up digests) while the trunk (SIPp
// as the carrier) places real calls through the gateway to the PBX (libpri
// on the emulated T1). Nothing of the attacker's may ring or seize a line
// or leave a CDR row, and every call of the trunk completes.
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { GatewayMetrics } from '../../src/ops/gateway-metrics.js';
import { StatusRegistry } from '../../src/ops/status-registry.js';
import { readSippMessageLog, startSipp } from '../peers/sipp.js';
import { reservePort } from '../support/ports.js';
import { cdrRows, RawSpeaker, sample } from './attack-tools.js';
import { assertSipp, gatewayYaml, startTestGateway, type TestGateway } from './gateway-fixture.js';
import { eventually, quietFor } from '../support/waiting.js';

/** Paces the load and the watchers' polls; no assertion waits on it. */
const pace = quietFor;

const TRUNK_CALLER = '3125550199';
const TRUNK_CALLS = 24;
const FLOOD = 10_000;
/** The digest attacker's share of the flood: each call is an INVITE, an ACK, an INVITE with credentials and an ACK. */
/** Requests a second of the hand-made flood. */
const RATE = 1000;
const SIPP_ATTACK_CALLS = 250;
const ATTACKERS = ['127.0.0.50', '127.0.0.51', '127.0.0.52', '127.0.0.53', '127.0.0.54', '127.0.0.55', '127.0.0.56', '127.0.0.57'];
const ATTACKER_CALLER = '6665550100';

/** A live call of the trunk as its SIPp saw it: what an attacker sniffing the path would know. */
interface LiveDialog {
  callId: string;
  fromTag: string;
  toTag: string;
  inviteBranch: string;
  called: string;
}

/** The trunk's dialogs, from the INVITEs it sent and the 200s it received (SIPp -trace_msg). */
function dialogsOf(trace: string): LiveDialog[] {
  if (!existsSync(trace)) return [];
  const header = (text: string, name: string): string => new RegExp(`^${name}:\\s*(.*)$`, 'im').exec(text)?.[1]?.trim() ?? '';
  const tag = (value: string): string => /;tag=([^;>\s]+)/.exec(value)?.[1] ?? '';
  const invites = new Map<string, { branch: string; called: string }>();
  const out: LiveDialog[] = [];
  for (const m of readSippMessageLog(readFileSync(trace, 'utf8'))) {
    const callId = header(m.text, 'Call-ID');
    if (!m.received && m.text.startsWith('INVITE ')) {
      invites.set(callId, { branch: /branch=([^;\s]+)/.exec(header(m.text, 'Via'))?.[1] ?? '', called: /sip:(\d+)@/.exec(m.text)?.[1] ?? '' });
    } else if (m.received && m.text.startsWith('SIP/2.0 200') && /INVITE/.test(header(m.text, 'CSeq'))) {
      const invite = invites.get(callId);
      if (invite) out.push({ callId, fromTag: tag(header(m.text, 'From')), toTag: tag(header(m.text, 'To')), inviteBranch: invite.branch, called: invite.called });
    }
  }
  return out;
}

/** Datagrams the kernel dropped on the UDP socket bound to this port (full receive buffer), from /proc/net/udp. */
function udpDrops(port: number): number {
  const hex = `:${port.toString(16).toUpperCase().padStart(4, '0')}`;
  let drops = 0;
  for (const f of ['/proc/net/udp', '/proc/net/udp6']) {
    let table = '';
    try {
      table = readFileSync(f, 'utf8');
    } catch {
      continue;
    }
    for (const line of table.split('\n').slice(1)) {
      const cols = line.trim().split(/\s+/);
      if (cols[1]?.endsWith(hex)) drops += Number(cols[cols.length - 1]);
    }
  }
  return drops;
}

let seq = 0;
/** One hand-made request from `s`; the parts an attack changes are options. */
function request(s: RawSpeaker, gwPort: number, method: string, o: { callId?: string; fromTag?: string; to?: string; toHeaders?: string[]; vias?: string[]; branch?: string; cseq?: string; extra?: string[]; sdp?: boolean; ruri?: string } = {}): string {
  seq++;
  const body = o.sdp ? ['v=0', `o=- ${seq} 1 IN IP4 ${s.address}`, 's=-', `c=IN IP4 ${s.address}`, 't=0 0', 'm=audio 40000 RTP/AVP 0', 'a=rtpmap:0 PCMU/8000', ''].join('\r\n') : '';
  return [
    `${method} ${o.ruri ?? `sip:4${String(seq % 1000).padStart(3, '0')}@127.0.0.1:${gwPort}`} SIP/2.0`,
    ...(o.vias ?? [`Via: SIP/2.0/UDP ${s.address}:${s.port};branch=${o.branch ?? `z9hG4bKflood${seq}`};rport`]),
    'Max-Forwards: 70',
    `From: <sip:${ATTACKER_CALLER}@${s.address}>;tag=${o.fromTag ?? `f${seq}`}`,
    ...(o.toHeaders ?? [`To: ${o.to ?? `<sip:4001@127.0.0.1>`}`]),
    `Call-ID: ${o.callId ?? `flood-${seq}@${s.address}`}`,
    `CSeq: ${o.cseq ?? `${seq} ${method === 'ACK' || method === 'CANCEL' ? 'INVITE' : method}`}`,
    `Contact: <sip:${ATTACKER_CALLER}@${s.address}:${s.port}>`,
    'User-Agent: Linphone/5.2.0',
    ...(o.extra ?? []),
    ...(body ? ['Content-Type: application/sdp'] : []),
    `Content-Length: ${Buffer.byteLength(body)}`,
    '',
    body,
  ].join('\r\n');
}

/** The kinds of hand-made attack, each a request built from a live dialog of the trunk (when there is one). */
function attacks(s: RawSpeaker, gwPort: number, trunkPort: number, d: LiveDialog | undefined): string[] {
  const live = d ?? { callId: 'none@127.0.0.1', fromTag: 'x', toTag: 'y', inviteBranch: 'z9hG4bKnone', called: '4001' };
  const dialog = { callId: live.callId, fromTag: live.fromTag, to: `<sip:${live.called}@127.0.0.1>;tag=${live.toTag}`, ruri: `sip:${live.called}@127.0.0.1:${gwPort}` };
  const trunkVia = `Via: SIP/2.0/UDP 127.0.0.1:${trunkPort};branch=z9hG4bKspoof${seq};received=127.0.0.1;rport=${trunkPort}`;
  return [
    // A new call from a stranger, then with To-header tricks (a tag inside the URI, compact form, two To headers).
    request(s, gwPort, 'INVITE', { sdp: true }),
    request(s, gwPort, 'INVITE', { sdp: true, to: '<sip:4001@127.0.0.1;tag=in-the-uri>' }),
    request(s, gwPort, 'INVITE', { sdp: true, toHeaders: ['t: <sip:4001@127.0.0.1>', 'To: <sip:4002@127.0.0.1>;tag=second'] }),
    // Vias naming the trunk (its address as sent-by and received) above the real one.
    request(s, gwPort, 'INVITE', { sdp: true, vias: [trunkVia, `Via: SIP/2.0/UDP ${s.address}:${s.port};branch=z9hG4bKvia${seq};rport`] }),
    // Made-up digest credentials: a nonce we never gave, then no qop.
    request(s, gwPort, 'INVITE', { sdp: true, extra: [`Authorization: Digest username="alice", realm="gw.test", nonce="${'ab'.repeat(16)}", uri="sip:4001@127.0.0.1:${gwPort}", response="${'0'.repeat(32)}", qop=auth, nc=00000001, cnonce="c${seq}", algorithm=MD5`] }),
    request(s, gwPort, 'INVITE', { sdp: true, extra: [`Authorization: Digest username="alice", realm="gw.test", nonce="${seq}", uri="sip:4001@127.0.0.1", response="${'f'.repeat(32)}"`] }),
    // The trunk's live call, named by Call-ID and both tags, as the trunk and as the gateway.
    request(s, gwPort, 'INVITE', { ...dialog, sdp: true, cseq: `${1000 + seq} INVITE` }),
    request(s, gwPort, 'UPDATE', { ...dialog, sdp: true, cseq: `${1000 + seq} UPDATE` }),
    request(s, gwPort, 'REFER', { ...dialog, cseq: `${1000 + seq} REFER`, extra: [`Refer-To: <sip:0119999999@127.0.0.1>`] }),
    request(s, gwPort, 'BYE', { ...dialog, cseq: `${1000 + seq} BYE` }),
    request(s, gwPort, 'INFO', { ...dialog, cseq: `${1000 + seq} INFO`, extra: ['Content-Type: application/dtmf-relay'] }),
    request(s, gwPort, 'ACK', { ...dialog, cseq: '1 ACK' }),
    request(s, gwPort, 'INVITE', { callId: live.callId, fromTag: live.toTag, to: `<sip:${live.called}@127.0.0.1>;tag=${live.fromTag}`, sdp: true, cseq: `${1000 + seq} INVITE` }),
    // CANCEL of the trunk's INVITE by its branch, with and without a To tag; REFER out of any dialog.
    request(s, gwPort, 'CANCEL', { callId: live.callId, fromTag: live.fromTag, branch: live.inviteBranch, ruri: dialog.ruri, cseq: '1 CANCEL' }),
    request(s, gwPort, 'CANCEL', { ...dialog, branch: live.inviteBranch, cseq: '1 CANCEL' }),
    request(s, gwPort, 'REFER', { extra: ['Refer-To: <sip:0119999999@127.0.0.1>'] }),
  ];
}

describe('flood from unknown loopback addresses while the trunk calls the PBX (issue 14 acceptance) @slow', function () {
  this.timeout(120_000);
  let t: TestGateway;
  let metrics: GatewayMetrics;
  let metricsUrl = '';
  let trunkPort = 0;
  /** The PBX answering rings and the status watcher run while these are true; after() ends them whatever happened. */
  const running = { answering: false, watching: false };

  before(async () => {
    trunkPort = await reservePort();
    const registry = new StatusRegistry();
    metrics = new GatewayMetrics(registry);
    t = await startTestGateway(
      gatewayYaml({
        trunkPorts: [trunkPort],
        routes: '  - { name: did, from: { trunks: [carrier], users: [alice] }, match: { called: "_4XXX" }, to: { lineGroup: pbx-trunk } }',
        // Every request is judged on its merits: no source limit or ban stops the flood before the screen does.
        extra: `security:
  realm: gw.test
  rateLimit: { requestsPerSecond: 100000 }
  ban: { failures: 1000, findTime: 600, banTime: 3600 }
  users:
    - { username: alice, password: "alice-secret" }
`,
      }),
      registry,
    );
    metricsUrl = `http://${await metrics.listen({ host: '127.0.0.1', port: 0 })}/metrics`;
  });
  after(async () => {
    running.answering = false;
    running.watching = false;
    await metrics?.close();
    await t?.close();
  });

  it(`${FLOOD} requests from strangers ring no line and leave no CDR row; all ${TRUNK_CALLS} calls of the trunk complete`, async () => {
    const gwPort = t.gw.sipPort;
    const refusedBefore = sample(await (await fetch(metricsUrl)).text(), 'sipline_sip_inbound_refused_total{reason="refused"}') ?? 0;

    // The PBX answers every ring, and remembers who rang.
    const rings: Array<Record<string, string>> = [];
    running.answering = true;
    const answerer = (async () => {
      let seen = 0;
      while (running.answering) {
        const events = t.pbx.events.filter((e) => e.name === 'ring');
        for (const e of events.slice(seen)) {
          rings.push(e.fields);
          t.pbx.command(`alert ${e.fields.id}`);
          t.pbx.command(`answer ${e.fields.id}`);
        }
        seen = events.length;
        await pace(10);
      }
    })();

    // The carrier: calls held 2 s each, a few a second, traced so the attacker can read its dialogs.
    const trace = join(t.dir, 'trunk-messages.log');
    const trunk = await startSipp({
      scenario: 'gw-uac-call-held.xml', transport: 'udp', remote: `127.0.0.1:${gwPort}`, service: '4001', port: trunkPort,
      calls: TRUNK_CALLS, keys: { calling: TRUNK_CALLER }, timeoutS: 60,
      extra: ['-r', '4', '-l', '20', '-d', '2000', '-trace_msg', '-message_file', trace],
    });
    // The digest attacker: SIPp from a stranger's address, wrong password for a real user.
    const digest = await startSipp({
      scenario: 'gw-uac-digest-refused.xml', transport: 'udp', remote: `127.0.0.1:${gwPort}`, service: '4001', address: '127.0.0.60',
      calls: SIPP_ATTACK_CALLS, timeoutS: 60, extra: ['-r', '50', '-au', 'alice', '-ap', 'not-alices', '-auth_uri', `4001@127.0.0.1:${gwPort}`],
    });

    // Watch status while the flood lasts: every call on a line must be the trunk's.
    const strangers: string[] = [];
    running.watching = true;
    const watcher = (async () => {
      while (running.watching) {
        for (const c of t.registry.snapshot().calls) if (c.trunk !== 'carrier' || c.calling !== TRUNK_CALLER) strangers.push(JSON.stringify(c));
        await pace(50);
      }
    })();

    // The hand-made flood: round robin over attackers and attack kinds, the trunk's newest live dialogs as targets.
    const speakers = await Promise.all(ATTACKERS.map((a) => RawSpeaker.open(a)));
    const started = Date.now();
    let sent = SIPP_ATTACK_CALLS * 4;
    let dialogs: LiveDialog[] = [];
    let round = 0;
    while (sent < FLOOD && Date.now() - started < 40_000) {
      if (round++ % 10 === 0) dialogs = dialogsOf(trace);
      const s = speakers[round % speakers.length]!;
      const batch = attacks(s, gwPort, trunkPort, dialogs[dialogs.length - 1 - (round % Math.max(1, Math.min(dialogs.length, 5)))]);
      await Promise.all(batch.slice(0, FLOOD - sent).map((m) => s.send(m, gwPort)));
      sent += batch.length;
      // Paced at RATE requests a second (the flood lasts about as long as the trunk's calls).
      const ahead = (sent * 1000) / RATE - (Date.now() - started);
      if (ahead > 0) await pace(ahead);
    }
    const floodMs = Date.now() - started;
    assert.ok(sent >= FLOOD, `only ${sent} requests sent in ${floodMs} ms`);
    assert.ok(dialogs.length > 0, 'the attacker read live dialogs of the trunk from its trace');

    const trunkRun = await trunk.done;
    const drops = udpDrops(gwPort);
    assertSipp(trunkRun, `every call of the trunk answered and hung up (the gateway's socket dropped ${drops} datagrams)`);
    const digestRun = await digest.done;
    running.answering = false;
    running.watching = false;
    await Promise.all([answerer, watcher]);
    for (const s of speakers) s.close();

    assert.deepEqual(strangers, [], 'a call of the attacker showed in status');
    assert.equal(rings.length, TRUNK_CALLS, `the PBX was rung ${rings.length} times for ${TRUNK_CALLS} trunk calls:\n${JSON.stringify(rings)}`);
    for (const r of rings) assert.equal(r.calling, TRUNK_CALLER, `a ring not from the trunk: ${JSON.stringify(r)}`);
    // Wait for the last rows to be written, then read them as the operator does.
    let rows = cdrRows(join(t.dir, 'cdr.sqlite'));
    await eventually('every trunk call written to the CDR', () => (rows = cdrRows(join(t.dir, 'cdr.sqlite'))).length >= TRUNK_CALLS, { timeoutMs: 5000 }).catch(() => undefined);
    assert.equal(rows.length, TRUNK_CALLS, `the gateway's UDP socket dropped ${drops} datagrams (full receive buffer) in a flood of ${floodMs} ms\nCDR rows: ${JSON.stringify(rows.map((r) => [r.sipCallId, r.trunk, r.caller, r.pstnCause]))}\ncalls now: ${JSON.stringify(t.registry.snapshot().calls)}\nlog: ${t.logs.filter((l) => !/inbound-refused|call offered/.test(l)).slice(-40).join('\n')}\npbx: ${t.pbx.events.slice(-30).map((e) => e.line).join('\n')}\nspans: ${JSON.stringify(t.registry.snapshot().spans)}`);
    for (const r of rows) {
      assert.equal(r.trunk, 'carrier');
      assert.equal(r.caller, TRUNK_CALLER);
      assert.equal(r.pstnCause, 16, `a trunk call did not end normally: ${JSON.stringify(r)}`);
    }
    const answers = speakers.flatMap((s) => s.received.map((m) => m.split('\r\n')[0]!));
    assert.deepEqual(answers.filter((l) => /^SIP\/2\.0 [12]\d\d/.test(l)), [], 'a stranger got a provisional or success answer');
    assert.match(digestRun.output, /Successful call\s*\|\s*\d+\s*\|\s*\d+/, digestRun.output);
    const text = await (await fetch(metricsUrl)).text();
    assert.ok((sample(text, 'sipline_sip_inbound_refused_total{reason="refused"}') ?? 0) - refusedBefore > FLOOD / 2, text);
    assert.equal(t.registry.snapshot().calls.length, 0);
    console.log(`      flood: ${sent} requests in ${floodMs} ms; ${answers.length} answers to the hand-made ones; ${dialogs.length} live dialogs named`);
  });
});
