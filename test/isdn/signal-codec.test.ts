import assert from 'node:assert/strict';
import fc from 'fast-check';
import { PassThrough } from 'node:stream';
import { StreamFramePipe } from '../../src/isdn/frame-pipe.js';
import { SWITCH_VARIANTS } from '../../src/isdn/q931.js';
import { Q931SignalCodec } from '../../src/isdn/q931-signal-codec.js';
import type { Signal } from '../../src/isdn/q931-signal.js';

describe('Q.931 signals for call control', () => {
  it('a SETUP call control builds reads back the same on every switch variant', () => {
    for (const variant of SWITCH_VARIANTS) {
      const codec = new Q931SignalCodec({ variant, law: 'a-law' });
      const setup: Signal = {
        type: 'SETUP',
        callRef: { value: 300, flag: 0 },
        bearer: { capability: 'speech', law: 'a-law' },
        channel: { selection: 'channels', channels: [17], exclusive: true },
        calling: { digits: '4930123', typeOfNumber: 'national', numberingPlan: 'isdn', presentation: 'allowed' },
        called: { digits: '4940555', typeOfNumber: 'national', numberingPlan: 'isdn' },
        sendingComplete: true,
      };
      const r = codec.decode(codec.encode(setup));
      assert.ok(r.ok, variant);
      assert.deepEqual(r.signal, setup, variant);
    }
  });

  it('SERVICE and SERVICE ACKNOWLEDGE keep their meaning under either maintenance discriminator', () => {
    for (const variant of ['national', 'dms100', '5ess', '4ess'] as const) {
      const codec = new Q931SignalCodec({ variant, law: 'mu-law' });
      for (const type of ['SERVICE', 'SERVICE_ACKNOWLEDGE'] as const) {
        const s: Signal = { type, callRef: 'global', changeStatus: 2, channel: { selection: 'channels', channels: [5], exclusive: true } };
        const r = codec.decode(codec.encode(s));
        assert.ok(r.ok);
        assert.equal(r.signal.type, type, `${variant} ${type}`);
      }
    }
  });

  it('cause, call state and restart class survive the round trip', () => {
    const codec = new Q931SignalCodec({ variant: 'national', law: 'mu-law' });
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 127 }), fc.constantFrom(0, 1, 2, 3, 4, 6, 7, 8, 9, 10, 11, 12, 19, 25), (cause, state) => {
        const r = codec.decode(codec.encode({ type: 'STATUS', callRef: { value: 9, flag: 1 }, cause, callState: state }));
        assert.ok(r.ok);
        assert.equal(r.signal.cause, cause);
        assert.equal(r.signal.callState, state);
      }),
    );
  });

  it('never throws on arbitrary octets and names the problem when it cannot read them', () => {
    const codec = new Q931SignalCodec({ variant: 'euroisdn', law: 'a-law' });
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 80 }), (octets) => {
        const r = codec.decode(octets);
        if (!r.ok) assert.ok(r.error.length > 0);
      }),
      { numRuns: 2000 },
    );
    // Q.931-looking octets: a header and random IEs.
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 60 }), fc.integer({ min: 0, max: 0x7f }), (ies, type) => {
        const r = codec.decode(Uint8Array.of(0x08, 0x02, 0x00, 0x05, type, ...ies));
        if (!r.ok) assert.ok(r.error.length > 0);
      }),
      { numRuns: 2000 },
    );
  });
});

describe('D-channel over a byte stream', () => {
  it('delivers the same frames however the stream cuts them', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.uint8Array({ minLength: 1, maxLength: 300 }), { minLength: 1, maxLength: 20 }),
        fc.array(fc.integer({ min: 1, max: 50 }), { minLength: 1, maxLength: 20 }),
        async (frames, cuts) => {
          const stream = new PassThrough();
          const pipe = new StreamFramePipe(stream);
          const got: number[][] = [];
          pipe.on('frame', (f) => got.push([...f]));
          const wire = Buffer.concat(frames.map((f) => Buffer.concat([Buffer.from([f.length >> 8, f.length & 0xff]), Buffer.from(f)])));
          let at = 0;
          for (let i = 0; at < wire.length; i++) {
            const n = cuts[i % cuts.length]!;
            stream.write(wire.subarray(at, at + n));
            at += n;
          }
          await new Promise((r) => setImmediate(r));
          assert.deepEqual(got, frames.map((f) => [...f]));
        },
      ),
      { numRuns: 100 },
    );
  });
});
