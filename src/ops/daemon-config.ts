// The daemon's own part of gateway.yaml: control socket, metrics endpoint,
// log level. Other sections (spans, trunks, dial plan) belong to the config
// loader of call/ and are left alone here.
import { readFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { isIP } from 'node:net';
import { LineCounter, parseDocument, isMap, isScalar, type Node } from 'yaml';
import { checkConfig, formatConfigError } from '../call/config-check.js';
import type { GatewayConfig } from '../call/gateway-config.js';
import { loadHwProfiles } from '../hw/hw-profile.js';

export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

export const DEFAULT_CONTROL_SOCKET = '/run/sipline/control.sock';

export interface ListenAddress {
  host: string;
  /** 0 picks a free port. */
  port: number;
}

export interface DaemonConfig {
  controlSocket: string;
  /** null: no metrics endpoint. */
  metrics: ListenAddress | null;
  logLevel: LogLevel;
}

/** A config error that names the file, line and key at fault. */
export class ConfigError extends Error {
  override name = 'ConfigError';
}

/**
 * Parses `host:port`, `[v6]:port` or a bare port (then on 127.0.0.1).
 * `where` names the origin in the error.
 */
export function parseListenAddress(text: string, where: string): ListenAddress {
  const fail = (why: string): never => {
    throw new ConfigError(`${where}: ${JSON.stringify(text)} ${why} (write host:port, e.g. 127.0.0.1:9464 or [::1]:9464)`);
  };
  let host = '127.0.0.1';
  let portText = text;
  const v6 = /^\[([^\]]*)\]:(.*)$/.exec(text);
  if (v6) {
    host = v6[1] ?? '';
    portText = v6[2] ?? '';
    if (isIP(host) !== 6) fail('has no valid IPv6 address in brackets');
  } else if (text.includes(':')) {
    const at = text.lastIndexOf(':');
    host = text.slice(0, at);
    portText = text.slice(at + 1);
    if (host.includes(':')) fail('is an IPv6 address without brackets');
    if (host === '' || !/^[A-Za-z0-9.-]+$/.test(host)) fail('has no valid host');
  }
  if (!/^\d{1,5}$/.test(portText)) fail('has no port number');
  const port = Number(portText);
  if (port > 65535) fail('has a port above 65535');
  return { host, port };
}

export function formatListenAddress(a: ListenAddress): string {
  return isIP(a.host) === 6 ? `[${a.host}]:${a.port}` : `${a.host}:${a.port}`;
}

