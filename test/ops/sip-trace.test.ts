import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LINKTYPE_RAW, redactSecrets, SipTrace } from '../../src/ops/sip-trace.js';
import { NodeTransport, statelessResponse, type SipTransportProtocol, type SipWirePacket } from '../../src/sip/node-transport.js';
import { parseSipMessage, serializeSipMessage, SipParseError } from '../../src/sip/sip-message.js';
import { testCertificatePem } from '../sip/test-certificate.js';

function tshark(args: string[]): string {
  const r = spawnSync('tshark', args, { encoding: 'utf8' });
  if (r.error) throw new Error(`tshark could not run (${r.error.message}): apt-get install tshark`);
  if (r.status !== 0) throw new Error(`tshark exited ${r.status}: ${r.stderr}`);
  return r.stdout;
}

const host = (a: string): string => (a.includes(':') ? `[${a}]` : a);

/** Our transport sends OPTIONS to a second one, which answers 200 on the same connection; every message is traced. */
async function exchange(protocol: SipTransportProtocol, address: string, trace: (p: SipWirePacket) => void, tls?: { key: Buffer; cert: Buffer }): Promise<{ ours: NodeTransport; theirs: NodeTransport }> {
  const theirs = new NodeTransport({ protocol, address, ...(tls ? { tls } : {}) });
  const ours = new NodeTransport({ protocol, address, trace, ...(tls ? { tls: { ca: tls.cert } } : {}) });
  await theirs.listen();
  await ours.listen();
  theirs.onMessage = (text) => {
    const req = parseSipMessage(text);
    if (req instanceof SipParseError || req.kind !== 'request') return;
    void theirs.send(serializeSipMessage(statelessResponse(req, 200, 'OK')));
  };
  const answered = new Promise<void>((resolve) => (ours.onMessage = (text) => /^SIP\/2\.0 200/.test(text) && resolve()));
  const uri = `sip:gw@${host(address)}:${theirs.port};transport=${protocol}`;
  await ours.send(
    [
      `OPTIONS ${uri} SIP/2.0`,
      `Via: SIP/2.0/${protocol.toUpperCase()} ${host(address)}:${ours.port};branch=z9hG4bK-trace-${protocol}`,
      'Max-Forwards: 70',
      `From: <sip:probe@${host(address)}>;tag=t1`,
      `To: <${uri}>`,
      `Call-ID: trace-${protocol}-${address}`,
      'CSeq: 1 OPTIONS',
      'Content-Length: 0',
      '',
      '',
    ].join('\r\n'),
  );
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`no 200 to OPTIONS over ${protocol} ${address}`)), 5000)));
  try {
    await Promise.race([answered, late]);
  } catch (err) {
    await Promise.all([ours.close(), theirs.close()]);
    throw err;
  } finally {
    clearTimeout(timer);
  }
  return { ours, theirs };
}

