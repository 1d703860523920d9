import assert from 'node:assert/strict';
import fc from 'fast-check';
import { SrtpSession } from 'werift-rtp';
import type { SdesCrypto } from '../../src/media/media-description.js';
import { encodeRtp } from '../../src/media/rtp-packet.js';
import { SrtpContext } from '../../src/media/srtp-context.js';

const hex = (s: string): Buffer => Buffer.from(s.replace(/\s+/g, ''), 'hex');
// RFC 3711 Appendix B.3 master key and salt; also the key of libsrtp's srtp_driver reference packet.
const MASTER: SdesCrypto = { tag: 1, suite: 'AES_CM_128_HMAC_SHA1_80', masterKey: hex('E1F97A0D3E018BE0D64FA32C06DE4139'), masterSalt: hex('0EC675AD498AFEEBB6960B3AABE6') };

describe('SRTP AES_CM_128_HMAC_SHA1_80 (RFC 3711)', () => {
  it('derives the session keys of RFC 3711 Appendix B.3', () => {
    const s = new SrtpSession({ keys: { localMasterKey: Buffer.from(MASTER.masterKey), localMasterSalt: Buffer.from(MASTER.masterSalt), remoteMasterKey: Buffer.from(MASTER.masterKey), remoteMasterSalt: Buffer.from(MASTER.masterSalt) }, profile: 1 });
    assert.equal(s.localContext.srtpSessionKey.toString('hex'), 'c61e7a93744f39ee10734afe3ff7a087');
    assert.equal(s.localContext.srtpSessionSalt.toString('hex'), '30cbbc08863d8c85d49db34a9ae1');
    assert.equal(s.localContext.srtpSessionAuthTag.toString('hex'), 'cebe321f6ff7716b6fd4ab49af256a156d38baa4');
  });

  it('protects the libsrtp reference packet to the published ciphertext, and back', () => {
    const ctx = new SrtpContext(MASTER, MASTER);
    const plain = hex('800f1234decafbadcafebabe' + 'ab'.repeat(16));
    const expected = '800f1234decafbadcafebabe4e55dc4ce79978d88ca4d215949d2402b78d6acc99ea179b8dbb';
    assert.equal(Buffer.from(ctx.protectRtp(plain)).toString('hex'), expected);
    const back = new SrtpContext(MASTER, MASTER).unprotectRtp(hex(expected));
    assert.ok(back.ok, back.ok ? '' : back.error);
    assert.equal(Buffer.from(back.value).toString('hex'), plain.toString('hex'));
  });

  it('reads the libsrtp reference SRTCP packet (index 1, E bit set)', () => {
    const ctx = new SrtpContext(MASTER, MASTER);
    const r = ctx.unprotectRtcp(hex('81c8000bcafebabe7128035be487b9bdbef89041f977a5a880000001993e08cd54d6c1230798'));
    assert.ok(r.ok, r.ok ? '' : r.error);
    assert.equal(Buffer.from(r.value).toString('hex'), '81c8000bcafebabe' + 'ab'.repeat(16));
  });

  it('refuses a tampered packet and a replayed one (§3.3.2), saying which', () => {
    const tx = new SrtpContext(MASTER, MASTER);
    const rx = new SrtpContext(MASTER, MASTER);
    const packet = tx.protectRtp(encodeRtp({ marker: false, payloadType: 0, sequenceNumber: 7, timestamp: 1, ssrc: 42, csrc: [], payload: new Uint8Array(160) }));
    const bad = Buffer.from(packet);
    bad[20]! ^= 1;
    const t = rx.unprotectRtp(bad);
    assert.ok(!t.ok && /authenticate/i.test(t.error), t.ok ? '' : t.error);
    assert.ok(rx.unprotectRtp(packet).ok);
    const again = rx.unprotectRtp(packet);
    assert.ok(!again.ok && /replay/.test(again.error));
  });

  it('round-trips RTP and RTCP between two ends with different keys, across a sequence wrap', () => {
    const a: SdesCrypto = { ...MASTER, masterKey: new Uint8Array(16).fill(1) };
    const b: SdesCrypto = { ...MASTER, masterKey: new Uint8Array(16).fill(2) };
    const alice = new SrtpContext(a, b);
    const bob = new SrtpContext(b, a);
    for (let i = 0; i < 40; i++) {
      const seq = (65520 + i) & 0xffff;
      const rtp = encodeRtp({ marker: i === 0, payloadType: 8, sequenceNumber: seq, timestamp: i * 160, ssrc: 0x1234, csrc: [], payload: Uint8Array.from({ length: 160 }, (_, k) => (k + i) & 0xff) });
      const r = bob.unprotectRtp(alice.protectRtp(rtp));
      assert.ok(r.ok, r.ok ? '' : `seq ${seq}: ${r.error}`);
      assert.deepEqual(Buffer.from(r.value), Buffer.from(rtp));
    }
    const rtcp = hex('80c90001deadbeef');
    const back = alice.unprotectRtcp(bob.protectRtcp(rtcp));
    assert.ok(back.ok);
    assert.deepEqual(Buffer.from(back.value), rtcp);
  });

  it('never throws on random datagrams', () => {
    const rx = new SrtpContext(MASTER, MASTER);
    fc.assert(fc.property(fc.uint8Array({ maxLength: 200 }), (b) => {
      void rx.unprotectRtp(b);
      void rx.unprotectRtcp(b);
    }));
  });
});
