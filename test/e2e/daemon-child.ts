// `sipline start` as the e2e tests run it: the daemon in this process (same
// runDaemon as the CLI) plus the PBX far end the emulated card needs, the
// libpri harness on the span's D-channel. The PBX alerts and answers every
// call it is offered; lines on stdin are harness commands; what the harness
// reports goes to stderr as "peer: <event>".
import { runDaemon } from '../../src/ops/daemon.js';
import { SimFramePipe } from '../../src/isdn/channel-frame-pipe.js';
import { LibpriPeer } from '../isdn/libpri-peer.js';

const [configPath] = process.argv.slice(2);
if (!configPath) {
  process.stderr.write('usage: daemon-child <gateway.yaml>\n');
  process.exit(2);
}

let pbx: LibpriPeer | undefined;
const code = await runDaemon({
  configPath,
  version: 'e2e',
  onGateway: (running) => {
    const access = running.simSpan('pbx');
    if (!access) throw new Error('span pbx is not on an emulated card');
    const peer = new LibpriPeer({ side: 'user', switchType: 'national', span: 't1' });
    pbx = peer;
    const far = new SimFramePipe(access.sim, access.dChannel);
    peer.pipe.on('frame', (f) => far.send(f));
    far.on('frame', (f) => peer.pipe.send(f));
    let seen = 0;
    setInterval(() => {
      for (; seen < peer.events.length; seen++) {
        const e = peer.events[seen]!;
        process.stderr.write(`peer: ${e.line}\n`);
        if (e.name === 'ring') {
          peer.command(`alert ${e.fields.id}`);
          peer.command(`answer ${e.fields.id}`);
        }
      }
    }, 10).unref();
    let buf = '';
    process.stdin.setEncoding('utf8').on('data', (d: string) => {
      buf += d;
      const lines = buf.split('\n');
      buf = lines.pop() ?? '';
      for (const l of lines) if (l.trim()) peer.command(l.trim());
    });
  },
});
// Let the harness report the last clearing before it goes.
await new Promise((r) => setTimeout(r, 300));
await pbx?.close();
process.exit(code);
