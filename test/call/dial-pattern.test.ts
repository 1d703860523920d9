import assert from 'node:assert/strict';
import fc from 'fast-check';
import { dialPattern, PatternError, patternProblem } from '../../src/call/dial-pattern.js';

/** A pattern as the test builds it: rendered to Asterisk syntax and, separately, to a regex. */
type El = { set: string; asterisk: string } | { rest: 0 | 1 };

const element: fc.Arbitrary<El> = fc.oneof(
  fc.constantFrom<El>(
    { set: '0123456789', asterisk: 'X' },
    { set: '123456789', asterisk: 'Z' },
    { set: '23456789', asterisk: 'N' },
  ),
  fc.constantFrom(...'0123456789*#'.split('')).map((c): El => ({ set: c, asterisk: c })),
  fc
    .tuple(fc.integer({ min: 0, max: 9 }), fc.integer({ min: 0, max: 9 }))
    .map(([a, b]): El => {
      const [lo, hi] = a <= b ? [a, b] : [b, a];
      let set = '';
      for (let d = lo; d <= hi; d++) set += String(d);
      return { set, asterisk: `[${lo}-${hi}]` };
    }),
);

const patternArb = fc
  .tuple(fc.array(element, { minLength: 1, maxLength: 8 }), fc.constantFrom<0 | 1 | null>(0, 1, null))
  .map(([els, rest]) => (rest === null ? els : [...els, { rest }]));

function render(els: El[]): { asterisk: string; regex: RegExp } {
  let a = '_';
  let r = '^';
  for (const el of els) {
    if ('rest' in el) {
      a += el.rest === 0 ? '!' : '.';
      r += el.rest === 0 ? '[0-9*#+ABCD]*' : '[0-9*#+ABCD]+';
    } else {
      a += el.asterisk;
      r += '[' + el.set.replace(/[*#]/g, (c) => '\\' + c) + ']';
    }
  }
  return { asterisk: a, regex: new RegExp(r + '$') };
}

/** A number the pattern matches, built from its elements. */
function sample(els: El[], picks: number[]): string {
  let out = '';
  els.forEach((el, i) => {
    const k = picks[i % picks.length] ?? 0;
    if ('rest' in el) out += '5'.repeat(el.rest + (k % 3));
    else out += el.set[k % el.set.length];
  });
  return out;
}

const numberArb = fc.stringMatching(/^[0-9*#]{0,14}$/);

describe('dial patterns (Asterisk X/N/Z/[..]/./! and regex)', () => {
  it('matches the numbers a dial plan writer expects', () => {
    const p = dialPattern('_NXXNXXXXXX');
    assert.ok(p.test('2125551234'));
    assert.ok(!p.test('1125551234'), 'N is 2-9');
    assert.ok(!p.test('212555123'), 'too short');
    assert.ok(dialPattern('_9[1-5]X').test('935'));
    assert.ok(!dialPattern('_9[1-5]X').test('965'));
    assert.ok(dialPattern('_011.').test('01144123'));
    assert.ok(!dialPattern('_011.').test('011'), "'.' needs one or more");
    assert.ok(dialPattern('_011!').test('011'), "'!' takes zero or more");
    assert.ok(dialPattern('911').test('911'));
    assert.ok(dialPattern('/^\\+1\\d{10}$/').test('+12125551234'));
  });

  it('says what is wrong with a bad pattern', () => {
    assert.equal(patternProblem('N1XX['), "unclosed '['");
    assert.equal(patternProblem('_X.1'), "'.' must be the last character (found '1' after it)");
    assert.equal(patternProblem('_9[5-1]'), "bad range '5-1' inside '[...]'");
    assert.equal(patternProblem('_9Q'), "unexpected character 'Q' at position 2");
    assert.match(patternProblem('/(/') ?? '', /bad regular expression/);
    assert.equal(patternProblem('_'), 'empty pattern');
    assert.throws(() => dialPattern('_9]'), PatternError);
  });

  it('agrees with an equivalent regular expression on every number (property)', () => {
    fc.assert(
      fc.property(patternArb, numberArb, fc.array(fc.nat(), { minLength: 1, maxLength: 8 }), (els, n, picks) => {
        const { asterisk, regex } = render(els);
        const p = dialPattern(asterisk);
        assert.equal(p.test(n), regex.test(n), `${asterisk} vs ${regex} on '${n}'`);
        const m = sample(els, picks);
        assert.ok(regex.test(m), `sample ${m} of ${regex}`);
        assert.ok(p.test(m), `${asterisk} on its own sample '${m}'`);
      }),
      { numRuns: 2000 },
    );
  });

  it('tells overlap dialing that every prefix of a matching number can still match (property)', () => {
    fc.assert(
      fc.property(patternArb, fc.array(fc.nat(), { minLength: 1, maxLength: 8 }), (els, picks) => {
        const { asterisk } = render(els);
        const p = dialPattern(asterisk);
        const full = sample(els, picks);
        for (let i = 0; i < full.length; i++) {
          const m = p.match(full.slice(0, i));
          assert.ok(m.canExtend || m.matches, `'${full.slice(0, i)}' is a prefix of '${full}' (${asterisk})`);
        }
        assert.ok(p.match(full).matches);
      }),
      { numRuns: 1000 },
    );
  });

  it('says "never" only when no longer number can match (property)', () => {
    fc.assert(
      fc.property(patternArb, numberArb, numberArb, (els, n, more) => {
        const { asterisk, regex } = render(els);
        const m = dialPattern(asterisk).match(n);
        if (!m.canExtend) assert.ok(!regex.test(n + more) || more === '', `${asterisk}: '${n}' said never, but '${n + more}' matches`);
      }),
      { numRuns: 2000 },
    );
  });

  it('never throws anything but a PatternError on any input (property)', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 20 }), (s) => {
        try {
          const p = dialPattern(s);
          p.test('123');
          p.match('1');
        } catch (err) {
          assert.ok(err instanceof PatternError, String(err));
          assert.ok(err.message.startsWith(`'${s}' is not a valid pattern: `));
        }
      }),
      { numRuns: 3000 },
    );
  });
});
