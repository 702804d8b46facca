// Fetches a URL source into a private spool (0600, removed at exit): no token, no wa-upload header but the User-Agent, redirects
// checked by hand (at most 5, never https → http), the proxy variables applied, sizes bounded, failures retried by the API's policy.

import { createWriteStream } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import got, { type Response } from 'got';
import { fileTypeFromBuffer } from 'file-type/core';
import { ConfigError, InputError, InterruptedError, signalName, TemporaryError, WaUploadError } from '../errors.js';
import { fsPromises } from '../files.js';
import { describeRequestError } from '../graph/graph-errors.js';
import { proxyRouteFor, type ProxyRoute } from '../graph/proxy.js';
import { classifyFailure, nextWaitMs, parseRetryAfterMs, TLS_TRUST_PROBLEMS, type TryFailure } from '../graph/retry-policy.js';
import { HTML_SNIFF_BYTES, looksLikeHtml } from '../graph/server-values.js';
import { formatBytes, mediaTypeForMime, type MediaType } from '../media/media-types.js';
import { collectShortLivedGarbage } from '../upload/memory.js';
import { LARGEST_LIMIT, sourceFilename, sourceTypeFor } from './source-name.js';
import { redactedUrl } from './source-url.js';

/** How a source is fetched: the run's retry settings and limits, and how it is stopped and cleaned up. */
export interface SourceSettings {
  timeoutMs: number;
  retries: number;
  retryDelayMs: number;
  maxRetryWaitMs: number;
  userAgent: string;
  /** Aborted by SIGINT/SIGTERM (reason: the signal's name) or the API's signal. */
  signal?: AbortSignal | undefined;
  /** Registers the spool folder for removal even if the process exits without unwinding; returns the unregister. */
  removeOnExit?: ((path: string) => () => void) | undefined;
}

/** What the source fetch tells as it goes: for --verbose, the progress line and the waits between tries. */
export type SourceEvent =
  | { type: 'request'; attempt: number; url: string; conditional: boolean }
  | { type: 'response'; attempt: number; status: number; durationMs: number }
  | { type: 'redirect'; attempt: number; status: number; to: string }
  | { type: 'progress'; received: number; total: number | undefined }
  | { type: 'wait'; attempt: number; waitMs: number; description: string };

/** What to fetch: the URL, and what the caller already knows of the bytes. */
export interface SourceRequest {
  url: URL;
  /** `--type`: the type the bytes are sent as whatever the source says. */
  typeOverride?: MediaType | undefined;
  /** `--filename`: the part filename whatever the source says. */
  filename?: string | undefined;
  /** Validators of a copy already known (--reuse): an answer 304 means it is unchanged, and no byte is fetched. */
  conditional?: { etag?: string | undefined; lastModified?: string | undefined } | undefined;
}

/** A source fetched whole into the spool. */
export interface FetchedSource {
  notModified: false;
  /** The spool file: the bytes as the source sent them, exactly Content-Length of them when it gave one. */
  path: string;
  bytes: number;
  /** The part filename, its extension the type's when the type is known. */
  filename: string;
  /** The type the answer names (Content-Type, the URL's extension or, failing both, the bytes' signature), if any. */
  type: MediaType | undefined;
  /** The answer's Content-Type as sent ('' when none). */
  contentType: string;
  etag: string | undefined;
  lastModified: string | undefined;
  /** Removes the spool (also done at exit); safe to call twice. */
  cleanup(): Promise<void>;
}

/** The source answered 304 to a conditional request: the copy known is still current, and nothing was fetched. */
export interface UnchangedSource {
  notModified: true;
  etag: string | undefined;
  lastModified: string | undefined;
}

/** How many redirects are followed before the source is refused. */
const MAX_REDIRECTS = 5;

/** How many leading bytes are kept to tell the type from the signature when neither header nor URL does. */
const SIGNATURE_BYTES = 4100;

/**
 * Every this many bytes received, a minor collection frees the socket's read buffers already written (V8 frees their
 * memory late: without it a 95 MB source raised the peak by about 40 MiB; with it, like a file's).
 */
const COLLECT_EVERY_BYTES = 1024 * 1024;



