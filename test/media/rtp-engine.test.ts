// The native RTP engine (native/rtp/): datagrams of many sockets through one
// I/O thread, against plain Node sockets as the far end.
import assert from 'node:assert/strict';
import { createSocket, type Socket } from 'node:dgram';
import { readdirSync, readFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import { RtpEngine, RtpSocketError, type RtpSocket, type RtpSource } from '../../src/media/rtp-engine.js';
import { eventually } from '../support/waiting.js';

function peer(type: 'udp4' | 'udp6' = 'udp4', address = '127.0.0.1'): Promise<Socket> {
  const s = createSocket(type);
  return new Promise((resolve) => s.bind(0, address, () => resolve(s)));
}

function collect(s: RtpSocket): { msgs: Buffer[]; from: RtpSource[] } {
  const out = { msgs: [] as Buffer[], from: [] as RtpSource[] };
  s.onMessage = (msg, from) => {
    out.msgs.push(Buffer.from(msg));
    out.from.push({ address: from.address, port: from.port, family: from.family });
  };
  return out;
}

describe('native RTP engine', () => {
  let engine: RtpEngine;
  before(() => {
    engine = new RtpEngine();
  });
  after(() => engine.native.shutdown());

  it('runs its I/O thread below the JavaScript thread in CPU priority, so frames to the line come first', async () => {
    // Linux /proc/<pid>/task/<tid>/stat: field 19 is the nice value.
    const nice = (tid: string): { name: string; nice: number } => {
      const stat = readFileSync(`/proc/self/task/${tid}/stat`, 'utf8');
      return { name: stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')')), nice: Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[16]) };
    };
    const io = (): { name: string; nice: number }[] => readdirSync('/proc/self/task').map(nice).filter((t) => t.name === 'sipline-rtp');
    const js = nice(String(process.pid)).nice;
    // The thread sets its own priority as it starts.
    await eventually('every I/O thread has lowered its priority', () => io().length > 0 && io().every((t) => t.nice !== js), { timeoutMs: 2000 }).catch(() => undefined);
    assert.ok(io().length > 0, 'no sipline-rtp thread');
    for (const t of io()) assert.equal(t.nice, Math.min(19, js + 5), `I/O thread nice ${t.nice}, JavaScript thread ${js}`);
  });

  it('carries datagrams both ways byte for byte, in order, and names their source', async () => {
    const far = await peer();
    const s = engine.open('127.0.0.1', 0);
    const got = collect(s);
    const farGot: Buffer[] = [];
    far.on('message', (m) => farGot.push(m));
    try {
      const sent = Array.from({ length: 200 }, (_, i) => Buffer.from(Array.from({ length: 12 + (i % 160) }, (_, k) => (i * 7 + k) & 0xff)));
      for (const d of sent) s.send(d, far.address().port, '127.0.0.1');
      await eventually('the far end has all 200', () => farGot.length === 200);
      assert.deepEqual(farGot, sent);
      for (const d of sent) far.send(d, s.port, '127.0.0.1');
      await eventually('the engine has all 200', () => got.msgs.length === 200);
      assert.deepEqual(got.msgs, sent);
      assert.equal(got.from[0]!.address, '127.0.0.1');
      assert.equal(got.from[0]!.port, far.address().port);
    } finally {
      s.close();
      far.close();
    }
  });

  it('keeps 100 sockets apart: every datagram reaches its own socket, none another', async () => {
    const sockets = Array.from({ length: 100 }, () => engine.open('127.0.0.1', 0));
    const got = sockets.map(collect);
    const far = await peer();
    try {
      for (let round = 0; round < 20; round++) {
        sockets.forEach((s, i) => far.send(Buffer.from([i, round]), s.port, '127.0.0.1'));
        await new Promise((r) => setImmediate(r));
      }
      await eventually('every socket has its 20', () => got.every((g) => g.msgs.length === 20));
      got.forEach((g, i) => assert.deepEqual(g.msgs.map((m) => [m[0], m[1]]), Array.from({ length: 20 }, (_, r) => [i, r]), `socket ${i}`));
    } finally {
      for (const s of sockets) s.close();
      far.close();
    }
  });

  it('hands bursts of 5,000 datagrams over in order, none lost, with a listener slow enough to make it yield to the event loop midway', async () => {
    const s = engine.open('127.0.0.1', 0);
    const seen: number[] = [];
    let slow = true;
    s.onMessage = (msg) => {
      seen.push(msg.readUInt16BE(0));
      // Make the first datagrams slow to handle so that the engine has to yield inside the batch.
      if (slow && seen.length < 200) {
        const until = performance.now() + 0.02;
        while (performance.now() < until);
      } else slow = false;
    };
    const far = await peer();
    try {
      // Bursts of 100, each once the one before has arrived, so that the
      // kernel's receive buffer (about 200 small datagrams) never overflows
      // on a busy machine: a loss here would be the kernel's, not the engine's.
      for (let i = 0; i < 5000; i += 100) {
        for (let k = i; k < i + 100; k++) far.send(Buffer.from([k >> 8, k & 0xff]), s.port, '127.0.0.1');
        await eventually(`datagrams up to ${i + 99} have arrived`, () => seen.length >= i + 100);
      }
      await eventually('all 5,000 have arrived', () => seen.length === 5000);
      assert.deepEqual(seen, Array.from({ length: 5000 }, (_, i) => i));
    } finally {
      s.close();
      far.close();
    }
  });

  it('hands over, when polled, datagrams that arrived while JavaScript was busy, without waiting for the event loop', async () => {
    const s = engine.open('127.0.0.1', 0);
    const got = collect(s);
    // The far end is another socket of the engine: its sends leave from the
    // I/O thread at once (a dgram socket would wait for the event loop).
    const far = engine.open('127.0.0.1', 0);
    await new Promise((r) => setTimeout(r, 10));
    try {
      for (let i = 0; i < 3; i++) far.send(Buffer.from([i]), s.port, '127.0.0.1');
      engine.flush();
      // The event loop does not turn in here: only poll() can deliver.
      const until = performance.now() + 5000;
      while (got.msgs.length < 3 && performance.now() < until) s.poll();
      assert.deepEqual(got.msgs.map((m) => m[0]), [0, 1, 2]);
      await new Promise((r) => setTimeout(r, 20));
      assert.equal(got.msgs.length, 3, 'the notification that follows delivers nothing twice');
    } finally {
      s.close();
      far.close();
    }
  });

  it('sends what was queued before close, then frees the port at once', async () => {
    const far = await peer();
    const farGot: Buffer[] = [];
    far.on('message', (m) => farGot.push(m));
    const s = engine.open('127.0.0.1', 0);
    const port = s.port;
    let sentCalled = false;
    s.send(Buffer.from('BYE'), far.address().port, '127.0.0.1', () => (sentCalled = true));
    s.close();
    s.close(); // idempotent
    const again = createSocket('udp4');
    try {
      await new Promise<void>((resolve, reject) => {
        again.once('error', reject);
        again.bind(port, '127.0.0.1', () => resolve());
      });
      await eventually('the datagram queued before close arrives', () => farGot.length === 1);
      assert.equal(farGot[0]!.toString(), 'BYE');
      assert.ok(sentCalled);
    } finally {
      again.close();
      far.close();
    }
  });

  it('sends to a host name in c= once it has been looked up', async () => {
    const far = await peer();
    const s = engine.open('127.0.0.1', 0);
    const farGot: string[] = [];
    far.on('message', (m) => farGot.push(m.toString()));
    try {
      await eventually('the name resolves and a datagram gets through', () => {
        s.send(Buffer.from('named'), far.address().port, 'localhost');
        return farGot.length > 0;
      });
      assert.equal(farGot[0], 'named');
    } finally {
      s.close();
      far.close();
    }
  });

  it('works over IPv6 loopback', async () => {
    const far = await peer('udp6', '::1');
    const s = engine.open('::1', 0);
    const got = collect(s);
    try {
      far.send(Buffer.from('v6'), s.port, '::1');
      await eventually('the datagram arrives', () => got.msgs.length === 1);
      assert.equal(got.from[0]!.address, '::1');
      assert.equal(got.from[0]!.family, 'IPv6');
      s.send(Buffer.from('back'), got.from[0]!.port, got.from[0]!.address);
      const back = await new Promise<Buffer>((r) => far.once('message', r));
      assert.equal(back.toString(), 'back');
    } finally {
      s.close();
      far.close();
    }
  });

  it('refuses what it cannot use with an error naming it, and never throws from send', async () => {
    assert.throws(() => engine.open('not-an-ip', 0), (e: unknown) => e instanceof RtpSocketError && e.code === 'EINVAL' && e.message.includes('not-an-ip'));
    const taken = engine.open('127.0.0.1', 0);
    try {
      assert.throws(() => engine.open('127.0.0.1', taken.port), (e: unknown) => e instanceof RtpSocketError && e.code === 'EADDRINUSE' && e.message.includes(String(taken.port)));
      const errors: string[] = [];
      taken.onError = (err) => errors.push(err.message);
      taken.send(Buffer.from('x'), 4000, 'no-such-host.invalid'); // RFC 6761 §6.4: never resolves
      await eventually('the failed lookup is reported', () => errors.length === 1);
      assert.match(errors[0]!, /cannot resolve no-such-host\.invalid/);
      assert.throws(() => engine.native.send(new Uint8Array(4), Int32Array.of(taken.handle, 2, 10), 1), /outside the data/);
      assert.throws(() => engine.native.send(new Uint8Array(4), Int32Array.of(999999, 0, 4), 1), /not open/);
    } finally {
      taken.close();
    }
    // After close the socket drops sends silently instead of reaching a reused handle.
    taken.send(Buffer.from('late'), 4000, '127.0.0.1');
    engine.flush();
  });
});
