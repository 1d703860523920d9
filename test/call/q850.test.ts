import assert from 'node:assert/strict';
import fc from 'fast-check';
import { Cause, causeClass, causeName, isQ850Cause, q850Cause } from '../../src/call/q850.js';

describe('Q.850 causes', () => {
  it('names the causes a user sees most (16 normal clearing, 17 busy, 34 no circuit)', () => {
    assert.equal(causeName(16), 'NORMAL_CLEARING');
    assert.equal(causeName(Cause.USER_BUSY), 'USER_BUSY');
    assert.equal(causeName(34), 'NO_CIRCUIT_AVAILABLE');
    assert.equal(causeName(127), 'INTERWORKING');
  });

  it('classes causes by their three high bits (Q.850 clause 2.2.5)', () => {
    assert.equal(causeClass(16), 'normal');
    assert.equal(causeClass(31), 'normal');
    assert.equal(causeClass(34), 'resource-unavailable');
    assert.equal(causeClass(63), 'service-unavailable');
    assert.equal(causeClass(65), 'service-not-implemented');
    assert.equal(causeClass(95), 'invalid-message');
    assert.equal(causeClass(102), 'protocol-error');
    assert.equal(causeClass(127), 'interworking');
  });

  it('gives an unknown cause the unspecified name of its class', () => {
    assert.equal(causeName(35), 'UNSPECIFIED_RESOURCE_UNAVAILABLE');
    assert.equal(causeName(120), 'UNSPECIFIED_INTERWORKING');
  });

  it('accepts exactly the integers 1..127', () => {
    fc.assert(
      fc.property(fc.oneof(fc.integer(), fc.double(), fc.string(), fc.constant(null)), (v) => {
        const ok = typeof v === 'number' && Number.isInteger(v) && v >= 1 && v <= 127;
        assert.equal(isQ850Cause(v), ok);
      }),
    );
  });

  it('rejects a bad cause with an error naming where it came from', () => {
    assert.throws(() => q850Cause(200, 'routes[2].reject'), /routes\[2\]\.reject: 200 is not a Q\.850 cause/);
    assert.equal(q850Cause(17, 'x'), 17);
  });

  it('names every value in the table uniquely', () => {
    const values = Object.values(Cause);
    assert.equal(new Set(values).size, values.length);
    for (const v of values) assert.ok(isQ850Cause(v), `${v}`);
  });
});
