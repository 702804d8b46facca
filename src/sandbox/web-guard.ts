// Keeps web pages away from the sandbox's control endpoints: a page can send requests to loopback, curl sends no Origin.

import type { IncomingHttpHeaders } from 'node:http';

/** A host name a request to loopback carries: `localhost`, `*.localhost`, 127.0.0.0/8, `::1`, or the address listened on. */
function isLoopbackHostHeader(host: string, listening: string): boolean {
  let name: string;
  try {
    name = new URL(`http://${host}`).hostname.toLowerCase();
  } catch {
    return false;
  }
  const bare = name.startsWith('[') ? name.slice(1, -1) : name;
  return (
    bare === 'localhost' ||
    bare.endsWith('.localhost') ||
    /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(bare) ||
    bare === '::1' ||
    bare === listening.toLowerCase()
  );
}

/**
 * Why a control request is refused, or undefined. A web page can send requests to loopback: a browser puts an `Origin`
 * header on every cross-site request, and a page that rebinds its own name to 127.0.0.1 still sends its own name as
 * `Host`. curl and code send neither.
 */
export function controlRefusal(headers: IncomingHttpHeaders, listening: string): string | undefined {
  if (headers.origin !== undefined) {
    return "(#10) The sandbox's control endpoints refuse requests from web pages (this one has an Origin header): call them with curl or from code";
  }
  if (headers.host !== undefined && !isLoopbackHostHeader(headers.host, listening)) {
    return `(#10) The sandbox's control endpoints answer only requests addressed to loopback (localhost, 127.0.0.1, [::1]), not ${JSON.stringify(headers.host)}`;
  }
  return undefined;
}
