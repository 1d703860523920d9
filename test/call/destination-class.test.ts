// Destination classes of called numbers (libphonenumber-js number types for
// the lines' country): what a refusal of an international or premium-rate
// call is decided on.
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { DESTINATION_CLASSES, destinationClass, homeCountry } from '../../src/call/destination-class.js';

const digits = (min: number, max: number) => fc.string({ unit: fc.constantFrom(...'0123456789'), minLength: min, maxLength: max });

describe('destination classes of called numbers', () => {
  const cases: [number: string, country: string, cls: string][] = [
    ['2125551234', 'US', 'national'],
    ['+12125551234', 'US', 'national'],
    ['9005551234', 'US', 'premium-rate'],
    ['8005551234', 'US', 'toll-free'],
    ['01144207946000', 'US', 'international'],
    ['+442079460000', 'US', 'international'],
    ['18765551234', 'US', 'international'], // Jamaica shares +1 with the US: billed as international
    ['09001234567', 'GB', 'premium-rate'],
    ['07012345678', 'GB', 'premium-rate'], // UK personal numbers are charged like premium rate
    ['02079460000', 'GB', 'national'],
    ['015112345678', 'DE', 'mobile'],
    ['0018005551234', 'DE', 'international'],
    ['411', 'US', 'short-code'],
    ['4321', 'US', 'short-code'],
  ];
  for (const [number, country, cls] of cases) {
    it(`${number} dialled in ${country} is ${cls}`, () => assert.equal(destinationClass(number, country), cls));
  }

  it('an emergency number is emergency whatever its digits', () => {
    assert.equal(destinationClass('112', 'DE', (n) => n === '112'), 'emergency');
  });

  it('property: every number gets exactly one of the classes, and classing never throws', () => {
    fc.assert(
      fc.property(fc.oneof(digits(0, 20), digits(1, 15).map((d) => `+${d}`), fc.string({ maxLength: 20 })), fc.constantFrom('US', 'GB', 'DE', 'FR', 'NL', 'JP'), (n, c) => {
        assert.ok((DESTINATION_CLASSES as readonly string[]).includes(destinationClass(n, c)));
      }),
    );
  });

  it('property: a number written with another country calling code than the home one is international', () => {
    fc.assert(
      fc.property(fc.constantFrom('44', '49', '33', '81', '234', '882'), digits(8, 11), (cc, rest) => {
        assert.equal(destinationClass(`+${cc}${rest}`, 'US'), 'international');
        assert.equal(destinationClass(`011${cc}${rest}`, 'US'), 'international', 'the US international prefix 011');
      }),
    );
  });

  it('property: US numbers in the 900 range are premium rate however they are written', () => {
    fc.assert(
      fc.property(fc.constantFrom('2', '3', '4', '5', '6', '7', '8', '9'), digits(6, 6), (first, rest) => {
        const local = `900${first}${rest}`;
        for (const n of [local, `1${local}`, `+1${local}`]) assert.equal(destinationClass(n, 'US'), 'premium-rate', n);
      }),
    );
  });

  it('property: short digit strings (6 or fewer, no +) are short codes, never international', () => {
    fc.assert(fc.property(digits(1, 6), fc.constantFrom('US', 'GB', 'DE'), (n, c) => assert.equal(destinationClass(n, c), 'short-code')));
  });

  it("the country is gateway.yaml's country, else the tone zone's (uk is GB)", () => {
    assert.equal(homeCountry({ country: 'de', toneZone: 'us' }), 'DE');
    assert.equal(homeCountry({ toneZone: 'uk' }), 'GB');
    assert.equal(homeCountry({}), undefined);
  });
});
