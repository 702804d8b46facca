// Graph failures in words: got's errors and Graph's error envelope turned into one-line descriptions and our errors with hints.

import { RequestError, TimeoutError } from 'got';
import { ApiError, AuthError, ConfigError, TemporaryError, redactSecrets, type GraphErrorDetails, type WaUploadError } from '../errors.js';
import { isLoopbackHost } from '../settings/loopback.js';
import type { FailureVerdict, TryFailure } from './retry-policy.js';

export function graphOf(failure: TryFailure): GraphErrorDetails | undefined {
  return failure.kind === 'http' ? (failure.graph ?? { httpStatus: failure.status }) : undefined;
}

/**
 * Turns got's error into a failure description without touching its options (they hold the Authorization header).
 * `proxy` names the proxy in use: what fails before the tunnel stands is the proxy's doing, and says so.
 */
export function describeRequestError(error: unknown, timeoutMs: number, proxy?: string): TryFailure {
  if (error instanceof TimeoutError) {
    const phase = error.event;
    return { kind: 'timeout', phase, message: `no ${phase === 'connect' || phase === 'lookup' ? 'connection' : 'answer'} within ${timeoutMs / 1000} s (${phase} timeout)` };
  }
  const e = error as { code?: unknown; message?: unknown };
  const code = error instanceof RequestError ? (error.code ?? 'ERR') : typeof e?.code === 'string' ? e.code : 'ERR';
  const raw = String(e?.message ?? error);
  if (proxy) {
    // hpagent's words for a CONNECT that was not answered 200, or not at all.
    const status = /^Bad response: (\d+)/.exec(raw)?.[1];
    if (status === '407') return { kind: 'network', code: 'EPROXYAUTH', message: `the proxy ${proxy} asks for credentials (HTTP 407)` };
    if (status) return { kind: 'network', code: 'EPROXY', message: `the proxy ${proxy} refused to open a tunnel (HTTP ${status})` };
    if (/^Proxy timeout/.test(raw)) return { kind: 'timeout', phase: 'connection', message: `no answer from the proxy ${proxy} within ${timeoutMs / 1000} s` };
    if (code === 'ECONNREFUSED') return { kind: 'network', code, message: `connection refused by the proxy ${proxy}` };
  }
  return { kind: 'network', code, message: networkMessage(code, raw) };
}

function networkMessage(code: string, raw: string): string {
  const known: Record<string, string> = {
    ECONNREFUSED: 'connection refused',
    ECONNRESET: 'connection reset by the server',
    ENOTFOUND: 'host not found (DNS)',
    EAI_AGAIN: 'DNS lookup failed temporarily',
    EPIPE: 'connection closed while sending',
    ETIMEDOUT: 'connection timed out',
    EHOSTUNREACH: 'host unreachable',
    ENETUNREACH: 'network unreachable',
  };
  if (known[code]) return known[code];
  if (/socket hang up/i.test(raw)) return 'connection closed by the server (socket hang up)';
  return raw.split('\n')[0]!.slice(0, 200);
}

/** One line naming what went wrong on a try, for messages and --verbose. */
export function describeFailure(failure: TryFailure): string {
  if (failure.kind !== 'http') return failure.message;
  const { status, graph } = failure;
  if (failure.redirect !== undefined) return `HTTP ${status} redirect to ${safeOrigin(failure.redirect)}`;
  if (graph) {
    const code = graph.code !== undefined ? `, code ${graph.code}${graph.subcode !== undefined ? `/${graph.subcode}` : ''}` : '';
    const details = graph.details && !graph.message?.includes(graph.details) ? `: ${clip(graph.details)}` : '';
    return `${graph.message ? clip(graph.message) : 'Graph error'}${details}${userSentence(graph)} (HTTP ${status}${code})`;
  }
  return `HTTP ${status} with a body that is not Graph JSON${failure.bodySnippet ? `: ${failure.bodySnippet}` : ''}`;
}

/**
 * Meta's sentence for people (`error_user_title: error_user_msg`), after the Graph text: it often says what to do.
 * Left out when the Graph text already holds it.
 */
function userSentence(graph: GraphErrorDetails): string {
  const shown = `${graph.message ?? ''} ${graph.details ?? ''}`;
  const title = graph.userTitle && !shown.includes(graph.userTitle) ? clip(graph.userTitle) : undefined;
  const message = graph.userMessage && !shown.includes(graph.userMessage) ? clip(graph.userMessage) : undefined;
  if (!title && !message) return '';
  return ` — ${title && message ? `${title}: ${message}` : (title ?? message)}`;
}

