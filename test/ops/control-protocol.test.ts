import assert from 'node:assert/strict';
import fc from 'fast-check';
import { LineSplitter, parseRequest } from '../../src/ops/control-protocol.js';

describe('control protocol framing and requests', () => {
  it('reads a request and defaults absent params to {}', () => {
    assert.deepEqual(parseRequest('{"id":"a","method":"status"}'), { request: { id: 'a', method: 'status', params: {} } });
  });

  it('says what is wrong with a bad request, with the id when it can read one', () => {
    const bad = (line: string): [unknown, string, string] => {
      const r = parseRequest(line);
      assert.ok('error' in r);
      return [r.id, r.error.code, r.error.message];
    };
    assert.deepEqual(bad('{"id":3,"method":"x","params":"p"}'), [3, 'invalid-params', 'x: "params" must be an object']);
    assert.deepEqual(bad('{"method":"x"}'), [null, 'invalid-request', 'request has no "id" (a number or string)']);
    assert.deepEqual(bad('null'), [null, 'invalid-request', 'a request is a JSON object {"id", "method", "params"}']);
    assert.equal(bad('{')[1], 'parse-error');
  });

  it('property: parseRequest never throws and reads back every well-formed request', () => {
    fc.assert(fc.property(fc.string(), (line) => void parseRequest(line)), { numRuns: 3000 });
    fc.assert(fc.property(fc.jsonValue(), (v) => void parseRequest(JSON.stringify(v))), { numRuns: 3000 });
    fc.assert(
      fc.property(
        fc.oneof(fc.integer(), fc.string()),
        fc.string({ minLength: 1 }),
        fc.dictionary(fc.string(), fc.jsonValue()),
        (id, method, params) => {
          assert.deepEqual(parseRequest(JSON.stringify({ id, method, params })), { request: { id, method, params: JSON.parse(JSON.stringify(params)) as unknown } });
        },
      ),
    );
  });

  it('property: lines come out the same however the stream is cut into chunks', () => {
    fc.assert(
      fc.property(fc.array(fc.string({ unit: 'grapheme' }).map((s) => s.replace(/\n/g, ' '))), fc.array(fc.nat(), { maxLength: 10 }), (lines, cuts) => {
        const bytes = Buffer.from(lines.map((l) => l + '\n').join(''));
        const at = [...new Set(cuts.map((c) => c % (bytes.length + 1)))].sort((a, b) => a - b);
        const splitter = new LineSplitter();
        const out: string[] = [];
        let prev = 0;
        for (const c of [...at, bytes.length]) {
          for (const item of splitter.push(bytes.subarray(prev, c))) if ('line' in item) out.push(item.line);
          prev = c;
        }
        assert.deepEqual(out, lines);
      }),
    );
  });

  it('property: a line over the limit is reported once and the next line still comes through', () => {
    fc.assert(
      fc.property(fc.integer({ min: 17, max: 200 }), fc.integer({ min: 1, max: 7 }), (long, chunk) => {
        const splitter = new LineSplitter(16);
        const bytes = Buffer.from('a'.repeat(long) + '\nok\n');
        const out: unknown[] = [];
        for (let i = 0; i < bytes.length; i += chunk) out.push(...splitter.push(bytes.subarray(i, i + chunk)));
        assert.deepEqual(out, [{ tooLong: true }, { line: 'ok' }]);
      }),
    );
  });
});
