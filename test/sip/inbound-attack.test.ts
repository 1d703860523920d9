// An attacker on another loopback address against a SIP endpoint with one
// trunk: every method in and out of dialog, header tricks, a live call's
// Call-ID and tags, REFER, and reflection. The endpoint keeps running and
// admits nothing that no rule names.
import assert from 'node:assert/strict';
import { createSocket, type Socket as UdpSocket } from 'node:dgram';
import { once } from 'node:events';
import { connect, type Socket as TcpSocket } from 'node:net';
import type { SipCall } from '../../src/sip/sip-call.js';
import { SipEndpoint } from '../../src/sip/sip-endpoint.js';
import type { SipTransportProtocol } from '../../src/sip/node-transport.js';
import { BoundRtpPort } from './bound-rtp-port.js';
import { eventually, quietFor } from '../support/waiting.js';

const ATTACKER = '127.0.0.2';
const METHODS = ['INVITE', 'ACK', 'BYE', 'CANCEL', 'OPTIONS', 'REGISTER', 'PRACK', 'SUBSCRIBE', 'NOTIFY', 'PUBLISH', 'INFO', 'REFER', 'MESSAGE', 'UPDATE', 'FOO'];
const media = (): Promise<BoundRtpPort> => BoundRtpPort.open();

/** One SIP speaker on a chosen source address: sends raw requests, collects what comes back. */
class Speaker {
  readonly received: string[] = [];
  private constructor(
    readonly protocol: SipTransportProtocol,
    private readonly udp: UdpSocket | undefined,
    private readonly tcp: TcpSocket | undefined,
    readonly port: number,
    readonly address: string,
  ) {
    udp?.on('message', (m) => this.received.push(m.toString()));
    tcp?.on('data', (d) => this.received.push(d.toString()));
    tcp?.on('error', () => undefined);
  }

  static async open(protocol: 'udp' | 'tcp', address: string, target: number): Promise<Speaker> {
    if (protocol === 'udp') {
      const s = createSocket('udp4');
      await new Promise<void>((r) => s.bind(0, address, r));
      return new Speaker(protocol, s, undefined, s.address().port, address);
    }
    const s = connect({ host: '127.0.0.1', port: target, localAddress: address });
    await once(s, 'connect');
    return new Speaker(protocol, undefined, s, s.localPort!, address);
  }

  send(text: string, port: number): void {
    if (this.udp) this.udp.send(text, port, '127.0.0.1');
    else this.tcp!.write(text);
  }

  close(): void {
    this.udp?.close();
    this.tcp?.destroy();
  }
}

let seq = 0;
function message(s: Speaker, method: string, gwPort: number, o: { callId?: string; fromTag?: string; to?: string; extra?: string[]; body?: string; ruri?: string } = {}): string {
  seq++;
  const cseqMethod = method === 'ACK' || method === 'CANCEL' ? 'INVITE' : method;
  const body = o.body ?? '';
  return [
    `${method} ${o.ruri ?? `sip:2000@127.0.0.1:${gwPort}`} SIP/2.0`,
    `Via: SIP/2.0/${s.protocol.toUpperCase()} ${s.address}:${s.port};branch=z9hG4bKatk${seq};rport`,
    'Max-Forwards: 70',
    `From: <sip:attacker@${s.address}>;tag=${o.fromTag ?? `a${seq}`}`,
    `To: ${o.to ?? `<sip:2000@127.0.0.1>`}`,
    `Call-ID: ${o.callId ?? `atk-${seq}@${s.address}`}`,
    `CSeq: ${seq} ${cseqMethod}`,
    `Contact: <sip:attacker@${s.address}:${s.port};transport=${s.protocol}>`,
    ...(o.extra ?? []),
    ...(body ? ['Content-Type: application/sdp'] : []),
    `Content-Length: ${Buffer.byteLength(body)}`,
    '',
    body,
  ].join('\r\n');
}

const SDP = ['v=0', 'o=- 1 1 IN IP4 127.0.0.2', 's=-', 'c=IN IP4 127.0.0.2', 't=0 0', 'm=audio 40000 RTP/AVP 0', 'a=rtpmap:0 PCMU/8000', ''].join('\r\n');


