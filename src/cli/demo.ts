// `sipline demo`: the gateway on the simulated card, with a simulated PBX,
// a SIP trunk peer on loopback and calls both ways, until Ctrl-C.
import type { Command } from 'commander';
import { startDemo } from '../sim/demo.js';
import { packageVersion } from './package-version.js';

function clock(): string {
  return new Date().toISOString().slice(11, 19);
}

export function registerDemo(program: Command): void {
  program
    .command('demo')
    .description('run the gateway on a simulated card (PRI span to a simulated PBX) with calls both ways, until Ctrl-C')
    .option('-s, --socket <path>', 'control socket to open (default: control.sock in a new folder under $XDG_RUNTIME_DIR or /tmp)')
    .option('--no-calls', 'place no calls by script; drive the lines with `sipline sim` instead')
    .action(async (opts: { socket?: string; calls: boolean }) => {
      const out = (line: string): void => void process.stdout.write(`${line}\n`);
      out('sipline demo: the gateway on the emulated cards sim-mixed (one T1 PRI span, 4 FXO ports) and sim-fxs4 (2 FXS ports with phones); no hardware, no trunk.');
      const demo = await startDemo({
        version: packageVersion(),
        ...(opts.socket === undefined ? {} : { socket: opts.socket }),
        calls: opts.calls,
        say: (line) => out(`${clock()} ${line}`),
      });
      out(`control socket: ${demo.socket}`);
      out(`in another terminal: sipline status --watch --socket ${demo.socket}`);
      out(`  (from this checkout: node dist/src/cli/main.js status --watch --socket ${demo.socket})`);
      out(`  and: sipline sim --socket ${demo.socket} ring|pickup|dial|play|hangup|alarm|call ... (ports: pri1:N, fxo1-fxo4, fxs1-fxs2)`);
      out(`config: ${demo.configPath}; gateway log (JSON lines): ${demo.logPath}`);
      out(`SIP trunk peer: sip:127.0.0.1:${demo.sipPeerPort} (UDP), stands in for the carrier: answers, plays a tone, sends DTMF, calls the PBX's DIDs`);
      out(opts.calls ? 'calls: the PBX calls out through the gateway to the SIP trunk, the trunk calls the PBX\'s DIDs, on a loop. Ctrl-C stops.' : 'no scripted calls (--no-calls). Ctrl-C stops.');

      await new Promise<void>((resolve) => {
        const stop = (signal: NodeJS.Signals): void => {
          process.off('SIGINT', stop);
          process.off('SIGTERM', stop);
          process.once(signal, () => process.exit(1));
          out(`${clock()} ${signal}: stopping; releasing calls`);
          void demo.stop().then(resolve);
        };
        process.on('SIGINT', stop);
        process.on('SIGTERM', stop);
      });
      out(`${clock()} stopped`);
      // Everything is closed; a stray library timer must not keep the demo alive.
      process.exit(0);
    });
}