/** Parses the daemon's sections of a config text; `file` names it in errors and anchors relative paths. */
export function parseDaemonConfig(text: string, file: string): DaemonConfig {
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines, prettyErrors: false });
  const at = (node: Node | null | undefined): string => {
    const offset = node?.range?.[0];
    if (offset === undefined) return file;
    return `${file}:${lines.linePos(offset).line}`;
  };
  const first = doc.errors[0];
  if (first) {
    const line = lines.linePos(first.pos[0]).line;
    throw new ConfigError(`${file}:${line}: not valid YAML: ${first.message.split('\n')[0]}`);
  }
  const config: DaemonConfig = { controlSocket: DEFAULT_CONTROL_SOCKET, metrics: null, logLevel: 'info' };
  if (doc.contents === null) return config;
  if (!isMap(doc.contents)) throw new ConfigError(`${at(doc.contents)}: the config must be a mapping of sections (control:, metrics:, log:)`);

  const section = (key: string, known: string[]): Map<string, Node> => {
    const node = doc.contents && isMap(doc.contents) ? (doc.contents.get(key, true) as Node | undefined) : undefined;
    const out = new Map<string, Node>();
    if (node === undefined || (isScalar(node) && node.value === null)) return out;
    if (!isMap(node)) throw new ConfigError(`${at(node)}: ${key}: must be a mapping with ${known.join(', ')}`);
    for (const pair of node.items) {
      const name = isScalar(pair.key) ? String(pair.key.value) : '';
      if (!known.includes(name)) {
        throw new ConfigError(`${at(pair.key as Node)}: ${key}.${name}: unknown setting (known: ${known.join(', ')})`);
      }
      out.set(name, pair.value as Node);
    }
    return out;
  };
  const str = (node: Node, key: string): string => {
    if (!isScalar(node) || typeof node.value !== 'string' || node.value === '') {
      throw new ConfigError(`${at(node)}: ${key}: must be a non-empty string`);
    }
    return node.value;
  };

  const socket = section('control', ['socket']).get('socket');
  if (socket !== undefined) config.controlSocket = resolve(dirname(file), str(socket, 'control.socket'));

  const listen = section('metrics', ['listen']).get('listen');
  if (listen !== undefined) {
    if (isScalar(listen) && listen.value === false) config.metrics = null;
    else if (isScalar(listen) && typeof listen.value === 'number') {
      config.metrics = parseListenAddress(String(listen.value), `${at(listen)}: metrics.listen`);
    } else config.metrics = parseListenAddress(str(listen, 'metrics.listen'), `${at(listen)}: metrics.listen`);
  }

  const level = section('log', ['level']).get('level');
  if (level !== undefined) {
    const value = str(level, 'log.level');
    if (!(LOG_LEVELS as readonly string[]).includes(value)) {
      throw new ConfigError(`${at(level)}: log.level: ${JSON.stringify(value)} is not one of ${LOG_LEVELS.join(', ')}`);
    }
    config.logLevel = value as LogLevel;
  }
  return config;
}

export async function loadDaemonConfig(file: string): Promise<DaemonConfig> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new ConfigError(
      code === 'ENOENT'
        ? `${file}: no such config file (pass --config with the path of gateway.yaml)`
        : `${file}: cannot read the config: ${(err as Error).message}`,
    );
  }
  return parseDaemonConfig(text, resolve(file));
}

/** What changed between two configs, key by key, for the reload log line. */
export function configChanges(before: DaemonConfig, after: DaemonConfig): { key: string; from: string; to: string }[] {
  const flat = (c: DaemonConfig): Record<string, string> => ({
    'control.socket': c.controlSocket,
    'metrics.listen': c.metrics ? formatListenAddress(c.metrics) : 'off',
    'log.level': c.logLevel,
  });
  const a = flat(before);
  const b = flat(after);
  return Object.keys(a)
    .filter((k) => a[k] !== b[k])
    .map((key) => ({ key, from: a[key] ?? '', to: b[key] ?? '' }));
}

/** A whole gateway.yaml: the daemon's sections, and the gateway (cards, trunks, routes) when the file has one. */
export interface ConfigFile {
  daemon: DaemonConfig;
  /** null for a file with only the daemon's sections (control, metrics, log). */
  gateway: GatewayConfig | null;
  /** The checker's warnings (file:line:column: path: warning: ...), for the start-up log. */
  warnings?: string[];
}

/**
 * The one loader of gateway.yaml: the config checker (src/call/config-check.ts)
 * reads a file that has cards or routes, with every error at its line; the
 * daemon's sections are read from the same text.
 */
export async function loadConfigFile(file: string): Promise<ConfigFile> {
  const daemon = await loadDaemonConfig(file);
  const text = await readFile(file, 'utf8');
  const doc = parseDocument(text);
  const hasGateway = isMap(doc.contents) && (doc.contents.has('cards') || doc.contents.has('routes'));
  if (!hasGateway) return { daemon, gateway: null };
  let profiles: string[] | undefined;
  try {
    profiles = loadHwProfiles().map((p) => p.name);
  } catch {
    profiles = undefined; // a broken profile is reported when its card opens
  }
  const checked = checkConfig(text, resolve(file), profiles ? { profiles } : {});
  if (!checked.ok) throw new ConfigError(checked.errors.map(formatConfigError).join('\n'));
  return { daemon, gateway: checked.config, warnings: checked.warnings.map(formatConfigError) };
}
