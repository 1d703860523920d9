// The addresses of a host name that a transport can reach. RFC 3263 §4.3
// leaves the choice among A and AAAA records to the client: a socket bound to
// an IPv4 address can only send to IPv4 addresses and one bound to an IPv6
// address only to IPv6 ones, so the name is resolved for the family of the
// transport that carries the request. Outgoing requests, a trunk's outbound
// proxy and the trunk addresses INVITEs are accepted from all resolve here.
import { lookup as dnsLookup } from 'node:dns/promises';
import { isIP } from 'node:net';

/** 4 or 6; 0 for a dual-stack socket (bound to :: or a name) that takes either. */
export type AddressFamily = 0 | 4 | 6;

/** Name resolution as node:dns/promises lookup does it with { all: true }; injectable for tests. */
export type HostLookup = (hostname: string, options: { all: true }) => Promise<Array<{ address: string; family: number }>>;

/** A host that has no address the transport can reach. */
export class HostResolutionError extends Error {
  constructor(
    readonly host: string,
    readonly family: AddressFamily,
    detail: string,
  ) {
    super(`${host} ${detail}`);
    this.name = 'HostResolutionError';
  }
}

/** The family a transport bound to `address` can send to: :: (dual-stack) and names keep the system's choice. */
export function boundFamily(address: string): AddressFamily {
  const family = isIP(address);
  if (family === 6 && /^[0:]+$/.test(address)) return 0;
  return family === 4 || family === 6 ? family : 0;
}

/**
 * Every address of `host` of `family`, in the system's order (family 0: all
 * of them). An address literal is returned as it is: the configuration chose
 * it. Rejects with a HostResolutionError naming the host and the family when
 * there is none.
 */
export async function resolveHost(host: string, family: AddressFamily, lookup: HostLookup = dnsLookup): Promise<string[]> {
  if (isIP(host)) return [host];
  let all: Array<{ address: string; family: number }>;
  try {
    all = await lookup(host, { all: true });
  } catch (err) {
    throw new HostResolutionError(host, family, `cannot be resolved (${(err as Error).message})`);
  }
  const usable = all.filter((a) => family === 0 || a.family === family).map((a) => a.address);
  if (usable.length > 0) return usable;
  if (family === 0 || all.length === 0) throw new HostResolutionError(host, family, 'resolves to no address');
  const found = all.map((a) => a.address).join(', ');
  throw new HostResolutionError(host, family, `has no IPv${family} address (it resolves to ${found}) and the transport is bound to IPv${family}`);
}
