import assert from 'node:assert/strict';
import fc from 'fast-check';
import { authorize, digestResponse, parseDigestChallenge, parseDigestCredentials, verifyDigest } from '../../src/sip/digest.js';
import { answerOffer, acceptAnswer, createOffer, SdpRejection, type LocalMedia } from '../../src/sip/sdp-negotiation.js';
import { headerValues, parseSipMessage, SipParseError } from '../../src/sip/sip-message.js';
import { SipStreamFramer } from '../../src/sip/stream-framer.js';
import { bareHost, formatVia, hostReference, parseVia, responseTarget, stampReceived } from '../../src/sip/via.js';
import { uriDestination } from '../../src/sip/node-transport.js';
import { parseAuthParams } from '../../src/sip/digest.js';
import { grantedExpiry } from '../../src/sip/sip-endpoint.js';
import { URI } from 'sip.js';
import { IncomingResponseMessage } from 'sip.js/lib/core/messages/incoming-response-message.js';
import { Parser } from 'sip.js/lib/core/messages/parser.js';
import { LoggerFactory } from 'sip.js/lib/core/log/logger-factory.js';

const local: LocalMedia = { address: '127.0.0.1', port: 40000, codecs: ['PCMU', 'PCMA', 'opus'], direction: 'sendrecv', sessionId: 1, sessionVersion: 1 };

function offer(formats: string, rtpmaps: string[], extra: string[] = []): string {
  return ['v=0', 'o=- 1 1 IN IP4 192.0.2.1', 's=-', 'c=IN IP4 192.0.2.1', 't=0 0', `m=audio 5004 RTP/AVP ${formats}`, ...rtpmaps, ...extra, ''].join('\r\n');
}