describe('inbound: an attacker from another address', function () {
  this.timeout(30000);
  let gw: SipEndpoint;
  let trunk: SipEndpoint;
  let admitted: SipCall[];
  let logged: Array<[string, Record<string, unknown>]>;

  beforeEach(async () => {
    admitted = [];
    logged = [];
    // The trunk peer listens on 127.0.0.1 UDP; the gateway knows it as trunk "carrier".
    trunk = await SipEndpoint.start({ transport: { protocol: 'udp' }, trunks: [], inbound: { allowAddresses: ['127.0.0.1'] }, media });
    gw = await SipEndpoint.start({
      transport: { protocol: 'udp', timers: { T1: 100 } },
      listen: [{ protocol: 'tcp' }],
      trunks: [{ name: 'carrier', host: '127.0.0.1', port: trunk.port }],
      media,
      log: (e, d) => logged.push([e, d]),
    });
    await trunk.addTrunk({ name: 'gw', host: '127.0.0.1', port: gw.port });
    gw.on('incoming', (c) => admitted.push(c));
  });

  afterEach(async () => {
    await Promise.all([gw.stop(), trunk.stop()]);
  });

  /** A call from the trunk, answered by the gateway; its SIP leg at the gateway. */
  async function trunkCall(): Promise<SipCall> {
    const answered = new Promise<SipCall>((resolve) => gw.once('incoming', (c) => { c.answer(); resolve(c); }));
    const out = trunk.call('gw', { digits: '5551000' }, { digits: '2000' });
    out.invite();
    await once(out, 'answered');
    return answered;
  }

  /** Proves the gateway still serves the trunk: a fresh call connects and ends. */
  async function stillServes(): Promise<void> {
    const call = await trunkCall();
    const ended = once(call, 'released');
    call.release(16);
    await ended;
  }

  for (const protocol of ['udp', 'tcp'] as const) {
    it(`every method in and out of dialog over ${protocol.toUpperCase()}, from a stranger and from the trunk, leaves the endpoint serving and rings nothing`, async () => {
      const port = protocol === 'udp' ? gw.port : gw.listening.find((l) => l.protocol === 'tcp')!.port;
      const before = admitted.length;
      for (const address of [ATTACKER, '127.0.0.1']) {
        const s = await Speaker.open(protocol, address, port);
        for (const method of METHODS) {
          s.send(message(s, method, port), port);
          s.send(message(s, method, port, { to: '<sip:2000@127.0.0.1>;tag=nosuchdialog' }), port);
        }
        await quietFor(300);
        s.close();
      }
      // The INVITE from the trunk's own address (127.0.0.1) is the one that may ring.
      assert.ok(admitted.slice(before).every((c) => c.trunk === 'carrier'), 'no call from the stranger was admitted');
      assert.ok(!logged.some(([e]) => e === 'sip.js-error'), `sip.js threw: ${JSON.stringify(logged.filter(([e]) => e === 'sip.js-error'))}`);
      for (const c of admitted) c.release(16);
      await stillServes();
    });
  }

  it('admits no INVITE from a stranger whatever its To header claims (URI tag, case, spacing, compact form, two To headers)', async () => {
    const s = await Speaker.open('udp', ATTACKER, gw.port);
    const tricks: Array<{ to?: string; extra?: string[] }> = [
      { to: '<sip:2000@127.0.0.1;tag=1>' },
      { to: '"x;tag=1" <sip:2000@127.0.0.1>' },
      { to: 'sip:2000@127.0.0.1;tag=1' },
      { to: '<sip:2000@127.0.0.1>;TAG=1' },
      { to: '<sip:2000@127.0.0.1> ; tag = 1' },
      { to: '<sip:2000@127.0.0.1>;tag=' },
      { to: '<sip:2000@127.0.0.1>', extra: ['t: <sip:2000@127.0.0.1>;tag=1'] },
      { to: '<sip:2000@127.0.0.1>;tag=1', extra: ['To: <sip:2000@127.0.0.1>'] },
    ];
    for (const t of tricks) s.send(message(s, 'INVITE', gw.port, { ...t, body: SDP }), gw.port);
    await quietFor(500);
    s.close();
    assert.equal(admitted.length, 0, 'no call admitted');
    assert.ok(s.received.every((r) => !/^SIP\/2\.0 (1\d\d|2\d\d)/.test(r)), `only refusals came back: ${s.received.map((r) => r.split('\r\n')[0]).join(' | ')}`);
  });

  it("leaves a live call alone when a stranger sends BYE, re-INVITE, UPDATE, REFER or CANCEL with its Call-ID and tags", async () => {
    const call = await trunkCall();
    const session = call.session as unknown as { dialog?: { callId: string; localTag: string; remoteTag: string } };
    const d = session.dialog!;
    let released = false;
    call.once('released', () => (released = true));
    for (const protocol of ['udp', 'tcp'] as const) {
      const port = protocol === 'udp' ? gw.port : gw.listening.find((l) => l.protocol === 'tcp')!.port;
      const s = await Speaker.open(protocol, ATTACKER, port);
      // In-dialog from the peer's side: From is the trunk's tag, To is ours.
      const inDialog = { callId: d.callId, fromTag: d.remoteTag, to: `<sip:2000@127.0.0.1>;tag=${d.localTag}` };
      for (const method of ['BYE', 'INVITE', 'UPDATE', 'REFER', 'CANCEL', 'INFO', 'NOTIFY']) {
        s.send(message(s, method, port, { ...inDialog, ...(method === 'INVITE' || method === 'UPDATE' ? { body: SDP } : {}), extra: method === 'REFER' ? ['Refer-To: <sip:0044207946000@127.0.0.3>'] : [] }), port);
      }
      await quietFor(400);
      s.close();
      assert.ok(!s.received.some((r) => /^SIP\/2\.0 2\d\d/.test(r)), `${protocol}: nothing accepted: ${s.received.map((r) => r.split('\r\n')[0]).join(' | ')}`);
    }
    assert.equal(released, false, 'the call is still up');
    const ended = once(call, 'released');
    call.release(16);
    await ended;
  });

  it("refuses a REFER from the call's own peer with 403 and calls nobody", async () => {
    const target = createSocket('udp4');
    await new Promise<void>((r) => target.bind(0, '127.0.0.3', r));
    const heard: string[] = [];
    target.on('message', (m) => heard.push(m.toString()));
    try {
      const call = await trunkCall();
      const d = (call.session as unknown as { dialog: { callId: string; localTag: string; remoteTag: string } }).dialog;
      const s = await Speaker.open('udp', '127.0.0.1', gw.port);
      s.send(message(s, 'REFER', gw.port, { callId: d.callId, fromTag: d.remoteTag, to: `<sip:2000@127.0.0.1>;tag=${d.localTag}`, extra: [`Refer-To: <sip:0044207946000@127.0.0.3:${target.address().port}>`] }), gw.port);
      await eventually(`403 to the REFER (got ${s.received.map((r) => r.split('\r\n')[0]).join(' | ')})`, () => s.received.some((r) => r.startsWith('SIP/2.0 403')));
      assert.ok(logged.some(([e]) => e === 'refer-refused'), 'a log line says the REFER was refused');
      await quietFor(500);
      assert.deepEqual(heard, [], 'no INVITE to the Refer-To target');
      s.close();
      const ended = once(call, 'released');
      call.release(16);
      await ended;
    } finally {
      target.close();
    }
  });

  it('logs a flood of junk and refused requests from one source as a line per kind, not a line per packet', async () => {
    const s = await Speaker.open('udp', ATTACKER, gw.port);
    for (let i = 0; i < 500; i++) {
      s.send('junk that is no SIP\r\n\r\n', gw.port);
      s.send(message(s, 'INVITE', gw.port), gw.port);
      s.send(message(s, 'PRACK', gw.port), gw.port);
    }
    // Time for the flood to arrive: what is asserted is how little was logged.
    await quietFor(800);
    s.close();
    const count = (event: string): number => logged.filter(([e]) => e === event).length;
    assert.equal(count('unparsable'), 1);
    assert.ok(count('inbound-refused') <= 1, `${count('inbound-refused')} refusal lines`);
    assert.ok(count('inbound-rate-limited') <= 1, `${count('inbound-rate-limited')} rate-limit lines`);
    await stillServes();
  });

  it('answers a refused INVITE once: no retransmissions of the refusal towards an unauthenticated source', async () => {
    const s = await Speaker.open('udp', ATTACKER, gw.port);
    s.send(message(s, 'INVITE', gw.port, { body: SDP }), gw.port);
    await eventually('an answer to the INVITE', () => s.received.length > 0);
    assert.match(s.received[0] ?? '', /^SIP\/2\.0 403/);
    // T1 is 100 ms here: a retransmitted 403 would come at 100, 300, 700 ms and on.
    await quietFor(1500);
    s.close();
    assert.equal(s.received.length, 1, 'one answer only');
    assert.ok(!/^(User-Agent|Server):/im.test(s.received[0]!), 'the refusal names no product');
  });
});