/** One try's failure: the HTTP layer's account (judged by the API's retry policy) and the Retry-After it asked for. */
interface FailedTry {
  ok: false;
  failure: TryFailure;
  retryAfterMs?: number | undefined;
}

/**
 * Fetches a source into a private spool, trying again with the API's policy (5xx, 408, 429, resets, timeouts, a body
 * shorter than its Content-Length) and refusing at once what a retry cannot fix (404/410, 401/403, other 4xx, TLS,
 * an HTML page, over the size limit). Each try writes the spool afresh; the spool is removed on any failure.
 */
export async function fetchSource(
  request: SourceRequest,
  settings: SourceSettings,
  onEvent: (event: SourceEvent) => void = () => {},
): Promise<FetchedSource | UnchangedSource> {
  const { signal } = settings;
  if (signal?.aborted) throw new InterruptedError(signalName(signal), 'before the source was fetched');
  const dir = await fsPromises().mkdtemp(join(tmpdir(), 'wa-upload-url-'));
  const forget = settings.removeOnExit?.(dir);
  let removed = false;
  const cleanup = async (): Promise<void> => {
    if (removed) return;
    removed = true;
    await fsPromises().rm(dir, { recursive: true, force: true });
    forget?.();
  };
  const path = join(dir, 'source');
  try {
    for (let attempt = 1; ; attempt++) {
      if (signal?.aborted) throw new InterruptedError(signalName(signal), 'while fetching the source');
      const outcome = await fetchOnce(request, settings, attempt, path, onEvent);
      if (outcome.ok) {
        if (outcome.value.notModified) {
          await cleanup();
          return outcome.value;
        }
        return { ...outcome.value, path, cleanup };
      }
      const verdict = classifyFailure(outcome.failure);
      const description = describeSourceFailure(outcome.failure);
      if (!verdict.retryable) throw permanentError(outcome.failure, description);
      if (attempt > settings.retries) {
        throw new TemporaryError(`the source failed after ${attempt} ${attempt === 1 ? 'try' : 'tries'}: ${description}`, {
          hint: 'the source host looks unavailable: retry later (exit code 7)',
          attempts: attempt,
        });
      }
      const wait = nextWaitMs({ attempt, baseMs: settings.retryDelayMs, retryAfterMs: outcome.retryAfterMs });
      if (wait.waitMs > settings.maxRetryWaitMs) {
        throw new TemporaryError(
          `the source failed (${description}) and asks to wait ${Math.ceil(wait.waitMs / 1000)} s before another try, longer than the ${Math.round(settings.maxRetryWaitMs / 1000)} s limit`,
          { hint: 'retry later, or raise --max-retry-wait', attempts: attempt },
        );
      }
      onEvent({ type: 'wait', attempt, waitMs: wait.waitMs, description });
      try {
        await sleep(wait.waitMs, undefined, signal ? { signal } : undefined);
      } catch {
        throw new InterruptedError(signal ? signalName(signal) : 'SIGINT', 'while waiting to fetch the source again');
      }
    }
  } catch (error) {
    await cleanup();
    if (signal?.aborted && !(error instanceof InterruptedError)) throw new InterruptedError(signalName(signal), 'while fetching the source');
    throw error;
  }
}

/** What a failure that no retry can fix ends in: a refusal of the source (exit 4), or a proxy that wants credentials (exit 3). */
function permanentError(failure: TryFailure, description: string): WaUploadError {
  if (failure.kind === 'network' && failure.code === 'EPROXYAUTH') {
    return new ConfigError(description, 'put the credentials in the proxy URL (HTTPS_PROXY=http://user:password@host:port), or list the host in NO_PROXY');
  }
  if (failure.kind === 'network' && TLS_TRUST_PROBLEMS[failure.code]) {
    return new InputError(description, 'fix the source\'s certificate; if a proxy or firewall inspects TLS, point NODE_EXTRA_CA_CERTS at its CA certificate');
  }
  return new InputError(description);
}

/** One failure in words, for messages and waits; never the URL's credentials or query (the caller names the URL). */
function describeSourceFailure(failure: TryFailure): string {
  if (failure.kind === 'http') return failure.bodySnippet || `the source answered HTTP ${failure.status}`;
  return failure.message;
}