describe('SIP trace of the transport decoded by tshark @slow', function () {
  this.timeout(30000);
  let dir = '';
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'sipline-siptrace-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  for (const [protocol, address] of [['udp', '127.0.0.1'], ['tcp', '127.0.0.1'], ['tls', '127.0.0.1']] as const) {
    it(`${protocol.toUpperCase()} over IPv${address.includes(':') ? 6 : 4}: the request and its answer with the ports on the wire${protocol === 'tls' ? ', the SIP inside the TLS in clear' : ''}, nothing tshark flags`, async () => {
      const path = join(dir, 'sip.pcap');
      const trace = new SipTrace({ path });
      const packets: SipWirePacket[] = [];
      const { ours, theirs } = await exchange(protocol, address, (p) => (packets.push(p), trace.packet(p)), protocol === 'tls' ? testCertificatePem(dir, 'IP:127.0.0.1,IP:::1') : undefined);
      await Promise.all([ours.close(), theirs.close(), trace.close()]);
      assert.equal(readFileSync(path).readUInt32LE(20), LINKTYPE_RAW);
      const ip = address.includes(':') ? 'ipv6' : 'ip';
      const l4 = protocol === 'udp' ? 'udp' : 'tcp';
      const out = tshark([
        '-r', path, '-o', 'ip.check_checksum:TRUE', '-o', 'udp.check_checksum:TRUE', '-o', 'tcp.check_checksum:TRUE',
        '-d', `${l4}.port==${theirs.port},sip`, '-T', 'fields', '-E', 'separator=|',
        '-e', `${ip}.src`, '-e', `${l4}.srcport`, '-e', `${ip}.dst`, '-e', `${l4}.dstport`, '-e', 'sip.Method', '-e', 'sip.Status-Code', '-e', '_ws.expert.message', '-e', '_ws.malformed',
      ]);
      // Our side of a stream is the connection's own port, not the listening one.
      const local = packets[0]!.local.port;
      assert.ok(local > 0);
      if (protocol === 'udp') assert.equal(local, ours.port);
      assert.deepEqual(out.trim().split('\n'), [`${address}|${local}|${address}|${theirs.port}|OPTIONS|||`, `${address}|${theirs.port}|${address}|${local}||200||`]);
    });
  }

  it('keeps no secret: digest responses and SRTP keys overwritten byte for byte (tshark still reads the message), the file owner-only', async () => {
    const key = 'WVNfX19zZW1jdGwgKCkgewkyMjA7fQp9CnVubGVz';
    const sdp = ['v=0', 'o=- 1 1 IN IP4 192.0.2.2', 's=-', 'c=IN IP4 192.0.2.2', 't=0 0', 'm=audio 4000 RTP/SAVP 0', `a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:${key}|2^20|1:32`, ''].join('\r\n');
    const response = '6629fae49393a05397450978507c4ef1';
    const invite = Buffer.from(
      [
        'INVITE sip:2000@192.0.2.1 SIP/2.0',
        'Call-ID: secret',
        'CSeq: 2 INVITE',
        `Authorization: Digest username="alice", realm="gw", nonce="abc", uri="sip:2000@192.0.2.1", response="${response}", qop=auth, nc=00000001, cnonce="x"`,
        'Content-Type: application/sdp',
        `Content-Length: ${sdp.length}`,
        '',
        sdp,
      ].join('\r\n'),
    );
    const redacted = redactSecrets(invite);
    assert.equal(redacted.length, invite.length);
    assert.ok(!redacted.includes(response) && !redacted.includes(key), 'neither secret is left');
    const path = join(dir, 'sip.pcap');
    const umask = process.umask(0);
    try {
      const trace = new SipTrace({ path });
      trace.packet({ direction: 'in', protocol: 'udp', local: { address: '192.0.2.1', port: 5060 }, remote: { address: '192.0.2.2', port: 5060 }, data: redacted, at: 1_700_000_000_000 });
      await trace.close();
    } finally {
      process.umask(umask);
    }
    assert.equal(statSync(path).mode & 0o777, 0o600, 'the trace is its owner\'s only, whatever the umask');
    const out = tshark(['-r', path, '-T', 'fields', '-E', 'separator=|', '-e', 'sip.Method', '-e', 'sip.auth.username', '-e', 'sdp.media.proto', '-e', '_ws.expert.message']);
    assert.equal(out.trim(), 'INVITE|"alice"|RTP/SAVP|');
  });

  it('IPv6 datagrams and TCP streams of synthesized messages: addresses, ports, sequence numbers tshark follows', async () => {
    const path = join(dir, 'sip.pcap');
    const trace = new SipTrace({ path });
    const request = Buffer.from('OPTIONS sip:gw@[2001:db8::1]:5060 SIP/2.0\r\nCall-ID: v6\r\nCSeq: 1 OPTIONS\r\nContent-Length: 0\r\n\r\n');
    const answer = Buffer.from('SIP/2.0 200 OK\r\nCall-ID: v6\r\nCSeq: 1 OPTIONS\r\nContent-Length: 0\r\n\r\n');
    const local = { address: '2001:db8::1', port: 5060 };
    const remote = { address: '2001:db8::2', port: 40000 };
    const at = 1_700_000_000_000;
    trace.packet({ direction: 'in', protocol: 'udp', local, remote, data: request, at });
    trace.packet({ direction: 'out', protocol: 'udp', local, remote, data: answer, at: at + 1 });
    // Over TCP twice each way: the second segment of a direction follows the first one's octets.
    for (let i = 0; i < 2; i++) {
      trace.packet({ direction: 'in', protocol: 'tcp', local, remote, data: request, at: at + 2 + 2 * i });
      trace.packet({ direction: 'out', protocol: 'tcp', local, remote, data: answer, at: at + 3 + 2 * i });
    }
    // A dual-stack socket's IPv4-mapped peer is written as IPv4.
    trace.packet({ direction: 'out', protocol: 'udp', local: { address: '192.0.2.1', port: 5060 }, remote: { address: '::ffff:192.0.2.9', port: 5070 }, data: answer, at: at + 9 });
    await trace.close();
    const out = tshark([
      '-r', path, '-o', 'udp.check_checksum:TRUE', '-o', 'tcp.check_checksum:TRUE', '-o', 'tcp.relative_sequence_numbers:FALSE', '-d', 'tcp.port==5060,sip',
      '-T', 'fields', '-E', 'separator=|', '-e', 'ipv6.src', '-e', 'ip.src', '-e', 'udp.srcport', '-e', 'tcp.srcport', '-e', 'ipv6.dst', '-e', 'ip.dst', '-e', 'tcp.seq', '-e', 'tcp.ack', '-e', 'sip.Method', '-e', 'sip.Status-Code', '-e', '_ws.expert.message',
    ]);
    const r = request.length;
    const a = answer.length;
    assert.deepEqual(out.trim().split('\n'), [
      '2001:db8::2||40000||2001:db8::1||||OPTIONS||',
      '2001:db8::1||5060||2001:db8::2|||||200|',
      `2001:db8::2|||40000|2001:db8::1||1|1|OPTIONS||`,
      `2001:db8::1|||5060|2001:db8::2||1|${1 + r}||200|`,
      `2001:db8::2|||40000|2001:db8::1||${1 + r}|${1 + a}|OPTIONS||`,
      `2001:db8::1|||5060|2001:db8::2||${1 + a}|${1 + 2 * r}||200|`,
      '|192.0.2.1|5060|||192.0.2.9||||200|',
    ]);
  });

  it('a restart goes on with the last run\'s sip.pcap; a file of another kind there is rotated away, not overwritten', async () => {
    const path = join(dir, 'sip.pcap');
    const send = (trace: SipTrace, id: string): void =>
      trace.packet({ direction: 'out', protocol: 'udp', local: { address: '192.0.2.2', port: 5060 }, remote: { address: '192.0.2.1', port: 5060 }, data: Buffer.from(`OPTIONS sip:a@192.0.2.1 SIP/2.0\r\nCall-ID: ${id}\r\nCSeq: 1 OPTIONS\r\nContent-Length: 0\r\n\r\n`), at: Date.now() });
    writeFileSync(path, 'not a pcap\n');
    const first = new SipTrace({ path });
    send(first, 'run1-a');
    send(first, 'run1-b');
    await first.close();
    const second = new SipTrace({ path });
    send(second, 'run2');
    await second.close();
    assert.equal(readFileSync(`${path}.1`, 'utf8'), 'not a pcap\n');
    assert.deepEqual(tshark(['-r', path, '-Y', 'sip', '-T', 'fields', '-e', 'sip.Call-ID']).trim().split('\n'), ['run1-a', 'run1-b', 'run2']);
  });

  it('rotates by size: every file a pcap of its own, at most maxFiles of them, the newest messages kept', async () => {
    const path = join(dir, 'sip.pcap');
    const trace = new SipTrace({ path, maxBytes: 4096, keep: 2 });
    const msg = (n: number): Buffer => Buffer.from(`MESSAGE sip:a@192.0.2.1 SIP/2.0\r\nCall-ID: m${n}\r\nCSeq: ${n} MESSAGE\r\nContent-Length: 400\r\n\r\n${'x'.repeat(400)}`);
    for (let n = 1; n <= 40; n++) trace.packet({ direction: 'out', protocol: 'udp', local: { address: '192.0.2.2', port: 5060 }, remote: { address: '192.0.2.1', port: 5060 }, data: msg(n), at: 1_700_000_000_000 + n });
    await trace.close();
    assert.deepEqual(readdirSync(dir).sort(), ['sip.pcap', 'sip.pcap.1', 'sip.pcap.2']);
    const ids = ['sip.pcap.2', 'sip.pcap.1', 'sip.pcap'].flatMap((f) => {
      assert.ok(readFileSync(join(dir, f)).length <= 4096, f);
      return tshark(['-r', join(dir, f), '-Y', 'sip', '-T', 'fields', '-e', 'sip.Call-ID']).trim().split('\n');
    });
    // A record is 488 octets of SIP + 28 of IPv4 and UDP + 16 of record header = 532: 7 fit in 4096
    // after the file header, so files hold 1-7, ..., 29-35, 36-40 and the last three 22-40.
    assert.equal(ids.length, 19);
    assert.deepEqual(ids, Array.from({ length: 19 }, (_, i) => `m${22 + i}`));
  });
});
