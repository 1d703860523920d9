// tshark, an independent decoder, reads a live capture of our RTP and RTCP.
import assert from 'node:assert/strict';
import { execFileSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { boundPorts } from '../support/ports.js';
import { eventually } from '../support/waiting.js';
import { collect, description, openPair } from './session-pair.js';
import { need, startCapture, stopCapture } from '../peers/tshark.js';

describe('tshark on a capture of our RTP @slow', function () {
  this.timeout(20000);

  for (const codec of ['PCMU', 'opus'] as const) {
    it(`decodes ${codec} RTP, RFC 4733 events and RTCP with no malformed packet and a clean stream analysis`, async () => {
      need('tshark');
      need('dumpcap');
      const dir = mkdtempSync(join(tmpdir(), 'sipline-media-'));
      const [a, b] = await openPair({ lineEncoding: 'PCMU' }, { lineEncoding: 'PCMU' });
      const file = join(dir, 'rtp.pcapng');
      const rtp = b.localRtpPort;
      let cap: ChildProcess | undefined;
      try {
        cap = await startCapture(`udp dst port ${rtp} or udp dst port ${rtp + 1}`, file);
        a.negotiate(description(b, codec));
        b.negotiate(description(a, codec));
        collect(b);
        let n = 0;
        const frames = setInterval(() => {
          a.write({ encoding: 'PCMU', samples: 160, data: new Uint8Array(160).fill(0x80 + (n++ % 16)) });
          if (n === 20) a.sendDigits('5*', 80);
        }, 20);
        await eventually('100 frames sent', () => n >= 100, { timeoutMs: 10000 });
        clearInterval(frames);
        const aRtcp = a.localRtpPort + 1;
        a.close();
        // a closes its sockets once the closing compound (SR, SDES, BYE) is out.
        await eventually('a to send its BYE and close', () => !boundPorts(process.pid, 'udp').includes(aRtcp));
        await stopCapture(cap);
        cap = undefined;

        const decode = ['-r', file, '-d', `udp.port==${rtp},rtp`, '-d', `udp.port==${rtp + 1},rtcp`];
        const streams = execFileSync('tshark', [...decode, '-q', '-z', 'rtp,streams'], { stdio: ['ignore', 'pipe', 'pipe'] }).toString();
        const row = streams.split('\n').find((l) => new RegExp(`127\\.0\\.0\\.1\\s+${rtp}\\s`).test(l));
        assert.ok(row, `no RTP stream towards port ${rtp} in:\n${streams}`);
        // Columns: ... SSRC Payload Pkts Lost(%) MinDelta MeanDelta MaxDelta MinJitter MeanJitter MaxJitter Problems?
        assert.match(row, new RegExp(`0x${a.ssrc.toString(16).padStart(8, '0')}`, 'i'));
        assert.match(row, codec === 'PCMU' ? /g711U/ : /opus|111/i);
        const m = /\s(\d+)\s+(-?\d+) \(([-\d.]+)%\)/.exec(row);
        assert.ok(m, `cannot read packets and loss from: ${row}`);
        assert.ok(Number(m[1]) >= 80, `only ${m[1]} packets`);
        assert.equal(Number(m[2]), 0, `tshark counts ${m[2]} lost: ${row}`);
        assert.doesNotMatch(row.slice(row.indexOf(m[0]) + m[0].length), /X|SEQ|Wrong|Incorrect/, `tshark flags problems: ${row}`);

        const bad = execFileSync('tshark', [...decode, '-Y', '_ws.malformed || _ws.expert.severity >= error'], { stdio: ['ignore', 'pipe', 'pipe'] }).toString().trim();
        assert.equal(bad, '', `malformed packets:\n${bad}`);
        const events = execFileSync('tshark', [...decode, '-Y', 'rtpevent.end_of_event == 1', '-T', 'fields', '-e', 'rtpevent.event_id'], { stdio: ['ignore', 'pipe', 'pipe'] }).toString().trim().split('\n');
        assert.deepEqual(events, ['5', '5', '5', '10', '10', '10'], 'three end packets per event (RFC 4733 §2.5.1.4)');
        const rtcp = execFileSync('tshark', [...decode, '-Y', 'rtcp.pt == 203', '-T', 'fields', '-e', 'rtcp.pt'], { stdio: ['ignore', 'pipe', 'pipe'] }).toString();
        assert.match(rtcp, /200,202,203|203/, 'the closing compound with BYE was not seen');
      } finally {
        cap?.kill('SIGINT');
        b.close();
        rmSync(dir, { recursive: true, force: true });
      }
    });
  }
});
