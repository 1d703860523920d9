import assert from 'node:assert/strict';
import { once } from 'node:events';
import { CallState } from '../../src/isdn/call-state.js';
import { FramePipePair } from '../../src/isdn/frame-pipe.js';
import type { PriCall } from '../../src/isdn/pri-call.js';
import { PriSpan } from '../../src/isdn/pri-span.js';
import { Q921Link } from '../../src/isdn/q921-link.js';
import { Q931SignalCodec } from '../../src/isdn/q931-signal-codec.js';
import type { Signal } from '../../src/isdn/q931-signal.js';
import { eventually, quietFor } from '../support/waiting.js';

const link = { T200: 100, T203: 1000, N200: 3 };

/** A far end we script message by message: a Q.921 link and the codec, no call control. */
class ScriptedPeer {
  readonly link: Q921Link;
  readonly codec = new Q931SignalCodec({ variant: 'national', law: 'mu-law' });
  readonly received: Signal[] = [];
  private waiters: { type: string; resolve: (s: Signal) => void }[] = [];

  constructor(wire: FramePipePair, side: 'user' | 'network') {
    this.link = new Q921Link(wire.b, { side, parameters: link });
    this.link.on('data', (octets) => {
      const r = this.codec.decode(octets);
      if (!r.ok) return;
      this.received.push(r.signal);
      const w = this.waiters.find((x) => x.type === r.signal.type);
      if (w) {
        this.waiters.splice(this.waiters.indexOf(w), 1);
        w.resolve(r.signal);
      }
    });
  }

  send(s: Signal): void {
    this.link.send(this.codec.encode(s));
  }

  next(type: string, timeoutMs = 3000): Promise<Signal> {
    const seen = this.received.findIndex((s) => s.type === type);
    if (seen >= 0) return Promise.resolve(this.received.splice(seen, 1)[0]!);
    return new Promise((resolve, reject) => {
      const t = setTimeout(() => reject(new Error(`no ${type} within ${timeoutMs} ms; got ${this.received.map((s) => s.type).join(', ')}`)), timeoutMs);
      this.waiters.push({ type, resolve: (s) => { clearTimeout(t); this.received.splice(this.received.indexOf(s), 1); resolve(s); } });
    });
  }

  count(type: string): number {
    return this.received.filter((s) => s.type === type).length;
  }
}

async function spanWithScriptedPeer(side: 'user' | 'network', timers = {}): Promise<{ span: PriSpan; peer: ScriptedPeer; close: () => void }> {
  const wire = new FramePipePair();
  const span = new PriSpan(wire.a, { name: 'span', side, switchVariant: 'national', type: 't1', link, timers, restartAtLinkUp: 'none' });
  const peer = new ScriptedPeer(wire, side === 'user' ? 'network' : 'user');
  const up = once(span.signalling, 'up');
  span.start();
  await up;
  return { span, peer, close: () => { span.close(); peer.link.close(); } };
}

/** Places a call from 100 to 5551234; returns it, the SETUP the peer saw and the call reference the peer answers with (flag 1, Q.931 clause 4.3). */
async function placeCall(span: PriSpan, peer: ScriptedPeer): Promise<{ call: PriCall; setup: Signal; ref: { value: number; flag: 1 } }> {
  const call = span.originate({ digits: '100' }, { digits: '5551234' })!;
  call.setup();
  const setup = await peer.next('SETUP');
  return { call, setup, ref: { value: (setup.callRef as { value: number }).value, flag: 1 } };
}

/** A call from the user side that the network answers at once, when it is active. */
async function activeCall(user: PriSpan, network: PriSpan): Promise<PriCall> {
  network.on('incoming', (leg) => leg.answer());
  const call = user.originate({ digits: '100' }, { digits: '5551234' })!;
  const answered = once(call, 'answered');
  call.setup();
  await answered;
  return call;
}

