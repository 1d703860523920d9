// Digest verification from a stored HA1 instead of the password (RFC 7616
// §3.4.2), as security.users of gateway.yaml allows.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import fc from 'fast-check';
import { digestResponse, verifyDigest, type DigestAlgorithm, type DigestCredentials } from '../../src/sip/digest.js';

const H = (algorithm: DigestAlgorithm, text: string): string => createHash(algorithm.startsWith('SHA-256') ? 'sha256' : 'md5').update(text).digest('hex');

// RFC 7616 §3.9.1: the example request and its two responses.
const example = { username: 'Mufasa', realm: 'http-auth@example.org', uri: '/dir/index.html', nonce: '7ypf/xlj9XXwfDPEoM4URrv/xwf94BcCAzFZH4GiTo0v', cnonce: 'f2/wE4q74E6zIJEtWaHKaf5wv/H5QzzpXusqGemxURZJ', nc: '00000001', qop: 'auth' };
const password = 'Circle of Life';

describe('digest verification from an HA1 (RFC 7616 §3.4.2)', () => {
  for (const [algorithm, response] of [
    ['MD5', '8ca523f5e9506fed4657c9700eebdbec'],
    ['SHA-256', '753927fa0e85d155564e2e272a28d1802ca10daf4496794697cf8db5856cb6c1'],
  ] as const) {
    it(`checks the RFC 7616 §3.9.1 ${algorithm} example from the HA1 alone, and refuses another HA1`, () => {
      const c: DigestCredentials = { ...example, algorithm, response };
      const ha1 = H(algorithm, `${example.username}:${example.realm}:${password}`);
      assert.equal(digestResponse({ ...example, algorithm, password: '', ha1, method: 'GET' }), response);
      assert.equal(verifyDigest(c, { ha1 }, 'GET'), true);
      assert.equal(verifyDigest(c, { ha1: ha1.toUpperCase() }, 'GET'), true, 'hex in capitals is the same HA1');
      assert.equal(verifyDigest(c, { ha1: H(algorithm, `${example.username}:${example.realm}:circle of life`) }, 'GET'), false);
    });
  }

  it('an HA1 made from the password verifies exactly what the password verifies (property)', () => {
    const text = fc.string({ minLength: 1, maxLength: 12 }).filter((s) => !s.includes(':'));
    fc.assert(
      fc.property(fc.constantFrom<DigestAlgorithm>('MD5', 'MD5-sess', 'SHA-256', 'SHA-256-sess'), text, text, text, text, fc.boolean(), (algorithm, username, realm, pw, guess, qop) => {
        const base = { username, realm, uri: 'sip:4321@gw', nonce: 'n0', algorithm, ...(qop ? { qop: 'auth', nc: '00000001', cnonce: 'c0' } : {}) };
        const c: DigestCredentials = { ...base, response: digestResponse({ ...base, password: guess, method: 'INVITE' }) };
        const ha1 = H(algorithm, `${username}:${realm}:${pw}`);
        return verifyDigest(c, { ha1 }, 'INVITE') === verifyDigest(c, pw, 'INVITE') && verifyDigest(c, { ha1 }, 'INVITE') === (pw === guess);
      }),
    );
  });
});