function safeOrigin(location: string): string {
  try {
    const url = new URL(location);
    return `${url.origin}${url.pathname}`;
  } catch {
    return location.slice(0, 100);
  }
}

/** Maps the last failure to the error a user sees, with a hint that says what to do. */
export function toWaError(
  failure: TryFailure,
  attempts: number,
  settings: { baseUrl: string; phoneNumberId: string; appId?: string | undefined; baseUrlSource?: string | undefined },
  permanentKind?: FailureVerdict['kind'],
): WaUploadError {
  let description = describeFailure(failure);
  const graph = graphOf(failure);
  if (permanentKind === 'config' && failure.kind === 'network' && failure.code === 'ENOTLOOPBACK') {
    return new ConfigError(`refusing to connect: ${description}`, 'use https://, or a literal loopback address such as http://127.0.0.1:PORT');
  }
  if (permanentKind === 'config' && failure.kind === 'network' && failure.code === 'EPROXYAUTH') {
    return new ConfigError(description, 'put the credentials in the proxy URL (HTTPS_PROXY=http://user:password@host:port), or list the host in NO_PROXY');
  }
  if (permanentKind === 'config') {
    return new ConfigError(
      `the TLS certificate of ${new URL(settings.baseUrl).host} is not trusted: ${description}`,
      'if a proxy or firewall inspects TLS, point NODE_EXTRA_CA_CERTS at its CA certificate; otherwise check --base-url',
    );
  }
  if (permanentKind === 'auth') {
    return new AuthError(`the API refused the token: ${description}`, { hint: authHint(graph), ...(graph ? { graph } : {}) });
  }
  if (permanentKind === 'api') {
    if (failure.kind === 'http' && failure.redirect !== undefined) {
      return new ApiError(`the server answered with a redirect (${description}); wa-upload does not follow redirects, so the token never travels to another host`, {
        hint: 'point --base-url at the final address',
        ...(graph ? { graph } : {}),
      });
    }
    return new ApiError(`the API refused the request: ${description}`, { hint: apiHint(graph, settings), ...(graph ? { graph } : {}) });
  }
  const tries = `${attempts} ${attempts === 1 ? 'try' : 'tries'}`;
  const unreachable = unreachableHint(failure, settings);
  if (unreachable) description = unreachable.description;
  return new TemporaryError(`gave up after ${tries}: ${description}`, {
    hint: unreachable?.hint ?? temporaryHint(graph),
    ...(graph ? { graph } : {}),
    attempts,
  });
}

function authHint(graph: GraphErrorDetails | undefined): string {
  const code = graph?.code;
  if (code === 104) return 'no access token reached the API: set WA_TOKEN (or --token-file) to the token; a proxy may have dropped the Authorization header';
  if (code === 190 || code === 0 || graph?.httpStatus === 401) return 'the access token is invalid or expired: create a new one (a system user token does not expire)';
  if (code === 10 || (code !== undefined && code >= 200 && code <= 299)) return 'the token lacks a permission: give it whatsapp_business_messaging for this WhatsApp Business Account';
  if (code === 3) return 'the app lacks this capability: check the app\'s WhatsApp product setup';
  return 'check the token and its permissions';
}

/**
 * Code 100 "Object with ID ... does not exist": an ID in the path is unknown. Known by subcode 33 or, since
 * `error_subcode` is deprecated (https://developers.facebook.com/docs/whatsapp/cloud-api/support/error-codes), by the message text alone.
 */
export function isUnknownObjectError(graph: GraphErrorDetails | undefined): boolean {
  if (graph?.code !== 100) return false;
  return graph.subcode === 33 || /\bObject with ID '[^']*' does not exist\b/i.test(graph.message ?? '');
}

function temporaryHint(graph: GraphErrorDetails | undefined): string {
  if (graph?.code === 131057) return 'the business account is in maintenance mode (usually about a minute): retry later (exit code 7)';
  if (graph?.code === 133004) return 'the WhatsApp server is temporarily unavailable: retry later (exit code 7)';
  return 'this looks temporary: retry later (exit code 7)';
}

/**
 * A server that cannot be reached, named: which origin and what pointed there ("connection refused by
 * http://127.0.0.1:8089 (the base URL, from environment WA_BASE_URL)", or the media URL the API gave), and for loopback
 * whether the local server is still running; a DNS failure names the host. Undefined for other failures, and through
 * a proxy (the failure carries no origin then: describeRequestError names the proxy).
 */