async function twoSpans(timers = {}): Promise<{ wire: FramePipePair; user: PriSpan; network: PriSpan; close: () => void }> {
  const wire = new FramePipePair();
  const t = { T316: 1000, ...timers };
  const user = new PriSpan(wire.a, { name: 'cpe', side: 'user', switchVariant: 'national', type: 't1', link, timers: t });
  const network = new PriSpan(wire.b, { name: 'co', side: 'network', switchVariant: 'national', type: 't1', link, timers: t });
  // Both ends RESTART the interface at link-up (Q.931 clause 5.5); calls start after both are acknowledged.
  const restartedBy = (span: PriSpan): Promise<void> =>
    new Promise((resolve) => {
      const on = (_: number[], by: string): void => {
        if (by === 'us') {
          span.signalling.off('restarted', on);
          resolve();
        }
      };
      span.signalling.on('restarted', on);
    });
  const restarted = Promise.all([restartedBy(user), restartedBy(network)]);
  user.start();
  network.start();
  await Promise.all([once(user.signalling, 'up'), once(network.signalling, 'up')]);
  await restarted;
  return { wire, user, network, close: () => { user.close(); network.close(); } };
}

function states(call: PriCall, span: PriSpan): string[] {
  const seen: string[] = [];
  span.signalling.on('trace', (l) => {
    const m = l.match(new RegExp(`${call.id.replace('/', '\\/')} cr=\\d+: (\\w+) -> (\\w+)`));
    if (m) seen.push(m[2]!);
  });
  return seen;
}

