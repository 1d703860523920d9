import assert from 'node:assert/strict';
import fc from 'fast-check';
import { authorize, parseDigestChallenge, type DigestChallenge } from '../../src/sip/digest.js';
import { InboundPolicy, type DialogLookup, type InboundRequest, type InboundVerdict } from '../../src/sip/inbound-policy.js';
import { SourceRateLimit } from '../../src/sip/rate-limit.js';
import type { SipSource } from '../../src/sip/node-transport.js';

const TRUNK = '192.0.2.1';
const STRANGER = '198.51.100.7';
const at = (address: string): SipSource => ({ address, port: 5060, protocol: 'udp' });

let n = 0;
function request(method: string, more: Partial<InboundRequest> = {}): InboundRequest {
  n++;
  return { method, uri: 'sip:2000@192.0.2.10', callId: `c${n}`, fromTag: `f${n}`, toTag: '', branch: `z9hG4bK${n}`, userAgent: undefined, authorization: undefined, ...more };
}

/** A lookup with one trunk address, one live dialog (call-1, tags us/them, peer 192.0.2.1) and one pending INVITE. */
function lookup(): DialogLookup {
  return {
    dialogPeer: (callId, local, remote) => (callId === 'call-1' && local === 'us' && remote === 'them' ? (a) => a === TRUNK : undefined),
    inviteSource: (branch) => (branch === 'z9hG4bKpending' ? TRUNK : undefined),
    trunkOf: (s) => (s.address === TRUNK ? 'carrier' : undefined),
  };
}

function challengeOf(v: InboundVerdict): DigestChallenge {
  assert.equal(v.accept, false);
  assert.ok(!v.accept && v.status === 401, `expected a 401 challenge, got ${JSON.stringify(v)}`);
  const header = (!v.accept && v.headers?.find((h) => h.startsWith('WWW-Authenticate: '))) || '';
  const c = parseDigestChallenge(header.slice('WWW-Authenticate: '.length));
  assert.ok(typeof c !== "string", `challenge: ${typeof c === "string" ? c : ""}`);
  return c;
}