/** A failure that the retry policy treats as retryable (a 5xx, a cut, a timeout) or not. */
function httpFailure(status: number, message: string, retryable: boolean, retryAfter?: string): FailedTry {
  // classifyFailure retries an http failure without Graph details, and refuses one that redirects: say which it is.
  const failure: TryFailure = retryable ? { kind: 'http', status, graph: undefined, bodySnippet: message } : { kind: 'http', status, graph: undefined, bodySnippet: message, redirect: '' };
  return { ok: false, failure, retryAfterMs: parseRetryAfterMs(retryAfter) };
}

/** got's per-phase limits (connect, TLS, an idle socket, the answer's headers): a slow source still moving bytes is never cut. */
function phaseTimeouts(ms: number): { lookup: number; connect: number; secureConnect: number; socket: number; response: number } {
  return { lookup: ms, connect: ms, secureConnect: ms, socket: ms, response: ms };
}

/** The exact headers a source receives besides Host and Connection: a User-Agent naming wa-upload, and the validators of --reuse. */
function sourceHeaders(settings: SourceSettings, request: SourceRequest): Record<string, string> {
  const headers: Record<string, string> = { 'user-agent': settings.userAgent, accept: '*/*' };
  if (request.conditional?.etag) headers['if-none-match'] = request.conditional.etag;
  else if (request.conditional?.lastModified) headers['if-modified-since'] = request.conditional.lastModified;
  return headers;
}

/** One try: the redirect chain (each hop its own proxy decision), then the body into the spool. */
async function fetchOnce(
  request: SourceRequest,
  settings: SourceSettings,
  attempt: number,
  path: string,
  onEvent: (event: SourceEvent) => void,
): Promise<{ ok: true; value: Omit<FetchedSource, 'path' | 'cleanup'> | UnchangedSource } | FailedTry> {
  let current = request.url;
  for (let hop = 0; ; hop++) {
    const started = Date.now();
    const proxy = await proxyRouteFor(current.href, settings.timeoutMs, { carriesToken: false });
    onEvent({ type: 'request', attempt, url: redactedUrl(current), conditional: request.conditional !== undefined });
    const stream = got.stream(current.href, {
      method: 'GET',
      headers: sourceHeaders(settings, request),
      retry: { limit: 0 },
      followRedirect: false,
      throwHttpErrors: false,
      // The bytes as the source stores them: no Accept-Encoding is sent, and nothing is decoded.
      decompress: false,
      timeout: phaseTimeouts(settings.timeoutMs),
      ...(settings.signal ? { signal: settings.signal } : {}),
      ...(proxy ? { agent: proxy.agents as never } : {}),
    });
    try {
      const response = await new Promise<Response>((resolve, reject) => {
        stream.once('response', resolve);
        stream.once('error', reject);
      });
      const status = response.statusCode;
      onEvent({ type: 'response', attempt, status, durationMs: Date.now() - started });
      if (status >= 300 && status < 400 && status !== 304) {
        const next = redirectTarget(current, response.headers.location, hop, status);
        onEvent({ type: 'redirect', attempt, status, to: redactedUrl(next) });
        current = next;
        continue;
      }
      if (status === 304 && request.conditional) {
        return { ok: true, value: { notModified: true, etag: header(response, 'etag') ?? request.conditional.etag, lastModified: header(response, 'last-modified') ?? request.conditional.lastModified } };
      }
      if (status !== 200) return refusalOf(response);
      return { ok: true, value: await spool(stream, response, request, current, path, onEvent) };
    } catch (error) {
      if (error instanceof WaUploadError) throw error;
      if (settings.signal?.aborted) throw new InterruptedError(signalName(settings.signal), 'while fetching the source');
      return { ok: false, failure: failureOf(error, settings, proxy, current) };
    } finally {
      if (!stream.readableEnded) stream.destroy();
    }
  }
}

