import assert from 'node:assert/strict';
import fc from 'fast-check';
import { once } from 'node:events';
import { FramePipePair, type FramePipe } from '../../src/isdn/frame-pipe.js';
import { decodeLapdFrame, encodeLapdFrame, type LapdFrame } from '../../src/isdn/q921-frame.js';
import { LinkState, Q921Link } from '../../src/isdn/q921-link.js';
import { eventually, quietFor } from '../support/waiting.js';

const fast = { T200: 100, T203: 400, N200: 3 };

function pair(k = 7): { wire: FramePipePair; user: Q921Link; network: Q921Link } {
  const wire = new FramePipePair();
  const user = new Q921Link(wire.a, { side: 'user', parameters: { ...fast, k } });
  const network = new Q921Link(wire.b, { side: 'network', parameters: { ...fast, k } });
  return { wire, user, network };
}

/** Records every frame a pipe end sends, decoded. */
function tap(pipe: FramePipe): LapdFrame[] {
  const seen: LapdFrame[] = [];
  const send = pipe.send.bind(pipe);
  pipe.send = (bytes) => {
    const r = decodeLapdFrame(bytes);
    if (r.ok) seen.push(r.frame);
    send(bytes);
  };
  return seen;
}


describe('Q.921 data link (two of ours back to back)', () => {
  const links: Q921Link[] = [];
  afterEach(() => links.splice(0).forEach((l) => l.close()));

  /** Two links back to back, closed after the test, once the user's SABME has brought both up. */
  async function establishedPair(): Promise<ReturnType<typeof pair>> {
    const p = pair();
    links.push(p.user, p.network);
    const up = Promise.all([once(p.user, 'established'), once(p.network, 'established')]);
    p.user.establish();
    await up;
    return p;
  }

  it('SABME answered by UA takes both ends to multiple frame established (clause 5.5.1.2)', async () => {
    const { user, network } = pair();
    links.push(user, network);
    const up = Promise.all([once(user, 'established'), once(network, 'established')]);
    user.establish();
    assert.equal(user.state, LinkState.AwaitingEstablishment);
    await up;
    assert.equal(user.state, LinkState.MultipleFrameEstablished);
    assert.equal(network.state, LinkState.MultipleFrameEstablished);
  });

  it('SABMEs that cross are both answered with UA and the link comes up once (clause 5.5.5)', async () => {
    const { user, network } = pair();
    links.push(user, network);
    const up = Promise.all([once(user, 'established'), once(network, 'established')]);
    user.establish();
    network.establish();
    await up;
    // Neither may drop the link straight after.
    await quietFor(50);
    assert.ok(user.isEstablished && network.isEstablished);
  });

  it('delivers layer 3 messages in order, more than the window k at once (clause 5.6.1)', async () => {
    const { user, network } = pair(2);
    links.push(user, network);
    const up = Promise.all([once(user, 'established'), once(network, 'established')]);
    user.establish();
    await up;
    const got: number[] = [];
    network.on('data', (m) => got.push(m[0]!));
    for (let i = 0; i < 20; i++) user.send(Uint8Array.of(i, 0x55));
    while (got.length < 20) await once(network, 'data');
    assert.deepEqual(got, [...Array(20).keys()]);
  });

  it('acknowledges with N(R): nothing stays outstanding after an exchange (clause 5.6.3)', async () => {
    const { wire, user, network } = pair();
    links.push(user, network);
    const sent = tap(wire.b);
    const up = Promise.all([once(user, 'established'), once(network, 'established')]);
    user.establish();
    await up;
    user.send(Uint8Array.of(1));
    await once(network, 'data');
    const rr = await eventually('the receiver\'s RR', () => sent.find((f) => f.type === 'RR'));
    assert.ok(rr, 'the receiver acknowledges with RR');
    assert.equal(rr.nr, 1);
  });

  it('a lost I frame is recovered through REJ and nothing is delivered twice (clauses 5.8.1, 5.6.4)', async () => {
    const { wire, user, network } = await establishedPair();
    // Lose the second I frame the user sends.
    let iFrames = 0;
    const send = wire.a.send.bind(wire.a);
    wire.a.send = (bytes) => {
      const r = decodeLapdFrame(bytes);
      if (r.ok && r.frame.type === 'I' && ++iFrames === 2) return;
      send(bytes);
    };
    const got: number[] = [];
    network.on('data', (m) => got.push(m[0]!));
    for (let i = 0; i < 5; i++) user.send(Uint8Array.of(i));
    await eventually('five frames', () => got.length >= 5, { timeoutMs: 3000 });
    assert.deepEqual(got, [0, 1, 2, 3, 4]);
  });

  it('polls an idle link after T203 and stays up when the peer answers (clause 5.6.7)', async () => {
    const { wire, user, network } = pair();
    links.push(user, network);
    const sent = tap(wire.a);
    const up = Promise.all([once(user, 'established'), once(network, 'established')]);
    user.establish();
    await up;
    await eventually('the user to poll with RR command P = 1 when T203 runs out', () => sent.some((f) => f.type === 'RR' && f.pf && f.cr === 0), { timeoutMs: fast.T203 * 5 });
    assert.ok(user.isEstablished && network.isEstablished);
  });

  it('a dead D-channel takes the link down after T200 x N200, and it comes back when restored', async () => {
    const { wire, user, network } = pair();
    links.push(user, network);
    // Layer 3 asks again whenever the link drops, as Q.931 does for a PRI.
    for (const l of [user, network]) l.on('released', () => setTimeout(() => l.establish(), fast.T200));
    const up = Promise.all([once(user, 'established'), once(network, 'established')]);
    user.establish();
    await up;
    wire.connected = false;
    await Promise.all([once(user, 'released'), once(network, 'released')]);
    assert.ok(!user.isEstablished && !network.isEstablished);
    wire.connected = true;
    await Promise.all([once(user, 'established'), once(network, 'established')]);
    user.send(Uint8Array.of(7));
    const [m] = (await once(network, 'data')) as [Uint8Array];
    assert.equal(m[0], 7);
  });

  it('DISC answered by UA releases both ends (clause 5.5.3.2)', async () => {
    const { user, network } = await establishedPair();
    const down = Promise.all([once(user, 'released'), once(network, 'released')]);
    network.release();
    assert.equal(network.state, LinkState.AwaitingRelease);
    await down;
    assert.equal(user.state, LinkState.TeiAssigned);
  });

  it('answers DISC with DM while not established (clause 5.5.3.2)', async () => {
    const wire = new FramePipePair();
    const link = new Q921Link(wire.a, { side: 'user', parameters: fast });
    links.push(link);
    const frames: LapdFrame[] = [];
    wire.b.on('frame', (b) => {
      const r = decodeLapdFrame(b);
      if (r.ok) frames.push(r.frame);
    });
    wire.b.send(encodeLapdFrame({ sapi: 0, tei: 0, cr: 1, type: 'DISC', pf: true }));
    await once(wire.b, 'frame');
    assert.equal(frames[0]?.type, 'DM');
    assert.equal(frames[0]?.pf, true);
    assert.equal(frames[0]?.cr, 1, 'a user response carries C/R = 1 (Table 1)');
  });

  it('re-establishes after an FRMR (clause 5.8.6)', async () => {
    const { wire, user } = await establishedPair();
    const errors: string[] = [];
    user.on('mdl-error', (c) => errors.push(c));
    wire.b.send(encodeLapdFrame({ sapi: 0, tei: 0, cr: 0, type: 'FRMR', pf: false, info: Uint8Array.of(0, 0, 0, 0, 0) }));
    await once(user, 'established');
    assert.deepEqual(errors, ['K']);
    assert.ok(user.isEstablished);
  });

  it('an N(R) outside V(A)..V(S) makes it re-establish (clause 5.8.2)', async () => {
    const { wire, user } = await establishedPair();
    const errors: string[] = [];
    user.on('mdl-error', (c) => errors.push(c));
    wire.b.send(encodeLapdFrame({ sapi: 0, tei: 0, cr: 0, type: 'RR', pf: false, nr: 9 }));
    await once(user, 'established');
    assert.deepEqual(errors, ['J']);
  });

  it('ignores garbage on the D-channel without leaving its state', async () => {
    const { wire, user } = await establishedPair();
    wire.b.send(Uint8Array.of(0xff));
    wire.b.send(Uint8Array.of(0x00, 0x01, 0x0d, 0x00));
    // The garbage must not move the link out of its state.
    await quietFor(20);
    assert.equal(user.state, LinkState.MultipleFrameEstablished);
  });

  it('survives any sequence of frames from the far end without throwing, in every state', async () => {
    const frameArb = fc.record({
      sapi: fc.constant(0),
      tei: fc.constant(0),
      cr: fc.constantFrom<0 | 1>(0, 1),
      type: fc.constantFrom('I' as const, 'RR' as const, 'RNR' as const, 'REJ' as const, 'SABME' as const, 'DM' as const, 'DISC' as const, 'UA' as const, 'FRMR' as const, 'UI' as const),
      pf: fc.boolean(),
      ns: fc.integer({ min: 0, max: 127 }),
      nr: fc.integer({ min: 0, max: 127 }),
      info: fc.uint8Array({ maxLength: 8 }),
    });
    await fc.assert(
      fc.asyncProperty(fc.array(fc.oneof(frameArb.map((f) => encodeLapdFrame(f)), fc.uint8Array({ maxLength: 6 })), { maxLength: 30 }), async (frames) => {
        const wire = new FramePipePair();
        const l = new Q921Link(wire.a, { side: 'user', parameters: fast });
        l.on('mdl-error', () => undefined);
        l.establish();
        for (const f of frames) wire.a.emit('frame', f);
        l.send(Uint8Array.of(1, 2, 3));
        // Whatever the frames did, the link must be left in a state it knows.
        await quietFor(1);
        assert.ok(Object.values(LinkState).includes(l.state));
        l.close();
      }),
      { numRuns: 200 },
    );
  });
});