describe('inbound policy: one decision per request', () => {
  it('denies by default: no trunk, no user means no call from anyone', () => {
    const p = new InboundPolicy();
    assert.deepEqual(p.screen(request('INVITE'), at(STRANGER), lookup()), { accept: false, status: 403, reason: 'Forbidden' });
  });

  it('with reject: silent a refused source gets no answer at all, OPTIONS included', () => {
    const p = new InboundPolicy({ unknownSource: 'silence' });
    for (const method of ['INVITE', 'OPTIONS', 'REGISTER', 'MESSAGE', 'REFER', 'SUBSCRIBE', 'BYE', 'FOO']) {
      assert.deepEqual(p.screen(request(method), at(STRANGER), lookup()), { accept: false }, method);
    }
    assert.deepEqual(p.screen(request('BYE', { toTag: 'x' }), at(STRANGER), lookup()), { accept: false }, 'in-dialog BYE of no dialog');
  });

  it('answers OPTIONS from a stranger without naming the product, and refuses every other out-of-dialog method', () => {
    const p = new InboundPolicy();
    const options = p.screen(request('OPTIONS'), at(STRANGER), lookup());
    assert.equal(options.accept, false);
    assert.equal(!options.accept && options.status, 200);
    assert.ok(!options.accept && !options.headers?.some((h) => /^(user-agent|server):/i.test(h)));
    for (const method of ['REGISTER', 'MESSAGE', 'REFER', 'NOTIFY', 'SUBSCRIBE', 'PUBLISH', 'INFO', 'PRACK', 'UPDATE', 'BYE', 'FOO']) {
      assert.deepEqual(p.screen(request(method), at(STRANGER), lookup()), { accept: false, status: 403, reason: 'Forbidden' }, method);
    }
  });

  it("admits a trunk's INVITE and OPTIONS with the trunk's name; other methods outside a dialog get 405 (BYE 481)", () => {
    const p = new InboundPolicy();
    assert.deepEqual(p.screen(request('INVITE'), at(TRUNK), lookup()), { accept: true, trunk: 'carrier' });
    assert.deepEqual(p.screen(request('OPTIONS'), at(TRUNK), lookup()), { accept: true, trunk: 'carrier' });
    const refer = p.screen(request('REFER'), at(TRUNK), lookup());
    assert.equal(!refer.accept && refer.status, 405);
    assert.ok(!refer.accept && refer.headers?.some((h) => h.startsWith('Allow: ')));
    assert.equal((p.screen(request('BYE'), at(TRUNK), lookup()) as { status: number }).status, 481);
  });

  it("takes an in-dialog request only from the dialog's peer; a To tag that names no dialog gets 481", () => {
    const p = new InboundPolicy();
    const inDialog = { callId: 'call-1', toTag: 'us', fromTag: 'them' };
    for (const method of ['BYE', 'INVITE', 'UPDATE', 'REFER', 'INFO', 'ACK']) {
      assert.deepEqual(p.screen(request(method, inDialog), at(TRUNK), lookup()), { accept: true }, `${method} from the peer`);
    }
    for (const method of ['BYE', 'INVITE', 'UPDATE', 'REFER']) {
      assert.equal(p.screen(request(method, inDialog), at(STRANGER), lookup()).accept, false, `${method} from a third party`);
      assert.equal(p.screen(request(method, { ...inDialog, fromTag: 'other' }), at(TRUNK), lookup()).accept, false, `${method} with a foreign tag`);
    }
    assert.deepEqual(p.screen(request('INVITE', { toTag: 'made-up' }), at(TRUNK), lookup()), { accept: false, status: 481, reason: 'Call/Transaction Does Not Exist' });
    assert.deepEqual(p.screen(request('ACK', { toTag: 'made-up' }), at(STRANGER), lookup()), { accept: false }, 'a stray ACK is never answered');
  });

  it('takes CANCEL and ACK of an INVITE transaction only from the INVITE’s source', () => {
    const p = new InboundPolicy();
    assert.deepEqual(p.screen(request('CANCEL', { branch: 'z9hG4bKpending' }), at(TRUNK), lookup()), { accept: true });
    assert.equal(p.screen(request('CANCEL', { branch: 'z9hG4bKpending' }), at(STRANGER), lookup()).accept, false);
    assert.deepEqual(p.screen(request('ACK', { branch: 'z9hG4bKpending', toTag: 'x' }), at(TRUNK), lookup()), { accept: true });
    assert.deepEqual(p.screen(request('ACK', { branch: 'z9hG4bKpending', toTag: 'x' }), at(STRANGER), lookup()), { accept: false });
  });

  it('drops known scanners silently and counts them', () => {
    const p = new InboundPolicy();
    for (const ua of ['friendly-scanner', 'sipvicious 0.3.3', 'sipcli/v1.8', 'VaxSIPUserAgent/3.1']) {
      assert.deepEqual(p.screen(request('OPTIONS', { userAgent: ua }), at(STRANGER), lookup()), { accept: false }, ua);
    }
    assert.equal(p.counts.scanners, 4);
  });

  it('rate-limits each stranger before reading its requests, and all strangers together; another source is not held up', () => {
    const logged: string[] = [];
    const p = new InboundPolicy({ requestsPerSecond: 5, burst: 5, log: (e) => logged.push(e) });
    const fromStranger = Array.from({ length: 20 }, () => p.admit(at(STRANGER)));
    assert.equal(fromStranger.filter(Boolean).length, 5, 'five taken, the rest dropped');
    assert.equal(p.counts.rateLimited, 15);
    assert.deepEqual(logged, ['inbound-rate-limited'], 'one log line for the fifteen');
    assert.equal(p.admit(at('198.51.100.8')), true, 'another source is not held up');
    // 10 x 5/s for all strangers together, burst twice that: a spray from many addresses stops there.
    const spray = Array.from({ length: 300 }, (_, i) => p.admit(at(`203.0.113.${i % 250}`)));
    assert.ok(spray.filter(Boolean).length <= 100, `${spray.filter(Boolean).length} of a 300-address spray taken`);
  });

  it('limits no trunk and no request inside a dialog: their requests are judged on what they are', () => {
    const p = new InboundPolicy({ requestsPerSecond: 5, burst: 5 });
    const fromTrunk = Array.from({ length: 400 }, () => p.screen(request('INVITE'), at(TRUNK), lookup()).accept);
    assert.equal(fromTrunk.filter(Boolean).length, 400, "a trunk's 400 INVITEs all pass");
    const inDialog = Array.from({ length: 400 }, () => p.screen(request('BYE', { callId: 'call-1', toTag: 'us', fromTag: 'them' }), at(TRUNK), lookup()).accept);
    assert.equal(inDialog.filter(Boolean).length, 400);
  });

  it('a spray of new source addresses does not reset the bucket of a source already limited', () => {
    let now = 0;
    const limit = new SourceRateLimit({ perSecond: 1, burst: 2, capacity: 100 }, () => now);
    assert.equal(limit.take('attacker'), true);
    assert.equal(limit.take('attacker'), true);
    assert.equal(limit.take('attacker'), false);
    for (let i = 0; i < 20_000; i++) limit.take(`10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}`);
    now += 100;
    assert.equal(limit.take('attacker'), false, 'still limited after the spray');
    assert.ok(limit.size <= 100, `table bounded (${limit.size})`);
    now += 5000;
    assert.equal(limit.take('attacker'), true, 'refilled in time');
  });

  it('never throws on random requests, sources and credentials', () => {
    const p = new InboundPolicy({ users: [{ username: 'a', password: 'b' }], requestsPerSecond: 1e9 });
    fc.assert(
      fc.property(fc.string(), fc.string(), fc.string(), fc.string(), (method, auth, tag, ua) => {
        p.screen(request(method, { authorization: `Digest ${auth}`, toTag: tag, userAgent: ua }), at(STRANGER), lookup());
      }),
      { numRuns: 1000 },
    );
  });
});

