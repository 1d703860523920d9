import assert from 'node:assert/strict';
import { once } from 'node:events';
import { Q921Link } from '../../src/isdn/q921-link.js';
import { LibpriPeer } from '../peers/libpri.js';
import { eventually, quietFor } from '../support/waiting.js';

const timers = { T200: 200, T203: 800, N200: 3 };

for (const ourSide of ['user', 'network'] as const) {
  const peerSide = ourSide === 'user' ? 'network' : 'user';
  describe(`Q.921 against libpri (we are the ${ourSide} side)`, () => {
    let peer: LibpriPeer;
    let link: Q921Link;
    afterEach(async () => {
      link?.close();
      await peer?.close();
    });

    it('the link comes up on TEI 0 and libpri reports its D-channel up', async () => {
      peer = new LibpriPeer({ side: peerSide, switchType: 'national', timers });
      link = new Q921Link(peer.pipe, { side: ourSide, parameters: { T200: 200, T203: 800 } });
      const established = once(link, 'established');
      link.establish();
      await established;
      await peer.waitFor('up');
      assert.ok(link.isEstablished);
    });

    it('stays up across idle periods longer than T203 on both ends', async () => {
      peer = new LibpriPeer({ side: peerSide, switchType: 'national', timers });
      link = new Q921Link(peer.pipe, { side: ourSide, parameters: { T200: 200, T203: 800 } });
      link.establish();
      await peer.waitFor('up');
      let drops = 0;
      link.on('released', () => drops++);
      // The link must not drop while it idles past T203 and its polls.
      await quietFor(2500);
      assert.equal(drops, 0);
      assert.equal(peer.count('down'), 0, peer.output);
      assert.ok(link.isEstablished);
    });

    it('dropping the D-channel takes both ends down; restoring it brings the link back', async function () {
      this.timeout(30000);
      peer = new LibpriPeer({ side: peerSide, switchType: 'national', timers });
      link = new Q921Link(peer.pipe, { side: ourSide, parameters: { T200: 200, T203: 800 } });
      link.on('released', () => setTimeout(() => link.establish(), 200));
      link.establish();
      await peer.waitFor('up');
      peer.pipe.connected = false;
      await Promise.all([once(link, 'released'), peer.waitFor('down', {}, 8000)]);
      assert.ok(!link.isEstablished);
      peer.pipe.connected = true;
      await peer.waitFor('up', {}, 8000);
      await eventually('our link established again', () => {
        assert.ok(link.isEstablished, peer.output);
        return true;
      }, { timeoutMs: 8000 });
    });
  });
}
