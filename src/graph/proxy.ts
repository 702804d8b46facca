// Proxy support: HTTPS_PROXY / HTTP_PROXY / NO_PROXY decide, hpagent tunnels (got ignores those variables itself).
/// <reference path="../vendor-types.d.ts" />

import { getProxyForUrl } from 'proxy-from-env';
import { ConfigError } from '../errors.js';
import { isLoopbackHost, loopbackOnlyLookup } from '../settings/loopback.js';

/** A proxy in use: got's agent option, and the proxy's URL for messages (credentials removed). */
export interface ProxyRoute {
  agents: { http?: unknown; https?: unknown };
  name: string;
}

/** got's agent option for requests to `targetUrl`, or undefined when no proxy applies. */
export async function proxyAgentsFor(targetUrl: string, timeoutMs?: number): Promise<{ http?: unknown; https?: unknown } | undefined> {
  return (await proxyRouteFor(targetUrl, timeoutMs))?.agents;
}

/**
 * The proxy route for requests to `targetUrl`, or undefined when no proxy applies. `timeoutMs` bounds the proxy's
 * CONNECT answer: hpagent runs it before got sees a socket, so got's own limits cannot.
 */
export async function proxyRouteFor(targetUrl: string, timeoutMs?: number, route: { carriesToken?: boolean } = {}): Promise<ProxyRoute | undefined> {
  const carriesToken = route.carriesToken !== false;
  const proxy = getProxyForUrl(targetUrl);
  if (!proxy) return undefined;
  let proxyUrl: URL;
  try {
    proxyUrl = new URL(proxy);
  } catch {
    throw new ConfigError(`proxy "${redactProxyCredentials(proxy)}" from HTTPS_PROXY/HTTP_PROXY is not a URL`);
  }
  const target = new URL(targetUrl);
  // Plain http goes only to loopback; a proxy elsewhere would see the token in clear text, so it is not used (a URL
  // source's fetch carries no token: its plain http may go through any proxy, as with curl).
  if (carriesToken && target.protocol === 'http:' && !isLoopbackHost(proxyUrl.hostname)) return undefined;
  const options = {
    keepAlive: true,
    keepAliveMsecs: 1000,
    maxSockets: 64,
    maxFreeSockets: 8,
    proxy: proxyUrl,
    ...(timeoutMs ? { timeout: timeoutMs } : {}),
    // A plain-http target through a plain-http proxy: the proxy sees the token, so it must provably be this machine.
    ...(carriesToken && target.protocol === 'http:' && proxyUrl.protocol === 'http:' ? { proxyRequestOptions: { lookup: loopbackOnlyLookup } as never } : {}),
  };
  // hpagent loads only when a proxy applies: its HttpsProxyAgent extends https.Agent, so importing it loads TLS.
  const { HttpProxyAgent, HttpsProxyAgent } = await import('hpagent');
  const agents = target.protocol === 'https:' ? { https: new HttpsProxyAgent(options) } : { http: new HttpProxyAgent(options) };
  return { agents, name: redactProxyCredentials(`${proxyUrl.protocol}//${proxyUrl.host}`) };
}

/** A proxy URL fit for messages: user and password removed. */
function redactProxyCredentials(proxy: string): string {
  return proxy.replace(/\/\/[^@/]*@/, '//[REDACTED]@');
}
