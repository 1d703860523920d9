// A dialog over TLS on IPv6 with a Record-Route (RFC 3261 §12.1, §16.12.1.2;
// RFC 5118 §4.1): the route set holds a bracketed [::1] URI with
// ;transport=tls, and the dialog's later requests (ACK, BYE) go to that hop
// over TLS with a Route header, in both directions of call. The far end is a
// scripted TLS peer on [::1] (SIPp here has no TLS and baresip does not
// record-route), with a second TLS listener standing for the proxy.
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import type { Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect, createServer, type Server } from 'node:tls';
import type { SipRelease } from '../../src/call/sip-leg.js';
import type { SipCall } from '../../src/sip/sip-call.js';
import { SipEndpoint } from '../../src/sip/sip-endpoint.js';
import { rtpMediaFactory } from '../../src/sip/rtp-media-factory.js';
import { headerValue, parseSipMessage, SipParseError, type RawSipMessage } from '../../src/sip/sip-message.js';
import { SipStreamFramer } from '../../src/sip/stream-framer.js';
import { reservePort } from '../support/ports.js';
import { testCertificatePem } from './test-certificate.js';
import { eventually } from '../support/waiting.js';

const sdp = (port: number): string => ['v=0', 'o=- 1 1 IN IP6 ::1', 's=-', 'c=IN IP6 ::1', 't=0 0', `m=audio ${port} RTP/AVP 0`, 'a=rtpmap:0 PCMU/8000', 'a=sendrecv', ''].join('\r\n');

function format(startLine: string, headers: string[], body = ''): string {
  return [startLine, ...headers, ...(body ? ['Content-Type: application/sdp'] : []), `Content-Length: ${Buffer.byteLength(body)}`, '', body].join('\r\n');
}

/** A response to `req` with its Via, From, To (tagged), Call-ID and CSeq. */
function respond(req: RawSipMessage, status: string, extra: string[] = [], body = ''): string {
  const copied = req.headers
    .filter((h) => ['via', 'from', 'to', 'call-id', 'cseq', 'record-route'].includes(h.name))
    .map((h) => `${h.name}: ${h.value}${h.name === 'to' && !/;tag=/.test(h.value) ? ';tag=peer1' : ''}`);
  return format(`SIP/2.0 ${status}`, [...copied, ...extra], body);
}

/** A TLS listener on [::1] that hands each SIP message, with the socket it came on, to `on`. */
async function tlsPeer(pem: { key: Buffer; cert: Buffer }, on: (msg: RawSipMessage, socket: Socket) => void): Promise<Server & { port: number }> {
  const server = createServer(pem, (socket) => {
    const framer = new SipStreamFramer();
    socket.on('data', (chunk: Buffer) => {
      for (const out of framer.push(chunk)) {
        const msg = 'message' in out ? parseSipMessage(out.message) : new SipParseError(out.error);
        // What cannot be parsed never reaches the test, which then misses it.
        if (msg instanceof SipParseError) return void socket.destroy();
        on(msg, socket);
      }
    });
    socket.on('error', () => undefined);
  });
  await new Promise<void>((r) => server.listen(0, '::1', r));
  return Object.assign(server, { port: (server.address() as { port: number }).port });
}

/** Resolves once `done()` holds; fails after 5 s with `why()`. */
function until(done: () => boolean, why: () => string): Promise<true> {
  return eventually('the exchange', () => {
    assert.ok(done(), why());
    return true;
  });
}

