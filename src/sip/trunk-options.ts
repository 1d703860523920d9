// How one SIP trunk is configured (the gateway's config maps gateway.yaml onto it).
import type { SipTransportProtocol } from './node-transport.js';
import type { AudioCodecName, SrtpPolicy } from './sdp-negotiation.js';

export interface TrunkOptions {
  /** Name used in routes, logs and CDRs. */
  name: string;
  /** The trunk's SIP server (host name or address) and port (5060, or 5061 for TLS, by default). */
  host: string;
  port?: number;
  /** Transport of the trunk's requests (RFC 3261 §18.1.1); the endpoint's default transport when absent. */
  transport?: SipTransportProtocol;
  /** SIP domain for From/To/Request-URIs; the host by default. */
  domain?: string;
  /** Register with credentials (RFC 3261 §10); absent for an IP-authenticated trunk. */
  register?: {
    username: string;
    password: string;
    /** Digest user name when it differs from the AOR user. */
    authUsername?: string;
    /** Requested binding lifetime in s (3600 by default). */
    expires?: number;
    /** First retry delay after a failed registration in ms (back-off doubles it up to maxRetryMs). */
    retryMs?: number;
    maxRetryMs?: number;
  };
  /** Digest credentials for requests the trunk challenges (RFC 3261 §22.2) when it does not take REGISTER. */
  auth?: { username: string; password: string };
  /** Extra source addresses allowed to send INVITEs for this trunk (the host's address always is). */
  allowFrom?: string[];
  /** Every request of this trunk goes through this proxy (RFC 3261 §8.1.2 preloaded Route), "host:port". */
  outboundProxy?: string;
  /** OPTIONS probes (RFC 3261 §11); a trunk is down after downAfter failures, up after one success. */
  keepalive?: { intervalMs: number; timeoutMs?: number; downAfter?: number };
  /** In our trust domain: its P-Asserted-Identity is believed and ours is sent to it (RFC 3325 §9.1). */
  trusted?: boolean;
  /** Codecs in order of preference (PCMU, PCMA, opus by default). */
  codecs?: AudioCodecName[];
  /** SRTP with SDES keys (RFC 4568): 'required' by default on a TLS endpoint, 'off' otherwise. */
  srtp?: SrtpPolicy;
}
