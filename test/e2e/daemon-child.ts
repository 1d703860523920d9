// `sipline start` as the e2e tests run it: the daemon in this process (same
// runDaemon as the CLI) plus the PBX far end the emulated card needs, the
// libpri harness on the span's D-channel. The PBX alerts and answers every
// call it is offered; lines on stdin are harness commands; what the harness
// reports goes to stderr as "peer: <event>", and what the tests wait for of
// the gateway as "gateway: <what>" (its SIP port, the span's channels up).
import { runDaemon } from '../../src/ops/daemon.js';
import { SimFramePipe } from '../../src/isdn/channel-frame-pipe.js';
import { LibpriPeer } from '../peers/libpri.js';

const [configPath] = process.argv.slice(2);
if (!configPath) {
  process.stderr.write('usage: daemon-child <gateway.yaml>\n');
  process.exit(2);
}

let pbx: LibpriPeer | undefined;
let seen = 0;
/** Calls the harness knows of that it has not seen cleared. */
const open = new Set<string>();
function forward(peer: LibpriPeer): void {
  for (; seen < peer.events.length; seen++) {
    const e = peer.events[seen]!;
    process.stderr.write(`peer: ${e.line}\n`);
    const id = e.fields.id;
    if (id && ['disconnect', 'hangup', 'released'].includes(e.name)) open.delete(id);
    else if (id) open.add(id);
    if (e.name === 'ring') {
      peer.command(`alert ${e.fields.id}`);
      peer.command(`answer ${e.fields.id}`);
    }
  }
}
const code = await runDaemon({
  configPath,
  version: 'e2e',
  onGateway: (running) => {
    const access = running.simSpan('pbx');
    if (!access) throw new Error('span pbx is not on an emulated card');
    process.stderr.write(`gateway: sip port ${running.sipPort}\n`);
    running.spans.get('pbx')?.signalling.on('restarted', () => process.stderr.write('gateway: span pbx restarted\n'));
    const peer = new LibpriPeer({ side: 'user', switchType: 'national', span: 't1' });
    pbx = peer;
    const far = new SimFramePipe(access.sim, access.dChannel);
    peer.pipe.on('frame', (f) => far.send(f));
    far.on('frame', (f) => peer.pipe.send(f));
    setInterval(() => forward(peer), 10).unref();
    let buf = '';
    process.stdin.setEncoding('utf8').on('data', (d: string) => {
      buf += d;
      const lines = buf.split('\n');
      buf = lines.pop() ?? '';
      for (const l of lines) if (l.trim()) peer.command(l.trim());
    });
  },
});
// Let the harness report the clearing of its calls before it goes (2 s at most: a killed peer says nothing).
const deadline = Date.now() + 2000;
while (pbx && Date.now() < deadline) {
  forward(pbx);
  if (open.size === 0) break;
  await new Promise((r) => setTimeout(r, 10));
}
await pbx?.close();
if (pbx) forward(pbx);
process.exit(code);
