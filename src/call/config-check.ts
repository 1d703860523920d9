// Reads and checks gateway.yaml: YAML syntax, then the schema (ajv), then
// the cross-references and values a schema cannot express. Every error names
// the file, line and column and what was expected there.
import { readFileSync } from 'node:fs';
import { isIP } from 'node:net';
import { Ajv, type ErrorObject } from 'ajv';
import { isSupportedCountry } from 'libphonenumber-js';
import { isAlias, isMap, isPair, isScalar, isSeq, LineCounter, parseDocument, type Document, type Node } from 'yaml';
import { DENIED_TO_SIP, DESTINATION_CLASSES, homeCountry, type DestinationClass } from './destination-class.js';
import { patternProblem } from './dial-pattern.js';
import type { GatewayConfig } from './gateway-config.js';
import { gatewayConfigSchema } from './gateway-config-schema.js';

/** One problem in a configuration file. */
export interface ConfigError {
  file: string;
  /** 1-based. */
  line: number;
  /** 1-based. */
  column: number;
  /** Where in the document: `routes[2].match.called`, or '' for the whole file. */
  path: string;
  message: string;
  /** A setting that works but is likely a mistake: `sipline check` prints it and still passes. */
  warning?: true;
}

export type ConfigCheck = { ok: true; config: GatewayConfig; warnings: ConfigError[] } | { ok: false; errors: ConfigError[]; warnings: ConfigError[] };

type PathKey = string | number;

export function formatConfigError(e: ConfigError): string {
  return `${e.file}:${e.line}:${e.column}: ${e.path ? e.path + ': ' : ''}${e.warning ? 'warning: ' : ''}${e.message}`;
}

export function formatPath(path: readonly PathKey[]): string {
  let out = '';
  for (const k of path) {
    if (typeof k === 'number') out += `[${k}]`;
    else if (/^[A-Za-z_][A-Za-z0-9_-]*$/.test(k)) out += (out ? '.' : '') + k;
    else out += `[${JSON.stringify(k)}]`;
  }
  return out;
}

const ajv = new Ajv({ allErrors: true, verbose: true, strict: true });
const validate = ajv.compile(gatewayConfigSchema);

export interface CheckOptions {
  /** Names of the hw-profiles there are (files in hw-profiles/ without .yaml); unchecked when absent. */
  profiles?: readonly string[];
}

/** Reads and checks a configuration file; an unreadable file is one error at 1:1. */
export function checkConfigFile(path: string, displayName: string = path, opts: CheckOptions = {}): ConfigCheck {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    const reason = (err as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (err as Error).message;
    return { ok: false, errors: [{ file: displayName, line: 1, column: 1, path: '', message: `cannot read the file: ${reason}` }], warnings: [] };
  }
  return checkConfig(text, displayName, opts);
}

/** Checks configuration text. Never throws. */
export function checkConfig(text: string, file = 'gateway.yaml', opts: CheckOptions = {}): ConfigCheck {
  const lc = new LineCounter();
  const at = (offset: number) => {
    const p = lc.linePos(Math.max(0, Math.min(offset, text.length)));
    return { line: p.line, column: p.col };
  };
  const errors: ConfigError[] = [];
  let doc: Document.Parsed;
  let data: unknown;
  try {
    doc = parseDocument(text, { lineCounter: lc, prettyErrors: false, uniqueKeys: true, logLevel: 'error' });
    for (const e of doc.errors) {
      errors.push({ file, ...at(e.pos[0]), path: '', message: `YAML: ${e.message.split('\n')[0]}` });
    }
    if (errors.length > 0) return { ok: false, errors: sorted(errors), warnings: [] };
    data = doc.toJS({ maxAliasCount: 100 });
  } catch (err) {
    return { ok: false, errors: [{ file, line: 1, column: 1, path: '', message: `YAML: ${(err as Error).message}` }], warnings: [] };
  }

  const locate = (path: readonly PathKey[], keyOf = false) => at(offsetOf(doc, path, keyOf));
  const report = (path: readonly PathKey[], message: string, keyOf = false) =>
    errors.push({ file, ...locate(path, keyOf), path: formatPath(path), message });
  const warnings: ConfigError[] = [];
  const warn = (path: readonly PathKey[], message: string, keyOf = false) =>
    warnings.push({ file, ...locate(path, keyOf), path: formatPath(path), message, warning: true });

  if (!validate(data)) {
    for (const e of validate.errors ?? []) schemaError(e, report);
  }
  if (data !== null && typeof data === 'object' && !Array.isArray(data)) {
    semanticChecks(data as Record<string, unknown>, report, (path) => locate(path), opts);
    securityChecks(data as Record<string, unknown>, report, warn);
  }
  if (errors.length > 0) return { ok: false, errors: sorted(dedupe(errors)), warnings: sorted(warnings) };
  return { ok: true, config: data as GatewayConfig, warnings: sorted(warnings) };
}

