import assert from 'node:assert/strict';
import fc from 'fast-check';
import { formatDtmfRelay, parseDtmfRelay } from '../../src/media/dtmf-relay.js';

describe('SIP INFO application/dtmf-relay bodies', () => {
  it('reads Signal and Duration', () => {
    assert.deepEqual(parseDtmfRelay('Signal=5\r\nDuration=160\r\n'), { ok: true, value: { digit: '5', durationMs: 160 } });
    assert.deepEqual(parseDtmfRelay('signal= #\nduration = 100'), { ok: true, value: { digit: '#', durationMs: 100 } });
  });

  it('maps event numbers 10 and 11 to * and #', () => {
    assert.deepEqual(parseDtmfRelay('Signal=10\r\n'), { ok: true, value: { digit: '*', durationMs: 250 } });
    assert.deepEqual(parseDtmfRelay('Signal=11\r\n'), { ok: true, value: { digit: '#', durationMs: 250 } });
  });

  it('refuses a body without a digit, saying why', () => {
    const r = parseDtmfRelay('Duration=100\r\n');
    assert.ok(!r.ok && /Signal/.test(r.error));
    const bad = parseDtmfRelay('Signal=X\r\n');
    assert.ok(!bad.ok && /not a DTMF digit/.test(bad.error));
  });

  it('round-trips every digit and never throws on garbage', () => {
    fc.assert(
      fc.property(fc.constantFrom(...'0123456789*#ABCD'.split('')), fc.integer({ min: 0, max: 999999 }), (d, ms) => {
        const body = formatDtmfRelay({ digit: d as '0', durationMs: ms });
        assert.deepEqual(parseDtmfRelay(body), { ok: true, value: { digit: d, durationMs: ms } });
      }),
    );
    fc.assert(fc.property(fc.string(), (s) => void parseDtmfRelay(s)));
  });
});
