import assert from 'node:assert/strict';
import fc from 'fast-check';
import { decodeTelephoneEvent, encodeTelephoneEvent, TelephoneEventReceiver, TelephoneEventSender } from '../../src/media/telephone-event.js';

describe('RFC 4733 telephone-events', () => {
  it('reads the payload of §2.3: event, E bit, volume, duration', () => {
    const r = decodeTelephoneEvent(Uint8Array.from([11, 0x8a, 0x03, 0x20]));
    assert.deepEqual(r, { ok: true, value: { event: 11, end: true, volume: 10, duration: 800 } });
    const short = decodeTelephoneEvent(Uint8Array.from([1, 2]));
    assert.ok(!short.ok && /need 4/.test(short.error));
  });

  it('round-trips any event and never throws on random payloads', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 255 }), fc.boolean(), fc.integer({ min: 0, max: 63 }), fc.integer({ min: 0, max: 0xffff }), (event, end, volume, duration) => {
        assert.deepEqual(decodeTelephoneEvent(encodeTelephoneEvent({ event, end, volume, duration })), { ok: true, value: { event, end, volume, duration } });
      }),
    );
    fc.assert(fc.property(fc.uint8Array({ maxLength: 12 }), fc.integer({ min: 0, max: 0xffffffff }), (b, ts) => void new TelephoneEventReceiver(8000).receive(ts, b)));
  });

  it('sends a start packet with the marker, growing updates, then three end packets (§2.5.1)', () => {
    const s = new TelephoneEventSender(8000, 160);
    s.enqueue('7', 100); // 800 timestamp units = 5 intervals
    const out: { marker: boolean; start: boolean; end: boolean; duration: number; event: number }[] = [];
    for (let i = 0; i < 12 && s.busy; i++) {
      const t = s.tick();
      if (!t) continue;
      const e = decodeTelephoneEvent(t.packet);
      assert.ok(e.ok);
      out.push({ marker: t.marker, start: t.start, end: e.value.end, duration: e.value.duration, event: e.value.event });
    }
    assert.deepEqual(out.map((o) => o.duration), [160, 320, 480, 640, 800, 800, 800]);
    assert.deepEqual(out.map((o) => o.marker), [true, false, false, false, false, false, false]);
    assert.deepEqual(out.map((o) => o.end), [false, false, false, false, true, true, true]);
    assert.ok(out.every((o) => o.event === 7));
    assert.equal(out.filter((o) => o.start).length, 1);
  });

  it('reports one digit per event timestamp despite repeated end packets, and ends an event whose end was lost', () => {
    const r = new TelephoneEventReceiver(8000);
    const p = (event: number, end: boolean, duration: number): Uint8Array => encodeTelephoneEvent({ event, end, volume: 10, duration });
    assert.equal(r.receive(1000, p(5, false, 160)), null);
    assert.equal(r.receive(1000, p(5, false, 320)), null);
    assert.deepEqual(r.receive(1000, p(5, true, 640)), { event: 5, digit: '5', durationMs: 80 });
    assert.equal(r.receive(1000, p(5, true, 640)), null);
    assert.equal(r.receive(1000, p(5, true, 640)), null);
    // next event: its end packets are all lost, the following event closes it
    assert.equal(r.receive(3000, p(10, false, 400)), null);
    assert.deepEqual(r.receive(5000, p(11, false, 160)), { event: 10, digit: '*', durationMs: 50 });
    assert.deepEqual(r.flush(), { event: 11, digit: '#', durationMs: 20 });
  });

  it('refuses digits it cannot send and passes them back', () => {
    const s = new TelephoneEventSender(8000, 160);
    assert.equal(s.enqueue('1x2', 100), 'x');
  });
});