describe('inbound policy: digest (RFC 3261 §22, RFC 7616)', () => {
  const user = { username: 'alice', password: 'wonderland' };
  const policy = (more = {}): InboundPolicy => new InboundPolicy({ users: [user], realm: 'gw', requestsPerSecond: 1e6, ...more });

  function answer(p: InboundPolicy, uri: string, creds = user, nc = 1, from = STRANGER): { verdict: InboundVerdict; authorization: string } {
    const c = challengeOf(p.screen(request('INVITE', { uri }), at(from), lookup()));
    assert.deepEqual(c.qop, ['auth'], 'qop=auth offered');
    const authorization = authorize(c, creds, 'INVITE', uri, nc);
    return { verdict: p.screen(request('INVITE', { uri, authorization }), at(from), lookup()), authorization };
  }

  it('admits the right credentials and names the user', () => {
    const { verdict } = answer(policy(), 'sip:2000@gw');
    assert.deepEqual(verdict, { accept: true, user: 'alice' });
  });

  it('accepts one Authorization header once: a replay, or the same header on another Request-URI, is refused', () => {
    const p = policy();
    const { verdict, authorization } = answer(p, 'sip:2000@gw');
    assert.equal(verdict.accept, true);
    const replay = p.screen(request('INVITE', { uri: 'sip:2000@gw', authorization }), at(STRANGER), lookup());
    assert.equal(replay.accept, false, 'the same nonce-count twice');
    const elsewhere = p.screen(request('INVITE', { uri: 'sip:0044207946000@gw', authorization }), at(STRANGER), lookup());
    assert.equal(elsewhere.accept, false, 'another Request-URI');
  });

  it('gives an unknown user and a wrong password the same answer', () => {
    const p = policy();
    const unknown = answer(p, 'sip:2000@gw', { username: 'mallory', password: 'wonderland' }).verdict;
    const wrong = answer(p, 'sip:2000@gw', { username: 'alice', password: 'guess' }).verdict;
    assert.deepEqual(unknown, wrong);
    assert.deepEqual(wrong, { accept: false, status: 403, reason: 'Forbidden' });
  });

  it('answers a nonce it never gave with a new challenge, whoever the user', () => {
    const p = policy();
    const forged = (username: string): InboundVerdict =>
      p.screen(request('INVITE', { uri: 'sip:2000@gw', authorization: authorize({ realm: 'gw', nonce: 'bogus', algorithm: 'MD5', qop: ['auth'], stale: false }, { username, password: 'x' }, 'INVITE', 'sip:2000@gw') }), at(STRANGER), lookup());
    const known = challengeOf(forged('alice'));
    const unknown = challengeOf(forged('nobody'));
    assert.equal(known.stale, unknown.stale);
  });

  it('bans a source after the configured failures, with a log line at ban; the right password is refused then', () => {
    const events: Array<[string, Record<string, unknown>]> = [];
    const p = policy({ ban: { failures: 3, banTimeMs: 60_000 }, log: (e: string, d: Record<string, unknown>) => events.push([e, d]) });
    for (let i = 0; i < 3; i++) assert.equal(answer(p, 'sip:2000@gw', { username: 'alice', password: `guess${i}` }).verdict.accept, false);
    assert.ok(events.some(([e, d]) => e === 'source-banned' && d.source === STRANGER));
    assert.deepEqual(p.screen(request('INVITE', { uri: 'sip:2000@gw' }), at(STRANGER), lookup()), { accept: false }, 'a banned source hears nothing');
    assert.equal(p.counts.bans, 1);
    assert.deepEqual(p.bans.list().map((b) => b.address), [STRANGER]);
    assert.deepEqual(answer(p, 'sip:2000@gw', user, 1, '198.51.100.99').verdict, { accept: true, user: 'alice' }, 'another source is not banned');
  });
});
