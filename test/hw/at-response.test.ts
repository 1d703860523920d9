// The voice modem's response decoders: result codes, caller ID lines, +VSM
// lists and the DLE-shielded voice stream. Property tests: they never throw,
// and what is shielded comes back unchanged however the stream is cut.
import assert from 'node:assert/strict';
import fc from 'fast-check';
import {
  CALLER_ID_TAGS, compressionKind, DLE, DleDecoder, ETX, FINAL_RESULTS, parseAtLine, parseVsmLine, shieldDle,
} from '../../src/hw/at-response.js';

describe('AT responses of a voice modem', () => {
  it('classifies result codes, RING, caller ID lines, echoes and info lines', () => {
    assert.deepEqual(parseAtLine('OK'), { kind: 'final', result: 'OK' });
    assert.deepEqual(parseAtLine('CONNECT 9600'), { kind: 'final', result: 'CONNECT' });
    assert.deepEqual(parseAtLine('NO DIALTONE'), { kind: 'final', result: 'NO DIALTONE' });
    assert.deepEqual(parseAtLine('RING'), { kind: 'ring' });
    assert.deepEqual(parseAtLine('NMBR = 5551234'), { kind: 'callerId', tag: 'NMBR', value: '5551234' });
    assert.deepEqual(parseAtLine('NAME=ADA LOVELACE'), { kind: 'callerId', tag: 'NAME', value: 'ADA LOVELACE' });
    assert.deepEqual(parseAtLine('AT+VCID=1'), { kind: 'echo', command: 'AT+VCID=1' });
    assert.deepEqual(parseAtLine('8'), { kind: 'info', text: '8' });
    assert.equal(parseAtLine('O\x8bK').kind, 'garbled');
  });

  it('reads +VSM methods and knows G.711 and 16-bit linear by name', () => {
    const u = parseVsmLine('4,"G.711U",8,0,(8000),(0),(0)');
    assert.ok('id' in u && u.id === 4 && compressionKind(u) === 'PCMU');
    const l = parseVsmLine('130,"SIGNED PCM",16,0,(7200-8000),(0),(0)');
    assert.ok('id' in l && compressionKind(l) === 'L16' && l.rates.includes(8000));
    const e = parseVsmLine('garbage');
    assert.ok('error' in e && /not a \+VSM/.test(e.error));
  });

  it('property: any line parses to one of the known kinds without throwing', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 80 }), (s) => {
        const r = parseAtLine(s);
        assert.ok(['final', 'ring', 'callerId', 'echo', 'info', 'garbled'].includes(r.kind));
        if (r.kind === 'final') assert.ok((FINAL_RESULTS as readonly string[]).includes(r.result));
      }),
    );
  });

  it('property: a caller ID line gives back its tag and value', () => {
    fc.assert(
      fc.property(fc.constantFrom(...CALLER_ID_TAGS), fc.stringMatching(/^[ -~]{0,30}$/), fc.boolean(), (tag, value, spaces) => {
        const v = value.trim();
        const r = parseAtLine(`${tag}${spaces ? ' = ' : '='}${v}`);
        assert.deepEqual(r, { kind: 'callerId', tag, value: v });
      }),
    );
  });

  it('property: +VSM parsing never throws on any text', () => {
    fc.assert(fc.property(fc.string({ unit: 'binary', maxLength: 60 }), (s) => void parseVsmLine(s)));
  });

  it('property: shielded data cut anywhere decodes to the same bytes, and events land where they were put', () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ maxLength: 400 }),
        fc.array(fc.nat(), { maxLength: 6 }),
        fc.constantFrom('b', 'd', 's', '5', '#'),
        (data, cuts, ev) => {
          const stream = Buffer.concat([shieldDle(data), Buffer.from([DLE, ev.charCodeAt(0)]), shieldDle(data), Buffer.from([DLE, ETX]), Buffer.from('\r\nOK\r\n')]);
          const points = [...new Set(cuts.map((c) => c % (stream.length + 1)))].sort((a, b) => a - b);
          const dec = new DleDecoder();
          const out: number[] = [];
          const events: string[] = [];
          let rest = Buffer.alloc(0);
          let prev = 0;
          let ended = false;
          for (const p of [...points, stream.length]) {
            const piece = stream.subarray(prev, p);
            prev = p;
            if (ended) {
              rest = Buffer.concat([rest, piece]);
              continue;
            }
            const r = dec.push(piece);
            out.push(...r.data);
            for (const e of r.events) events.push(e.event.kind === 'dtmf' ? e.event.digit : e.event.kind);
            if (r.events.some((e) => e.event.kind === 'end')) {
              ended = true;
              rest = Buffer.concat([rest, piece.subarray(r.consumed)]);
            }
          }
          assert.deepEqual(Buffer.from(out), Buffer.concat([Buffer.from(data), Buffer.from(data)]));
          const want = { b: 'busy', d: 'dialTone', s: 'silence' }[ev as 'b' | 'd' | 's'] ?? ev;
          assert.deepEqual(events, [want, 'end']);
          assert.equal(rest.toString(), '\r\nOK\r\n');
        },
      ),
    );
  });

  it('property: the decoder never throws on arbitrary bytes', () => {
    fc.assert(
      fc.property(fc.array(fc.uint8Array({ maxLength: 64 }), { maxLength: 8 }), (chunks) => {
        const dec = new DleDecoder();
        for (const c of chunks) {
          const r = dec.push(c);
          assert.ok(r.consumed <= c.length);
        }
      }),
    );
  });
});
