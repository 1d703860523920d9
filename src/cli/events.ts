// `sipline events`: a live stream of line and call events until Ctrl-C.
import type { Command } from 'commander';
import { addTargetOptions, connectTarget, type TargetOptions } from './control-target.js';

export function registerEvents(program: Command): void {
  addTargetOptions(
    program
      .command('events')
      .description('stream line and call events of the running gateway until Ctrl-C')
      .option('--json', 'one JSON object a line (schemas/event.schema.json)'),
  ).action(async (opts: TargetOptions & { json?: boolean }) => {
    const client = await connectTarget(opts);
    client.on('notification', ({ data: e }) => {
      process.stdout.write(opts.json ? JSON.stringify(e) + '\n' : `${e.time}  ${`${e.kind}.${e.type}`.padEnd(20)}  ${e.text}\n`);
    });
    await client.request('subscribe');
    await new Promise<void>((resolve) => {
      const stop = (): void => {
        client.off('close', lost);
        client.close();
        resolve();
      };
      const lost = (): void => {
        process.off('SIGINT', stop);
        process.off('SIGTERM', stop);
        process.stderr.write('sipline: the gateway closed the control socket (stopped?)\n');
        process.exitCode = 1;
        resolve();
      };
      process.once('SIGINT', stop);
      process.once('SIGTERM', stop);
      client.once('close', lost);
    });
  });
}