describe('SIP parsers', () => {
  describe('Via and rport (RFC 3261 §18.2, RFC 3581)', () => {
    it('adds received and fills rport with the source of a request (RFC 3581 §4)', () => {
      const via = parseVia('SIP/2.0/UDP 10.0.0.1:5060;branch=z9hG4bK1;rport')!;
      const stamped = stampReceived(via, '203.0.113.9', 40123);
      assert.equal(formatVia(stamped), 'SIP/2.0/UDP 10.0.0.1:5060;branch=z9hG4bK1;rport=40123;received=203.0.113.9');
      assert.deepEqual(responseTarget(stamped), { host: '203.0.113.9', port: 40123 });
    });

    it('answers to sent-by when the request came from there and asked for no rport (RFC 3261 §18.2.2)', () => {
      const via = stampReceived(parseVia('SIP/2.0/UDP 198.51.100.7:5070;branch=z9hG4bKx')!, '198.51.100.7', 33333);
      assert.equal(via.params.has('received'), false);
      assert.deepEqual(responseTarget(via), { host: '198.51.100.7', port: 5070 });
      assert.deepEqual(responseTarget(parseVia('SIP/2.0/TLS [2001:db8::1];branch=z9hG4bKy')!), { host: '2001:db8::1', port: 5061 });
    });

    it('stamps an IPv6 source as received and answers there, brackets or not (RFC 5118 §4.5)', () => {
      const via = parseVia('SIP/2.0/UDP [::1]:5070;branch=z9hG4bKv6;rport')!;
      assert.equal(via.host, '[::1]');
      const stamped = stampReceived(via, '::1', 41000);
      assert.equal(formatVia(stamped), 'SIP/2.0/UDP [::1]:5070;branch=z9hG4bKv6;rport=41000;received=::1');
      assert.deepEqual(responseTarget(stamped), { host: '::1', port: 41000 });
      assert.deepEqual(responseTarget(parseVia('SIP/2.0/UDP [2001:db8::2]:5060;received=[2001:db8::9];rport=5999')!), { host: '2001:db8::9', port: 5999 });
      // A request from the very address of sent-by needs no received (RFC 3261 §18.2.1).
      assert.equal(stampReceived(parseVia('SIP/2.0/UDP [2001:db8::2]:5060;branch=z9hG4bKw')!, '2001:db8::2', 5060).params.has('received'), false);
    });

    it('writes an IPv6 address as an IPv6reference in brackets, and only an IPv6 address (RFC 3261 §25.1)', () => {
      fc.assert(
        fc.property(fc.ipV6(), fc.ipV4(), fc.domain(), (v6, v4, name) => {
          assert.equal(hostReference(v6), `[${v6}]`);
          assert.equal(hostReference(hostReference(v6)), `[${v6}]`);
          assert.equal(bareHost(hostReference(v6)), v6);
          assert.equal(hostReference(v4), v4);
          assert.equal(hostReference(name), name);
          const via = parseVia(`SIP/2.0/UDP ${hostReference(v6)}:5060;branch=z9hG4bK1`);
          assert.equal(via?.host, `[${v6}]`);
        }),
      );
    });

    it('never throws on random Via values, and round-trips what it accepts', () => {
      fc.assert(
        fc.property(fc.string(), fc.ipV4(), fc.integer({ min: 1, max: 65535 }), (s, ip, port) => {
          const v = parseVia(s);
          if (v) {
            assert.deepEqual(parseVia(formatVia(v))?.host, v.host);
            responseTarget(stampReceived(v, ip, port));
          }
        }),
        { numRuns: 2000 },
      );
    });
  });

  describe('next hop of a SIP URI (RFC 3261 §19.1)', () => {
    it('takes host, port and transport, with the default ports of §19.1.2', () => {
      assert.deepEqual(uriDestination('sip:2000@192.0.2.5:5070;transport=tcp'), { host: '192.0.2.5', port: 5070, transport: 'tcp' });
      assert.deepEqual(uriDestination('<sips:gw.example.net;lr>'), { host: 'gw.example.net', port: 5061 });
      assert.deepEqual(uriDestination('sip:[2001:db8::7]'), { host: '2001:db8::7', port: 5060 });
      assert.equal(uriDestination('tel:+15551234'), undefined);
    });

    it('never throws on random URIs and only returns ports in range', () => {
      fc.assert(
        fc.property(fc.string(), (s) => {
          for (const u of [s, `sip:${s}`, `<sip:x@${s}>`]) {
            const d = uriDestination(u);
            if (d) assert.ok(d.port >= 0 && d.port <= 99999 && d.host.length > 0);
          }
        }),
        { numRuns: 2000 },
      );
    });
  });

  describe('auth-params (RFC 2617 §1.2)', () => {
    it('reads quoted strings with escapes and tokens; refuses an unterminated quote', () => {
      assert.deepEqual([...parseAuthParams('realm="a\\"b", nc=00000001 ,qop=auth')!], [['realm', 'a"b'], ['nc', '00000001'], ['qop', 'auth']]);
      assert.equal(parseAuthParams('realm="open'), undefined);
    });

    it('round-trips random values through quoting', () => {
      fc.assert(
        fc.property(fc.string(), (v) => {
          const quoted = `"${v.replace(/["\\]/g, (c) => `\\${c}`)}"`;
          assert.equal(parseAuthParams(`x=${quoted}, y=1`)?.get('x'), v);
        }),
      );
    });
  });

  describe('messages and stream framing (RFC 3261 §7, §18.3)', () => {
    it('splits Via lists and expands compact header names', () => {
      const m = parseSipMessage('OPTIONS sip:a@b SIP/2.0\r\nv: SIP/2.0/UDP a;branch=z9hG4bK1, SIP/2.0/TCP b;branch=z9hG4bK2\r\nl: 0\r\n\r\n');
      assert.ok(!(m instanceof SipParseError));
      assert.equal(headerValues(m, 'via').length, 2);
      assert.equal(headerValues(m, 'Content-Length')[0], '0');
    });

    it('frames back-to-back messages on a stream by Content-Length, in any chunking', () => {
      const one = 'MESSAGE sip:x@y SIP/2.0\r\nContent-Length: 5\r\n\r\nhello';
      const two = 'SIP/2.0 200 OK\r\nContent-Length: 0\r\n\r\n';
      fc.assert(
        fc.property(fc.array(fc.integer({ min: 1, max: 20 }), { minLength: 1, maxLength: 20 }), (cuts) => {
          const bytes = Buffer.from(`\r\n\r\n${one}${two}`);
          const f = new SipStreamFramer();
          const got: string[] = [];
          let at = 0;
          for (const c of [...cuts, bytes.length]) {
            for (const o of f.push(bytes.subarray(at, at + c))) if ('message' in o) got.push(o.message);
            at += c;
          }
          assert.deepEqual(got, [one, two]);
        }),
      );
    });

    it('refuses a stream message without Content-Length instead of waiting forever', () => {
      const out = new SipStreamFramer().push(Buffer.from('OPTIONS sip:a SIP/2.0\r\nVia: x\r\n\r\n'));
      assert.ok(out.some((o) => 'error' in o && /Content-Length/.test(o.error)));
    });

    it('never throws on random bytes (parser and framer)', () => {
      fc.assert(
        fc.property(fc.string({ unit: 'binary' }), fc.uint8Array({ maxLength: 300 }), (s, bytes) => {
          parseSipMessage(s);
          new SipStreamFramer().push(Buffer.from(bytes));
          new SipStreamFramer().push(Buffer.from(s));
        }),
        { numRuns: 2000 },
      );
    });
  });

  describe('digest authentication (RFC 2617, RFC 7616)', () => {
    it('computes the RFC 2617 §3.5 example response (MD5, qop=auth)', () => {
      const r = digestResponse({ algorithm: 'MD5', username: 'Mufasa', realm: 'testrealm@host.com', password: 'Circle Of Life', method: 'GET', uri: '/dir/index.html', nonce: 'dcd98b7102dd2f0e8b11d0f600bfb0c093', qop: 'auth', nc: '00000001', cnonce: '0a4f113b' });
      assert.equal(r, '6629fae49393a05397450978507c4ef1');
    });

    it('computes the RFC 7616 §3.9.1 example response (SHA-256)', () => {
      const r = digestResponse({ algorithm: 'SHA-256', username: 'Mufasa', realm: 'http-auth@example.org', password: 'Circle of Life', method: 'GET', uri: '/dir/index.html', nonce: '7ypf/xlj9XXwfDPEoM4URrv/xwf94BcCAzFZH4GiTo0v', qop: 'auth', nc: '00000001', cnonce: 'f2/wE4q74E6zIJEtWaHKaf5wv/H5QzzpXusqGemxURZJ' });
      assert.equal(r, '753927fa0e85d155564e2e272a28d1802ca10daf4496794697cf8db5856cb6c1');
    });

    it('answers a parsed challenge with credentials the server side verifies', () => {
      for (const algorithm of ['MD5', 'SHA-256', 'MD5-sess']) {
        const c = parseDigestChallenge(`Digest realm="sip.example", nonce="abc", opaque="o1", qop="auth,auth-int", algorithm=${algorithm}`);
        assert.ok(typeof c !== 'string', typeof c === 'string' ? c : '');
        const header = authorize(c, { username: 'alice', password: 's3cret' }, 'REGISTER', 'sip:sip.example');
        const creds = parseDigestCredentials(header);
        assert.ok(typeof creds !== 'string', typeof creds === 'string' ? creds : '');
        assert.equal(verifyDigest(creds, 's3cret', 'REGISTER'), true);
        assert.equal(verifyDigest(creds, 'wrong', 'REGISTER'), false);
      }
    });

    it('says what is wrong with a bad challenge and never throws on random input', () => {
      assert.equal(parseDigestChallenge('Basic realm="x"'), 'not a Digest challenge');
      assert.match(parseDigestChallenge('Digest realm="x", nonce="n", algorithm=SHA-512') as string, /unsupported algorithm/);
      fc.assert(
        fc.property(fc.string(), (s) => {
          parseDigestChallenge(`Digest ${s}`);
          parseDigestCredentials(`Digest ${s}`);
          parseDigestChallenge(s);
        }),
        { numRuns: 2000 },
      );
    });
  });

  describe('SDP offer/answer (RFC 3264)', () => {
    it('answers with the offered codecs we know, in the offerer order, plus telephone-event', () => {
      const r = answerOffer(offer('8 0 18 101', ['a=rtpmap:8 PCMA/8000', 'a=rtpmap:0 PCMU/8000', 'a=rtpmap:18 G729/8000', 'a=rtpmap:101 telephone-event/8000', 'a=fmtp:101 0-15']), local);
      assert.ok(!(r instanceof SdpRejection));
      assert.match(r.answer, /m=audio 40000 RTP\/AVP 8 0 101\r\n/);
      assert.equal(r.negotiated.codec, 'PCMA');
      assert.equal(r.negotiated.telephoneEventPayloadType, 101);
      assert.equal(r.negotiated.remoteRtpPort, 5004);
    });

    it('answers opus/48000/2 with its dynamic payload type', () => {
      const r = answerOffer(offer('96', ['a=rtpmap:96 opus/48000/2', 'a=ptime:20']), local);
      assert.ok(!(r instanceof SdpRejection));
      assert.equal(r.negotiated.codec, 'opus');
      assert.equal(r.negotiated.ptime, 20);
      assert.match(r.answer, /a=rtpmap:96 opus\/48000\/2/);
    });

    it('refuses an offer with no common codec with 488 (RFC 3264 §6)', () => {
      const r = answerOffer(offer('18', ['a=rtpmap:18 G729/8000']), local);
      assert.ok(r instanceof SdpRejection);
      assert.equal(r.status, 488);
    });

    it('mirrors hold: sendonly offered -> recvonly answered; inactive stays inactive (RFC 3264 §6.1, §8.4)', () => {
      const held = answerOffer(offer('0', [], ['a=sendonly']), local);
      assert.ok(!(held instanceof SdpRejection));
      assert.match(held.answer, /a=recvonly/);
      assert.equal(held.negotiated.direction, 'recvonly');
      const old = answerOffer(offer('0', []).replace('c=IN IP4 192.0.2.1', 'c=IN IP4 0.0.0.0'), local);
      assert.ok(!(old instanceof SdpRejection));
      assert.equal(old.negotiated.direction, 'recvonly');
      const inactive = answerOffer(offer('0', [], ['a=inactive']), local);
      assert.ok(!(inactive instanceof SdpRejection));
      assert.equal(inactive.negotiated.direction, 'inactive');
    });

    it('our hold offer is sendonly and the recvonly answer leaves us sending only', () => {
      const o = createOffer({ ...local, direction: 'sendonly' });
      assert.match(o, /a=sendonly/);
      assert.match(o, /m=audio 40000 RTP\/AVP 0 8 111 101 102/);
      const n = acceptAnswer(offer('0 101', ['a=rtpmap:101 telephone-event/8000'], ['a=recvonly']), local);
      assert.ok(!(n instanceof SdpRejection));
      assert.equal(n.direction, 'sendonly');
    });

    it('never throws on random SDP', () => {
      fc.assert(
        fc.property(fc.string(), fc.array(fc.constantFrom('a=sendonly', 'a=rtpmap:0 PCMU/8000', 'm=audio 0 RTP/AVP 0', 'c=IN IP4', 'a=fmtp:', 'm=video 5 RTP/AVP 96'), { maxLength: 6 }), (s, lines) => {
          answerOffer(s, local);
          acceptAnswer(s, local);
          answerOffer(offer('0 8', lines, [s]), local);
        }),
        { numRuns: 1000 },
      );
    });
  });
});

