// How fast an FXO port notices the far end clearing, per zone and per
// disconnect sign, on the emulated card against the simulated office.
// Prints the median and worst release delay (ms from the office's signal to
// the leg's 'released') over --runs calls each. Targets: every figure < 1000.
//   node dist/bench/analog-supervision.js [--runs N]
import { FxoPort, type DisconnectSupervision } from '../src/analog/fxo-port.js';
import { analogDspConfig } from '../src/analog/zone-dsp.js';
import { toneZone } from '../src/analog/tone-zones.js';
import { Card } from '../src/hw/card.js';
import { SimCard } from '../src/hw/sim-card.js';
import { CentralOffice, type OfficeDisconnect } from '../src/sim/central-office.js';

const i = process.argv.indexOf('--runs');
const runs = i >= 0 ? Number(process.argv[i + 1]) : 5;
if (!Number.isInteger(runs) || runs < 1) throw new Error('--runs must be a positive integer');

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

async function once(zone: string, kind: OfficeDisconnect, sign: DisconnectSupervision): Promise<number> {
  const sim = new SimCard([{ type: 'analog', ports: ['fxo'] }]);
  const card = Card.open({ kernel: sim, channels: [{ number: 1, span: 1, dsp: analogDspConfig(toneZone(zone), 'fxo') }] });
  const port = new FxoPort({ name: 'b', channel: card.channel(1), zone, answerSupervision: 'polarity', disconnect: [sign] });
  const co = new CentralOffice(sim, 1, { zone });
  try {
    const leg = port.originate({ digits: '' }, { digits: '5' })!;
    const answered = new Promise<void>((r) => leg.once('answered', () => r()));
    co.once('digit', () => co.answer({ polarity: true }));
    leg.setup();
    await answered;
    await sleep(300);
    const released = new Promise<number>((r) => leg.once('released', () => r(Date.now())));
    const t0 = Date.now();
    co.hangup(kind);
    return (await released) - t0;
  } finally {
    co.close();
    port.close();
    card.close();
    sim.close();
  }
}

const cases: [OfficeDisconnect, DisconnectSupervision][] = [['loopCurrent', 'loopCurrent'], ['polarity', 'polarity'], ['busy', 'tone'], ['congestion', 'tone']];
console.log(`FXO release delay after the office clears, ms (${runs} runs each)`);
console.log('zone  sign          median  worst');
for (const zone of ['us', 'gb', 'de']) {
  for (const [kind, sign] of cases) {
    const t: number[] = [];
    for (let n = 0; n < runs; n++) t.push(await once(zone, kind, sign));
    t.sort((a, b) => a - b);
    console.log(`${zone.padEnd(6)}${kind.padEnd(14)}${String(t[Math.floor(t.length / 2)]).padStart(6)}  ${String(t[t.length - 1]).padStart(5)}`);
  }
}
