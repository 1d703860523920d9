import assert from 'node:assert/strict';
import fc from 'fast-check';
import { BYE_CAUSE, causeToSipStatus, sipStatusToCause } from '../../src/call/cause-mapping.js';
import { isQ850Cause } from '../../src/call/q850.js';

// RFC 3398 §7.2.4.1 (ISDN cause -> SIP), row by row.
const isdnToSip: [number, number][] = [
  [1, 404], [2, 404], [3, 404], [17, 486], [18, 408], [19, 480], [20, 480], [21, 403], [22, 410], [23, 410],
  [26, 404], [27, 502], [28, 484], [29, 501], [31, 480], [34, 503], [38, 503], [41, 503], [42, 503], [47, 503],
  [55, 403], [57, 403], [58, 503], [65, 488], [70, 488], [79, 501], [87, 403], [88, 503], [102, 504], [111, 500],
  [127, 500],
];

// RFC 3398 §8.2.6.1 (SIP -> ISDN cause), row by row.
const sipToIsdn: [number, number][] = [
  [400, 41], [401, 21], [402, 21], [403, 21], [404, 1], [405, 63], [406, 79], [407, 21], [408, 102], [410, 22],
  [413, 127], [414, 127], [415, 79], [416, 127], [420, 127], [421, 127], [423, 127], [480, 18], [481, 41], [482, 25],
  [483, 25], [484, 28], [485, 1], [486, 17], [500, 41], [501, 79], [502, 38], [503, 41], [504, 102], [505, 127],
  [513, 127], [600, 17], [603, 21], [604, 1],
];

describe('release causes between Q.850 and SIP (RFC 3398)', () => {
  it('maps every ISDN cause of §7.2.4.1 to its SIP response', () => {
    for (const [cause, status] of isdnToSip) assert.equal(causeToSipStatus(cause), status, `cause ${cause}`);
  });

  it('maps every SIP response of §8.2.6.1 to its cause', () => {
    for (const [status, cause] of sipToIsdn) assert.equal(sipStatusToCause(status), cause, `status ${status}`);
  });

  it('gives 31 "normal, unspecified" for responses the RFC does not list (487, 488, 606, 499)', () => {
    for (const s of [487, 488, 606, 499, 580]) assert.equal(sipStatusToCause(s), 31, `${s}`);
  });

  it('keeps the cause a user hears across both directions: busy, unallocated, incomplete, timeout', () => {
    for (const c of [17, 1, 28, 102]) assert.equal(sipStatusToCause(causeToSipStatus(c)), c, `cause ${c}`);
  });

  it('prefers the Reason header cause to the status table', () => {
    assert.equal(sipStatusToCause(503, 34), 34);
    assert.equal(sipStatusToCause(503), 41);
  });

  it('turns 403 into 603 Decline when the called user refused (location user)', () => {
    assert.equal(causeToSipStatus(21, { userLocation: true }), 603);
    assert.equal(causeToSipStatus(17, { userLocation: true }), 486);
  });

  it('answers an unanswered INVITE with 480 for normal clearing, and BYE maps to 16', () => {
    assert.equal(causeToSipStatus(16), 480);
    assert.equal(BYE_CAUSE, 16);
  });

  it('gives every cause 1..127 a final error status, by class when unlisted (property)', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 127 }), (c) => {
        const s = causeToSipStatus(c);
        assert.ok(s >= 400 && s <= 699, `${c} -> ${s}`);
        if (c >= 32 && c <= 47 && !isdnToSip.some(([k]) => k === c)) assert.equal(s, 503, 'resource unavailable class');
      }),
    );
  });

  it('gives every final error status a valid Q.850 cause (property)', () => {
    fc.assert(fc.property(fc.integer({ min: 300, max: 699 }), (s) => assert.ok(isQ850Cause(sipStatusToCause(s)))));
  });
});
