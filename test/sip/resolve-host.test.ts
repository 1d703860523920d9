// A trunk named by a host name that has IPv4 and IPv6 addresses: requests go
// to an address of the family the transport is bound to (RFC 3263 §4.3), a
// name without one ends the call at once with 503 (RFC 3261 §8.1.3.1), and
// INVITEs are taken as the trunk's from any of its addresses of the family.
// The resolver is our seam: a table stands for DNS, so that one name has both
// families on every machine (some list localhost as IPv4 only).
import assert from 'node:assert/strict';
import { once } from 'node:events';
import fc from 'fast-check';
import type { SipRelease } from '../../src/call/sip-leg.js';
import { boundFamily, resolveHost, type HostLookup } from '../../src/sip/resolve-host.js';
import type { SipCall } from '../../src/sip/sip-call.js';
import { SipEndpoint, type SipEndpointOptions } from '../../src/sip/sip-endpoint.js';
import { rtpMediaFactory } from '../../src/sip/rtp-media-factory.js';
import { runSipp, startSipp } from '../peers/sipp.js';

/** Answers from a fixed table, in the table's order, as getaddrinfo would for a hosts file. */
function tableLookup(table: Record<string, string[]>): HostLookup {
  return (hostname) => {
    const addresses = table[hostname];
    if (!addresses) return Promise.reject(Object.assign(new Error(`getaddrinfo ENOTFOUND ${hostname}`), { code: 'ENOTFOUND' }));
    return Promise.resolve(addresses.map((address) => ({ address, family: address.includes(':') ? 6 : 4 })));
  };
}

describe('resolveHost: the addresses of a name for a transport family', () => {
  const lookup = tableLookup({ 'both.test': ['::1', '127.0.0.1', '2001:db8::5', '192.0.2.7'], 'v4.test': ['127.0.0.1'] });

  it('an IPv4 transport gets only the A addresses, an IPv6 one only the AAAA addresses, each in the system order', async () => {
    assert.deepEqual(await resolveHost('both.test', 4, lookup), ['127.0.0.1', '192.0.2.7']);
    assert.deepEqual(await resolveHost('both.test', 6, lookup), ['::1', '2001:db8::5']);
  });

  it('a dual-stack transport keeps every address in the system order', async () => {
    assert.deepEqual(await resolveHost('both.test', 0, lookup), ['::1', '127.0.0.1', '2001:db8::5', '192.0.2.7']);
  });

  it('an address literal is used as written, without a lookup', async () => {
    const refuse: HostLookup = () => Promise.reject(new Error('looked up'));
    assert.deepEqual(await resolveHost('::1', 4, refuse), ['::1']);
    assert.deepEqual(await resolveHost('127.0.0.1', 6, refuse), ['127.0.0.1']);
  });

  it('a name without an address of the family: an error naming the host and the family', async () => {
    await assert.rejects(resolveHost('v4.test', 6, lookup), (err: Error) => {
      assert.match(err.message, /^v4\.test has no IPv6 address \(it resolves to 127\.0\.0\.1\)/);
      return true;
    });
    await assert.rejects(resolveHost('nowhere.test', 4, lookup), (err: Error) => {
      assert.match(err.message, /^nowhere\.test cannot be resolved \(getaddrinfo ENOTFOUND nowhere\.test\)/);
      return true;
    });
  });

  it('which family a bound address sends to: 0.0.0.0 is IPv4, :: is dual-stack, an IPv6 address IPv6', () => {
    assert.deepEqual(['127.0.0.1', '0.0.0.0', '::1', '::', 'fe80::1'].map(boundFamily), [4, 4, 6, 0, 6]);
  });

  it('property: the result is exactly the addresses of the family, in their order, or an error', async () => {
    const address = fc.oneof(fc.ipV4(), fc.ipV6());
    await fc.assert(
      fc.asyncProperty(fc.array(address, { maxLength: 6 }), fc.constantFrom(0 as const, 4 as const, 6 as const), async (addresses, family) => {
        const expected = addresses.filter((a) => family === 0 || (family === 6) === a.includes(':'));
        const got = await resolveHost('name.test', family, tableLookup({ 'name.test': addresses })).catch((err: Error) => err);
        if (expected.length === 0) assert.ok(got instanceof Error && got.message.startsWith('name.test '), String(got));
        else assert.deepEqual(got, expected);
      }),
    );
  });
});

