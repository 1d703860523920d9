// A span of ours and libpri on the two ends of one D-channel.
import assert from 'node:assert/strict';
import { once } from 'node:events';
import type { PriCall } from '../../src/isdn/pri-call.js';
import { PriSpan, type PriSpanOptions } from '../../src/isdn/pri-span.js';
import type { SwitchVariant } from '../../src/isdn/q931.js';
import { LibpriPeer } from '../peers/libpri.js';
import { eventually } from '../support/waiting.js';

/** libpri's name of each switch variant we claim. */
export const LIBPRI_SWITCH: Record<SwitchVariant, string> = {
  national: 'national',
  dms100: 'dms100',
  '5ess': '5ess',
  '4ess': '4ess',
  euroisdn: 'euroisdn',
  qsig: 'qsig',
};

export interface Pair {
  span: PriSpan;
  /** Calls libpri placed to us, in order of arrival. */
  incoming: PriCall[];
  /** The next incoming call whose called number is `digits`. */
  incomingTo(digits: string, timeoutMs?: number): Promise<PriCall>;
  peer: LibpriPeer;
  trace: string[];
  close(): Promise<void>;
}

export const fastTimers = { T200: 300, T203: 1000, N200: 3 };

export async function startPair(
  variant: SwitchVariant,
  side: 'user' | 'network',
  options: Partial<PriSpanOptions> & { peerOverlap?: boolean; peerService?: boolean; debug?: boolean } = {},
): Promise<Pair> {
  const type = options.type ?? (variant === 'euroisdn' ? 'e1' : 't1');
  const peer = new LibpriPeer({
    side: side === 'user' ? 'network' : 'user',
    switchType: LIBPRI_SWITCH[variant],
    span: type,
    overlap: options.peerOverlap ?? false,
    service: options.peerService ?? false,
    timers: { T200: fastTimers.T200, T203: fastTimers.T203, N200: fastTimers.N200 },
    debug: options.debug ?? false,
  });
  const span = new PriSpan(peer.pipe, {
    name: `${variant}-${side}`,
    side,
    switchVariant: variant,
    type,
    link: { T200: fastTimers.T200, T203: fastTimers.T203, N200: fastTimers.N200 },
    ...options,
  });
  const trace: string[] = [];
  const incoming: PriCall[] = [];
  span.on('incoming', (leg) => incoming.push(leg as PriCall));
  span.signalling.on('trace', (l) => {
    trace.push(l);
    if (options.debug) process.stderr.write(`${l}\n`);
  });
  span.signalling.on('protocol-error', (l) => trace.push(`ERROR ${l}`));
  const up = once(span.signalling, 'up');
  // RESTART at link-up (Q.931 clause 5.5): channels are offered once it is acknowledged.
  const restarted = options.restartAtLinkUp === 'none' ? Promise.resolve() : once(span.signalling, 'restarted');
  span.start();
  await up;
  await peer.waitFor('up');
  await restarted;
  return {
    span,
    peer,
    trace,
    incoming,
    incomingTo(digits, timeoutMs = 5000) {
      return eventually(`an incoming call to ${digits}`, () => {
        const found = incoming.find((c) => c.called.digits === digits);
        assert.ok(found, `libpri said:\n${peer.output}\nwe said:\n${trace.join('\n')}`);
        return found;
      }, { timeoutMs });
    },
    async close() {
      span.close();
      await peer.close();
    },
  };
}
