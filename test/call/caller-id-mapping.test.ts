import assert from 'node:assert/strict';
import fc from 'fast-check';
import { callerIdFromSip, callerIdToSip, parseNameAddr } from '../../src/call/caller-id-mapping.js';
import type { PartyNumber } from '../../src/call/pstn-leg.js';

describe('caller ID between the PSTN and SIP (RFC 3325, RFC 3323)', () => {
  it('presents an allowed number in From and P-Asserted-Identity', () => {
    const h = callerIdToSip({ digits: '+12125551234', name: 'Alice', presentation: 'allowed' }, 'gw.example');
    assert.deepEqual(h, {
      from: '"Alice" <sip:+12125551234@gw.example;user=phone>',
      pAssertedIdentity: '"Alice" <sip:+12125551234@gw.example;user=phone>',
      privacy: 'none',
    });
  });

  it('hides a restricted number: anonymous From, Privacy: id, identity only asserted to a trusted trunk', () => {
    const h = callerIdToSip({ digits: '5551234', presentation: 'restricted' }, 'gw');
    assert.equal(h.from, '"Anonymous" <sip:anonymous@anonymous.invalid>');
    assert.equal(h.privacy, 'id');
    assert.equal(h.pAssertedIdentity, '<sip:5551234@gw;user=phone>');
    assert.equal(callerIdToSip({ digits: '5551234', presentation: 'restricted' }, 'gw', false).pAssertedIdentity, undefined);
    assert.deepEqual(callerIdToSip({ digits: '' }, 'gw'), { from: '"Anonymous" <sip:anonymous@anonymous.invalid>' });
  });

  it('reads the number from P-Asserted-Identity of a trusted trunk, From otherwise', () => {
    const h = { from: '"Bob" <sip:100@pbx>;tag=x', pAssertedIdentity: '<tel:+4930123456>' };
    assert.deepEqual(callerIdFromSip(h, true), { digits: '+4930123456', presentation: 'allowed', typeOfNumber: 'international' });
    assert.deepEqual(callerIdFromSip(h, false), { digits: '100', presentation: 'allowed', name: 'Bob' });
  });

  it('marks the number restricted on Privacy id/user/header or an anonymous From', () => {
    assert.equal(callerIdFromSip({ from: '<sip:100@pbx>', privacy: 'id' }, true).presentation, 'restricted');
    assert.equal(callerIdFromSip({ from: '<sip:100@pbx>', privacy: 'user;critical' }, true).presentation, 'restricted');
    assert.equal(callerIdFromSip({ from: '<sip:100@pbx>', privacy: 'none' }, true).presentation, 'allowed');
    const anon = callerIdFromSip({ from: '"Anonymous" <sip:anonymous@anonymous.invalid>', pAssertedIdentity: '<sip:+15551234@carrier>' }, true);
    assert.deepEqual(anon, { digits: '+15551234', presentation: 'restricted', typeOfNumber: 'international' });
    assert.deepEqual(callerIdFromSip({ from: 'sip:anonymous@anonymous.invalid;tag=1' }, false), { digits: '', presentation: 'unavailable' });
    // A withheld number without digits (analog "P") leaves as Privacy: id and comes back restricted.
    assert.deepEqual(callerIdToSip({ digits: '', presentation: 'restricted' }, 'gw.example'), { from: '"Anonymous" <sip:anonymous@anonymous.invalid>', privacy: 'id' });
    assert.deepEqual(callerIdToSip({ digits: '', presentation: 'unavailable' }, 'gw.example'), { from: '"Anonymous" <sip:anonymous@anonymous.invalid>' });
    assert.equal(callerIdFromSip(callerIdToSip({ digits: '', presentation: 'restricted' }, 'gw.example'), true).presentation, 'restricted');
    // Privacy asked for and no number reached us (untrusted trunk): withheld, not unavailable.
    assert.deepEqual(callerIdFromSip({ from: '"Anonymous" <sip:anonymous@anonymous.invalid>', pAssertedIdentity: '<sip:+15551234@carrier>', privacy: 'id' }, false), { digits: '', presentation: 'restricted' });
  });

  it('parses name-addr and addr-spec forms, and tel: numbers with separators', () => {
    assert.deepEqual(parseNameAddr('"A \\"B\\"" <sips:alice@h:5061;transport=tls>;tag=9'), { display: 'A "B"', uri: 'sips:alice@h:5061;transport=tls', user: 'alice' });
    assert.deepEqual(parseNameAddr('sip:200@pbx;tag=abc'), { uri: 'sip:200@pbx', user: '200' });
    assert.equal(callerIdFromSip({ from: '<tel:+1-212-555-1234;phone-context=x>' }, false).digits, '+12125551234');
    assert.equal(parseNameAddr('<sip:host-only>')?.user, undefined);
    assert.equal(parseNameAddr('garbage'), null);
  });

  it('keeps number, name and presentation through PSTN -> SIP -> PSTN on a trusted trunk (property)', () => {
    const party = fc.record({
      digits: fc.stringMatching(/^\+?[0-9*#]{1,15}$/),
      name: fc.option(fc.stringMatching(/^[A-Za-z][A-Za-z .'"\\-]{0,20}$/), { nil: undefined }),
      presentation: fc.constantFrom<'allowed' | 'restricted'>('allowed', 'restricted'),
    });
    fc.assert(
      fc.property(party, (p) => {
        const calling: PartyNumber = { digits: p.digits, presentation: p.presentation };
        if (p.name !== undefined && !/^anonymous$/i.test(p.name.trim())) calling.name = p.name;
        const back = callerIdFromSip(callerIdToSip(calling, 'gw.example'), true);
        assert.equal(back.digits, p.digits);
        assert.equal(back.presentation, p.presentation);
        assert.equal(back.name, calling.name);
      }),
      { numRuns: 2000 },
    );
  });

  it('never throws on any header text (property)', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 50 }), fc.option(fc.string({ maxLength: 50 }), { nil: undefined }), fc.option(fc.string(), { nil: undefined }), (from, pai, privacy) => {
        const h: { from: string; pAssertedIdentity?: string; privacy?: string } = { from };
        if (pai !== undefined) h.pAssertedIdentity = pai;
        if (privacy !== undefined) h.privacy = privacy;
        const p = callerIdFromSip(h, true);
        assert.match(p.digits, /^\+?[0-9*#]*$/);
      }),
      { numRuns: 2000 },
    );
  });
});
