import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SipEndpoint } from '../../src/sip/sip-endpoint.js';
import { BoundRtpPort } from './bound-rtp-port.js';
import { readSippMessageLog, startSipp, type SippLoggedMessage } from '../peers/sipp.js';

interface Registration {
  at: number;
  ok: boolean;
  detail: number;
}

/** The REGISTERs SIPp received: when, with which CSeq number and Call-ID. */
function registers(log: SippLoggedMessage[]): { at: number; cseq: number; callId: string }[] {
  return log
    .filter((m) => m.received && m.text.startsWith('REGISTER '))
    .map((m) => ({ at: m.at, cseq: Number(/^CSeq:\s*(\d+)/im.exec(m.text)?.[1]), callId: /^Call-ID:\s*(\S+)/im.exec(m.text)?.[1] ?? '' }));
}

async function registrarRun(scenario: string, keys: Record<string, string>, register: { retryMs?: number; maxRetryMs?: number } = {}, T1?: number) {
  const dir = await mkdtemp(join(tmpdir(), 'sipline-register-'));
  const logFile = join(dir, 'messages.log');
  const retries: number[] = [];
  const endpoint = await SipEndpoint.start({
    transport: { protocol: 'udp', ...(T1 ? { timers: { T1, T2: 8 * T1, T4: 10 * T1 } } : {}) },
    trunks: [],
    media: () => BoundRtpPort.open(),
    log: (event, detail) => {
      if (event === 'register-retry') retries.push(detail.inMs as number);
    },
  });
  const registrations: Registration[] = [];
  endpoint.on('registration', (_t, ok, detail) => registrations.push({ at: Date.now(), ok, detail }));
  try {
    const sipp = await startSipp({ scenario, transport: 'udp', keys, timeoutS: 15, extra: ['-trace_msg', '-message_file', logFile] });
    // We ask for an hour; the registrar grants seconds.
    await endpoint.addTrunk({ name: 'reg', host: '127.0.0.1', port: sipp.port, domain: 'sipp.test', register: { username: 'alice', password: 's3cret', expires: 3600, ...register } });
    const r = await sipp.done;
    const log = readSippMessageLog(await readFile(logFile, 'utf8').catch(() => ''));
    return { r, log, registrations, retries };
  } finally {
    await endpoint.stop();
    await rm(dir, { recursive: true, force: true });
  }
}

describe('trunk re-registration before expiry (RFC 3261 §10.2.4) against a SIPp registrar @slow', function () {
  this.timeout(30000);

  for (const granted of [
    { how: "the Contact's expires parameter", keys: { contact_expires: ';expires=4', header_expires: '3600' } },
    { how: 'the Expires header (Contact without expires)', keys: { contact_expires: '', header_expires: '4' } },
  ]) {
    it(`refreshes before the 4 s granted by ${granted.how}, with the same Call-ID and a higher CSeq`, async () => {
      const { r, log, registrations } = await registrarRun('registrar-refresh.xml', granted.keys);
      assert.equal(r.code, 0, `SIPp registrar: ${r.output}`);
      assert.deepEqual(
        registrations.map((x) => [x.ok, x.detail]),
        [
          [true, 4],
          [true, 60],
        ],
      );
      const regs = registers(log);
      assert.equal(regs.length, 4, 'challenged REGISTER twice: initial and refresh');
      // RFC 3261 §10.2: one Call-ID for all registrations to this registrar, CSeq up by one each time.
      assert.deepEqual(new Set(regs.map((x) => x.callId)).size, 1);
      assert.deepEqual(
        regs.map((x) => x.cseq - regs[0]!.cseq),
        [0, 1, 2, 3],
      );
      // The refresh left before the 4 s ran out, counted from the 200 of the first registration.
      const grantedAt = log.find((m) => !m.received && m.text.startsWith('SIP/2.0 200'))!.at;
      const refreshIn = regs[2]!.at - grantedAt;
      assert.ok(refreshIn > 2000 && refreshIn < 4000, `refresh ${refreshIn} ms after the 200 granting 4 s`);
    });
  }

  it('backs off when the registrar refuses a refresh (403), and registers again when it accepts', async () => {
    const { r, log, registrations, retries } = await registrarRun('registrar-refuse-refresh.xml', {}, { retryMs: 300, maxRetryMs: 5000 });
    assert.equal(r.code, 0, `SIPp registrar: ${r.output}`);
    assert.deepEqual(
      registrations.map((x) => [x.ok, x.detail]),
      [
        [true, 2],
        [false, 403],
        [false, 403],
        [true, 60],
      ],
    );
    assert.deepEqual(retries, [300, 600]);
    const regs = registers(log);
    assert.equal(regs.length, 4);
    assert.equal(new Set(regs.map((x) => x.callId)).size, 1);
    // The retries came after the back-off delays, doubling.
    const gaps = [regs[2]!.at - regs[1]!.at, regs[3]!.at - regs[2]!.at];
    assert.ok(gaps[0]! >= 250 && gaps[0]! < 1000 && gaps[1]! >= 550 && gaps[1]! < 1500, `retries after ${gaps.join(', ')} ms`);
  });

  it('backs off when a refresh times out (Timer F on our T1, RFC 3261 §17.1.2.2), and registers again', async () => {
    const T1 = 50;
    const { r, log, registrations, retries } = await registrarRun('registrar-silent-refresh.xml', {}, { retryMs: 300, maxRetryMs: 5000 }, T1);
    assert.equal(r.code, 0, `SIPp registrar: ${r.output}`);
    assert.deepEqual(
      registrations.map((x) => [x.ok, x.detail]),
      [
        [true, 2],
        [false, 408],
        [true, 60],
      ],
    );
    assert.deepEqual(retries, [300]);
    const regs = registers(log);
    const cseqs = [...new Set(regs.map((x) => x.cseq))];
    assert.equal(cseqs.length, 3, 'initial, refresh (retransmitted), retry');
    const refresh = regs.filter((x) => x.cseq === cseqs[1]);
    assert.ok(refresh.length > 3, `the unanswered refresh went ${refresh.length} times (Timer E)`);
    const retry = regs.find((x) => x.cseq === cseqs[2])!;
    // Timer F is 64*T1 after the refresh; the retry comes the back-off delay later.
    const waited = retry.at - refresh[0]!.at;
    assert.ok(waited >= 64 * T1 + 250 && waited < 64 * T1 + 1500, `retry ${waited} ms after the refresh`);
  });
});
