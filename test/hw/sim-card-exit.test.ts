// Closing the emulated card from inside its own tick (a call released by the
// far end closes everything) and then letting the process end must not kill
// the process: a far-end wake-up still queued while Node tears down cannot
// run JavaScript, and must not throw out of the addon.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';

const script = (base: string): string => `
import { Card } from '${base}/src/hw/card.js';
import { SimCard } from '${base}/src/hw/sim-card.js';
const sim = new SimCard([{ type: 'analog', ports: ['fxo'] }]);
const card = Card.open({ kernel: sim, channels: [{ number: 1, span: 1, dsp: { dtmfRx: true } }] });
card.channel(1).on('event', (e) => {
  if (e.kind !== 'onhook') return;
  Promise.resolve().then(() => {
    card.channel(1).hook('onhook');
    card.close();
    sim.close();
  });
});
setTimeout(() => {
  card.channel(1).hook('offhook');
  setTimeout(() => sim.setLoopCurrent(1, false), 200);
}, 100);
`;

describe('emulated card: closing inside a tick, then exiting', () => {
  it('exits with status 0 and no C++ termination, five times over', () => {
    const base = new URL('../..', import.meta.url).href.replace(/\/$/, '');
    for (let i = 0; i < 5; i++) {
      const r = spawnSync(process.execPath, ['--input-type=module', '-e', script(base)], { encoding: 'utf8', timeout: 20000 });
      assert.ok(!/terminate called/.test(r.stderr), `run ${i}: ${r.stderr}`);
      assert.equal(r.status, 0, `run ${i}: status ${r.status} signal ${r.signal}: ${r.stderr}`);
    }
  });
});
