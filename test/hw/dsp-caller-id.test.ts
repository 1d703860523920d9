import assert from 'node:assert/strict';
import fc from 'fast-check';
import { Dsp, decodeCallerId, encodeCallerId, type CallerId, type DspEvent, type ReceivedCallerId } from '../../src/hw/dsp.js';
import {
  DTMF_KEYS,
  bursts,
  concat,
  minimodemCallerIdBurst,
  minimodemReceive,
  requireTool,
  silence,
  soxDtmf,
  soxPeaks,
  withChecksum,
  withNoise,
  type FskMode,
} from '../peers/signals.js';

const ascii = (s: string): number[] => [...s].map((c) => c.charCodeAt(0));

/** An MDMF call set-up message (GR-30-CORE / EN 300 659-3), built here by hand. */
function mdmf(params: [number, string][]): number[] {
  const body = params.flatMap(([type, value]) => [type, value.length, ...ascii(value)]);
  return withChecksum([0x80, body.length, ...body]);
}

/** An SDMF message (GR-30-CORE): date and time, then the number. */
function sdmf(dateTime: string, number: string): number[] {
  const body = ascii(dateTime + number);
  return withChecksum([0x04, body.length, ...body]);
}

function callerIds(events: DspEvent[]): ReceivedCallerId[] {
  return events.flatMap((e) => (e.kind === 'caller-id' ? [e.callerId] : []));
}

function receive(samples: Int16Array, standard: 'bell202' | 'v23' | 'etsi-dtmf'): ReceivedCallerId[] {
  const dsp = new Dsp({ callerIdRx: standard, dtmfRx: false });
  try {
    return callerIds(dsp.rx(samples));
  } finally {
    dsp.close();
  }
}

/** Finds the first checksum-valid message of a type in what minimodem decoded, and parses it here. */
function findMessage(octets: Buffer, type: number): { dateTime?: string; number?: string; name?: string } | undefined {
  for (let i = 0; i + 2 < octets.length; i++) {
    if (octets[i] !== type) continue;
    const len = octets[i + 1]!;
    if (i + 3 + len > octets.length) continue;
    const msg = [...octets.subarray(i, i + 3 + len)];
    if (msg.reduce((a, b) => a + b, 0) % 256 !== 0) continue;
    const body = Buffer.from(msg.slice(2, 2 + len));
    if (type === 0x04) return { dateTime: body.subarray(0, 8).toString('latin1'), number: body.subarray(8).toString('latin1') };
    const out: { dateTime?: string; number?: string; name?: string } = {};
    for (let p = 0; p + 2 <= body.length; p += 2 + body[p + 1]!) {
      const value = body.subarray(p + 2, p + 2 + body[p + 1]!).toString('latin1');
      if (body[p] === 0x01) out.dateTime = value;
      if (body[p] === 0x02) out.number = value;
      if (body[p] === 0x07) out.name = value;
    }
    return out;
  }
  return undefined;
}

describe('caller ID receive, against minimodem-made FSK bursts', () => {
  before(() => {
    requireTool('sox');
    requireTool('minimodem');
  });

  for (const mode of ['bell202', 'v23'] as FskMode[]) {
    it(`decodes an MDMF message (date, number, name) sent as ${mode} at 20 dB SNR`, () => {
      const burst = minimodemCallerIdBurst(mdmf([[0x01, '11281230'], [0x02, '5551234567'], [0x07, 'DOE JOHN']]), mode);
      const line = withNoise(concat(silence(200), burst, silence(200)), 20, burst);
      const got = receive(line, mode);
      assert.equal(got.length, 1);
      assert.equal(got[0]!.mdmf, true);
      assert.equal(got[0]!.dateTime, '11281230');
      assert.equal(got[0]!.number, '5551234567');
      assert.equal(got[0]!.name, 'DOE JOHN');
    });
  }

  it('decodes an SDMF message sent as Bell 202 at 20 dB SNR', () => {
    const burst = minimodemCallerIdBurst(sdmf('01011230', '5559876543'), 'bell202');
    const line = withNoise(concat(silence(200), burst, silence(200)), 20, burst);
    const got = receive(line, 'bell202');
    assert.equal(got.length, 1);
    assert.equal(got[0]!.mdmf, false);
    assert.equal(got[0]!.dateTime, '01011230');
    assert.equal(got[0]!.number, '5559876543');
  });

  it('reports a withheld number and name as private', () => {
    const line = concat(silence(100), minimodemCallerIdBurst(mdmf([[0x01, '11281230'], [0x04, 'P'], [0x08, 'P']]), 'v23'), silence(100));
    const got = receive(line, 'v23');
    assert.equal(got.length, 1);
    assert.equal(got[0]!.numberAbsence, 'P');
    assert.equal(got[0]!.nameAbsence, 'P');
    assert.equal(got[0]!.number, undefined);
  });

  it('drops a message whose checksum is wrong', () => {
    const msg = mdmf([[0x02, '5551234567']]);
    msg[msg.length - 1] = (msg[msg.length - 1]! + 1) & 0xff;
    assert.deepEqual(receive(concat(silence(100), minimodemCallerIdBurst(msg, 'bell202'), silence(100)), 'bell202'), []);
  });

  it('decodes ETSI DTMF caller ID (A<number>C) made by sox', () => {
    const line = soxDtmf('A4412345678C', { onMs: 70, offMs: 70, lowDbm0: -12 });
    const got = receive(line, 'etsi-dtmf');
    assert.equal(got.length, 1);
    assert.equal(got[0]!.number, '4412345678');
  });

  it('decodes an ETSI DTMF caller ID that says the number is private (B10C)', () => {
    const got = receive(soxDtmf('B10C', { onMs: 70, offMs: 70, lowDbm0: -12 }), 'etsi-dtmf');
    assert.equal(got.length, 1);
    assert.equal(got[0]!.numberAbsence, 'P');
  });
});