describe('inbound: connections over TCP', function () {
  this.timeout(20000);

  it('caps connections per source, closes idle ones, and keeps a quiet connection that carries a live call', async () => {
    const logged: Array<[string, Record<string, unknown>]> = [];
    const gw = await SipEndpoint.start({
      transport: { protocol: 'tcp', inbound: { perSource: 3, idleMs: 300 } },
      trunks: [],
      inbound: { allowAddresses: ['127.0.0.1'] },
      media,
      log: (e, d) => logged.push([e, d]),
    });
    const trunk = await SipEndpoint.start({ transport: { protocol: 'tcp' }, trunks: [{ name: 'gw', host: '127.0.0.1', port: gw.port }], media });
    const sockets: TcpSocket[] = [];
    try {
      const closed: boolean[] = [];
      for (let i = 0; i < 5; i++) {
        const s = connect({ host: '127.0.0.1', port: gw.port, localAddress: ATTACKER });
        s.on('error', () => undefined);
        const index = closed.push(false) - 1;
        s.on('close', () => (closed[index] = true));
        sockets.push(s);
        await once(s, 'connect');
      }
      await eventually('the two connections over the cap to close', () => closed.filter(Boolean).length >= 2);
      assert.ok(logged.some(([e, d]) => e === 'connection-refused' && /from this source/.test(String(d.reason))));
      // A call from the trunk over its own connection, then quiet for several idle periods.
      gw.on('incoming', (c) => c.answer());
      const call = trunk.call('gw', { digits: '1' }, { digits: '2' });
      call.invite();
      await once(call, 'answered');
      await eventually('every idle attacker connection to close', () => closed.every(Boolean));
      // Several idle periods with the call up: what is asserted is that its connection is not closed.
      await quietFor(1000);
      const idleClosed = logged.filter(([e]) => e === 'connection-idle').map(([, d]) => String(d.peer));
      assert.ok(idleClosed.length >= 3, `idle connections closed: ${idleClosed.join(', ')}`);
      assert.ok(idleClosed.every((p) => p.startsWith(`${ATTACKER}:`)), `only the attacker's connections were closed: ${idleClosed.join(', ')}`);
      const ended = once(call, 'released');
      call.release(16);
      await ended;
    } finally {
      for (const s of sockets) s.destroy();
      await Promise.all([trunk.stop(), gw.stop()]);
    }
  });
});