describe('SIP over TLS on [::1] with a Record-Route: the route set is used both ways', function () {
  this.timeout(20000);
  let dir: string;
  let pem: { key: Buffer; cert: Buffer };
  const cleanup: Array<() => Promise<void> | void> = [];
  const logs: string[] = [];
  const log = (event: string, detail: Record<string, unknown>): void => void logs.push(`${event} ${JSON.stringify(detail)}`);

  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'sipline-tls6-route-'));
    pem = testCertificatePem(dir, 'IP:::1');
  });
  afterEach(async () => {
    for (const c of cleanup.splice(0).reverse()) await c();
    logs.length = 0;
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  function start(server: Server): void {
    cleanup.push(() => new Promise<void>((r) => server.close(() => r())));
  }

  /** The "proxy": takes the dialog's in-route requests and answers BYE with 200. */
  async function proxy(seen: RawSipMessage[]): Promise<Server & { port: number }> {
    const p = await tlsPeer(pem, (msg, socket) => {
      seen.push(msg);
      if (msg.kind === 'request' && msg.method === 'BYE') socket.write(respond(msg, '200 OK'));
    });
    start(p);
    return p;
  }

  it('our INVITE to a [::1] TLS trunk gets a 200 with Record-Route <sip:[::1]:port;transport=tls;lr>: ACK and BYE go to that hop over TLS with it as Route', async () => {
    const inRoute: RawSipMessage[] = [];
    const hop = await proxy(inRoute);
    const rr = `<sip:[::1]:${hop.port};transport=tls;lr>`;
    const rtp = await reservePort('::1');
    const uas = await tlsPeer(pem, (msg, socket) => {
      if (msg.kind !== 'request' || msg.method !== 'INVITE') return;
      socket.write(respond(msg, '200 OK', [`Record-Route: ${rr}`, `Contact: <sip:peer@[::1]:${uas.port};transport=tls>`], sdp(rtp)));
    });
    start(uas);
    const a = await SipEndpoint.start({
      transport: { protocol: 'tls', address: '::1', tls: { ca: pem.cert } },
      trunks: [{ name: 'peer', host: '[::1]', port: uas.port, srtp: 'off' }],
      media: rtpMediaFactory({ address: '::1', lineEncoding: 'PCMU' }),
      log,
    });
    cleanup.push(() => a.stop());
    const call = a.call('peer', { digits: '5551000' }, { digits: '2000' });
    call.invite();
    await once(call, 'answered');
    const released = once(call, 'released');
    call.release(16);
    await released;
    await until(() => inRoute.some((m) => m.method === 'BYE'), () => `the hop got no BYE (it got ${inRoute.map((m) => m.method).join(', ')})\n${logs.join('\n')}`);
    assert.deepEqual(inRoute.map((m) => m.method), ['ACK', 'BYE'], logs.join('\n'));
    for (const m of inRoute) {
      // RFC 3261 §12.2.1.1: a loose-routing route set keeps the remote target as Request-URI and lists the hop in Route.
      assert.equal(m.uri, `sip:peer@[::1]:${uas.port};transport=tls`, m.method);
      assert.equal(headerValue(m, 'route'), rr, m.method);
      assert.match(headerValue(m, 'via') ?? '', /^SIP\/2\.0\/TLS \[::1\]:\d+;/, m.method);
    }
  });

  it('a call from a TLS peer on [::1] with Record-Route: our 200 echoes it, our Contact is a bracketed transport=tls URI, and our BYE goes to the hop with it as Route', async () => {
    const inRoute: RawSipMessage[] = [];
    const hop = await proxy(inRoute);
    const rr = `<sip:[::1]:${hop.port};transport=tls;lr>`;
    const a = await SipEndpoint.start({
      transport: { protocol: 'tls', address: '::1', tls: { ...pem, ca: pem.cert } },
      trunks: [],
      inbound: { allowAddresses: ['::1'] },
      srtp: 'off',
      media: rtpMediaFactory({ address: '::1', lineEncoding: 'PCMU' }),
      log,
    });
    cleanup.push(() => a.stop());
    const incoming = once(a, 'incoming') as Promise<[SipCall]>;
    const socket = connect({ host: '::1', port: a.port, ca: pem.cert });
    cleanup.push(() => void socket.destroy());
    await once(socket, 'secureConnect');
    const answers: RawSipMessage[] = [];
    const framer = new SipStreamFramer();
    socket.on('data', (chunk: Buffer) => {
      for (const out of framer.push(chunk)) {
        const msg = 'message' in out ? parseSipMessage(out.message) : new SipParseError(out.error);
        if (!(msg instanceof SipParseError)) answers.push(msg);
      }
    });
    const local = `[::1]:${socket.localPort}`;
    const invite = [
      `Via: SIP/2.0/TLS ${local};branch=z9hG4bKv6tls1;rport`,
      `Record-Route: ${rr}`,
      `From: <sip:2125550100@${local}>;tag=caller1`,
      `To: <sip:4321@[::1]:${a.port}>`,
      'Call-ID: tls6-route-1@[::1]',
      'CSeq: 1 INVITE',
      `Contact: <sip:caller@${local};transport=tls>`,
      'Max-Forwards: 70',
    ];
    socket.write(format(`INVITE sip:4321@[::1]:${a.port};transport=tls SIP/2.0`, invite, sdp(await reservePort('::1'))));
    const [call] = await incoming;
    call.answer();
    await until(() => answers.some((m) => m.status === 200), () => `no 200 OK: ${answers.map((m) => m.status).join(', ')}\n${logs.join('\n')}`);
    const ok = answers.find((m) => m.status === 200)!;
    // RFC 3261 §12.1.1: the UAS copies Record-Route into the 2xx; §18.2.1 / RFC 3581 §4: received and rport in its Via.
    assert.equal(headerValue(ok, 'record-route'), rr);
    assert.match(headerValue(ok, 'via') ?? '', new RegExp(`^SIP/2\\.0/TLS \\[::1\\]:${socket.localPort};branch=z9hG4bKv6tls1;rport=${socket.localPort};received=::1$`));
    assert.match(headerValue(ok, 'contact') ?? '', new RegExp(`^<sip:sipline@\\[::1\\]:${a.port};transport=tls>`));
    const toTag = /;tag=([^;]+)/.exec(headerValue(ok, 'to') ?? '')![1];
    socket.write(format(`ACK ${/<([^>]+)>/.exec(headerValue(ok, 'contact')!)![1]} SIP/2.0`, [`Via: SIP/2.0/TLS ${local};branch=z9hG4bKv6tls2;rport`, ...invite.slice(2, 3), `To: <sip:4321@[::1]:${a.port}>;tag=${toTag}`, 'Call-ID: tls6-route-1@[::1]', 'CSeq: 1 ACK', 'Max-Forwards: 70']));
    await new Promise((r) => setTimeout(r, 200));
    const released = once(call, 'released') as Promise<[SipRelease]>;
    call.release(16);
    await released;
    await until(() => inRoute.some((m) => m.method === 'BYE'), () => `the hop got no BYE (it got ${inRoute.map((m) => m.method).join(', ')})\n${logs.join('\n')}`);
    const bye = inRoute.find((m) => m.method === 'BYE')!;
    assert.equal(bye.uri, `sip:caller@${local};transport=tls`);
    assert.equal(headerValue(bye, 'route'), rr);
    assert.match(headerValue(bye, 'via') ?? '', /^SIP\/2\.0\/TLS \[::1\]:\d+;/);
  });
});
