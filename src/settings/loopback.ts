// Which hosts never leave this machine: plain http and the token may go only there, to an address checked at connect time.

import type { LookupAddress, LookupOptions } from 'node:dns';
import { isIP } from 'node:net';

/** True for hosts that may be loopback by their name: localhost, *.localhost, 127.0.0.0/8, ::1 (names still get resolved and checked: see loopbackOnlyLookup). */
export function isLoopbackHost(hostname: string): boolean {
  const host = hostname.replace(/^\[|\]$/g, '').toLowerCase();
  if (host === 'localhost' || host.endsWith('.localhost')) return true;
  return isLoopbackAddress(host);
}

/** True for an IP address in 127.0.0.0/8 or ::1 (also as an IPv4-mapped IPv6 address). */
function isLoopbackAddress(address: string): boolean {
  const host = address.replace(/^\[|\]$/g, '').toLowerCase();
  if (isIP(host) === 4) return host.startsWith('127.');
  if (isIP(host) === 6) {
    if (host === '::1' || host === '0:0:0:0:0:0:0:1') return true;
    const mapped = /^(?:0:0:0:0:0|):ffff:(\d+\.\d+\.\d+\.\d+)$/.exec(host.replace(/^::/, ':'));
    return mapped !== null && mapped[1]!.startsWith('127.');
  }
  return false;
}

/** The error a lookup gives when a name resolves to an address off this machine: the request is never sent. */
class NotLoopbackError extends Error {
  readonly code = 'ENOTLOOPBACK';
  constructor(
    readonly hostname: string,
    readonly address: string,
  ) {
    super(`${hostname} resolves to ${address}, which is not a loopback address: plain http would carry the token off this machine`);
  }
}

type LookupCallback = (error: NodeJS.ErrnoException | null, address: string | LookupAddress[], family?: number) => void;

/**
 * A `lookup` for plain-http connections: resolves the name, refuses unless every address is loopback, and hands the
 * socket the very address it checked, so the connection is pinned to it (no second resolution can answer otherwise).
 */
export function loopbackOnlyLookup(hostname: string, options: LookupOptions | number | LookupCallback, callback?: LookupCallback): void {
  const done = (typeof options === 'function' ? options : callback)!;
  const asked: LookupOptions = typeof options === 'number' ? { family: options } : typeof options === 'function' ? {} : options;
  // node:dns loads at the first plain-http lookup: https runs (all real uploads) never need it.
  process.getBuiltinModule('node:dns').lookup(hostname, { ...asked, all: true }, (error, addresses) => {
    if (error) return done(error, []);
    const off = addresses.find((entry) => !isLoopbackAddress(entry.address));
    if (off || addresses.length === 0) return done(new NotLoopbackError(hostname, off?.address ?? 'no address') as NodeJS.ErrnoException, []);
    if (asked.all) return done(null, addresses);
    done(null, addresses[0]!.address, addresses[0]!.family);
  });
}

/** Resolves a host to one checked loopback address (a literal address is its own answer); throws NotLoopbackError otherwise. */
export async function resolveLoopback(hostname: string): Promise<string> {
  const host = hostname.replace(/^\[|\]$/g, '');
  if (isIP(host)) {
    if (!isLoopbackAddress(host)) throw new NotLoopbackError(hostname, host);
    return host;
  }
  return new Promise((resolve, reject) => {
    loopbackOnlyLookup(host, {}, (error, address) => (error ? reject(error) : resolve(address as string)));
  });
}