describe('granted registration expiry (RFC 3261 §10.2.4)', () => {
  const factory = new LoggerFactory();
  // sip.js logs each header it cannot parse; the random ones are meant to fail.
  factory.builtinEnabled = false;
  const logger = factory.getLogger('test');
  const ours = new URI('sip', 'sipline', '127.0.0.1', 5070, { transport: 'udp' });
  const ok = (headers: string[]): IncomingResponseMessage => {
    const text = ['SIP/2.0 200 OK', 'Via: SIP/2.0/UDP 127.0.0.1;branch=z9hG4bK1', 'From: <sip:a@b>;tag=1', 'To: <sip:a@b>;tag=2', 'Call-ID: c', 'CSeq: 2 REGISTER', ...headers, 'Content-Length: 0', '', ''].join('\r\n');
    const m = Parser.parseMessage(text, logger);
    assert.ok(m instanceof IncomingResponseMessage, text);
    return m;
  };

  it("takes our Contact's expires over the Expires header, and the header when the parameter is missing", () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 2 ** 31 - 1 }), fc.integer({ min: 0, max: 2 ** 31 - 1 }), fc.integer({ min: 0, max: 99999 }), (param, header, other) => {
        const theirs = `Contact: <sip:someone@192.0.2.9:5060>;expires=${other}`;
        assert.equal(grantedExpiry(ok([theirs, `Contact: <sip:sipline@127.0.0.1:5070;transport=udp>;expires=${param}`, `Expires: ${header}`]), ours), param);
        assert.equal(grantedExpiry(ok([`Contact: <sip:sipline@127.0.0.1:5070;transport=udp>`, theirs, `Expires: ${header}`]), ours), header);
        // Bindings of other UAs say nothing about ours.
        assert.equal(grantedExpiry(ok([theirs, `Expires: ${header}`]), ours), undefined);
      }),
    );
  });

  it('gives undefined, never NaN or a throw, for a missing or malformed expiry', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 12 }).filter((s) => !/[\r\n;,<>"]/.test(s)), (junk) => {
        const m = Parser.parseMessage(['SIP/2.0 200 OK', 'Via: SIP/2.0/UDP 127.0.0.1;branch=z9hG4bK1', 'From: <sip:a@b>;tag=1', 'To: <sip:a@b>;tag=2', 'Call-ID: c', 'CSeq: 2 REGISTER', `Contact: <sip:sipline@127.0.0.1:5070>;expires=${junk}`, `Expires: ${junk}`, 'Content-Length: 0', '', ''].join('\r\n'), logger);
        if (!(m instanceof IncomingResponseMessage)) return;
        const g = grantedExpiry(m, ours);
        assert.ok(g === undefined || (Number.isInteger(g) && g >= 0), `${String(g)} from ${JSON.stringify(junk)}`);
      }),
      { numRuns: 300 },
    );
  });
});