describe('Q.931 call control (our spans back to back)', function () {
  this.timeout(10000);

  it('a call the user places runs U1 U3 U4 U10 on the user side and N1 N3 N4 N10 on the network side (clauses 5.1, 5.2)', async () => {
    const { user, network, close } = await twoSpans();
    try {
      const call = user.originate({ digits: '100' }, { digits: '5551234' })!;
      const userStates = states(call, user);
      const netStates: string[] = [];
      network.signalling.on('trace', (l) => {
        const m = l.match(/cr=\d+: (\w+) -> (\w+)/);
        if (m) netStates.push(m[2]!);
      });
      network.once('incoming', (leg) => {
        setTimeout(() => leg.alert(), 10);
        setTimeout(() => leg.answer(), 30);
      });
      const answered = once(call, 'answered');
      call.setup();
      await answered;
      await eventually('the network side in N10', () => netStates.includes('N10'));
      assert.deepEqual(userStates, ['U1', 'U3', 'U4', 'U10']);
      assert.deepEqual(netStates, ['N1', 'N3', 'N4', 'N10']);
    } finally {
      close();
    }
  });

  it('a call the network places runs U6 U9 U7 U8 U10 on the user side (clauses 5.2.5, 5.2.8)', async () => {
    const { user, network, close } = await twoSpans();
    try {
      const incoming = once(user, 'incoming');
      const call = network.originate({ digits: '100' }, { digits: '5551234' })!;
      const answered = once(call, 'answered');
      call.setup();
      const [leg] = (await incoming) as [PriCall];
      const seen: string[] = [];
      user.signalling.on('trace', (l) => {
        const m = l.match(/cr=\d+: (\w+) -> (\w+)/);
        if (m) seen.push(m[2]!);
      });
      // CALL PROCEEDING goes out by itself once the SETUP is taken (U9).
      await eventually('the user side in U9', () => seen.includes('U9'));
      leg.alert();
      leg.answer();
      await answered;
      await eventually('the user side in U10', () => seen.includes('U10'));
      assert.deepEqual(seen, ['U9', 'U7', 'U8', 'U10']);
      assert.equal(leg.state, CallState.Active);
    } finally {
      close();
    }
  });

  it('T303: a SETUP nobody answers goes out twice, then the call is released with cause 102 (clause 5.1.1)', async () => {
    const { span, peer, close } = await spanWithScriptedPeer('user', { T303: 150 });
    try {
      const call = span.originate({ digits: '100' }, { digits: '5551234' })!;
      const cause = once(call, 'released');
      call.setup();
      assert.deepEqual(await cause, [102]);
      assert.equal(peer.count('SETUP'), 2);
      await peer.next('RELEASE_COMPLETE');
      assert.equal(span.freeChannels(), 23);
    } finally {
      close();
    }
  });

  it('T310: CALL PROCEEDING and then nothing: DISCONNECT with cause 102 (clause 5.1.5.1)', async () => {
    const { span, peer, close } = await spanWithScriptedPeer('user', { T310: 150 });
    try {
      const call = span.originate({ digits: '100' }, { digits: '5551234' })!;
      call.setup();
      const setup = await peer.next('SETUP');
      const ref = setup.callRef as { value: number; flag: 0 | 1 };
      peer.send({ type: 'CALL_PROCEEDING', callRef: { value: ref.value, flag: 1 }, channel: setup.channel! });
      const [cause] = (await once(call, 'released')) as [number];
      assert.equal(cause, 102);
      const disc = await peer.next('DISCONNECT');
      assert.equal(disc.cause, 102);
    } finally {
      close();
    }
  });

  it('T305 then T308: a DISCONNECT nobody answers becomes RELEASE, sent twice, and the channel is restarted (clause 5.3.3)', async () => {
    const { span, peer, close } = await spanWithScriptedPeer('user', { T305: 100, T308: 100 });
    try {
      const { call, setup, ref } = await placeCall(span, peer);
      peer.send({ type: 'CONNECT', callRef: ref, channel: setup.channel! });
      await once(call, 'answered');
      call.release(16);
      await peer.next('DISCONNECT');
      const r1 = await peer.next('RELEASE');
      assert.equal(r1.cause, 16, 'RELEASE repeats the cause of the DISCONNECT');
      await peer.next('RELEASE');
      const restart = await peer.next('RESTART');
      assert.deepEqual(restart.channel?.channels, [setup.channel!.channels[0]]);
    } finally {
      close();
    }
  });

  it('answers STATUS ENQUIRY with STATUS cause 30 and the call state (clause 5.8.10)', async () => {
    const { span, peer, close } = await spanWithScriptedPeer('user');
    try {
      const { call, setup, ref } = await placeCall(span, peer);
      peer.send({ type: 'CALL_PROCEEDING', callRef: ref, channel: setup.channel! });
      await once(call, 'proceeding');
      peer.send({ type: 'STATUS_ENQUIRY', callRef: ref });
      const status = await peer.next('STATUS');
      assert.equal(status.cause, 30);
      assert.equal(status.callState, 3, 'U3 outgoing call proceeding');
    } finally {
      close();
    }
  });

  it('a STATUS saying the far end is in the Null state releases our call (clause 5.8.11)', async () => {
    const { span, peer, close } = await spanWithScriptedPeer('network');
    try {
      const { call, setup, ref } = await placeCall(span, peer);
      peer.send({ type: 'ALERTING', callRef: ref, channel: setup.channel! });
      await once(call, 'alerting');
      const released = once(call, 'released');
      peer.send({ type: 'STATUS', callRef: ref, cause: 30, callState: 0 });
      await released;
      assert.equal(span.freeChannels(), 23);
    } finally {
      close();
    }
  });

  it('a STATUS with an incompatible state clears the call with RELEASE cause 101 (clause 5.8.11)', async () => {
    const { span, peer, close } = await spanWithScriptedPeer('user');
    try {
      const { call, setup, ref } = await placeCall(span, peer);
      peer.send({ type: 'CALL_PROCEEDING', callRef: ref, channel: setup.channel! });
      await once(call, 'proceeding');
      peer.send({ type: 'STATUS', callRef: ref, cause: 30, callState: 25 });
      const rel = await peer.next('RELEASE');
      assert.equal(rel.cause, 101);
    } finally {
      close();
    }
  });

  it('a message for a call reference we do not know gets RELEASE COMPLETE cause 81 (clause 5.8.3.2)', async () => {
    const { peer, close } = await spanWithScriptedPeer('user');
    try {
      peer.send({ type: 'ALERTING', callRef: { value: 77, flag: 1 } });
      const rc = await peer.next('RELEASE_COMPLETE');
      assert.equal(rc.cause, 81);
      peer.send({ type: 'STATUS_ENQUIRY', callRef: { value: 78, flag: 1 } });
      const st = await peer.next('STATUS');
      assert.equal(st.callState, 0);
    } finally {
      close();
    }
  });

  it('B-channel selection: an exclusive busy channel is refused with 44, a full span with 34 (clause 5.2.3.1)', async () => {
    const { span, peer, close } = await spanWithScriptedPeer('user');
    try {
      span.setChannelService(3, 1);
      peer.send({
        type: 'SETUP',
        callRef: { value: 5, flag: 0 },
        bearer: { capability: 'speech' },
        channel: { selection: 'channels', channels: [3], exclusive: true },
        called: { digits: '5551234' },
        sendingComplete: true,
      });
      assert.equal((await peer.next('RELEASE_COMPLETE')).cause, 44, 'a channel in maintenance is never offered');
      for (const n of span.channelNumbers) if (n !== 3) span.setChannelService(n, 2);
      peer.send({
        type: 'SETUP',
        callRef: { value: 6, flag: 0 },
        bearer: { capability: 'speech' },
        channel: { selection: 'any', channels: [], exclusive: false },
        called: { digits: '5551234' },
        sendingComplete: true,
      });
      assert.equal((await peer.next('RELEASE_COMPLETE')).cause, 34);
      assert.equal(span.freeChannels(), 0);
    } finally {
      close();
    }
  });

  it('glare: SETUPs crossing on one channel leave the network\'s call on it; the user\'s call gets another channel (clause 5.7)', async () => {
    const { user, network, close } = await twoSpans();
    try {
      const fromUser = user.originate({ digits: '100' }, { digits: '5550001' }, 5)!;
      const fromNet = network.originate({ digits: '200' }, { digits: '5550002' }, 5)!;
      // The network answers the user's call as a PBX would; the user answers the network's.
      network.on('incoming', (leg) => setTimeout(() => leg.answer(), 10));
      user.on('incoming', (leg) => setTimeout(() => leg.answer(), 10));
      const results = Promise.all([
        new Promise((r) => { fromUser.once('answered', () => r('answered')); fromUser.once('released', (c) => r(`released ${c}`)); }),
        once(fromNet, 'answered'),
      ]);
      fromUser.setup();
      fromNet.setup();
      const [userOutcome] = await results;
      assert.equal(fromNet.channel, 5, 'the network keeps its channel');
      if (userOutcome === 'answered') assert.notEqual(fromUser.channel, 5);
      else assert.equal(userOutcome, 'released 44');
    } finally {
      close();
    }
  });

  it('T309: an active call survives a short D-channel loss, and is still up after the link returns (clause 5.8.9)', async () => {
    const { wire, user, network, close } = await twoSpans({ T309: 10000 });
    try {
      const call = await activeCall(user, network);
      wire.connected = false;
      await once(user.signalling, 'down');
      wire.connected = true;
      await once(user.signalling, 'up');
      // The call must not be released by the link's re-establishment.
      await quietFor(300);
      assert.equal(call.isReleased, false);
      assert.equal(call.state, CallState.Active);
      assert.equal(network.activeCalls.length, 1);
    } finally {
      close();
    }
  });

  it('T309: a D-channel down for longer than T309 clears active calls with cause 27 and frees their channels (clause 5.8.9)', async () => {
    const { wire, user, network, close } = await twoSpans({ T309: 300 });
    try {
      const call = await activeCall(user, network);
      const cleared = once(call, 'released');
      wire.connected = false;
      assert.deepEqual(await cleared, [27]);
      assert.equal(user.activeCalls.length, 0);
      wire.connected = true;
      await once(user.signalling, 'up');
      // Both ends RESTART the interface again at link-up; the channels come back when it is acknowledged.
      await eventually('the 23 channels back', () => user.freeChannels() === 23, { timeoutMs: 8000 });
    } finally {
      close();
    }
  });

  it('a DISCONNECT without its mandatory cause still clears the call, with RELEASE cause 96 (clause 5.8.6.1)', async () => {
    const { span, peer, close } = await spanWithScriptedPeer('user');
    try {
      const { call, setup, ref } = await placeCall(span, peer);
      peer.send({ type: 'CONNECT', callRef: ref, channel: setup.channel! });
      await once(call, 'answered');
      const released = once(call, 'released');
      peer.send({ type: 'DISCONNECT', callRef: ref });
      assert.deepEqual(await released, [96]);
      assert.equal((await peer.next('RELEASE')).cause, 96);
    } finally {
      close();
    }
  });
});
