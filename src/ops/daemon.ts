// `sipline start` in the foreground: JSON-line logs on stdout, an optional
// pid file, SIGHUP reloads, SIGTERM and SIGINT shut down cleanly.
import { readFile, unlink, writeFile } from 'node:fs/promises';
import { pino, type Logger } from 'pino';
import { Gateway } from './gateway.js';
import { dirname, resolve as resolvePath } from 'node:path';
import type { GatewayConfig } from '../call/gateway-config.js';
import { loadConfigFile } from './daemon-config.js';
import { ServiceNotify } from './service-notify.js';
import { startGateway, type RunningGateway } from './start-gateway.js';

export interface DaemonOptions {
  configPath: string;
  pidFile?: string;
  version: string;
  /** Plugs the parts of the gateway into it before the control socket opens. */
  setup?: (gateway: Gateway) => void | Promise<void>;
  /** The running gateway (cards, spans, SIP, router), once started; the far ends of emulated cards are reached through it. */
  onGateway?: (running: RunningGateway) => void | Promise<void>;
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
  const file = await loadConfigFile(options.configPath);
  const config = file.daemon;
  // Synchronous writes: a line logged just before exit is never lost.
  const log = pino({ level: config.logLevel, base: { pid: process.pid } }, pino.destination({ dest: 1, sync: true }));
  const gateway = new Gateway({ config, configPath: options.configPath, log, version: options.version });
  await options.setup?.(gateway);
  for (const w of file.warnings ?? []) log.warn(w);
  // The latest gateway section read (SIGHUP reads the file once; the reload hook applies it).
  let nextGateway: GatewayConfig | null = file.gateway;
  if (file.gateway) {
    const running = await startGateway(file.gateway, {
      baseDir: dirname(resolvePath(options.configPath)),
      registry: gateway.registry,
      log: (msg, detail) => log.info(detail ?? {}, msg),
    });
    gateway.onReload(async () => {
      if (nextGateway) await running.reload(nextGateway);
    });
    // Calls are released (cause 16) by the gateway before this runs: then unregister, close, flush CDRs.
    gateway.onShutdown(() => running.close());
    await options.onGateway?.(running);
  }
  if (options.pidFile !== undefined) await writePidFile(options.pidFile);
  // systemd Type=notify: READY=1 once spans and trunks are up, STOPPING=1 on shutdown.
  const notify = new ServiceNotify({ registry: gateway.registry, onError: (err) => log.warn({ err }, `systemd notification not sent: ${err.message}`) });

  // Signals are handled from before the control socket opens, so that a
  // SIGHUP or SIGTERM sent as soon as the daemon says "started" is never lost.
  return new Promise<number>((resolve, reject) => {
    let reloading = Promise.resolve();
    const onHup = (): void => {
      reloading = reloading.then(async () => {
        log.info(`SIGHUP: reloading ${options.configPath}`);
        try {
          const reread = await loadConfigFile(options.configPath);
          nextGateway = reread.gateway;
          await gateway.reload(reread.daemon);
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
      notify.stopping();
      log.info(`${signal}: shutting down`);
      void gateway
        .shutdown()
        .then(() => (options.pidFile === undefined ? undefined : removePidFile(options.pidFile, log)))
        .then(() => resolve(0));
    };
    process.on('SIGHUP', onHup);
    process.on('SIGTERM', onStop);
    process.on('SIGINT', onStop);
    gateway
      .start()
      .then(async () => {
        if (await notify.ready()) log.info({ watchdogMs: notify.watchdogMs }, 'told systemd the gateway is ready');
      })
      .catch(async (err: unknown) => {
        removeHandlers();
        if (options.pidFile !== undefined) await removePidFile(options.pidFile, log);
        reject(err instanceof Error ? err : new Error(String(err)));
      });
  });
}
