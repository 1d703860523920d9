// The emulated card's phone dials by loop disconnect: the FXS channel gets
// the digit the kernel counted, as DAHDI reports it.
import assert from 'node:assert/strict';
import { Card } from '../../src/hw/card.js';
import { SimCard } from '../../src/hw/sim-card.js';
import { channelEvent } from './sim-helpers.js';

describe('emulated card: pulse digits from a phone', () => {
  it('reports a pulse digit on the FXS channel and refuses one on hook or on an FXO port', async () => {
    const sim = new SimCard([{ type: 'analog', ports: ['fxs', 'fxo'] }]);
    const card = Card.open({ kernel: sim, channels: [{ number: 1, span: 1 }, { number: 2, span: 1 }] });
    try {
      assert.throws(() => sim.pulseDigit(1, '5'), /on hook/);
      assert.throws(() => sim.pulseDigit(2, '5'), /does not apply/);
      sim.offhook(1);
      await channelEvent(card.channel(1), 'ringOffhook');
      const got = channelEvent(card.channel(1), 'pulseDigit');
      sim.pulseDigit(1, '7');
      assert.equal((await got).digit, '7');
      assert.throws(() => sim.pulseDigit(1, '#'), /not a pulse digit/);
    } finally {
      card.close();
      sim.close();
    }
  });
});
