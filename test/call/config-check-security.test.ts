// The checks of gateway.yaml's SIP transport, TLS files, per-trunk SRTP and
// digest users: each mistake is reported at its line and column.
import assert from 'node:assert/strict';
import { checkConfig, formatConfigError } from '../../src/call/config-check.js';

const head = [
  'cards:', // 1
  '  - { name: card0, profile: sim-t1, spans: [{ name: pri1, span: 1, signalling: pri, side: user, switchType: national }] }', // 2
  'routes:', // 3
  '  - { name: out, from: pstn, match: { called: "_NXXXXXX" }, to: { trunks: [carrier] } }', // 4
];

function errors(...lines: string[]): string[] {
  const r = checkConfig([...head, ...lines].join('\n') + '\n');
  return r.ok ? [] : r.errors.map(formatConfigError);
}

const tlsSip = 'sip: { transport: tls, tls: { certificate: gw.pem, key: gw.key } }';

describe('gateway.yaml checks of SIP over TLS, trunk SRTP and digest users', () => {
  it('accepts a TLS gateway with an SRTP-mandatory trunk and users by password and by HA1', () => {
    assert.deepEqual(
      errors(
        'sipTrunks:', // 5
        '  - { name: carrier, host: sip.example.net, transport: tls, srtp: mandatory, register: { username: u, password: p } }', // 6
        tlsSip, // 7
        'security:', // 8
        '  algorithm: SHA-256', // 9
        '  users:', // 10
        '    - { username: a, password: s }', // 11
        `    - { username: b, ha1Sha256: "${'ab'.repeat(32)}" }`, // 12
      ),
      [],
    );
  });

  it('a TLS trunk on a UDP gateway is taken (the gateway listens on TLS too) and needs sip.tls', () => {
    assert.deepEqual(errors('sipTrunks:', '  - { name: carrier, host: sip.example.net, transport: tls, srtp: mandatory, register: { username: u, password: p } }', 'sip: { transport: udp, tls: { certificate: c.pem, key: k.pem } }'), []);
    assert.deepEqual(errors('sipTrunks:', '  - { name: carrier, host: sip.example.net, transport: tls, register: { username: u, password: p } }'), [
      'gateway.yaml:1:1: sip: trunk carrier (transport tls) needs sip.tls.certificate (a PEM file) to accept TLS connections',
      'gateway.yaml:1:1: sip: trunk carrier (transport tls) needs sip.tls.key (a PEM file) to accept TLS connections',
    ]);
  });

  it('sip.transport tls without certificate and key, and sip.tls on a UDP gateway', () => {
    assert.deepEqual(errors('sipTrunks:', '  - { name: carrier, host: h.example, register: { username: u, password: p } }', 'sip: { transport: tls }'), [
      'gateway.yaml:7:6: sip: sip.transport tls needs sip.tls.certificate (a PEM file) to accept TLS connections',
      'gateway.yaml:7:6: sip: sip.transport tls needs sip.tls.key (a PEM file) to accept TLS connections',
    ]);
    assert.deepEqual(errors('sipTrunks:', '  - { name: carrier, host: h.example, register: { username: u, password: p } }', 'sip: { tls: { ca: ca.pem } }'), [
      "gateway.yaml:7:8: sip.tls: sip.tls is only used where the gateway listens on TLS (sip.transport, a trunk's transport or sip.ports.tls; none is tls)",
    ]);
  });

  it("sip.ports for the default transport (its port is sip.listen's) and sip.timers t2 below t1", () => {
    const trunk = ['sipTrunks:', '  - { name: carrier, host: h.example, register: { username: u, password: p } }'];
    assert.deepEqual(errors(...trunk, 'sip: { listen: 5070, ports: { tcp: 5070 }, timers: { t1: 50 } }'), []);
    assert.deepEqual(errors(...trunk, 'sip: { listen: 5070, ports: { udp: 5080 } }'), [
      "gateway.yaml:7:36: sip.ports.udp: udp is the default transport (sip.transport): its port is sip.listen's; sip.ports is for the other transports",
    ]);
    assert.deepEqual(errors(...trunk, 'sip: { timers: { t1: 500, t2: 100 } }'), [
      'gateway.yaml:7:31: sip.timers.t2: t2 (100 ms) is below t1 (500 ms): T2 caps intervals that start at T1 (RFC 3261 §17.1.1.1)',
    ]);
  });

  it('SRTP on a trunk without TLS signalling (SDES keys would travel in clear)', () => {
    assert.deepEqual(errors('sipTrunks:', '  - { name: carrier, host: h.example, srtp: optional, register: { username: u, password: p } }'), [
      'gateway.yaml:6:45: sipTrunks[0].srtp: srtp optional needs SIP over TLS (transport: tls on the trunk, or sip.transport: tls): SDES keys would travel in clear SDP (RFC 4568 §8.3)',
    ]);
    assert.match(errors('sipTrunks:', '  - { name: carrier, host: h.example, srtp: always, register: { username: u, password: p } }')[0]!, /srtp: the string "always" is not allowed; expected one of: off, optional, mandatory/);
  });

  it('digest users: a user without a secret for the challenge algorithm, a malformed HA1, a duplicate name', () => {
    assert.deepEqual(
      errors(
        'sipTrunks:', // 5
        '  - { name: carrier, host: h.example, register: { username: u, password: p } }', // 6
        'security:', // 7
        '  users:', // 8
        `    - { username: a, ha1Sha256: "${'ab'.repeat(32)}" }`, // 9
        '    - { username: b, ha1: "xyz" }', // 10
        '    - { username: a, password: s }', // 11
      ),
      [
        "gateway.yaml:9:7: security.users[0]: user \"a\" needs 'password' or 'ha1' (challenges use MD5)",
        'gateway.yaml:10:27: security.users[1].ha1: must be 32 hex digits (an MD5 HA1)',
        'gateway.yaml:11:19: security.users[2].username: duplicate digest user "a" (first at line 9)',
      ],
    );
  });
});
