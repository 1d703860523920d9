// The Prometheus endpoint after real calls: the gateway on the emulated T1
// card with libpri as the PBX, SIPp as the SIP trunk (answering, calling in,
// refused busy) and as a digest registrar on a second trunk. Scraped over
// HTTP as Prometheus does; the figures must show those calls.
import assert from 'node:assert/strict';
import { GatewayMetrics } from '../../src/ops/gateway-metrics.js';
import { StatusRegistry } from '../../src/ops/status-registry.js';
import { startSipp } from '../peers/sipp.js';
import { reservePort } from '../support/ports.js';
import { eventually } from '../support/waiting.js';
import { assertSipp, gatewayYaml, PBX_CALLER, startTestGateway, type TestGateway } from './gateway-fixture.js';

/** The value of one sample line `name{labels} value`, or undefined. */
function sample(text: string, series: string): number | undefined {
  const line = text.split('\n').find((l) => l.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
}

/** Every sample of a metric, `{labels}` -> value. */
function samples(text: string, name: string): Map<string, number> {
  const out = new Map<string, number>();
  for (const l of text.split('\n')) {
    const m = new RegExp(`^${name}(\\{[^}]*\\})? (\\S+)$`).exec(l);
    if (m) out.set(m[1] ?? '', Number(m[2]));
  }
  return out;
}

/** SIPp as a digest registrar, on a port it picks (and binds before this resolves). */
function startRegistrar(): ReturnType<typeof startSipp> {
  return startSipp({ scenario: 'registrar-digest.xml', transport: 'udp', keys: { algorithm: 'MD5' }, extra: ['-d', '300'] });
}

describe('metrics scraped over HTTP after real calls both ways (libpri PBX, SIPp trunk and registrar) @slow', function () {
  this.timeout(60_000);
  let t: TestGateway;
  let metrics: GatewayMetrics;
  let url = '';
  let trunkPort = 0;
  const scrape = async (): Promise<string> => {
    const res = await fetch(url);
    assert.equal(res.status, 200);
    assert.match(res.headers.get('content-type') ?? '', /^text\/plain/);
    return res.text();
  };

  before(async () => {
    trunkPort = await reservePort();
    const registrar = await startRegistrar();
    const yaml = gatewayYaml({ trunkPorts: [trunkPort, registrar.port] }).replace(
      new RegExp(`(name: carrier2, host: 127\\.0\\.0\\.1, port: ${registrar.port}), allowedAddresses: \\[127\\.0\\.0\\.1\\]`),
      '$1, register: { username: alice, password: s3cret, expiry: 60 }',
    );
    assert.match(yaml, /register: \{ username: alice/, 'the second trunk registers');
    // The metrics listen to the registry from the start, as in the daemon: the registration comes early.
    const registry = new StatusRegistry();
    metrics = new GatewayMetrics(registry);
    t = await startTestGateway(yaml, registry);
    url = `http://${await metrics.listen({ host: '127.0.0.1', port: 0 })}/metrics`;
    assertSipp(await registrar.done, 'the registrar challenged and accepted the REGISTER');
  });
  after(async () => {
    await metrics?.close();
    await t?.close();
  });

  it('counts the registration of the trunk at the registrar and shows it up', async () => {
    const text = await eventually('the registration counted', async () => {
      const text = await scrape();
      assert.equal(sample(text, 'sipline_trunk_registrations_total{trunk="carrier2"}'), 1);
      return text;
    });
    assert.equal(sample(text, 'sipline_trunk_up{trunk="carrier2"}'), 1);
    assert.equal(sample(text, 'sipline_span_up{span="pbx",type="T1"}'), 1);
    assert.equal(sample(text, 'sipline_span_dchannel_up{span="pbx"}'), 1);
    assert.equal(samples(text, 'sipline_port_busy').size, 23, 'one busy gauge per B-channel');
  });

  it('shows a call from the PBX while it talks (busy channel, connected call, jitter and loss on its channel) and counts it by direction', async () => {
    // SIPp echoes the gateway's RTP: the receiver statistics are of real packets.
    const uas = await startSipp({ scenario: 'gw-uas-answer.xml', transport: 'udp', port: trunkPort, keys: { called: '5551234', calling: PBX_CALLER, cause: '16' }, extra: ['-rtp_echo'] });
    t.pbx.command(`call m1 any 5551234 ${PBX_CALLER}`);
    await t.pbx.waitFor('answer', { id: 'm1' });
    const port = t.registry.snapshot().calls[0]!.port!;
    // RTP flows: the receiver's statistics and the power meter fill in.
    const text = await eventually('receiver statistics and levels of the call', async () => {
      const text = await scrape();
      assert.notEqual(sample(text, `sipline_port_jitter_ms{port="${port}"}`), undefined, 'jitter');
      for (const direction of ['rx', 'tx']) assert.notEqual(sample(text, `sipline_port_level_dbm0{port="${port}",direction="${direction}"}`), undefined, `${direction} level`);
      return text;
    });
    assert.equal(sample(text, `sipline_port_busy{port="${port}",span="pbx"}`), 1);
    assert.equal(sample(text, 'sipline_calls_active{state="connected"}'), 1);
    const jitter = sample(text, `sipline_port_jitter_ms{port="${port}"}`);
    assert.ok(jitter !== undefined && jitter >= 0 && jitter < 30, `jitter of ${port}: ${jitter}`);
    assert.equal(sample(text, `sipline_port_loss_percent{port="${port}"}`), 0, 'no loss on loopback');
    for (const direction of ['rx', 'tx']) {
      const level = sample(text, `sipline_port_level_dbm0{port="${port}",direction="${direction}"}`);
      assert.ok(level !== undefined && level <= 3.17, `${direction} level of the talking channel from the card's power meter: ${level}`);
    }
    assert.equal(sample(text, 'sipline_calls_total{direction="pstn-to-sip"}'), 1);
    t.pbx.command('hangup m1 16');
    assertSipp(await uas.done, 'BYE with cause 16');
  });

  it('after a call from the trunk answered by the PBX and one refused busy, counts calls by direction and ends by Q.850 cause', async () => {
    const uac = await startSipp({ scenario: 'gw-uac-call.xml', transport: 'udp', remote: `127.0.0.1:${t.gw.sipPort}`, service: '4001', keys: { calling: '3125550199' } });
    const ring = await t.pbx.waitFor('ring', { called: '4001' });
    t.pbx.command(`alert ${ring.fields.id}`);
    t.pbx.command(`answer ${ring.fields.id}`);
    assertSipp(await uac.done, 'answered, then BYE from the trunk');

    const busy = await startSipp({ scenario: 'gw-uac-busy.xml', transport: 'udp', remote: `127.0.0.1:${t.gw.sipPort}`, service: '4322', keys: { calling: '3125550199', cause: '17' } });
    const ring2 = await t.pbx.waitFor('ring', { called: '4322' });
    t.pbx.command(`hangup ${ring2.fields.id} 17`);
    assertSipp(await busy.done, '486 with cause 17');

    const text = await eventually('the busy call counted as ended', async () => {
      const text = await scrape();
      assert.equal(sample(text, 'sipline_calls_ended_total{cause="17",cause_name="USER_BUSY"}'), 1);
      return text;
    });
    assert.equal(sample(text, 'sipline_calls_total{direction="pstn-to-sip"}'), 1);
    assert.equal(sample(text, 'sipline_calls_total{direction="sip-to-pstn"}'), 2);
    assert.equal(sample(text, 'sipline_calls_ended_total{cause="17",cause_name="USER_BUSY"}'), 1);
    assert.equal(sample(text, 'sipline_calls_ended_total{cause="16",cause_name="NORMAL_CLEARING"}'), 2, 'the two answered calls cleared normally');
    assert.equal([...samples(text, 'sipline_port_busy').values()].filter((v) => v === 1).length, 0, 'every channel idle again');
    assert.equal(samples(text, 'sipline_calls_active').size, 0, 'no call active');
    assert.equal(samples(text, 'sipline_port_jitter_ms').size, 0, 'no jitter gauge without a call');
  });
});
