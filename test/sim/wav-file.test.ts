import assert from 'node:assert/strict';
import fc from 'fast-check';
import { decodeWav, encodeWav, WavError } from '../../src/sim/wav-file.js';

function wav(fmt: { format: number; channels: number; rate: number; bits: number }, data: Buffer, extra: Buffer[] = []): Buffer {
  const f = Buffer.alloc(24);
  f.write('fmt ', 0, 'latin1');
  f.writeUInt32LE(16, 4);
  f.writeUInt16LE(fmt.format, 8);
  f.writeUInt16LE(fmt.channels, 10);
  f.writeUInt32LE(fmt.rate, 12);
  f.writeUInt32LE((fmt.rate * fmt.channels * fmt.bits) / 8, 16);
  f.writeUInt16LE((fmt.channels * fmt.bits) / 8, 20);
  f.writeUInt16LE(fmt.bits, 22);
  const d = Buffer.alloc(8);
  d.write('data', 0, 'latin1');
  d.writeUInt32LE(data.length, 4);
  const body = Buffer.concat([Buffer.from('WAVE', 'latin1'), ...extra, f, d, data]);
  const h = Buffer.alloc(8);
  h.write('RIFF', 0, 'latin1');
  h.writeUInt32LE(body.length, 4);
  return Buffer.concat([h, body]);
}

describe('sim: WAV files for sipline sim play', () => {
  it('reads back every 8 kHz 16-bit mono file it writes (property)', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: -32768, max: 32767 }), { maxLength: 2000 }), (xs) => {
        const samples = Int16Array.from(xs);
        assert.deepEqual(decodeWav(encodeWav(samples)), samples);
      }),
    );
  });

  it('never throws anything but a WavError naming the file, whatever the bytes (property)', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 200 }), fc.boolean(), (bytes, riff) => {
        const input = riff ? Buffer.concat([Buffer.from('RIFF\0\0\0\0WAVE', 'latin1'), bytes]) : Buffer.from(bytes);
        try {
          decodeWav(input, 'x.wav');
        } catch (err) {
          assert.ok(err instanceof WavError, String(err));
          assert.match(err.message, /^x\.wav: /);
        }
      }),
    );
  });

  it('takes the first channel of a stereo file and skips chunks it does not know (LIST)', () => {
    const data = Buffer.alloc(8);
    data.writeInt16LE(1000, 0);
    data.writeInt16LE(-5, 2);
    data.writeInt16LE(-2000, 4);
    data.writeInt16LE(7, 6);
    const list = Buffer.concat([Buffer.from('LIST', 'latin1'), Buffer.from([3, 0, 0, 0]), Buffer.from('abc\0', 'latin1')]);
    assert.deepEqual([...decodeWav(wav({ format: 1, channels: 2, rate: 8000, bits: 16 }, data, [list]))], [1000, -2000]);
  });

  it('decodes mu-law (format 7) by the G.711 table', () => {
    // 0xff and 0x7f are the two zeros; 0x80 is the positive peak, 0x00 the negative one.
    assert.deepEqual([...decodeWav(wav({ format: 7, channels: 1, rate: 8000, bits: 8 }, Buffer.from([0xff, 0x7f, 0x80, 0x00])))], [0, 0, 32124, -32124]);
  });

  it('refuses other rates and formats, saying what to do', () => {
    assert.throws(() => decodeWav(wav({ format: 1, channels: 1, rate: 44100, bits: 16 }, Buffer.alloc(4)), 'song.wav'), /song\.wav: sample rate 44100 Hz; a line carries 8000 Hz \(convert it/);
    assert.throws(() => decodeWav(wav({ format: 3, channels: 1, rate: 8000, bits: 32 }, Buffer.alloc(8)), 'f.wav'), /f\.wav: format 3 with 32 bits per sample; expected 16-bit PCM \(1\) or 8-bit mu-law \(7\)/);
    assert.throws(() => decodeWav(Buffer.from('hello world, not a wav'), 'notes.txt'), /notes\.txt: not a WAV file/);
  });
});