function unreachableHint(failure: TryFailure, settings: { baseUrl: string; baseUrlSource?: string | undefined }): { description: string; hint: string } | undefined {
  if (failure.kind !== 'network' || failure.origin === undefined) return undefined;
  const url = new URL(failure.origin);
  const isBase = url.origin === new URL(settings.baseUrl).origin;
  const from = isBase ? `the base URL, from ${settings.baseUrlSource ?? 'the default'}` : 'the media URL the API gave';
  if (failure.code === 'ECONNREFUSED') {
    const hint = !isBase
      ? `the media host ${url.host} does not answer: retry later (exit code 7)`
      : isLoopbackHost(url.hostname)
        ? `is the sandbox (or the local server) at ${url.origin} still running? start it again, or point the base URL elsewhere`
        : `nothing answers at ${url.origin}: check the base URL, or retry later (exit code 7)`;
    return { description: `connection refused by ${url.origin} (${from})`, hint };
  }
  if (failure.code === 'ENOTFOUND' || failure.code === 'EAI_AGAIN') {
    return { description: `host ${url.hostname} not found (DNS) (${from})`, hint: `check the host name in the base URL and this machine's DNS, then retry (exit code 7)` };
  }
  return undefined;
}

function apiHint(graph: GraphErrorDetails | undefined, settings: { phoneNumberId: string; appId?: string | undefined }): string | undefined {
  if (isUnknownObjectError(graph)) {
    // handle talks to the app, not to a phone number: the unknown object there is the app ID.
    if (!settings.phoneNumberId && settings.appId) return `is ${settings.appId} the app ID? (the App ID from the App Dashboard > App settings > Basic, not the app's name or the WhatsApp Business Account ID)`;
    if (!settings.phoneNumberId) return 'is the media ID right? (it may have expired: media is kept 30 days)';
    return `is ${settings.phoneNumberId} the phone number ID? (not the WhatsApp Business Account ID or the phone number)`;
  }
  if (graph?.code === 33) {
    return `the business phone number${settings.phoneNumberId ? ` with ID ${settings.phoneNumberId}` : ''} has been deleted: use the phone number ID of a number that still exists (WhatsApp Manager > API Setup)`;
  }
  if (graph?.code === 131053) return 'the media itself was refused: check its type, size and encoding';
  if (graph?.code === 368 || graph?.code === 131031) return 'the account is restricted or locked: see WhatsApp Manager';
  return undefined;
}

export function parseJson(text: string): unknown {
  if (!text) return undefined;
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

/** Reads the Graph error envelope; undefined when the body is not one. */
export function readGraphError(body: unknown, status: number): GraphErrorDetails | undefined {
  const error = (body as { error?: unknown } | undefined)?.error;
  if (!error || typeof error !== 'object') return undefined;
  const e = error as Record<string, unknown>;
  const data = e.error_data as Record<string, unknown> | undefined;
  const graph: GraphErrorDetails = { httpStatus: status };
  if (typeof e.code === 'number') graph.code = e.code;
  if (typeof e.error_subcode === 'number') graph.subcode = e.error_subcode;
  // Every string is the server's: redacted and cut once here, for the text and the JSON alike.
  if (typeof e.type === 'string') graph.type = clip(e.type);
  if (typeof e.message === 'string') graph.message = clip(e.message);
  if (typeof data?.details === 'string') graph.details = clip(data.details);
  if (typeof e.is_transient === 'boolean') graph.isTransient = e.is_transient;
  if (typeof e.fbtrace_id === 'string') graph.fbtraceId = clip(e.fbtrace_id, 100);
  if (typeof e.error_user_title === 'string' && e.error_user_title.trim() !== '') graph.userTitle = clip(e.error_user_title.trim());
  if (typeof e.error_user_msg === 'string' && e.error_user_msg.trim() !== '') graph.userMessage = clip(e.error_user_msg.trim());
  return graph;
}

/** Longest piece of server-supplied text a message shows. */
const SERVER_TEXT_LIMIT = 300;

/** Server-supplied text fit for a message: secrets redacted first, then cut (a cut must never leave part of a token). */
function clip(text: string, limit: number = SERVER_TEXT_LIMIT): string {
  const redacted = redactSecrets(text);
  return redacted.length > limit ? `${redacted.slice(0, limit)}…` : redacted;
}

/** A short, tag-free excerpt of a body that is not Graph JSON (a proxy's HTML page), for messages. */
export function snippet(text: string): string {
  return clip(redactSecrets(text).replace(/<[^>]*>/g, ' ').replace(/\s+/g, ' ').trim(), 120);
}