describe('inbound: trunks that move or go', function () {
  this.timeout(20000);

  it("follows a trunk's host name when it resolves elsewhere, and no longer takes the old address as the trunk", async () => {
    let answer = '127.0.0.4';
    const logged: string[] = [];
    const gw = await SipEndpoint.start({
      transport: { protocol: 'udp', lookup: () => Promise.resolve([{ address: answer, family: 4 }]) },
      trunks: [{ name: 'carrier', host: 'sbc.carrier.test', port: 5060 }],
      media,
      resolveEveryMs: 50,
      log: (e) => logged.push(e),
    });
    try {
      assert.deepEqual(gw.security().trunks, [{ name: 'carrier', sources: ['127.0.0.4'] }]);
      answer = '127.0.0.6';
      await eventually('the trunk resolved to its new address', () => gw.security().trunks[0]?.sources[0] === '127.0.0.6');
      assert.deepEqual(gw.security().trunks, [{ name: 'carrier', sources: ['127.0.0.6'] }]);
      assert.ok(logged.includes('trunk-addresses'), 'the move is logged');
      const old = await Speaker.open('udp', '127.0.0.4', gw.port);
      old.send(message(old, 'INVITE', gw.port, { body: SDP }), gw.port);
      await eventually('an answer to the old address', () => old.received.length > 0);
      old.close();
      assert.match(old.received[0] ?? '', /^SIP\/2\.0 403/, 'the old address is a stranger now');
    } finally {
      await gw.stop();
    }
  });

  it('refuses a removed trunk at once (a reload that drops it)', async () => {
    const gw = await SipEndpoint.start({ transport: { protocol: 'udp' }, trunks: [{ name: 'carrier', host: '127.0.0.7', port: 5060 }], media });
    const s = await Speaker.open('udp', '127.0.0.7', gw.port);
    try {
      s.send(message(s, 'OPTIONS', gw.port), gw.port);
      await eventually('an answer to the OPTIONS', () => s.received.length > 0);
      assert.match(s.received[0] ?? '', /^SIP\/2\.0 200/);
      assert.match(s.received[0] ?? '', /^Allow: .*INVITE/m);
      gw.removeTrunk('carrier');
      s.send(message(s, 'INVITE', gw.port, { body: SDP }), gw.port);
      await eventually('an answer to the INVITE', () => s.received.length >= 2);
      assert.match(s.received[1] ?? '', /^SIP\/2\.0 403/);
    } finally {
      s.close();
      await gw.stop();
    }
  });
});
