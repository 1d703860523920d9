// How a command finds the daemon: --socket, else the control socket named in
// --config, else the default path.
import type { Command } from 'commander';
import { ControlClient } from '../ops/control-client.js';
import { DEFAULT_CONTROL_SOCKET, loadDaemonConfig } from '../ops/daemon-config.js';

export interface TargetOptions {
  socket?: string;
  config?: string;
}

export function addTargetOptions(cmd: Command): Command {
  return cmd
    .option('-s, --socket <path>', `control socket of the running gateway (default ${DEFAULT_CONTROL_SOCKET})`)
    .option('-c, --config <file>', 'read the control socket path from this gateway config');
}

export async function socketPath(opts: TargetOptions): Promise<string> {
  if (opts.socket !== undefined) return opts.socket;
  if (opts.config !== undefined) return (await loadDaemonConfig(opts.config)).controlSocket;
  return DEFAULT_CONTROL_SOCKET;
}

export async function connectTarget(opts: TargetOptions): Promise<ControlClient> {
  return ControlClient.connect(await socketPath(opts));
}

/** Runs one request and closes the connection. */
export async function withClient<T>(opts: TargetOptions, fn: (client: ControlClient) => Promise<T>): Promise<T> {
  const client = await connectTarget(opts);
  try {
    return await fn(client);
  } finally {
    client.close();
  }
}
