// How a call over a stream transport meets its trunk: the TLS certificate
// must name the host the trunk config names (a name as the name, an address
// as the address, RFC 5922 §4.1 / RFC 3261 §26.3.1), a connection that fails
// ends the INVITE at once as a 503 (RFC 3261 §8.1.3.1), and a peer that takes
// the INVITE and never answers ends it after 64*T1 (Timer B, §17.1.1.2)
// without a retransmission.
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer as createTcpServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createServer as createTlsServer } from 'node:tls';
import type { SipRelease } from '../../src/call/sip-leg.js';
import type { SipCall } from '../../src/sip/sip-call.js';
import { SipEndpoint } from '../../src/sip/sip-endpoint.js';
import { rtpMediaFactory } from '../../src/sip/rtp-media-factory.js';
import { parseSipMessage, SipParseError } from '../../src/sip/sip-message.js';
import { SipStreamFramer } from '../../src/sip/stream-framer.js';
import { unusedPort } from '../support/ports.js';
import { testCertificatePem } from './test-certificate.js';
import { quietFor } from '../support/waiting.js';

/** The first lines of the SIP messages a listener got on a stream; `onMessage` sees each whole. */
function requestLines(onLine: (line: string) => void, onMessage?: (text: string) => void): (chunk: Buffer) => void {
  const framer = new SipStreamFramer();
  return (chunk) => {
    for (const out of framer.push(chunk)) {
      onLine('message' in out ? out.message.split('\r\n')[0]! : `unframed: ${out.error}`);
      if ('message' in out) onMessage?.(out.message);
    }
  };
}

/** 100 Trying to a request, with its Via, From, To, Call-ID and CSeq (RFC 3261 §8.2.6.2). */
function trying(request: string): string {
  const msg = parseSipMessage(request);
  if (msg instanceof SipParseError) throw msg;
  const copy = msg.headers.filter((h) => ['via', 'from', 'to', 'call-id', 'cseq'].includes(h.name)).map((h) => `${h.name}: ${h.value}`);
  return ['SIP/2.0 100 Trying', ...copy, 'Content-Length: 0', '', ''].join('\r\n');
}