/** Where a redirect leads, checked: a Location, at most MAX_REDIRECTS hops, http(s) only, never from https down to http. */
function redirectTarget(from: URL, location: string | undefined, hop: number, status: number): URL {
  if (!location) throw new InputError(`the source answered HTTP ${status} (a redirect) without a Location`);
  if (hop >= MAX_REDIRECTS) throw new InputError(`the source redirected more than ${MAX_REDIRECTS} times`, 'give the final URL');
  let next: URL;
  try {
    next = new URL(location, from);
  } catch {
    throw new InputError(`the source redirected to a Location that is not a URL (HTTP ${status})`);
  }
  if (next.protocol !== 'http:' && next.protocol !== 'https:') throw new InputError(`the source redirected to a ${next.protocol.slice(0, -1)} URL, which is not fetched`);
  if (from.protocol === 'https:' && next.protocol === 'http:') {
    throw new InputError(`the source redirected from https to plain http (${redactedUrl(next)}); refusing to follow`, 'give an https URL that stays https, or the http URL itself if you trust the network');
  }
  return next;
}

/** A non-200 answer: 404/410 and 401/403 named, 408/429/5xx retried, any other status refused (exit 4). */
async function refusalOf(response: Response): Promise<FailedTry> {
  const status = response.statusCode;
  if (status === 404 || status === 410) throw new InputError(`the source answered HTTP ${status}: ${status === 404 ? 'not found' : 'gone'}`, 'check the URL');
  if (status === 401 || status === 403) {
    throw new InputError(`the source refused: it needs its own credentials (HTTP ${status})`, 'wa-upload sends a source no credentials: use a public or pre-signed URL, or download the file and name the file');
  }
  if (status === 408 || status === 425 || status === 429 || status >= 500) {
    return httpFailure(status, `the source answered HTTP ${status}`, true, header(response, 'retry-after'));
  }
  throw new InputError(`the source answered HTTP ${status}`, 'check the URL');
}

/** A failed request (network, timeout, proxy, TLS, a malformed answer) as a try's failure. */
function failureOf(error: unknown, settings: SourceSettings, proxy: ProxyRoute | undefined, url: URL): TryFailure {
  const failure = describeRequestError(error, settings.timeoutMs, proxy?.name);
  if (failure.kind !== 'network') return failure;
  const tls = TLS_TRUST_PROBLEMS[failure.code];
  if (tls) return { ...failure, message: `the TLS certificate of ${url.host} is not trusted: ${tls} (${failure.code})` };
  if (/^ERR_SSL_|^EPROTO$/.test(failure.code)) return { ...failure, code: 'CERT_UNTRUSTED', message: `the TLS handshake with ${url.host} failed (${failure.code})` };
  if (failure.code.startsWith('HPE_')) {
    // Node's HTTP parser refused the answer: more bytes than its Content-Length, or no HTTP at all. A retry gets the same.
    return { kind: 'http', status: 0, graph: undefined, bodySnippet: `the source sent a malformed HTTP answer (${failure.code}: more bytes than its Content-Length, or not HTTP)`, redirect: '' };
  }
  if (failure.code === 'ECONNRESET' || failure.code === 'ERR_STREAM_PREMATURE_CLOSE') return { ...failure, message: 'the source closed the connection before the whole file arrived' };
  return failure;
}

/**
 * Streams a 200 answer into the spool: refuses an HTML page (by its Content-Type, then its first bytes, before a byte
 * is written), a Content-Length over the limit (before reading), and a body that passes the limit (stopped there); a
 * body shorter than its Content-Length is a failed try (retried).
 */