function sorted(errors: ConfigError[]): ConfigError[] {
  return errors.sort((a, b) => a.line - b.line || a.column - b.column);
}

function dedupe(errors: ConfigError[]): ConfigError[] {
  const seen = new Set<string>();
  return errors.filter((e) => {
    const k = formatConfigError(e);
    if (seen.has(k)) return false;
    seen.add(k);
    return true;
  });
}

/** Offset of the node at `path` (its key with keyOf), or of the deepest node that exists on the way. */
function offsetOf(doc: Document.Parsed, path: readonly PathKey[], keyOf: boolean): number {
  let node: unknown = doc.contents;
  let offset = rangeStart(node) ?? 0;
  // Below an alias the anchored node is shared; the alias is where this use of it is written.
  let viaAlias = false;
  for (let i = 0; i < path.length; i++) {
    if (isAlias(node)) {
      node = node.resolve(doc);
      viaAlias = true;
    }
    const k = path[i]!;
    let next: unknown;
    let keyNode: unknown;
    if (isMap(node)) {
      const pair = node.items.find((p) => isPair(p) && String(isScalar(p.key) ? p.key.value : p.key) === String(k));
      keyNode = pair?.key;
      next = pair?.value;
      if (pair && next === null) next = pair.key; // `key:` with no value
    } else if (isSeq(node) && typeof k === 'number') {
      next = node.items[k];
    }
    if (next === undefined || next === null) return offset;
    if (viaAlias) return offset;
    if (keyOf && i === path.length - 1 && keyNode !== undefined) return rangeStart(keyNode) ?? offset;
    node = next;
    offset = rangeStart(node) ?? offset;
  }
  return offset;
}

function rangeStart(node: unknown): number | undefined {
  const r = (node as Node | null)?.range;
  return Array.isArray(r) ? r[0] : undefined;
}

function jsonPointerToPath(ptr: string): PathKey[] {
  if (ptr === '') return [];
  return ptr
    .slice(1)
    .split('/')
    .map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'))
    .map((s) => (/^(0|[1-9]\d*)$/.test(s) ? Number(s) : s));
}

function describe(v: unknown): string {
  if (v === null) return 'nothing (null)';
  if (Array.isArray(v)) return 'a list';
  if (typeof v === 'object') return 'a mapping';
  if (typeof v === 'string') return `the string ${JSON.stringify(v)}`;
  if (typeof v === 'number' || typeof v === 'boolean') return `${typeof v} ${v}`;
  return typeof v;
}

const typeWords: Record<string, string> = {
  object: 'a mapping (key: value lines)',
  array: 'a list',
  string: 'a string',
  integer: 'an integer',
  number: 'a number',
  boolean: 'true or false',
};

/** Closest name by edit distance, for "did you mean". */
function closest(word: string, candidates: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestD = Math.max(2, Math.floor(word.length / 3)) + 1;
  for (const c of candidates) {
    const d = editDistance(word.toLowerCase(), c.toLowerCase());
    if (d < bestD) [best, bestD] = [c, d];
  }
  return best;
}

function editDistance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    let prev = row[0]!;
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const cur = row[j]!;
      row[j] = Math.min(row[j]! + 1, row[j - 1]! + 1, prev + (a[i - 1] === b[j - 1] ? 0 : 1));
      prev = cur;
    }
  }
  return row[b.length]!;
}

/** YAML reads 0911 or 200 as a number: numbers and patterns want quotes. */
function quoteHint(data: unknown, expected: unknown): string {
  return typeof data === 'number' && expected === 'string' ? ` (write it in quotes: "${data}")` : '';
}

type Report = (path: readonly PathKey[], message: string, keyOf?: boolean) => void;