describe('caller ID generator, decoded by minimodem and sox', () => {
  before(() => {
    requireTool('sox');
    requireTool('minimodem');
  });

  function send(standard: 'bell202' | 'v23' | 'etsi-dtmf', id: CallerId): Int16Array {
    const dsp = new Dsp({ callerIdTx: standard });
    dsp.sendCallerId(id);
    assert.equal(dsp.txBusy, true);
    const parts: Int16Array[] = [];
    for (let i = 0; i < 200 && dsp.txBusy; i++) parts.push(dsp.tx(160).samples);
    assert.equal(dsp.txBusy, false, 'caller ID still sending after 4 s');
    return concat(silence(100), ...parts, silence(100));
  }

  for (const mode of ['bell202', 'v23'] as FskMode[]) {
    it(`sends MDMF as ${mode} FSK that minimodem decodes to the same fields`, () => {
      const signal = send(mode, { dateTime: '11281230', number: '5551234567', name: 'DOE JOHN' });
      const msg = findMessage(minimodemReceive(signal, mode), 0x80);
      assert.deepEqual(msg, { dateTime: '11281230', number: '5551234567', name: 'DOE JOHN' });
    });
  }

  it('sends SDMF as Bell 202 FSK that minimodem decodes', () => {
    const signal = send('bell202', { mdmf: false, dateTime: '01011230', number: '5559876543' });
    assert.deepEqual(findMessage(minimodemReceive(signal, 'bell202'), 0x04), { dateTime: '01011230', number: '5559876543' });
  });

  it('sends ETSI DTMF caller ID whose tones sox finds at the Q.23 frequencies of A<number>C', () => {
    const signal = send('etsi-dtmf', { number: '4412345678' });
    const keys = bursts(signal).map(([s, e]) => {
      const [a, b] = soxPeaks(signal.subarray(s, e), 2).sort((x, y) => x - y);
      const key = Object.entries(DTMF_KEYS).find(([, [lo, hi]]) => Math.abs(a! - lo) < lo * 0.015 && Math.abs(b! - hi) < hi * 0.015);
      return key ? key[0] : '?';
    });
    assert.equal(keys.join(''), 'A4412345678C');
  });

  it('refuses fields that cannot be sent, naming them', () => {
    const dsp = new Dsp({ callerIdTx: 'bell202' });
    assert.throws(() => dsp.sendCallerId({ dateTime: '1128', number: '555' }), /dateTime must be 8 digits/);
    assert.throws(() => dsp.sendCallerId({ number: '555-1234' }), /number must be digits/);
    assert.throws(() => new Dsp({}).sendCallerId({ number: '1' }), /callerIdTx is None/);
    const v23 = new Dsp({ callerIdTx: 'v23' });
    assert.throws(() => v23.sendCallerId({ mdmf: false, dateTime: '01011230', number: '1' }), /SDMF caller ID is only sent with Bell 202/);
  });
});

describe('caller ID message codec (properties)', () => {
  const digitsArb = fc.stringMatching(/^[0-9]{1,15}$/);
  const nameArb = fc.stringMatching(/^[ -~]{1,15}$/);
  const dateArb = fc.stringMatching(/^[0-9]{8}$/);

  it('never throws on arbitrary FSK message bytes, and says what is wrong when it refuses them', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 300 }), (bytes) => {
        const r = decodeCallerId('bell202', bytes);
        if ('error' in r) assert.ok(r.error.length > 0);
        else assert.ok(r.callerId);
      }),
    );
  });

  it('never throws on arbitrary DTMF caller ID strings', () => {
    fc.assert(
      fc.property(fc.stringMatching(/^[0-9A-D*#]{0,30}$/), (s) => {
        const r = decodeCallerId('etsi-dtmf', Buffer.from(s, 'latin1'));
        assert.ok('error' in r || 'callerId' in r);
      }),
    );
  });

  it('decodes what it encodes (MDMF, both FSK standards)', () => {
    fc.assert(
      fc.property(fc.constantFrom('bell202' as const, 'v23' as const), dateArb, digitsArb, nameArb, (std, dateTime, number, name) => {
        const r = decodeCallerId(std, encodeCallerId(std, { dateTime, number, name }));
        assert.ok('callerId' in r);
        assert.deepEqual([r.callerId.dateTime, r.callerId.number, r.callerId.name], [dateTime, number, name]);
      }),
    );
  });

  it('decodes what it encodes (SDMF and DTMF)', () => {
    fc.assert(
      fc.property(dateArb, digitsArb, (dateTime, number) => {
        const s = decodeCallerId('bell202', encodeCallerId('bell202', { mdmf: false, dateTime, number }));
        assert.ok('callerId' in s);
        assert.deepEqual([s.callerId.mdmf, s.callerId.dateTime, s.callerId.number], [false, dateTime, number]);
        const d = decodeCallerId('etsi-dtmf', encodeCallerId('etsi-dtmf', { number }));
        assert.ok('callerId' in d);
        assert.equal(d.callerId.number, number);
      }),
    );
  });

  it('names the fault in a message cut short', () => {
    const r = decodeCallerId('bell202', Uint8Array.from([0x80, 10, 0x02, 5, 0x35]));
    assert.ok('error' in r);
    assert.match(r.error, /length octet says 10/);
  });
});