async function spool(
  stream: ReturnType<typeof got.stream>,
  response: Response,
  request: SourceRequest,
  url: URL,
  path: string,
  onEvent: (event: SourceEvent) => void,
): Promise<Omit<FetchedSource, 'path' | 'cleanup'> | never> {
  const contentType = header(response, 'content-type') ?? '';
  if (/^\s*(text\/html|application\/xhtml\+xml)\b/i.test(contentType)) {
    throw new InputError(`the source sent an HTML page (content-type ${contentType.split(';')[0]!.trim()}), not a file`, 'a login or error page may stand in the way: check the URL in a browser, or use a direct link to the file');
  }
  let type = sourceTypeFor(contentType, url);
  const limitType = request.typeOverride ?? type;
  const limit = limitType?.maxBytes ?? LARGEST_LIMIT;
  const what = limitType ? limitType.mimeType : 'any type WhatsApp takes';
  const lengthHeader = header(response, 'content-length');
  const declared = lengthHeader !== undefined && /^\d+$/.test(lengthHeader.trim()) ? Number(lengthHeader) : undefined;
  if (declared !== undefined && declared > limit) {
    throw new InputError(`is ${formatBytes(declared)} (Content-Length ${declared}), over the ${formatBytes(limit)} limit for ${what}`, 'nothing was fetched or sent: compress or split the file at the source');
  }
  const out = createWriteStream(path, { mode: 0o600, flags: 'w' });
  let writeError: Error | undefined;
  out.on('error', (error) => (writeError ??= error));
  const closed = new Promise<void>((resolve) => out.once('close', () => resolve()));
  let bytes = 0;
  let collectedAt = 0;
  let head: Buffer | undefined = Buffer.alloc(0);
  let signature = Buffer.alloc(0);
  const write = async (buffer: Buffer): Promise<void> => {
    if (writeError) throw spoolError(writeError);
    if (!out.write(buffer)) await new Promise<void>((resolve) => out.once('drain', () => resolve()));
  };
  try {
    for await (const chunk of stream) {
      const buffer = chunk as Buffer;
      bytes += buffer.length;
      if (bytes > limit) {
        throw new InputError(`is over the ${formatBytes(limit)} limit for ${what} (stopped fetching at ${bytes} bytes)`, 'nothing was sent: compress or split the file at the source');
      }
      if (signature.length < SIGNATURE_BYTES) signature = Buffer.concat([signature, buffer.subarray(0, SIGNATURE_BYTES - signature.length)]);
      if (head !== undefined) {
        head = Buffer.concat([head, buffer]);
        if (head.length < HTML_SNIFF_BYTES) continue;
        refuseHtmlBytes(head);
        const held = head;
        head = undefined;
        await write(held);
      } else {
        await write(buffer);
      }
      onEvent({ type: 'progress', received: bytes, total: declared });
      if (bytes - collectedAt >= COLLECT_EVERY_BYTES) {
        collectedAt = bytes;
        collectShortLivedGarbage();
      }
    }
    if (head !== undefined && head.length > 0) {
      refuseHtmlBytes(head);
      await write(head);
    }
    // A write that fails at the end (the disk full) is the spool's failure, never taken for the network's.
    await new Promise<void>((resolve, reject) => out.end((error?: Error | null) => (error ? reject(spoolError(error)) : resolve())));
    if (writeError) throw spoolError(writeError);
  } catch (error) {
    out.destroy();
    await closed;
    throw error;
  }
  if (declared !== undefined && bytes < declared) {
    // Thrown as got would throw a reset: the caller turns it into a retried try.
    throw Object.assign(new Error(`the source sent ${bytes} of the ${declared} bytes its Content-Length gives`), { code: 'ESHORTBODY' });
  }
  // Neither the Content-Type nor the URL named a type WhatsApp takes: the signature of the bytes may.
  if (!type && !request.typeOverride && signature.length > 0) type = await signatureType(signature);
  const filename = sourceFilename({ given: request.filename, contentDisposition: header(response, 'content-disposition'), url, type: request.typeOverride ?? type });
  return { notModified: false, bytes, filename, type, contentType, etag: header(response, 'etag'), lastModified: header(response, 'last-modified') };
}

/** The supported type the first bytes' signature names, if any. */
async function signatureType(head: Buffer): Promise<MediaType | undefined> {
  try {
    const found = await fileTypeFromBuffer(head);
    return found ? mediaTypeForMime(found.mime) : undefined;
  } catch {
    return undefined;
  }
}

/** Refuses bytes that begin like an HTML page (exit 4), before any is written. */
function refuseHtmlBytes(head: Buffer): void {
  if (looksLikeHtml(head)) {
    throw new InputError('the source sent an HTML page (the bytes begin like HTML), not a file', 'a login or error page may stand in the way: check the URL in a browser, or use a direct link to the file');
  }
}

/** A failure to write the spool (a full disk), as the input's problem with what to do. */
function spoolError(error: Error): InputError {
  const reason = (error as NodeJS.ErrnoException).code ?? error.message;
  return new InputError(`could not be copied to a temp file (${reason})`, 'check the free space of the temp folder (TMPDIR)');
}

function header(response: Response, name: string): string | undefined {
  const value = response.headers[name];
  return Array.isArray(value) ? value[0] : value;
}