function schemaError(e: ErrorObject, report: Report): void {
  const path = jsonPointerToPath(e.instancePath);
  const p = e.params as Record<string, unknown>;
  const routeFrom = /^\/routes\/\d+\/from/.test(e.instancePath);
  if (routeFrom && e.instancePath.split('/').length === 4) {
    // A route's from: a word, or a mapping whose own errors say more than the anyOf.
    const mapping = e.data !== null && typeof e.data === 'object' && !Array.isArray(e.data);
    if (e.keyword === 'anyOf' && !mapping) return report(path, `expected pstn, sip, any, or a mapping of trunks, users, lineGroups, lines (the sources the route serves), got ${describe(e.data)}`);
    if (e.keyword === 'anyOf' || e.keyword === 'enum' || e.keyword === 'type' || !mapping) return;
  } else if (e.schemaPath.includes('/anyOf/') && !routeFrom) return; // the anyOf error itself says it in one line
  switch (e.keyword) {
    case 'required':
      return report(path, `missing required key '${String(p.missingProperty)}'`);
    case 'additionalProperties': {
      const key = String(p.additionalProperty);
      const known = Object.keys((e.parentSchema as { properties?: object } | undefined)?.properties ?? {});
      const hint = closest(key, known);
      return report([...path, key], `unknown key '${key}'${hint ? ` (did you mean '${hint}'?)` : ''}; expected one of: ${known.join(', ')}`, true);
    }
    case 'type':
      return report(path, `expected ${typeWords[String(p.type)] ?? String(p.type)}, got ${describe(e.data)}${quoteHint(e.data, p.type)}`);
    case 'enum': {
      const allowed = (p.allowedValues as unknown[]).map((v) => String(v));
      const hint = typeof e.data === 'string' ? closest(e.data, allowed) : undefined;
      return report(path, `${describe(e.data)} is not allowed${hint ? ` (did you mean '${hint}'?)` : ''}; expected one of: ${allowed.join(', ')}`);
    }
    case 'minimum':
    case 'maximum':
    case 'exclusiveMinimum':
    case 'exclusiveMaximum':
      return report(path, `${String(e.data)} is out of range: must be ${String(p.comparison)} ${String(p.limit)}`);
    case 'minLength':
      return report(path, p.limit === 1 ? 'must not be empty' : `must be at least ${String(p.limit)} characters long`);
    case 'maxLength':
      return report(path, `must be at most ${String(p.limit)} characters long`);
    case 'minItems':
      return report(path, `must list at least ${String(p.limit)} item${p.limit === 1 ? '' : 's'}`);
    case 'minProperties':
      return report(path, `must name at least one of: ${Object.keys((e.parentSchema as { properties?: object } | undefined)?.properties ?? {}).join(', ')}`);
    case 'uniqueItems':
      return report(path, `items ${String(p.j)} and ${String(p.i)} are the same; list each once`);
    case 'pattern':
      return report(path, /ha1Sha256$/.test(e.instancePath) ? 'must be 64 hex digits (a SHA-256 HA1)' : /ha1$/.test(e.instancePath) ? 'must be 32 hex digits (an MD5 HA1)' : `does not match ${String(p.pattern)}`);
    case 'anyOf':
      if (routeFrom) return;
      return report(path, `expected a pattern or a list of patterns, got ${describe(e.data)}${quoteHint(e.data, 'string')}`);
    default:
      return report(path, e.message ?? `fails ${e.keyword}`);
  }
}

const obj = (v: unknown): Record<string, unknown> | undefined =>
  v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : undefined;
const arr = (v: unknown): unknown[] => (Array.isArray(v) ? v : []);
const str = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);