describe('a trunk host name with IPv4 and IPv6 addresses, against SIPp @slow', function () {
  this.timeout(20000);
  const stops: Array<() => Promise<void>> = [];
  const logs: string[] = [];
  afterEach(async () => {
    for (const stop of stops.splice(0).reverse()) await stop();
    logs.length = 0;
  });

  async function endpoint(address: string, options: Partial<SipEndpointOptions> & { lookup?: HostLookup } = {}): Promise<SipEndpoint> {
    const { lookup, ...rest } = options;
    const e = await SipEndpoint.start({
      transport: { protocol: 'udp', address, ...(lookup ? { lookup } : {}) },
      trunks: [],
      media: rtpMediaFactory({ address, lineEncoding: 'PCMU' }),
      log: (event, detail) => void logs.push(`${event} ${JSON.stringify(detail)}`),
      ...rest,
    });
    stops.push(() => e.stop());
    return e;
  }

  /** Calls SIPp (answering on `address`) over the trunk `host`; resolves once answered and SIPp saw our BYE. */
  async function callSipp(e: SipEndpoint, address: string, host: string): Promise<void> {
    const sipp = await startSipp({ scenario: 'uas-answer.xml', transport: 'udp', address, keys: { codec_pt: '0', codec_name: 'PCMU', codec_rate: '8000' } });
    await e.addTrunk({ name: 'trunk', host, port: sipp.port });
    const call = e.call('trunk', { digits: '5551000' }, { digits: '2000' });
    call.invite();
    await Promise.race([
      once(call, 'answered'),
      once(call, 'released').then(([r]) => assert.fail(`released instead of answered: ${JSON.stringify(r)}\n${logs.join('\n')}`)),
    ]);
    call.release(16);
    const r = await sipp.done;
    assert.equal(r.code, 0, r.output);
  }

  /** SIPp on 127.0.0.1 sends an INVITE and CANCELs it after our 180: the trunk each call we raised was taken as. */
  async function trunksOfSippInvite(e: SipEndpoint): Promise<Array<string | undefined>> {
    const calls: SipCall[] = [];
    e.on('incoming', (call) => {
      calls.push(call);
      call.ringing(false);
    });
    const r = await runSipp({ scenario: 'uac-cancel.xml', transport: 'udp', remote: `127.0.0.1:${e.port}` });
    assert.equal(r.code, 0, r.output);
    return calls.map((c) => c.trunk);
  }

  it('a UDP transport on 127.0.0.1 and a name resolving to ::1 first: the call reaches SIPp on 127.0.0.1', async () => {
    const e = await endpoint('127.0.0.1', { lookup: tableLookup({ 'trunk.test': ['::1', '127.0.0.1'] }) });
    await callSipp(e, '127.0.0.1', 'trunk.test');
  });

  it('a UDP transport on 127.0.0.1 and the trunk named "localhost" through the system resolver: the call reaches SIPp on 127.0.0.1', async () => {
    // Where localhost is also ::1 (and listed first), this is the case above with the real resolver.
    const e = await endpoint('127.0.0.1');
    await callSipp(e, '127.0.0.1', 'localhost');
  });

  it('a UDP transport on ::1 and a name resolving to 127.0.0.1 first: the call reaches SIPp on [::1]', async () => {
    const e = await endpoint('::1', { lookup: tableLookup({ 'trunk.test': ['127.0.0.1', '::1'] }) });
    await callSipp(e, '::1', 'trunk.test');
  });

  it('a UDP transport on :: (both families): a call to a trunk on 127.0.0.1 reaches SIPp, and an INVITE from 127.0.0.1 is the trunk\'s', async () => {
    // The socket is IPv6; its IPv4 peers are ::ffff:127.0.0.1 to Node. Via, Contact and media say 127.0.0.1.
    const e = await endpoint('::', { transport: { protocol: 'udp', address: '::', advertisedHost: '127.0.0.1' }, media: rtpMediaFactory({ address: '127.0.0.1', lineEncoding: 'PCMU' }) });
    await callSipp(e, '127.0.0.1', '127.0.0.1');
    assert.deepEqual(await trunksOfSippInvite(e), ['trunk']);
  });

  for (const protocol of ['udp', 'tcp'] as const) {
    it(`a ${protocol.toUpperCase()} transport on ::1 and a trunk name with only an IPv4 address: the call ends at once with 503 naming the host and IPv6`, async () => {
      const e = await SipEndpoint.start({
        transport: { protocol, address: '::1', lookup: tableLookup({ 'v4only.test': ['127.0.0.1'] }) },
        trunks: [{ name: 'trunk', host: 'v4only.test', port: 5060 }],
        media: rtpMediaFactory({ address: '::1', lineEncoding: 'PCMU' }),
        log: (event, detail) => void logs.push(`${event} ${JSON.stringify(detail)}`),
      });
      stops.push(() => e.stop());
      const call = e.call('trunk', { digits: '5551000' }, { digits: '2000' });
      const started = performance.now();
      call.invite();
      const [r] = (await once(call, 'released')) as [SipRelease];
      // Well before Timer B (64*T1 = 32 s): nothing was sent.
      assert.ok(performance.now() - started < 2000, `${performance.now() - started} ms`);
      assert.equal(r.status, 503, JSON.stringify(r));
      assert.match(r.reason ?? '', /v4only\.test has no IPv6 address/);
      assert.ok(logs.some((l) => l.startsWith('trunk-resolve-error') && /v4only\.test has no IPv6 address/.test(l)), logs.join('\n'));
      assert.ok(logs.some((l) => l.startsWith('resolve-error') && /"method":"INVITE"/.test(l)), logs.join('\n'));
    });
  }

  it('an INVITE from the second IPv4 address of the trunk name (::1 and 127.0.0.2 listed first) is the trunk\'s; from an address not of the name, 403', async () => {
    const lookup = tableLookup({ 'trunk.test': ['::1', '127.0.0.2', '127.0.0.1'], 'other.test': ['::1', '127.0.0.2'] });
    const e = await endpoint('127.0.0.1', { lookup, trunks: [{ name: 'trunk', host: 'trunk.test' }] });
    assert.deepEqual(await trunksOfSippInvite(e), ['trunk']);

    const other = await endpoint('127.0.0.1', { lookup, trunks: [{ name: 'other', host: 'other.test' }] });
    const refused = await runSipp({ scenario: 'uac-forbidden.xml', transport: 'udp', remote: `127.0.0.1:${other.port}` });
    assert.equal(refused.code, 0, refused.output);
  });
});
