import assert from 'node:assert/strict';
import fc from 'fast-check';
import { formatReason, parseReason, reasonQ850Cause } from '../../src/call/reason-header.js';

describe('Reason header (RFC 3326)', () => {
  it('formats a Q.850 cause with its name as text', () => {
    assert.equal(formatReason(17), 'Q.850;cause=17;text="USER_BUSY"');
    assert.equal(formatReason(16, 'say "bye" \\ now'), 'Q.850;cause=16;text="say \\"bye\\" \\\\ now"');
  });

  it('parses the values a peer sends, with spaces, case and several values', () => {
    assert.deepEqual(parseReason('SIP ;cause=200 ;text="Call completed elsewhere", Q.850 ; CAUSE = 26 ; foo=bar'), [
      { protocol: 'SIP', cause: 200, text: 'Call completed elsewhere', params: {} },
      { protocol: 'Q.850', cause: 26, params: { foo: 'bar' } },
    ]);
    assert.equal(reasonQ850Cause('SIP;cause=600, Q.850;cause=17'), 17);
    assert.equal(reasonQ850Cause('Q.850;cause=200'), undefined, 'not a Q.850 value');
    assert.equal(reasonQ850Cause('SIP;cause=487'), undefined);
    assert.equal(reasonQ850Cause(undefined), undefined);
  });

  it('keeps commas and semicolons inside the quoted text', () => {
    assert.deepEqual(parseReason('Q.850;cause=34;text="busy, all; circuits"'), [{ protocol: 'Q.850', cause: 34, text: 'busy, all; circuits', params: {} }]);
  });

  it('reads back every cause and text it writes (property)', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 127 }), fc.string({ maxLength: 40 }), (cause, text) => {
        const [v, ...rest] = parseReason(formatReason(cause, text));
        assert.equal(rest.length, 0);
        // eslint-disable-next-line no-control-regex
        assert.deepEqual(v, { protocol: 'Q.850', cause, text: text.replace(/[\x00-\x1f\x7f]/g, ''), params: {} });
        assert.equal(reasonQ850Cause(formatReason(cause, text)), cause);
      }),
      { numRuns: 2000 },
    );
  });

  it('never throws on any header value, and only returns valid causes (property)', () => {
    const noise = fc.oneof(
      fc.string({ maxLength: 60 }),
      fc.stringMatching(/^[Q.850SIP;,=" \\a-z0-9]{0,60}$/),
    );
    fc.assert(
      fc.property(noise, (h) => {
        const values = parseReason(h);
        for (const v of values) assert.ok(v.protocol.length > 0);
        const c = reasonQ850Cause(h);
        if (c !== undefined) assert.ok(Number.isInteger(c) && c >= 1 && c <= 127);
      }),
      { numRuns: 3000 },
    );
  });
});
