// Typed errors of the card layer. The addon throws plain errors with a
// `code`; toCardError() turns them into these (as mediasoup's errors.ts does
// for its worker's {error, reason}).

/** The kernel (DAHDI or the emulated card) refused a request; `code` is its errno name. */
export class CardError extends Error {
  override readonly name: string = 'CardError';
  constructor(
    message: string,
    readonly code: string,
  ) {
    super(message);
  }
}

/** The card, span or channel was closed before the request. */
export class CardClosedError extends CardError {
  override readonly name = 'CardClosedError';
  constructor(what: string) {
    super(`${what} is closed`, 'ECLOSED');
  }
}

/** Runs a call into the addon and rethrows its errors as CardError, prefixed with `where`. */
export function native<T>(where: string, call: () => T): T {
  try {
    return call();
  } catch (err) {
    const e = err as { message?: string; code?: unknown };
    // The addon's argument checks throw TypeError without a code.
    const code = typeof e.code === 'string' ? e.code : err instanceof TypeError ? 'EINVAL' : 'EINTERNAL';
    if (code === 'ECLOSED') throw new CardClosedError(where);
    throw new CardError(`${where}: ${e.message ?? String(err)}`, code);
  }
}