/** Checks that need more than one place of the file, or values a schema keyword cannot judge. */
function semanticChecks(
  root: Record<string, unknown>,
  report: Report,
  locate: (path: readonly PathKey[]) => { line: number; column: number },
  opts: CheckOptions,
): void {
  const firstAt = (path: readonly PathKey[]) => {
    const p = locate(path);
    return `line ${p.line}`;
  };
  /** Reports the second and later uses of the same name. */
  const unique = (what: string) => {
    const seen = new Map<string, PathKey[]>();
    return (value: unknown, path: PathKey[]) => {
      if (typeof value !== 'string' && typeof value !== 'number') return;
      const k = String(value);
      const first = seen.get(k);
      if (first) report(path, `duplicate ${what} ${JSON.stringify(value)} (first at ${firstAt(first)})`);
      else seen.set(k, path);
    };
  };

  // Lines: span and port names share one namespace (line groups and CDRs name them).
  const lines = new Set<string>();
  const lineName = unique('line name');
  const cardName = unique('card name');
  arr(root.cards).forEach((c, ci) => {
    const card = obj(c);
    if (!card) return;
    cardName(card.name, ['cards', ci, 'name']);
    if (opts.profiles && typeof card.profile === 'string' && card.profile.length > 0 && !opts.profiles.includes(card.profile)) {
      report(['cards', ci, 'profile'], `no hw-profile is named '${card.profile}'${hintFrom(card.profile, new Set(opts.profiles))}`);
    }
    const spanNo = unique(`span number on card '${String(card.name)}':`);
    arr(card.spans).forEach((s, si) => {
      const span = obj(s);
      if (!span) return;
      lineName(span.name, ['cards', ci, 'spans', si, 'name']);
      spanNo(span.span, ['cards', ci, 'spans', si, 'span']);
      if (typeof span.name === 'string') lines.add(span.name);
      checkNumber(span.destination, ['cards', ci, 'spans', si, 'destination'], report);
      checkFraming(span, ['cards', ci, 'spans', si], report);
    });
    const portNo = unique(`port number on card '${String(card.name)}':`);
    arr(card.ports).forEach((p, pi) => {
      const port = obj(p);
      if (!port) return;
      lineName(port.name, ['cards', ci, 'ports', pi, 'name']);
      portNo(port.port, ['cards', ci, 'ports', pi, 'port']);
      if (typeof port.name === 'string') lines.add(port.name);
      checkNumber(port.destination, ['cards', ci, 'ports', pi, 'destination'], report);
      checkNumber(port.number, ['cards', ci, 'ports', pi, 'number'], report);
      if (port.signalling === 'fxs' && port.callerName !== undefined && port.number === undefined) {
        report(['cards', ci, 'ports', pi, 'callerName'], "an FXS port's 'callerName' needs its 'number' (a call without a number leaves as anonymous, without the name)", true);
      }
      if (port.signalling === 'fxs') {
        for (const k of ['answerOnRing', 'disconnect', 'whenBlocked', 'answerSupervision'] as const) {
          if (port[k] !== undefined) report(['cards', ci, 'ports', pi, k], `only an FXO port has '${k}' (this port is FXS)`, true);
        }
      }
    });
  });

  const groups = new Set<string>();
  const groupName = unique('line group name');
  arr(root.lineGroups).forEach((g, gi) => {
    const group = obj(g);
    if (!group) return;
    groupName(group.name, ['lineGroups', gi, 'name']);
    if (typeof group.name === 'string') groups.add(group.name);
    const member = unique('line');
    arr(group.lines).forEach((l, li) => {
      member(l, ['lineGroups', gi, 'lines', li]);
      if (typeof l === 'string' && !lines.has(l)) {
        report(['lineGroups', gi, 'lines', li], `no span or port is named '${l}'${hintFrom(l, lines)}`);
      }
    });
  });

  const sip = obj(root.sip);
  const sipTransport = str(sip?.transport) ?? 'udp';
  const tls = obj(sip?.tls);
  // The user agent listens on sip.transport, on each trunk's transport and on each of sip.ports.
  const tlsUsers = [
    ...(sipTransport === 'tls' ? ['sip.transport tls'] : []),
    ...(obj(sip?.ports)?.tls !== undefined ? ['sip.ports.tls'] : []),
    ...arr(root.sipTrunks).flatMap((t) => (obj(t)?.transport === 'tls' ? [`trunk ${String(obj(t)?.name)} (transport tls)`] : [])),
  ];
  if (tlsUsers.length > 0) {
    for (const k of ['certificate', 'key'] as const) {
      if (tls?.[k] === undefined) report(tls ? ['sip', 'tls'] : ['sip'], `${tlsUsers[0]} needs sip.tls.${k} (a PEM file) to accept TLS connections`);
    }
  } else if (tls) {
    report(['sip', 'tls'], `sip.tls is only used where the gateway listens on TLS (sip.transport, a trunk's transport or sip.ports.tls; none is tls)`, true);
  }

  // The default transport listens where sip.listen says; a port for it in sip.ports would be ignored.
  if (obj(sip?.ports)?.[sipTransport] !== undefined) {
    report(['sip', 'ports', sipTransport], `${sipTransport} is the default transport (sip.transport): its port is sip.listen's; sip.ports is for the other transports`);
  }
  // RFC 3261 §17.1.1.1: T2 caps retransmission intervals that start at T1.
  const timers = obj(sip?.timers);
  if (typeof timers?.t1 === 'number' && typeof timers.t2 === 'number' && timers.t2 < timers.t1) {
    report(['sip', 'timers', 't2'], `t2 (${timers.t2} ms) is below t1 (${timers.t1} ms): T2 caps intervals that start at T1 (RFC 3261 §17.1.1.1)`);
  }

  const trunks = new Set<string>();
  const trunkName = unique('trunk name');
  arr(root.sipTrunks).forEach((t, ti) => {
    const trunk = obj(t);
    if (!trunk) return;
    trunkName(trunk.name, ['sipTrunks', ti, 'name']);
    if (typeof trunk.name === 'string') trunks.add(trunk.name);
    const host = str(trunk.host);
    if (host !== undefined && host.length > 0 && !isHost(host)) report(['sipTrunks', ti, 'host'], `'${host}' is not a host name or IP address`);
    const hasRegister = trunk.register !== undefined;
    const hasAllowed = trunk.allowedAddresses !== undefined;
    if (hasRegister && hasAllowed) {
      report(['sipTrunks', ti, 'allowedAddresses'], "a trunk either registers ('register') or is IP-authenticated ('allowedAddresses'), not both", true);
    } else if (!hasRegister && !hasAllowed) {
      report(['sipTrunks', ti], "missing 'register' (username, password) or 'allowedAddresses' (IP authentication)");
    }
    arr(trunk.allowedAddresses).forEach((a, ai) => {
      if (typeof a === 'string' && !isAddressOrPrefix(a)) {
        report(['sipTrunks', ti, 'allowedAddresses', ai], `'${a}' is not an IP address or CIDR prefix (like 203.0.113.0/24)`);
      }
    });
    // A trunk's transport is its own (the gateway listens on each); sip.transport is the default.
    const tr = str(trunk.transport) ?? sipTransport;
    // RFC 4568 §8.3: SDES keys travel in clear SDP unless the signalling is TLS.
    if ((trunk.srtp === 'optional' || trunk.srtp === 'mandatory') && tr !== 'tls') {
      report(['sipTrunks', ti, 'srtp'], `srtp ${String(trunk.srtp)} needs SIP over TLS (transport: tls on the trunk, or sip.transport: tls): SDES keys would travel in clear SDP (RFC 4568 §8.3)`);
    }
    const proxy = str(trunk.outboundProxy);
    if (proxy !== undefined && proxy.length > 0 && !/^sips?:[^\s@]+$/i.test(proxy) && !isHost(proxy.replace(/:\d+$/, ''))) {
      report(['sipTrunks', ti, 'outboundProxy'], `'${proxy}' is not a SIP URI (sip:host:port) or host`);
    }
  });

  const routeName = unique('route name');
  arr(root.routes).forEach((r, ri) => {
    const route = obj(r);
    if (!route) return;
    routeName(route.name, ['routes', ri, 'name']);
    const match = obj(route.match);
    for (const side of ['called', 'calling'] as const) {
      const m = match?.[side];
      const list = Array.isArray(m) ? m.map((x, i) => [x, ['routes', ri, 'match', side, i]] as const) : [[m, ['routes', ri, 'match', side]] as const];
      for (const [pat, path] of list) {
        if (typeof pat !== 'string' || pat.length === 0) continue;
        const problem = patternProblem(pat);
        if (problem) report(path, `'${pat}' is not a valid pattern: ${problem}`);
      }
    }
    const rewrite = obj(route.rewrite);
    for (const side of ['called', 'calling'] as const) {
      const rw = obj(rewrite?.[side]);
      for (const k of ['e164', 'national'] as const) {
        const cc = str(rw?.[k]);
        if (cc !== undefined && cc.length === 2 && !isSupportedCountry(cc.toUpperCase())) {
          report(['routes', ri, 'rewrite', side, k], `'${cc}' is not a country code (ISO 3166 alpha-2, like US or DE)`);
        }
      }
      if (rw?.e164 !== undefined && rw.national !== undefined) report(['routes', ri, 'rewrite', side, 'national'], "give 'e164' or 'national', not both", true);
      const prefix = str(rw?.prefix);
      if (prefix !== undefined && !/^\+?[0-9*#]*$/.test(prefix)) report(['routes', ri, 'rewrite', side, 'prefix'], `'${prefix}' is not digits (0-9, *, #, a leading +)`);
    }
    const to = obj(route.to);
    if (!to) return;
    const toTrunks = arr(to.trunks);
    toTrunks.forEach((t, ti) => {
      if (typeof t === 'string' && !trunks.has(t)) report(['routes', ri, 'to', 'trunks', ti], `no SIP trunk is named '${t}'${hintFrom(t, trunks)}`);
    });
    const group = str(to.lineGroup);
    if (group !== undefined && group.length > 0 && !groups.has(group)) report(['routes', ri, 'to', 'lineGroup'], `no line group is named '${group}'${hintFrom(group, groups)}`);
    if (to.reject !== undefined && (to.trunks !== undefined || to.lineGroup !== undefined)) {
      report(['routes', ri, 'to', 'reject'], "a rejecting route has no 'trunks' or 'lineGroup'", true);
    }
    if (to.reject === undefined && to.trunks === undefined && to.lineGroup === undefined) {
      report(['routes', ri, 'to'], "no destination: give 'trunks', 'lineGroup' or 'reject'");
    }
    if (to.prefer === 'sip' && to.trunks === undefined) report(['routes', ri, 'to', 'prefer'], "prefers 'sip' but lists no 'trunks'");
    if (to.prefer === 'pstn' && to.lineGroup === undefined) report(['routes', ri, 'to', 'prefer'], "prefers 'pstn' but names no 'lineGroup'");
    if (to.failover === true && (to.trunks === undefined || to.lineGroup === undefined)) {
      report(['routes', ri, 'to', 'failover'], "failover needs both 'trunks' and 'lineGroup'");
    }
  });

  const emergency = obj(root.emergency);
  if (emergency) {
    arr(emergency.numbers).forEach((n, ni) => checkNumber(n, ['emergency', 'numbers', ni], report));
    const g = str(emergency.lineGroup);
    if (g !== undefined && g.length > 0 && !groups.has(g)) report(['emergency', 'lineGroup'], `no line group is named '${g}'${hintFrom(g, groups)}`);
    arr(emergency.trunks).forEach((t, ti) => {
      if (typeof t === 'string' && !trunks.has(t)) report(['emergency', 'trunks', ti], `no SIP trunk is named '${t}'${hintFrom(t, trunks)}`);
    });
  }

  const security = obj(root.security);
  const algorithm = str(security?.algorithm) ?? 'MD5';
  const userName = unique('digest user');
  arr(security?.users).forEach((u, ui) => {
    const user = obj(u);
    if (!user) return;
    userName(user.username, ['security', 'users', ui, 'username']);
    // HA1 is per algorithm (RFC 7616 §3.4.2): the challenge's algorithm needs its own, or the password.
    const secret = algorithm === 'SHA-256' ? 'ha1Sha256' : 'ha1';
    if (user.password === undefined && user[secret] === undefined) {
      report(['security', 'users', ui], `user ${JSON.stringify(user.username)} needs 'password' or '${secret}' (challenges use ${algorithm})`);
    }
  });

  const collector = str(obj(obj(root.traces)?.hep)?.collector);
  if (collector !== undefined && collector.length > 0) {
    const m = /^(?:udp:)?(\[[^\]]*\]|[^:]+):(\d{1,5})$/.exec(collector);
    if (!m || !isHost(m[1]!) || Number(m[2]) < 1 || Number(m[2]) > 65535) {
      report(['traces', 'hep', 'collector'], `'${collector}' is not host:port of a HEP collector (like 10.0.0.5:9060 or [2001:db8::5]:9060)`);
    }
  }

  const rtp = obj(obj(root.media)?.rtpPorts);
  if (rtp && typeof rtp.min === 'number' && typeof rtp.max === 'number') {
    // RFC 3550 §11: RTP on an even port, RTCP on the next odd one.
    if (rtp.min % 2 !== 0) report(['media', 'rtpPorts', 'min'], `${rtp.min} is odd; RTP ports start on an even number (RFC 3550 §11)`);
    if (rtp.max <= rtp.min) report(['media', 'rtpPorts', 'max'], `${rtp.max} is not above min ${rtp.min}`);
    else if (rtp.min < 1024) report(['media', 'rtpPorts', 'min'], `${rtp.min} is a privileged port; use 1024 or above`);
  }
}

function hintFrom(word: string, names: ReadonlySet<string>): string {
  const h = closest(word, [...names]);
  return h ? ` (did you mean '${h}'?)` : names.size > 0 ? ` (known: ${[...names].join(', ')})` : ' (none is defined)';
}

function checkNumber(v: unknown, path: PathKey[], report: Report): void {
  if (typeof v === 'string' && !/^\+?[0-9*#]+$/.test(v)) report(path, `'${v}' is not a number (digits 0-9, *, #, a leading +)`);
}

function checkFraming(span: Record<string, unknown>, path: PathKey[], report: Report): void {
  const t1 = span.framing === 'esf' || span.framing === 'd4';
  const e1 = span.framing === 'crc4' || span.framing === 'cas';
  if ((t1 && span.coding === 'hdb3') || (e1 && (span.coding === 'b8zs' || span.coding === 'ami'))) {
    report([...path, 'coding'], `${String(span.coding)} line coding does not go with ${String(span.framing)} framing (T1: esf/d4 with b8zs/ami; E1: crc4/cas with hdb3)`);
  }
}

function isHost(h: string): boolean {
  if (isIP(h) !== 0) return true;
  if (h.startsWith('[') && h.endsWith(']')) return isIP(h.slice(1, -1)) === 6;
  return /^(?=.{1,253}$)([A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?)(\.[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*\.?$/.test(h);
}

function isAddressOrPrefix(a: string): boolean {
  const [addr, len, extra] = a.split('/');
  if (extra !== undefined || addr === undefined) return false;
  const v = isIP(addr);
  if (v === 0) return false;
  if (len === undefined) return true;
  if (!/^\d{1,3}$/.test(len)) return false;
  return Number(len) <= (v === 4 ? 32 : 128);
}

/**
 * Who may place which calls (routes' sources, destination classes, limits,
 * preemption), and settings that look safe but are not: a setting accepted
 * here takes effect, or it is refused with what to write instead.
 */
function securityChecks(root: Record<string, unknown>, report: Report, warn: Report): void {
  const names = (list: unknown, key: string): Set<string> => new Set(arr(list).flatMap((x) => (typeof obj(x)?.[key] === 'string' ? [obj(x)![key] as string] : [])));
  const trunks = names(root.sipTrunks, 'name');
  const users = names(obj(root.security)?.users, 'username');
  const groups = names(root.lineGroups, 'name');
  const lines = new Set(arr(root.cards).flatMap((c) => [...names(obj(c)?.spans, 'name'), ...names(obj(c)?.ports, 'name')]));
  const country = str(root.country);
  if (country !== undefined && country.length === 2 && !isSupportedCountry(country.toUpperCase())) report(['country'], `'${country}' is not a country code (ISO 3166 alpha-2, like US or DE)`);
  const home = homeCountry({ ...(country !== undefined ? { country } : {}), ...(typeof root.toneZone === 'string' ? { toneZone: root.toneZone } : {}) });
  const needCountry = (path: PathKey[], why: string) => {
    if (home === undefined) report(path, `${why}: set 'country' (ISO 3166 alpha-2, like US) so that called numbers are classed as the lines dial them (toneZone's country is taken when toneZone is set)`, true);
  };
  const checkAllow = (allow: unknown, path: PathKey[]) => {
    arr(allow).forEach((c, i) => {
      if (typeof c === 'string' && (DESTINATION_CLASSES as readonly string[]).includes(c) && !DENIED_TO_SIP.includes(c as DestinationClass)) {
        report([...path, i], `'${c}' is open to every source; allow names what SIP sources are denied by default: ${DENIED_TO_SIP.join(', ')}`);
      }
    });
  };
  const emergency = obj(root.emergency);
  const preemptive = str(emergency?.lineGroup) !== undefined && emergency?.preempt !== false;
  const checkLimits = (limits: unknown, path: PathKey[]) => {
    if (obj(obj(limits)?.minutesPerDay)) needCountry([...path, 'minutesPerDay'], 'minutes per destination class');
  };
  const checkSipSource = (source: Record<string, unknown>, path: PathKey[]) => {
    checkAllow(source.allow, [...path, 'allow']);
    checkLimits(source.limits, [...path, 'limits']);
    if (source.preempt === true && !preemptive) report([...path, 'preempt'], 'no call is ever preempted: emergency preemption needs emergency.lineGroup (and emergency.preempt not false)', true);
  };
  arr(root.sipTrunks).forEach((t, ti) => obj(t) && checkSipSource(obj(t)!, ['sipTrunks', ti]));
  arr(obj(root.security)?.users).forEach((u, ui) => obj(u) && checkSipSource(obj(u)!, ['security', 'users', ui]));
  arr(root.lineGroups).forEach((g, gi) => checkLimits(obj(g)?.limits, ['lineGroups', gi, 'limits']));
  arr(root.cards).forEach((c, ci) => {
    for (const kind of ['spans', 'ports'] as const) arr(obj(c)?.[kind]).forEach((l, li) => checkLimits(obj(l)?.limits, ['cards', ci, kind, li, 'limits']));
  });

  arr(root.routes).forEach((r, ri) => {
    const route = obj(r);
    if (!route) return;
    const from = route.from;
    if (from === undefined) {
      report(['routes', ri], "missing 'from': a route serves only the sources it names (from: pstn, sip, any, or { trunks: [...], users: [...], lineGroups: [...], lines: [...] })");
      return;
    }
    const sources = obj(from);
    const refs: [key: string, known: Set<string>, what: string][] = [
      ['trunks', trunks, 'SIP trunk'],
      ['users', users, 'digest user (security.users)'],
      ['lineGroups', groups, 'line group'],
      ['lines', lines, 'span or port'],
    ];
    for (const [key, known, what] of refs) {
      arr(sources?.[key]).forEach((n, ni) => {
        if (typeof n === 'string' && !known.has(n)) report(['routes', ri, 'from', key, ni], `no ${what} is named '${n}'${hintFrom(n, known)}`);
      });
    }
    const servesSip = from === 'sip' || from === 'any' || sources?.trunks !== undefined || sources?.users !== undefined;
    if (route.allow !== undefined && !servesSip) report(['routes', ri, 'allow'], 'lines reach every destination class; allow is for routes that serve SIP sources', true);
    checkAllow(route.allow, ['routes', ri, 'allow']);
    if (servesSip && obj(route.to)?.lineGroup !== undefined) needCountry(['routes', ri], 'the route takes SIP calls to lines');
  });

  // Settings the gateway once accepted and never applied.
  const inbound = obj(obj(root.security)?.inbound);
  if (inbound?.default === 'allow') {
    report(['security', 'inbound', 'default'], "'allow' was never applied: an INVITE is only taken from a trunk's allowedAddresses, a registered trunk or a digest user (security.users); remove security.inbound and admit callers there");
  } else if (obj(root.security)?.inbound !== undefined) {
    warn(['security', 'inbound'], 'unknown sources are always refused; security.inbound changes nothing and can go', true);
  }
  if (root.recording !== undefined) {
    report(['recording'], 'a top-level recording section is not applied; record a route\'s calls with recording: { enabled: true, dir: recordings, format: wav } on the route', true);
  }

  const sip = obj(root.sip);
  if (obj(sip?.tls)?.verify === false) {
    warn(['sip', 'tls', 'verify'], "peers' certificates are not checked: anyone on the path can pose as a trunk and read its calls; give sip.tls.ca instead", true);
  }
  const listen = sip?.listen;
  const host = typeof listen === 'string' ? (/^\[([^\]]*)\]/.exec(listen)?.[1] ?? (listen.split(':').length > 2 ? listen : listen.split(':')[0])) : undefined;
  if ((host === '0.0.0.0' || host === '::') && sip?.advertisedHost === undefined) {
    warn(['sip', 'listen'], `listening on ${host} without sip.advertisedHost: Contact and SDP would carry ${host}, which peers take as hold (one-way audio); set advertisedHost to the address peers reach`);
  }
}
