// gateway.yaml security.users applied: a caller from an address no trunk
// has is challenged (RFC 3261 §22.1) and reaches the line with valid digest
// credentials, MD5 (SIPp) or SHA-256 (RFC 7616, our own user agent), from a
// password or an HA1; wrong credentials get 403.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { once } from 'node:events';
import type { SipRelease } from '../../src/call/sip-leg.js';
import { rtpMediaFactory } from '../../src/sip/rtp-media-factory.js';
import { SipEndpoint } from '../../src/sip/sip-endpoint.js';
import { startSipp } from '../peers/sipp.js';
import { assertSipp, gatewayYaml, parseConfig, startTestGateway, type TestGateway } from './gateway-fixture.js';

const ha1 = (algorithm: 'md5' | 'sha256', text: string): string => createHash(algorithm).update(text).digest('hex');

/** The fixture's gateway without any SIP trunk (so no address is trusted), with `security`. */
function yaml(security: string): string {
  return gatewayYaml({ trunkPorts: [], routes: '  - { name: did, from: sip, match: { called: "_4XXX" }, to: { lineGroup: pbx-trunk } }', extra: security }).replace('sipTrunks:\n\n', '');
}

/** Answers the PBX's next ring for `called`; resolves with its clearing event. */
async function answerRing(t: TestGateway, called: string): Promise<Record<string, string>> {
  const ring = await t.pbx.waitFor('ring', { called }, 8000).catch((err: Error) => {
    throw new Error(`${err.message}\ngateway log:\n${t.logs.join('\n')}`);
  });
  t.pbx.command(`alert ${ring.fields.id}`);
  t.pbx.command(`answer ${ring.fields.id}`);
  return ring.fields;
}

describe('gateway.yaml security.users: inbound digest callers (RFC 3261 §22.1, RFC 7616) @slow', function () {
  this.timeout(40000);

  describe('MD5 challenges, users with a password and with an HA1, SIPp as the phone', () => {
    let t: TestGateway;
    before(async () => {
      t = await startTestGateway(
        yaml(`security:
  realm: gw.test
  users:
    - { username: alice, password: "alice-secret" }
    - { username: bob, ha1: "${ha1('md5', 'bob:gw.test:bob-secret')}" }
`),
      );
    });
    after(async () => t?.close());

    for (const [user, password] of [['alice', 'alice-secret'], ['bob', 'bob-secret']] as const) {
      it(`${user} (${user === 'alice' ? 'password' : 'HA1'} in the config) answers the 401 and the call rings the PBX`, async () => {
        const uac = await startSipp({ scenario: 'gw-uac-digest.xml', transport: 'udp', remote: `127.0.0.1:${t.gw.sipPort}`, service: '4321', extra: ['-au', user, '-ap', password, '-auth_uri', `4321@127.0.0.1:${t.gw.sipPort}`] });
        const ring = await answerRing(t, '4321');
        const cleared = await t.pbx.waitFor(['disconnect', 'hangup'], { id: ring.id! });
        assert.equal(cleared.fields.cause, '16');
        assertSipp(await uac.done, `${user}'s call`);
      });
    }

    it('a wrong password gets 403, no line rings, and the refusal is logged', async () => {
      const before = t.logs.length;
      const uac = await startSipp({ scenario: 'gw-uac-digest-refused.xml', transport: 'udp', remote: `127.0.0.1:${t.gw.sipPort}`, service: '4321', extra: ['-au', 'bob', '-ap', 'not-bobs', '-auth_uri', `4321@127.0.0.1:${t.gw.sipPort}`] });
      assertSipp(await uac.done, '401, then 403');
      const logged = t.logs.slice(before).join('\n');
      assert.match(logged, /sip: inbound-refused/);
      assert.equal(t.registry.snapshot().calls.length, 0);
    });

    it('a reload (SIGHUP) replaces the users: the new one gets through, the removed one gets 403', async () => {
      await t.gw.reload(parseConfig(yaml('security:\n  realm: gw.test\n  users:\n    - { username: dave, password: "dave-secret" }\n')));
      const dave = await startSipp({ scenario: 'gw-uac-digest.xml', transport: 'udp', remote: `127.0.0.1:${t.gw.sipPort}`, service: '4321', extra: ['-au', 'dave', '-ap', 'dave-secret', '-auth_uri', `4321@127.0.0.1:${t.gw.sipPort}`] });
      const ring = await answerRing(t, '4321');
      await t.pbx.waitFor(['disconnect', 'hangup'], { id: ring.id! });
      assertSipp(await dave.done, "dave's call");
      const alice = await startSipp({ scenario: 'gw-uac-digest-refused.xml', transport: 'udp', remote: `127.0.0.1:${t.gw.sipPort}`, service: '4321', extra: ['-au', 'alice', '-ap', 'alice-secret', '-auth_uri', `4321@127.0.0.1:${t.gw.sipPort}`] });
      assertSipp(await alice.done, 'alice, removed, gets 403');
    });
  });

  describe('SHA-256 challenges and a user with only a SHA-256 HA1', () => {
    let t: TestGateway;
    let ua: SipEndpoint | undefined;
    before(async () => {
      t = await startTestGateway(
        yaml(`security:
  realm: gw.test
  algorithm: SHA-256
  users:
    - { username: carol, ha1Sha256: "${ha1('sha256', 'carol:gw.test:carol-secret')}" }
`),
      );
    });
    afterEach(async () => {
      await ua?.stop();
      ua = undefined;
    });
    after(async () => t?.close());

    const caller = (password: string): Promise<SipEndpoint> =>
      SipEndpoint.start({
        transport: { protocol: 'udp', address: '127.0.0.1' },
        trunks: [{ name: 'gw', host: '127.0.0.1', port: t.gw.sipPort, auth: { username: 'carol', password }, codecs: ['PCMU'] }],
        media: rtpMediaFactory({ address: '127.0.0.1', lineEncoding: 'PCMU' }),
      });

    it('carol answers the SHA-256 challenge (no MD5 secret is configured) and the PBX answers her call', async () => {
      ua = await caller('carol-secret');
      const call = ua.call('gw', { digits: '3125550199' }, { digits: '4400' });
      call.invite();
      await answerRing(t, '4400');
      await once(call, 'answered');
      const ended = once(call, 'released');
      call.release(16);
      await ended;
    });

    it('the wrong password gets 403', async () => {
      ua = await caller('carols-guess');
      const call = ua.call('gw', { digits: '3125550199' }, { digits: '4401' });
      call.invite();
      const [r] = (await once(call, 'released')) as [SipRelease];
      assert.equal(r.status, 403);
      assert.equal(t.registry.snapshot().calls.length, 0);
    });
  });
});
