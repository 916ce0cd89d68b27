// An undici Agent whose connector refuses forbidden addresses at the moment of connecting. The check
// sits in the DNS lookup the socket itself uses, so the address judged is the address dialled: a
// name that resolves to a public address for a pre-check and to 127.0.0.1 for the connection (DNS
// rebinding) gains nothing. Each redirect hop opens its own connection through the same connector,
// so every hop is judged too.
import dns from 'node:dns';
import net from 'node:net';
import { Agent, buildConnector, type Dispatcher } from 'undici';
import { isForbiddenAddress, isMetadataAddress } from './address-policy.ts';

/** dns.lookup's shape, as net.connect calls it (with `all: true` when it races address families). */
export type LookupFunction = (
  hostname: string,
  options: dns.LookupOptions,
  callback: (err: NodeJS.ErrnoException | null, address: string | dns.LookupAddress[], family?: number) => void,
) => void;

/** Thrown (as the connect error) when the target is refused; downloadImage/postJson map it to UrlForbidden. */
export class ForbiddenAddressError extends Error {
  readonly code = 'ERR_FORBIDDEN_ADDRESS';
  constructor(readonly host: string, readonly address: string) {
    super(host === address ? `address ${address} is not allowed` : `${host} resolves to ${address}, which is not allowed`);
    this.name = 'ForbiddenAddressError';
  }
}

export interface GuardedAgentOptions {
  /** Lift the private-range ban (local use, tests). Cloud metadata addresses stay refused. */
  allowPrivate: boolean;
  /** TCP (+TLS) connect timeout; default 10 s. */
  connectTimeoutMs?: number;
  /** The resolver to guard; default dns.lookup. Tests inject one to play a hostile DNS server. */
  lookup?: LookupFunction;
}

export function createGuardedAgent(opts: GuardedAgentOptions): Dispatcher {
  const refuse = (ip: string): boolean => isMetadataAddress(ip) || (!opts.allowPrivate && isForbiddenAddress(ip));
  const lookup = guardLookup(opts.lookup ?? (dns.lookup as unknown as LookupFunction), refuse);
  const base = buildConnector({ timeout: opts.connectTimeoutMs ?? 10_000, lookup } as buildConnector.BuildOptions);

  const connect: buildConnector.connector = (options, callback) => {
    const host = stripBrackets(options.hostname);
    // net.connect skips the lookup for IP literals, so those are judged here.
    if (net.isIP(host) && refuse(host)) {
      queueMicrotask(() => callback(new ForbiddenAddressError(host, host), null));
      return;
    }
    base(options, (err, socket) => {
      if (err || !socket) return callback(err ?? new Error('connect failed'), null);
      // Belt and braces: judge the peer the kernel actually connected to.
      const peer = socket.remoteAddress;
      if (peer === undefined || refuse(peer)) {
        socket.destroy();
        // No address means the peer already hung up: a network failure, not a refusal.
        if (peer === undefined) return callback(new Error(`connection to ${host} closed at once`), null);
        return callback(new ForbiddenAddressError(host, peer), null);
      }
      callback(null, socket);
    });
  };

  // One request per connection is not needed; keep-alive sockets were judged when opened.
  return new Agent({ connect });
}

function guardLookup(inner: LookupFunction, refuse: (ip: string) => boolean): LookupFunction {
  return (hostname, options, callback) => {
    inner(hostname, options, (err, address, family) => {
      if (err) return callback(err, address, family);
      const list = Array.isArray(address) ? address.map((a) => a.address) : [address];
      // Refuse when any answer is forbidden: a mixed answer is a rebinding attempt, not a real site.
      const bad = list.find((a) => refuse(a));
      if (bad !== undefined || list.length === 0) {
        return callback(new ForbiddenAddressError(hostname, bad ?? 'no address') as NodeJS.ErrnoException, address, family);
      }
      callback(null, address, family);
    });
  };
}

function stripBrackets(host: string): string {
  return host.startsWith('[') && host.endsWith(']') ? host.slice(1, -1) : host;
}

/** Finds a ForbiddenAddressError in an error or its cause chain (undici may wrap connect errors). */
export function findForbidden(err: unknown): ForbiddenAddressError | null {
  for (let e = err, depth = 0; e && depth < 8; e = (e as { cause?: unknown }).cause, depth++) {
    if (e instanceof ForbiddenAddressError) return e;
    if ((e as { code?: unknown }).code === 'ERR_FORBIDDEN_ADDRESS') return e as ForbiddenAddressError;
  }
  return null;
}
