import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CallRecording } from '../../src/media/call-recording.js';
import type { AudioFrame } from '../../src/media/frame.js';
import { g711Encode } from '../../src/hw/g711.js';
import { sineSignal } from '../../src/sim/sim-signals.js';
import { eventually } from '../support/waiting.js';


function frame(samples: Int16Array): AudioFrame {
  return { encoding: 'PCMU', samples: samples.length, data: g711Encode('PCMU', samples, new Uint8Array(samples.length)) };
}

function soxSamples(file: string): string {
  try {
    return execFileSync('sox', ['--i', '-s', file], { encoding: 'utf8' }).trim();
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') throw new Error('sox is not installed: apt-get install sox');
    throw err;
  }
}

describe('CallRecording: a stereo WAV written as the call goes', () => {
  let dir: string;
  beforeEach(() => (dir = mkdtempSync(join(tmpdir(), 'sipline-rec-'))));
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('is readable by its owner only, whatever the umask and the mode of a file it replaces', () => {
    const file = join(dir, 'call.wav');
    writeFileSync(file, 'old', { mode: 0o666 });
    const umask = process.umask(0);
    try {
      const rec = new CallRecording(file);
      rec.close();
    } finally {
      process.umask(umask);
    }
    assert.equal(statSync(file).mode & 0o777, 0o600);
  });

  it('is a readable WAV with what was recorded so far before it is closed (a crash keeps it), and complete after close', async () => {
    const file = join(dir, 'call.wav');
    const rec = new CallRecording(file);
    // 0.5 s from each side, in 20 ms frames.
    for (let i = 0; i < 25; i++) {
      rec.pstn(frame(sineSignal(1000, 20)));
      rec.sip(frame(sineSignal(600, 20)));
    }
    // Not closed: as a killed process would leave it.
    await eventually('sox to read the 4000 frames written so far', () => soxSamples(file) === '4000');
    const early = readFileSync(file);
    assert.equal(early.readUInt32LE(4), early.length - 8, 'RIFF size matches the file');
    // One side only from here: the other is padded with silence, the channels stay aligned.
    rec.pstn(frame(sineSignal(1000, 100)));
    rec.close();
    assert.equal(soxSamples(file), '4800');
    const wav = readFileSync(file);
    assert.equal(wav.readUInt32LE(40), 4800 * 4);
    assert.equal(wav.readInt16LE(44 + 4700 * 4 + 2), 0, 'the silent side is zero');
    rec.sip(frame(sineSignal(600, 20)));
    assert.equal(readFileSync(file).length, wav.length, 'nothing is written after close');
  });

  it('a directory that cannot be written is an error at open', () => {
    assert.throws(() => new CallRecording(join(dir, 'missing', 'call.wav')), /ENOENT/);
  });
});
