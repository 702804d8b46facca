// Which failures are worth another try, how long to wait, and what exit code a failure ends in: pure decisions.

import type { GraphErrorDetails } from '../errors.js';

/**
 * Graph codes that mean "try again later" (https://developers.facebook.com/docs/whatsapp/cloud-api/support/error-codes): unknown or unavailable (1, 2, 131000, 131016, 133004),
 * business account in maintenance mode for about a minute (131057), throttled (4, 17, 80007, 130429).
 */
export const RETRYABLE_GRAPH_CODES: ReadonlySet<number> = new Set([1, 2, 4, 17, 80007, 130429, 131000, 131016, 131057, 133004]);

/**
 * The most extra tries a media lookup (`info`, `download`) makes, whatever --retries says: Meta blocks
 * `GET /<media-id>` for 30 minutes after 20 error answers within an hour (https://developers.facebook.com/docs/whatsapp/cloud-api/reference/media).
 */
export const LOOKUP_MAX_RETRIES = 2;

/** Extra tries for a call: what the settings say, at most LOOKUP_MAX_RETRIES for a lookup. */
export function retriesFor(call: 'upload' | 'lookup' | 'delete', configured: number): number {
  return call === 'lookup' ? Math.min(configured, LOOKUP_MAX_RETRIES) : configured;
}

/** Graph codes that are about the token or its permissions (exit 6); 104 is "An access token is required". */
function isAuthGraphCode(code: number): boolean {
  return code === 0 || code === 190 || code === 104 || code === 10 || code === 3 || (code >= 200 && code <= 299);
}

/** One failed try, as the HTTP layer saw it. */
export type TryFailure =
  /** `origin`: the server the request went to (the API, or the media URL's host), when no proxy stood between. */
  | { kind: 'network'; code: string; message: string; origin?: string | undefined }
  | { kind: 'timeout'; phase: string; message: string }
  | { kind: 'http'; status: number; graph: GraphErrorDetails | undefined; bodySnippet: string; redirect?: string | undefined };

/** What to do about a failure. */
export interface FailureVerdict {
  retryable: boolean;
  /** The error class it ends in if it is the last: config (3), api (5), auth (6) or temporary (7). */
  kind: 'config' | 'api' | 'auth' | 'temporary';
}

/** TLS errors that say a server's certificate is not trusted, and what each means: a setup problem a retry cannot fix. */
export const TLS_TRUST_PROBLEMS: Readonly<Record<string, string>> = {
  DEPTH_ZERO_SELF_SIGNED_CERT: 'its certificate is self-signed',
  SELF_SIGNED_CERT_IN_CHAIN: 'its certificate chain holds a self-signed certificate',
  UNABLE_TO_VERIFY_LEAF_SIGNATURE: 'its certificate cannot be verified',
  UNABLE_TO_GET_ISSUER_CERT: 'its certificate issuer is unknown',
  UNABLE_TO_GET_ISSUER_CERT_LOCALLY: 'its certificate issuer is unknown',
  CERT_HAS_EXPIRED: 'its certificate has expired',
  CERT_NOT_YET_VALID: 'its certificate is not valid yet',
  CERT_UNTRUSTED: 'its certificate is not trusted',
  CERT_REVOKED: 'its certificate was revoked',
  ERR_TLS_CERT_ALTNAME_INVALID: 'its certificate is for another host name',
};
const TLS_TRUST_CODES: ReadonlySet<string> = new Set(Object.keys(TLS_TRUST_PROBLEMS));

