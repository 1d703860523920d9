import assert from 'node:assert/strict';
import { createSocket } from 'node:dgram';
import { PortRangeExhaustedError, RtpPortPool } from '../../src/media/rtp-port-pool.js';

describe('RTP port pool', () => {
  it('binds an even RTP port with RTCP on the next one (RFC 3550 §11)', async () => {
    const pool = new RtpPortPool('127.0.0.1');
    const pair = await pool.allocate();
    try {
      assert.equal(pair.rtpPort % 2, 0);
      assert.equal(pair.rtcpPort, pair.rtpPort + 1);
      assert.equal(pair.rtp.address().port, pair.rtpPort);
      assert.equal(pair.rtcp.address().port, pair.rtcpPort);
    } finally {
      pair.rtp.close();
      pair.rtcp.close();
    }
  });

  it('skips a taken pair inside a range and reports exhaustion by name', async () => {
    // Find a free pair at run time, occupy its RTCP port, then offer a range of two pairs.
    const probe = await new RtpPortPool('127.0.0.1').allocate();
    const base = probe.rtpPort;
    probe.rtp.close();
    probe.rtcp.close();
    const blocker = createSocket('udp4');
    await new Promise<void>((r) => blocker.bind(base + 1, '127.0.0.1', r));
    try {
      const pool = new RtpPortPool('127.0.0.1', { min: base, max: base + 1 });
      await assert.rejects(pool.allocate(), (e: unknown) => e instanceof PortRangeExhaustedError && e.message.includes(String(base)));
    } finally {
      blocker.close();
    }
  });

  it('refuses a nonsense range with a message naming it', () => {
    assert.throws(() => new RtpPortPool('127.0.0.1', { min: 20000, max: 10000 }), /20000-10000/);
  });
});