describe('a trunk over TCP or TLS: certificate names, failed connections and silent peers @slow', function () {
  this.timeout(20000);
  let dir: string;
  const stops: Array<() => Promise<void> | void> = [];
  const logs: string[] = [];
  const log = (event: string, detail: Record<string, unknown>): void => void logs.push(`${event} ${JSON.stringify(detail)}`);

  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'sipline-trunk-conn-'));
  });
  afterEach(async () => {
    for (const stop of stops.splice(0).reverse()) await stop();
    logs.length = 0;
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  async function endpoint(options: Parameters<typeof SipEndpoint.start>[0]): Promise<SipEndpoint> {
    const e = await SipEndpoint.start(options);
    stops.push(() => e.stop());
    return e;
  }

  /** A callee over TLS on `address` presenting `pem`, answering every call. */
  async function tlsCallee(address: string, pem: { key: Buffer; cert: Buffer }): Promise<SipEndpoint> {
    const b = await endpoint({ transport: { protocol: 'tls', address, tls: pem }, trunks: [], inbound: { allowAddresses: [address] }, media: rtpMediaFactory({ address, lineEncoding: 'PCMU' }), log });
    b.on('incoming', (c: SipCall) => c.answer());
    return b;
  }

  for (const [label, address, host, san] of [
    ['a host name, checked as the name (SNI and subjectAltName DNS)', '127.0.0.1', 'localhost', 'DNS:localhost'],
    ['an IPv6 address, checked as the address (no SNI)', '::1', '[::1]', 'IP:::1'],
  ] as const) {
    it(`a TLS trunk configured by ${label}: the call is answered`, async () => {
      const pem = testCertificatePem(dir, san);
      const b = await tlsCallee(address, pem);
      const warnings: string[] = [];
      const onWarning = (w: Error): void => void warnings.push(w.message);
      process.on('warning', onWarning);
      stops.push(() => void process.off('warning', onWarning));
      const a = await endpoint({
        transport: { protocol: 'tls', address, tls: { ca: pem.cert } },
        trunks: [{ name: 'b', host, port: b.port }],
        media: rtpMediaFactory({ address, lineEncoding: 'PCMU' }),
        log,
      });
      const call = a.call('b', { digits: '5551000' }, { digits: '2000' });
      call.invite();
      await Promise.race([
        once(call, 'answered'),
        once(call, 'released').then(([r]) => assert.fail(`released instead of answered: ${JSON.stringify(r)}\n${logs.join('\n')}`)),
      ]);
      call.release(16);
      // RFC 6066 §3: SNI carries names only; Node warns when handed an address.
      assert.deepEqual(warnings, []);
    });
  }

  it('a TLS trunk whose certificate names another host: the handshake fails and the INVITE ends at once with 503, not after Timer B', async () => {
    // Trusted, but for another name than the trunk's.
    const other = testCertificatePem(dir, 'DNS:elsewhere.test');
    const b = await tlsCallee('127.0.0.1', other);
    let admitted = 0;
    b.on('incoming', () => admitted++);
    const a = await endpoint({
      transport: { protocol: 'tls', tls: { ca: other.cert } },
      trunks: [{ name: 'b', host: 'localhost', port: b.port }],
      media: rtpMediaFactory({ address: '127.0.0.1', lineEncoding: 'PCMU' }),
      log,
    });
    const call = a.call('b', { digits: '5551000' }, { digits: '2000' });
    call.invite();
    const [r] = (await once(call, 'released')) as [SipRelease];
    assert.equal(r.status, 503, JSON.stringify(r));
    assert.equal(admitted, 0);
    assert.ok(logs.some((l) => l.startsWith('connection-error') && /Host: localhost\. is not in the cert's altnames/.test(l)), logs.join('\n'));
  });

  it('a TCP trunk with nothing listening: connection refused ends the INVITE at once with 503', async () => {
    const port = await unusedPort();
    const a = await endpoint({ transport: { protocol: 'tcp' }, trunks: [{ name: 'gone', host: '127.0.0.1', port }], media: rtpMediaFactory({ address: '127.0.0.1', lineEncoding: 'PCMU' }), log });
    const call = a.call('gone', { digits: '5551000' }, { digits: '2000' });
    call.invite();
    const [r] = (await once(call, 'released')) as [SipRelease];
    assert.equal(r.status, 503, JSON.stringify(r));
    assert.ok(logs.some((l) => l.startsWith('connection-error') && /ECONNREFUSED/.test(l)), logs.join('\n'));
  });

  for (const protocol of ['tcp', 'tls'] as const) {
    it(`a ${protocol.toUpperCase()} peer on [::1] that takes the INVITE and never answers: 408 after 64*T1 of the configured T1, the INVITE sent once`, async () => {
      const T1 = 50;
      const pem = testCertificatePem(dir, 'IP:::1');
      const got: Array<{ line: string; at: number }> = [];
      const onSocket = (s: import('node:net').Socket): void => {
        s.on('data', requestLines((line) => got.push({ line, at: performance.now() })));
        s.on('error', () => undefined);
      };
      const silent: Server = protocol === 'tls' ? createTlsServer(pem, onSocket) : createTcpServer(onSocket);
      await new Promise<void>((r) => silent.listen(0, '::1', r));
      stops.push(() => new Promise<void>((r) => silent.close(() => r())));
      const a = await endpoint({
        transport: { protocol, address: '::1', tls: { ca: pem.cert }, timers: { T1 } },
        trunks: [{ name: 'silent', host: '::1', port: (silent.address() as { port: number }).port }],
        media: rtpMediaFactory({ address: '::1', lineEncoding: 'PCMU' }),
        log,
      });
      const call = a.call('silent', { digits: '5551000' }, { digits: '2000' });
      call.invite();
      const [r] = (await once(call, 'released')) as [SipRelease];
      const ended = performance.now();
      assert.equal(r.status, 408, JSON.stringify(r));
      // Nothing more may be sent: no retransmission, no ACK.
      await quietFor(4 * T1);
      // RFC 3261 §17.1.1.2: Timer A runs on unreliable transports only; Timer B ends the transaction without an ACK.
      assert.deepEqual(
        got.map((g) => g.line.split(' ')[0]),
        ['INVITE'],
        got.map((g) => g.line).join(' | '),
      );
      assert.match(got[0]!.line, /^INVITE sip:2000@\[::1\]:\d+;transport=/);
      const waited = ended - got[0]!.at;
      assert.ok(waited >= 64 * T1 - 20 && waited < 64 * T1 + 1500, `the INVITE ended ${waited.toFixed(0)} ms after it went out (64*T1 = ${64 * T1} ms)`);
    });
  }

  /** A TCP listener on [::1] that answers every request with 100 Trying and nothing more. */
  async function tryingOnly(got: Array<{ line: string; at: number }>): Promise<number> {
    const server = createTcpServer((socket) => {
      socket.on('data', requestLines((line) => got.push({ line, at: performance.now() }), (text) => !text.startsWith('ACK ') && socket.write(trying(text))));
      socket.on('error', () => undefined);
    });
    await new Promise<void>((r) => server.listen(0, '::1', r));
    stops.push(() => new Promise<void>((r) => server.close(() => r())));
    return (server.address() as { port: number }).port;
  }

  it('an INVITE over TCP that got 100 Trying waits past 64*T1 for its final response (Proceeding: no Timer B)', async () => {
    const T1 = 50;
    const got: Array<{ line: string; at: number }> = [];
    const port = await tryingOnly(got);
    const a = await endpoint({ transport: { protocol: 'tcp', address: '::1', timers: { T1 } }, trunks: [{ name: 'slow', host: '::1', port }], media: rtpMediaFactory({ address: '::1', lineEncoding: 'PCMU' }), log });
    const call = a.call('slow', { digits: '5551000' }, { digits: '2000' });
    let released: SipRelease | undefined;
    call.once('released', (r) => (released = r));
    call.invite();
    // No Timer B in Proceeding: the call must not end past 64*T1.
    await quietFor(64 * T1 + 1000);
    assert.equal(released, undefined, `released during Proceeding: ${JSON.stringify(released)}`);
    assert.deepEqual(got.map((g) => g.line.split(' ')[0]), ['INVITE']);
    call.release(16);
  });

  it('a REGISTER over TCP that got only 100 Trying fails with 408 after 64*T1 (Timer F runs on through Proceeding)', async () => {
    const T1 = 50;
    const got: Array<{ line: string; at: number }> = [];
    const port = await tryingOnly(got);
    const a = await endpoint({
      transport: { protocol: 'tcp', address: '::1', timers: { T1 } },
      trunks: [{ name: 'registrar', host: '::1', port, register: { username: 'gw', password: 'pw', retryMs: 60_000 } }],
      media: rtpMediaFactory({ address: '::1', lineEncoding: 'PCMU' }),
      log,
    });
    const [, ok, status] = (await once(a, 'registration')) as [string, boolean, number];
    const ended = performance.now();
    assert.deepEqual([ok, status], [false, 408]);
    assert.equal(a.trunkRegistration('registrar')?.lastError, '408 Request Timeout');
    assert.deepEqual(got.map((g) => g.line.split(' ')[0]), ['REGISTER'], 'sent once, never retransmitted');
    const waited = ended - got[0]!.at;
    assert.ok(waited >= 64 * T1 - 20 && waited < 64 * T1 + 1500, `REGISTER failed ${waited.toFixed(0)} ms after it went out (64*T1 = ${64 * T1} ms)`);
  });
});
