// Every reach into sip.js below its public API, in one file. sip.js is pinned
// (package.json); test/sip/sipjs-adapter.test.ts fails when an upgrade moves
// what one of these functions relies on.
import type { UserAgent } from 'sip.js';
import { IncomingRequestMessage } from 'sip.js/lib/core/messages/incoming-request-message.js';
import { Parser } from 'sip.js/lib/core/messages/parser.js';
import { utf8Length } from 'sip.js/lib/core/messages/utils.js';

interface Aor {
  user: string | undefined;
  clone(): Aor;
}

interface CoreInternals {
  configuration: { aor: Aor };
  dialogs: Map<string, unknown>;
  userAgentServers: Map<string, unknown>;
  receiveIncomingRequestFromTransport(m: IncomingRequestMessage): void;
  replyStateless(m: IncomingRequestMessage, options: { statusCode: number; reasonPhrase?: string }): unknown;
}

function core(ua: UserAgent): CoreInternals {
  return ua.userAgentCore;
}

/** A request parsed by sip.js's own grammar, or undefined when sip.js could not read it. */
export function parseRequest(ua: UserAgent, text: string): IncomingRequestMessage | undefined {
  const m = Parser.parseMessage(text, ua.getLogger('sip.Parser'));
  return m instanceof IncomingRequestMessage ? m : undefined;
}

/** RFC 3261 §8.1.1: the header fields every request must carry (sip.js drops requests without them). */
export function hasMandatoryHeaders(m: IncomingRequestMessage): boolean {
  return ['from', 'to', 'call_id', 'cseq', 'via'].every((h) => m.hasHeader(h));
}

/** sip.js's dialog id (RFC 3261 §12: Call-ID, local tag, remote tag) exists in its core. */
export function hasDialog(ua: UserAgent, callId: string, localTag: string, remoteTag: string): boolean {
  return core(ua).dialogs.has(callId + localTag + remoteTag);
}

/** sip.js still holds the server transaction of this branch (RFC 3261 §17.2.3). */
export function hasServerTransaction(ua: UserAgent, branch: string): boolean {
  return core(ua).userAgentServers.has(branch);
}

/**
 * Hands an admitted request to sip.js's core, doing first what its
 * UserAgent.onTransportMessage would have (RFC 3261 §18.3 body length), and
 * taking the Request-URI's user as our AOR for it: a gateway accepts requests
 * for any number (RFC 3261 §8.2.2.1; the dial plan decides), where sip.js
 * would answer 404 to every user but its own. A throw from sip.js is returned,
 * never let through to the event loop.
 */
export function deliverRequest(ua: UserAgent, m: IncomingRequestMessage): Error | undefined {
  const c = core(ua);
  const length = m.getHeader('content-length');
  if (length && utf8Length(m.body) < Number(length)) {
    c.replyStateless(m, { statusCode: 400, reasonPhrase: 'Body Shorter Than Content-Length' });
    return undefined;
  }
  const aor = c.configuration.aor;
  if (m.ruri) {
    const clone = aor.clone();
    clone.user = m.ruri.user;
    c.configuration.aor = clone;
  }
  try {
    c.receiveIncomingRequestFromTransport(m);
    return undefined;
  } catch (err) {
    return err instanceof Error ? err : new Error(String(err));
  } finally {
    c.configuration.aor = aor;
  }
}

/** Our digest code answers challenges to our requests (sip.js's own handles neither SHA-256 nor per-trunk credentials). */
export function setAuthenticationFactory(ua: UserAgent, factory: () => unknown): void {
  (ua.userAgentCore as unknown as { configuration: { authenticationFactory: () => unknown } }).configuration.authenticationFactory = factory;
}
