// Dial-plan patterns: Asterisk-style extension patterns and regular expressions,
// matched against a whole number or, for overlap dialing, a number so far.
//
// Asterisk syntax (the leading '_' is optional; letters are case-insensitive):
//   X any digit 0-9, Z 1-9, N 2-9, [1-5] / [13-5] a set of digits,
//   '.' one or more further characters, '!' zero or more further characters
//   (and "take the route now": overlap sending carries the rest), '-' ignored.
//   Any other of 0-9 * # + A B C D stands for itself.
// A regular expression is written between slashes: /^\+1\d{10}$/.

/** One position of an Asterisk pattern. */
type Element =
  | { kind: 'set'; chars: string } // X, Z, N, [..] or a literal (a set of one)
  | { kind: 'rest'; min: 0 | 1 }; // '!' (min 0) or '.' (min 1), always last

/** How a pattern relates to a number (complete, or dialled so far). */
export interface PatternMatch {
  /** The number matches now. */
  matches: boolean;
  /** A longer number starting with this one could match. */
  canExtend: boolean;
  /** Matched through '!': the route may be taken at once (no waiting for more digits). */
  early: boolean;
}

export interface DialPattern {
  readonly source: string;
  readonly kind: 'asterisk' | 'regex';
  test(number: string): boolean;
  /** For overlap dialing: what the digits so far can still become. */
  match(number: string): PatternMatch;
}

/** A pattern that does not parse; `message` says what is wrong, for the config checker. */
export class PatternError extends Error {
  constructor(
    readonly source: string,
    readonly detail: string,
  ) {
    super(`'${source}' is not a valid pattern: ${detail}`);
    this.name = 'PatternError';
  }
}

const LITERALS = '0123456789*#+ABCD';
const DIGITS = '0123456789';
/** The characters a dialled number is made of (what '.' and '!' stand for). */
export const NUMBER_CHARS = LITERALS;

function parseAsterisk(source: string): Element[] {
  const body = source.startsWith('_') ? source.slice(1) : source;
  if (body.length === 0) throw new PatternError(source, 'empty pattern');
  const elements: Element[] = [];
  for (let i = 0; i < body.length; i++) {
    const c = body[i]!.toUpperCase();
    if (elements.at(-1)?.kind === 'rest') {
      throw new PatternError(source, `'${body[i - 1]}' must be the last character (found '${body[i]}' after it)`);
    }
    if (c === 'X') elements.push({ kind: 'set', chars: DIGITS });
    else if (c === 'Z') elements.push({ kind: 'set', chars: '123456789' });
    else if (c === 'N') elements.push({ kind: 'set', chars: '23456789' });
    else if (c === '.') elements.push({ kind: 'rest', min: 1 });
    else if (c === '!') elements.push({ kind: 'rest', min: 0 });
    else if (c === '-') continue;
    else if (c === '[') {
      const close = body.indexOf(']', i + 1);
      if (close < 0) throw new PatternError(source, "unclosed '['");
      elements.push({ kind: 'set', chars: parseSet(source, body.slice(i + 1, close)) });
      i = close;
    } else if (c === ']') throw new PatternError(source, "']' without '['");
    else if (LITERALS.includes(c)) elements.push({ kind: 'set', chars: c });
    else throw new PatternError(source, `unexpected character '${body[i]}' at position ${i + 1}`);
  }
  return elements;
}

function parseSet(source: string, inner: string): string {
  if (inner.length === 0) throw new PatternError(source, "empty '[]'");
  let chars = '';
  for (let i = 0; i < inner.length; i++) {
    const c = inner[i]!.toUpperCase();
    if (!LITERALS.includes(c)) throw new PatternError(source, `unexpected character '${inner[i]}' inside '[...]'`);
    if (inner[i + 1] === '-' && i + 2 < inner.length) {
      const end = inner[i + 2]!;
      if (!DIGITS.includes(c) || !DIGITS.includes(end) || end < c) {
        throw new PatternError(source, `bad range '${inner[i]}-${end}' inside '[...]'`);
      }
      for (let d = c.charCodeAt(0); d <= end.charCodeAt(0); d++) chars += String.fromCharCode(d);
      i += 2;
    } else if (inner[i + 1] === '-') {
      throw new PatternError(source, `range '${inner[i]}-' has no end inside '[...]'`);
    } else chars += c;
  }
  return chars;
}

class AsteriskPattern implements DialPattern {
  readonly kind = 'asterisk';
  constructor(
    readonly source: string,
    private readonly elements: Element[],
  ) {}

  test(number: string): boolean {
    return this.match(number).matches;
  }

  match(number: string): PatternMatch {
    const n = number.toUpperCase();
    const els = this.elements;
    for (let i = 0; i < els.length; i++) {
      const el = els[i]!;
      if (el.kind === 'rest') {
        const restLen = n.length - i;
        const ok = [...n.slice(i)].every((c) => NUMBER_CHARS.includes(c));
        if (!ok) return { matches: false, canExtend: false, early: false };
        return { matches: restLen >= el.min, canExtend: true, early: el.min === 0 && restLen >= 0 };
      }
      if (i >= n.length) return { matches: false, canExtend: true, early: false }; // digits so far are a prefix
      if (!el.chars.includes(n[i]!)) return { matches: false, canExtend: false, early: false };
    }
    return { matches: n.length === els.length, canExtend: false, early: false };
  }
}

class RegexPattern implements DialPattern {
  readonly kind = 'regex';
  constructor(
    readonly source: string,
    private readonly re: RegExp,
  ) {}

  test(number: string): boolean {
    return this.re.test(number);
  }

  /**
   * A regular expression cannot tell whether a prefix can still match; we
   * answer "maybe" for any number that does not match yet, so overlap
   * dialing waits for the inter-digit timeout on regex routes.
   */
  match(number: string): PatternMatch {
    const matches = this.re.test(number);
    return { matches, canExtend: true, early: false };
  }
}

/** Parses a pattern; throws PatternError with what is wrong. */
export function dialPattern(source: string): DialPattern {
  if (source.length >= 2 && source.startsWith('/') && source.endsWith('/')) {
    try {
      return new RegexPattern(source, new RegExp(source.slice(1, -1), 'u'));
    } catch (err) {
      throw new PatternError(source, `bad regular expression (${(err as Error).message.replace(/^Invalid regular expression: /, '')})`);
    }
  }
  if (source.startsWith('/')) throw new PatternError(source, "regular expression without closing '/'");
  return new AsteriskPattern(source, parseAsterisk(source));
}

/** The error text of a pattern, or null when it parses. */
export function patternProblem(source: string): string | null {
  try {
    dialPattern(source);
    return null;
  } catch (err) {
    return err instanceof PatternError ? err.detail : String(err);
  }
}

/**
 * An Asterisk pattern as an equivalent anchored regular expression (for
 * tests, logs and for users moving a dial plan to regex routes).
 */
export function asteriskToRegex(source: string): RegExp {
  const els = parseAsterisk(source);
  const esc = (chars: string) => '[' + [...chars].map((c) => (/[0-9A-D]/.test(c) ? c : '\\' + c)).join('') + ']';
  const body = els.map((el) => (el.kind === 'set' ? esc(el.chars) : `${esc(NUMBER_CHARS)}${el.min === 0 ? '*' : '+'}`)).join('');
  return new RegExp(`^${body}$`, 'i');
}
