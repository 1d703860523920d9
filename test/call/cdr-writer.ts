// Child process of the CDR kill -9 test: writes finished-call records as fast
// as it can and prints the number of each one once write() has returned.
import { CdrStore, type Cdr } from '../../src/call/cdr-store.js';

/** The record number i, the same in the writer and in the test that checks it. */
export function sampleCdr(i: number): Cdr {
  return {
    callId: `call-${i}`,
    direction: i % 2 === 0 ? 'pstn-to-sip' : 'sip-to-pstn',
    start: 1_800_000_000_000 + i * 1000,
    answer: i % 3 === 0 ? undefined : 1_800_000_000_000 + i * 1000 + 250,
    end: 1_800_000_000_000 + i * 1000 + 900,
    caller: `+1212555${String(i).padStart(4, '0')}`,
    callee: `${2000 + (i % 100)}`,
    route: 'out',
    line: `span${1 + (i % 2)}`,
    channel: 1 + (i % 23),
    trunk: 'carrier',
    sipCallId: `${i}@gw`,
    codec: i % 2 === 0 ? 'pcmu' : 'opus',
    pstnCause: 16,
    sipStatus: i % 5 === 0 ? 486 : undefined,
    sipCause: i % 5 === 0 ? 17 : undefined,
    hungUpBy: i % 2 === 0 ? 'pstn' : 'sip',
    packetLoss: (i % 7) / 100,
    jitterMs: (i % 11) * 1.5,
    recording: i % 4 === 0 ? `/rec/call-${i}.wav` : undefined,
  };
}

if (process.argv[1]?.endsWith('cdr-writer.js') && process.argv[2]) {
  const store = new CdrStore(process.argv[2]);
  const limit = Number(process.argv[3] ?? 1e9);
  for (let i = 0; i < limit; i++) {
    store.write(sampleCdr(i));
    process.stdout.write(`${i}\n`);
  }
  store.close();
}
