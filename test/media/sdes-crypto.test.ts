import assert from 'node:assert/strict';
import fc from 'fast-check';
import { formatSdesCrypto, generateSdesCrypto, parseSdesCrypto } from '../../src/media/sdes-crypto.js';

describe('SDES a=crypto (RFC 4568)', () => {
  it('reads the example line of RFC 4568 §9.1 (key||salt, lifetime, MKI refused)', () => {
    const plain = parseSdesCrypto('a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:PS1uQCVeeCFCanVmcjkpPywjNWhcYD0mXXtxaVBR|2^20');
    assert.ok(plain.ok, JSON.stringify(plain));
    assert.equal(plain.value.tag, 1);
    assert.equal(plain.value.masterKey.length, 16);
    assert.equal(plain.value.masterSalt.length, 14);
    const mki = parseSdesCrypto('1 AES_CM_128_HMAC_SHA1_80 inline:PS1uQCVeeCFCanVmcjkpPywjNWhcYD0mXXtxaVBR|2^20|1:4');
    assert.ok(!mki.ok && /MKI/.test(mki.error));
  });

  it('refuses a suite it cannot do, naming it', () => {
    const r = parseSdesCrypto('2 AES_CM_128_HMAC_SHA1_32 inline:PS1uQCVeeCFCanVmcjkpPywjNWhcYD0mXXtxaVBR');
    assert.ok(!r.ok && r.error.includes('AES_CM_128_HMAC_SHA1_32'));
  });

  it('round-trips generated keys', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 999999999 }), (tag) => {
        const c = generateSdesCrypto(tag);
        const r = parseSdesCrypto(formatSdesCrypto(c));
        assert.ok(r.ok);
        assert.equal(r.value.tag, tag);
        assert.deepEqual(Buffer.from(r.value.masterKey), Buffer.from(c.masterKey));
        assert.deepEqual(Buffer.from(r.value.masterSalt), Buffer.from(c.masterSalt));
      }),
    );
  });

  it('never throws on arbitrary text', () => {
    fc.assert(fc.property(fc.string(), (s) => void parseSdesCrypto(s)));
    fc.assert(fc.property(fc.string(), (s) => void parseSdesCrypto(`1 AES_CM_128_HMAC_SHA1_80 inline:${s}`)));
  });
});
