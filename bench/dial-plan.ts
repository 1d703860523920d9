// Route decisions per second for a dial plan of --routes routes (default
// 1000, the last one matching), with Asterisk patterns and with the same
// routes as regular expressions, side by side; and CDR writes per second
// with synchronous=NORMAL (the default) against FULL in the same run.
//   node dist/bench/dial-plan.js [--routes N] [--cdrs N]
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CdrStore } from '../src/call/cdr-store.js';
import { DialPlan, type RouteState } from '../src/call/dial-plan.js';
import { asteriskToRegex } from '../src/call/dial-pattern.js';
import type { GatewayConfig } from '../src/call/gateway-config.js';

function arg(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  const v = i >= 0 ? Number(process.argv[i + 1]) : fallback;
  if (!Number.isInteger(v) || v <= 0) throw new Error(`--${name} must be a positive integer`);
  return v;
}

const nRoutes = arg('routes', 1000);
const nCdrs = arg('cdrs', 2000);

function plan(regex: boolean): DialPlan {
  const routes = Array.from({ length: nRoutes }, (_, i) => {
    const p = `_${String(100 + (i % 900)).padStart(3, '0')}NXXXXXX`;
    return { name: `r${i}`, match: { called: regex ? `/${asteriskToRegex(p).source}/` : p }, to: { trunks: ['t'] } };
  });
  const config: GatewayConfig = {
    cards: [],
    sipTrunks: [{ name: 't', host: 'h', allowedAddresses: ['127.0.0.1'] }],
    routes: [...routes.slice(1), routes[0]!],
  };
  return new DialPlan(config);
}

const state: RouteState = { trunkUp: () => true, freeChannels: () => 1, calls: () => [] };

function rate(p: DialPlan): number {
  const t0 = process.hrtime.bigint();
  let n = 0;
  while (process.hrtime.bigint() - t0 < 1_000_000_000n) {
    const d = p.route({ source: { kind: 'pstn', line: 'x' }, called: '1002125551', calling: '' }, state);
    if (d.action !== 'route') throw new Error('bench plan does not route');
    n++;
  }
  return n;
}

const asterisk = rate(plan(false));
const regex = rate(plan(true));
console.log(`route decisions/s with ${nRoutes} routes (match on the last): asterisk ${asterisk}, regex ${regex}, ratio ${(asterisk / regex).toFixed(2)}`);

function cdrRate(sync: 'FULL' | 'NORMAL'): number {
  const dir = mkdtempSync(join(tmpdir(), 'sipline-bench-'));
  try {
    const store = new CdrStore(join(dir, 'cdr.sqlite'), { synchronous: sync });
    const t0 = performance.now();
    for (let i = 0; i < nCdrs; i++) {
      store.write({ callId: `c${i}`, direction: 'pstn-to-sip', start: i, end: i + 1, caller: '1', callee: '2', hungUpBy: 'pstn' });
    }
    const s = (performance.now() - t0) / 1000;
    store.close();
    return nCdrs / s;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const normal = cdrRate('NORMAL');
const full = cdrRate('FULL');
console.log(`CDR writes/s: synchronous=NORMAL ${normal.toFixed(0)}, FULL ${full.toFixed(0)}, ratio ${(normal / full).toFixed(1)}`);
