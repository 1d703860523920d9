// `sipline start` in the foreground: JSON-line logs on stdout, an optional
// pid file, SIGHUP reloads, SIGTERM and SIGINT shut down cleanly.
import { readFile, unlink, writeFile } from 'node:fs/promises';
import { pino, type Logger } from 'pino';
import { Gateway } from './gateway.js';
import { loadDaemonConfig } from './daemon-config.js';

export interface DaemonOptions {
  configPath: string;
  pidFile?: string;
  version: string;
  /** Plugs the parts of the gateway into it before the control socket opens. */
  setup?: (gateway: Gateway) => void | Promise<void>;
}

function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

async function writePidFile(path: string): Promise<void> {
  const old = Number.parseInt(await readFile(path, 'utf8').catch(() => ''), 10);
  if (Number.isInteger(old) && old > 0 && old !== process.pid && pidAlive(old)) {
    throw new Error(`${path}: sipline is already running as pid ${old} (stop it first, or pass another --pid-file)`);
  }
  await writeFile(path, `${process.pid}\n`).catch((err: Error) => {
    throw new Error(`cannot write the pid file: ${err.message}`);
  });
}

async function removePidFile(path: string, log: Logger): Promise<void> {
  const pid = Number.parseInt(await readFile(path, 'utf8').catch(() => ''), 10);
  if (pid !== process.pid) return; // someone else's by now
  await unlink(path).catch((err: Error) => log.warn({ err }, `cannot remove the pid file ${path}: ${err.message}`));
}

/** Runs the gateway until SIGTERM or SIGINT; resolves with the exit code. */
export async function runDaemon(options: DaemonOptions): Promise<number> {
  const config = await loadDaemonConfig(options.configPath);
  // Synchronous writes: a line logged just before exit is never lost.
  const log = pino({ level: config.logLevel, base: { pid: process.pid } }, pino.destination({ dest: 1, sync: true }));
  const gateway = new Gateway({ config, configPath: options.configPath, log, version: options.version });
  await options.setup?.(gateway);
  if (options.pidFile !== undefined) await writePidFile(options.pidFile);

  // Signals are handled from before the control socket opens, so that a
  // SIGHUP or SIGTERM sent as soon as the daemon says "started" is never lost.
  return new Promise<number>((resolve, reject) => {
    let reloading = Promise.resolve();
    const onHup = (): void => {
      reloading = reloading.then(async () => {
        log.info(`SIGHUP: reloading ${options.configPath}`);
        try {
          await gateway.reload(await loadDaemonConfig(options.configPath));
        } catch (err) {
          log.error({ err }, `reload failed, keeping the running config: ${err instanceof Error ? err.message : String(err)}`);
        }
      });
    };
    const removeHandlers = (): void => {
      process.off('SIGTERM', onStop);
      process.off('SIGINT', onStop);
      process.off('SIGHUP', onHup);
    };
    const onStop = (signal: NodeJS.Signals): void => {
      removeHandlers();
      // A second signal while stopping gives up waiting.
      process.once(signal, () => {
        log.warn(`${signal} again: exiting without finishing the shutdown`);
        process.exit(1);
      });
      log.info(`${signal}: shutting down`);
      void gateway
        .shutdown()
        .then(() => (options.pidFile === undefined ? undefined : removePidFile(options.pidFile, log)))
        .then(() => resolve(0));
    };
    process.on('SIGHUP', onHup);
    process.on('SIGTERM', onStop);
    process.on('SIGINT', onStop);
    gateway.start().catch(async (err: unknown) => {
      removeHandlers();
      if (options.pidFile !== undefined) await removePidFile(options.pidFile, log);
      reject(err instanceof Error ? err : new Error(String(err)));
    });
  });
}