/** Decides by Graph code first, HTTP status second (code 3 arrives as HTTP 500, throttling as HTTP 400). */
export function classifyFailure(failure: TryFailure): FailureVerdict {
  if (failure.kind === 'network' && (TLS_TRUST_CODES.has(failure.code) || failure.code === 'ENOTLOOPBACK' || failure.code === 'EPROXYAUTH')) return { retryable: false, kind: 'config' };
  if (failure.kind === 'network' || failure.kind === 'timeout') return { retryable: true, kind: 'temporary' };
  const { status, graph } = failure;
  if (failure.redirect !== undefined) return { retryable: false, kind: 'api' };
  if (graph?.code !== undefined) {
    if (isAuthGraphCode(graph.code)) return { retryable: false, kind: 'auth' };
    if (RETRYABLE_GRAPH_CODES.has(graph.code) || graph.isTransient === true) return { retryable: true, kind: 'temporary' };
    if (status === 401 || status === 403) return { retryable: false, kind: 'auth' };
    if (status >= 500 && !KNOWN_PERMANENT_GRAPH_CODES.has(graph.code)) return { retryable: true, kind: 'temporary' };
    return { retryable: false, kind: 'api' };
  }
  if (graph?.isTransient === true) return { retryable: true, kind: 'temporary' };
  if (status === 401 || status === 403) return { retryable: false, kind: 'auth' };
  // No Graph error in the body: a 5xx, a proxy's HTML page, or a 2xx without an id.
  return { retryable: true, kind: 'temporary' };
}

/** Codes that are the request's fault whatever the status they arrive with (33 at top level: the phone number was deleted). */
const KNOWN_PERMANENT_GRAPH_CODES: ReadonlySet<number> = new Set([33, 100, 131053, 368, 131031, 131009, 131051]);

/** Exponential backoff with full jitter: a random wait in [0, min(cap, base * 2^(attempt-1))]. */
export function backoffDelayMs(attempt: number, baseMs: number, capMs: number, random: () => number = Math.random): number {
  const ceiling = Math.min(capMs, baseMs * 2 ** Math.max(0, attempt - 1));
  return Math.round(random() * ceiling);
}

/** Parses Retry-After (delay in seconds, or an HTTP date) into milliseconds from `now`; undefined when absent or unreadable. */
export function parseRetryAfterMs(header: string | undefined, now: number = Date.now()): number | undefined {
  if (header === undefined) return undefined;
  const text = header.trim();
  if (/^\d+(\.\d+)?$/.test(text)) return Math.round(Number(text) * 1000);
  const date = Date.parse(text);
  if (Number.isNaN(date)) return undefined;
  return Math.max(0, date - now);
}

/**
 * Reads `estimated_time_to_regain_access` (minutes) from an X-Business-Use-Case-Usage header and returns the
 * longest one in milliseconds; undefined when absent, zero or unreadable.
 */
export function parseBusinessUseCaseWaitMs(header: string | undefined): number | undefined {
  if (!header) return undefined;
  let parsed: unknown;
  try {
    parsed = JSON.parse(header);
  } catch {
    return undefined;
  }
  let longest = 0;
  const visit = (value: unknown): void => {
    if (Array.isArray(value)) value.forEach(visit);
    else if (value && typeof value === 'object') {
      for (const [key, inner] of Object.entries(value)) {
        if (key === 'estimated_time_to_regain_access' && typeof inner === 'number') longest = Math.max(longest, inner);
        else visit(inner);
      }
    }
  };
  visit(parsed);
  return longest > 0 ? longest * 60_000 : undefined;
}

/** The wait before the next try: what the server asked for, if anything, else the jittered backoff. */
export function nextWaitMs(options: {
  attempt: number;
  baseMs: number;
  capMs?: number;
  retryAfterMs?: number | undefined;
  regainAccessMs?: number | undefined;
  random?: () => number;
}): { waitMs: number; reason: 'retry-after' | 'regain-access' | 'backoff' } {
  const asked = Math.max(options.retryAfterMs ?? 0, options.regainAccessMs ?? 0);
  if (asked > 0) {
    return { waitMs: asked, reason: (options.retryAfterMs ?? 0) >= (options.regainAccessMs ?? 0) ? 'retry-after' : 'regain-access' };
  }
  return { waitMs: backoffDelayMs(options.attempt, options.baseMs, options.capMs ?? 30_000, options.random), reason: 'backoff' };
}
