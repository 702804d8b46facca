// The Graph API client: every request goes out here through got, one try per call, under our own retry loop.

import type { Hash } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import type { ClientRequest } from 'node:http';
import got, { type Response } from 'got';
import type { Config } from '../settings/config.js';
import { ApiError, InterruptedError, TemporaryError, WaUploadError } from '../errors.js';
import { describeFailure, describeRequestError, graphOf, isUnknownObjectError, parseJson, readGraphError, snippet, toWaError } from './graph-errors.js';
import { loopbackOnlyLookup } from '../settings/loopback.js';
import { fileReadFailure } from './file-chunks.js';
import { multipartUpload } from './multipart-body.js';
import { answerObject, checkMediaUrlTransport, deletedFrom, malformedAnswer, HTML_SNIFF_BYTES, mediaIdFrom, mediaInfoFrom, refuseHtml, type MediaInfo } from './server-values.js';
import { proxyRouteFor, type ProxyRoute } from './proxy.js';
import {
  classifyFailure,
  nextWaitMs,
  parseBusinessUseCaseWaitMs,
  parseRetryAfterMs,
  retriesFor,
  type TryFailure,
} from './retry-policy.js';
import { USER_AGENT } from '../version.js';

/** Connection settings shared by every Graph call. */
export interface GraphSettings {
  baseUrl: string;
  apiVersion: string;
  token: string;
  phoneNumberId: string;
  /** The Meta app ID (Resumable Upload API); undefined when the command does not need one. */
  appId?: string | undefined;
  timeoutMs: number;
  retries: number;
  retryDelayMs: number;
  maxRetryWaitMs: number;
  /** No-Storage TTL in minutes, sent with each media upload as `ttl_minutes`; undefined: no field. */
  ttlMinutes?: number | undefined;
  userAgent: string;
  /** Aborts in-flight requests and waits (Ctrl-C). The abort reason names the signal. */
  signal?: AbortSignal | undefined;
  /** The proxy for the API's requests (its agents and its name for messages), when one applies. */
  proxy?: ProxyRoute | undefined;
  /** Where the base URL came from (`environment WA_BASE_URL`), for a message about a server that cannot be reached. */
  baseUrlSource?: string | undefined;
}

/** Graph settings for a Config: the signal that stops everything, and proxy agents when the environment asks for one. */
export async function graphSettingsFor(config: Config, signal?: AbortSignal): Promise<GraphSettings> {
  return {
    baseUrl: config.baseUrl,
    apiVersion: config.apiVersion,
    token: config.token,
    phoneNumberId: config.phoneNumberId,
    appId: config.appId,
    timeoutMs: config.timeoutMs,
    retries: config.retries,
    retryDelayMs: config.retryDelayMs,
    maxRetryWaitMs: config.maxRetryWaitMs,
    ttlMinutes: config.ttlMinutes,
    userAgent: USER_AGENT,
    signal,
    proxy: await proxyRouteFor(config.baseUrl, config.timeoutMs),
    baseUrlSource: config.sources.baseUrl,
  };
}

/** What happens during a call, for progress and --verbose; never carries the token. */
export type GraphEvent =
  | { type: 'request'; attempt: number; method: string; url: string; authScheme?: 'Bearer' | 'OAuth' | undefined }
  | { type: 'response'; attempt: number; status: number; graphCode?: number | undefined; durationMs: number; servedVersion?: string | undefined }
  | { type: 'failure'; attempt: number; description: string; retryable: boolean; durationMs: number }
  | { type: 'wait'; attempt: number; waitMs: number; reason: 'retry-after' | 'regain-access' | 'backoff'; description: string }
  | { type: 'progress'; transferred: number; total: number };

/** A file ready to go: checked, typed and named. */
export interface UploadSpec {
  path: string;
  size: number;
  filename: string;
  mimeType: string;
  /** Compute the sha256 of the bytes sent (default true). */
  hash?: boolean;
}

/** What an upload returns. */
export interface UploadResult {
  id: string;
  /** Of the bytes the successful try sent; undefined when `hash: false`. */
  sha256: string | undefined;
  attempts: number;
}

/** What one try of a call came to: a value, or the failure the retry loop judges. */
export type TryOutcome<T> =
  | { ok: true; value: T }
  | {
      ok: false;
      failure: TryFailure;
      retryAfterMs?: number | undefined;
      regainAccessMs?: number | undefined;
    };

/** A SHA-256 hasher. node:crypto (a dozen modules, about a millisecond to load) loads at the first hash: a plain upload needs none. */
function sha256Hasher(): Hash {
  return process.getBuiltinModule('node:crypto').createHash('sha256');
}

/** Uploads one file, retrying transient failures with a fresh file stream and form each try. */
export async function uploadFile(
  spec: UploadSpec,
  settings: GraphSettings,
  onEvent: (event: GraphEvent) => void = () => {},
): Promise<UploadResult> {
  const url = `${settings.baseUrl}/${settings.apiVersion}/${settings.phoneNumberId}/media`;
  let sha256: string | undefined;
  // Whether the current try's body went out whole: a signal after that leaves the upload sent but unconfirmed.
  let sentWhole = false;
  const watch = (event: GraphEvent): void => {
    if (event.type === 'progress') sentWhole = event.total > 0 && event.transferred >= event.total;
    onEvent(event);
  };
  const { value, attempts } = await runWithRetries(settings, watch, async (attempt) => {
    sentWhole = false;
    // A streamed body cannot be replayed: every try opens the file again and builds a new body.
    // Hashing costs ~80 ms of CPU per 100 MB on the upload's only thread: only when someone reads the hash.
    const hash = spec.hash === false ? undefined : sha256Hasher();
    const upload = multipartUpload({ ...spec, ttlMinutes: settings.ttlMinutes }, hash);
    const headers = { ...upload.headers, authorization: `Bearer ${settings.token}`, 'user-agent': settings.userAgent };
    onEvent({ type: 'request', attempt, method: 'POST', url });
    // An answer of the wrong shape (`{}`, an ID that is not digits) is thrown by mediaIdFrom, never retried: the
    // server took the POST, and another try would store the file twice.
    // A file that failed to read while the server answered is still the input's fault; a signal stays a signal.
    const outcome = await sendOnce(settings, attempt, watch, url, 'POST', { body: upload.body, headers }, mediaIdFrom).catch((error: unknown) => {
      throw error instanceof InterruptedError ? error : (fileReadFailure(upload.file, 0, spec.size, false) ?? error);
    });
    // A failure of the file itself is the input's fault (exit 4), never retried.
    const fileFailure = fileReadFailure(upload.file, 0, spec.size, outcome.ok);
    if (fileFailure) throw fileFailure;
    // The successful try's hash is the one that describes what the server holds.
    if (outcome.ok && hash) sha256 = hash.digest('hex');
    if (outcome.ok) return { ok: true, value: { id: outcome.value } };
    return outcome;
  }).catch((error: unknown) => {
    if (error instanceof InterruptedError && sentWhole) throw new InterruptedError(signalName(settings.signal), { sentUnconfirmed: true });
    throw error;
  });
  return { id: value.id, sha256, attempts };
}

export type { MediaInfo } from './server-values.js';

/** Asks for a media object's URL, type, hash and size. */
export async function getMediaInfo(mediaId: string, settings: GraphSettings, onEvent: (event: GraphEvent) => void = () => {}): Promise<MediaInfo> {
  const url = mediaUrl(mediaId, settings);
  const { value } = await withMediaHint(mediaId, () =>
    runWithRetries(lookupSettings(settings), onEvent, async (attempt) => {
      onEvent({ type: 'request', attempt, method: 'GET', url });
      return sendOnce(settings, attempt, onEvent, url, 'GET', { headers: authHeaders(settings) }, (body) => mediaInfoFrom(body, mediaId));
    }),
  );
  return value;
}

/** Deletes a media object. */
export async function deleteMedia(mediaId: string, settings: GraphSettings, onEvent: (event: GraphEvent) => void = () => {}): Promise<void> {
  const url = mediaUrl(mediaId, settings);
  await withMediaHint(mediaId, () =>
    runWithRetries(settings, onEvent, async (attempt) => {
      onEvent({ type: 'request', attempt, method: 'DELETE', url });
      // `"success": false` is a definite answer: thrown by deletedFrom, never retried.
      return sendOnce(settings, attempt, onEvent, url, 'DELETE', { headers: authHeaders(settings) }, deletedFrom);
    }),
  );
}

/** A lookup's settings: at most LOOKUP_MAX_RETRIES extra tries, so failing lookups never trip Meta's 30-minute block. */
function lookupSettings(settings: GraphSettings): GraphSettings {
  return { ...settings, retries: retriesFor('lookup', settings.retries) };
}

/**
 * The media object's URL, without `phone_number_id`: the parameter is optional, and Meta refuses it for media a customer
 * sent (an ID from a webhook: "Param phone_number_id is not a valid whatsapp business phone number id"). Sending it and
 * falling back would cost an error answer per inbound media ID, and 20 error answers in an hour block lookups for 30
 * minutes (https://developers.facebook.com/docs/whatsapp/cloud-api/reference/media).
 */
function mediaUrl(mediaId: string, settings: GraphSettings): string {
  return `${settings.baseUrl}/${settings.apiVersion}/${encodeURIComponent(mediaId)}`;
}

/** An unknown object on a media call means the media ID, not the phone number ID: say so. */
async function withMediaHint<T>(mediaId: string, call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (error) {
    if (error instanceof ApiError && isUnknownObjectError(error.graph)) {
      throw new ApiError(error.message, {
        hint: `media ID ${mediaId} is unknown: it expired (uploads live 30 days, IDs from webhooks 7), was deleted, or this token cannot see it`,
        graph: error.graph,
      });
    }
    throw error;
  }
}

/** Where a download goes: opened afresh for each try; `restartable` false means bytes once written cannot be taken back (stdout). */
export interface DownloadSink {
  open(): Promise<NodeJS.WritableStream>;
  restartable: boolean;
}

/** What a download returns: the media's metadata and what was received (already checked against its size and sha256). */
export interface DownloadResult {
  info: MediaInfo;
  sha256: string;
  bytes: number;
}

/**
 * Downloads a media object: asks for its short-lived URL, streams the bytes into the sink with the same Authorization
 * header, and checks them against the media info: exactly `file_size` bytes, the sha256 when the API reported one
 * (hex or base64), and no HTML page in place of media. A 404 on the URL fetches a fresh one (URLs live 5 minutes).
 * Too many bytes or an HTML page is exit 5 at once; too few (a cut) or a sha256 mismatch is retried, then exit 7.
 */
export async function downloadMedia(
  mediaId: string,
  settings: GraphSettings,
  sink: DownloadSink,
  onEvent: (event: GraphEvent) => void = () => {},
): Promise<DownloadResult> {
  let info = await getMediaInfo(mediaId, settings, onEvent);
  let needFreshUrl = false;
  let wroteBytes = false;
  const { value } = await runWithRetries(lookupSettings(settings), onEvent, async (attempt) => {
    if (needFreshUrl) info = await getMediaInfo(mediaId, settings, onEvent);
    if (wroteBytes && !sink.restartable) {
      throw new TemporaryError('the download broke off after part of the bytes were written to stdout, which cannot be rewound', {
        hint: 'download to a file with -o PATH to let wa-upload retry',
      });
    }
    // https, or plain http to this machine only when the API itself is plain http here; never a URL with credentials.
    const target = checkMediaUrlTransport(info.url, settings.baseUrl);
    const shownUrl = `${target.origin}${target.pathname}`;
    onEvent({ type: 'request', attempt, method: 'GET', url: shownUrl });
    const outcome = await streamOnce(target.href, settings, attempt, onEvent, sink, info, () => (wroteBytes = true));
    if (!outcome.ok) {
      needFreshUrl = outcome.failure.kind === 'http' && outcome.failure.status === 404;
      return outcome;
    }
    if (outcome.value.bytes < info.bytes) {
      return {
        ok: false,
        failure: { kind: 'network', code: 'ESHORTBODY', message: `the media server sent ${outcome.value.bytes} of the ${info.bytes} bytes the media info gives` },
      };
    }
    if (info.sha256 && outcome.value.sha256 !== info.sha256) {
      return { ok: false, failure: { kind: 'network', code: 'EINTEGRITY', message: `the bytes received do not match the media's sha256 (${outcome.value.bytes} bytes received)` } };
    }
    return outcome;
  });
  return { info, ...value };
}

/**
 * One GET of the media URL into the sink; resolves with an outcome like sendOnce. Nothing is written before the answer
 * is known not to be an HTML page (its content type, then its first bytes), and never more than `info.bytes` bytes:
 * a longer body is refused (exit 5) as soon as it passes the size, a page in place of media before a byte is written.
 */
async function streamOnce(
  url: string,
  settings: GraphSettings,
  attempt: number,
  onEvent: (event: GraphEvent) => void,
  sink: DownloadSink,
  info: MediaInfo,
  onFirstByte: () => void,
): Promise<TryOutcome<{ sha256: string; bytes: number }>> {
  const started = Date.now();
  const proxy = await proxyFor(url, settings);
  const exchange = startExchange(url, settings, { method: 'GET', headers: authHeaders(settings) }, proxy);
  const hash = sha256Hasher();
  let bytes = 0;
  try {
    const response = await exchange.response;
    onEvent({ type: 'response', attempt, status: response.statusCode, durationMs: Date.now() - started });
    if (response.statusCode !== 200) {
      const text = await exchange.readAnswer();
      return { ok: false, failure: httpFailure(response, text, readGraphError(parseJson(text), response.statusCode)) };
    }
    const contentType = headerValue(response.headers['content-type']);
    refuseHtml(info.mimeType, contentType, undefined);
    // The media's own bytes may take long on a slow link: from here only the idle limit applies.
    exchange.deadline.end();
    const out = await sink.open();
    const write = async (buffer: Buffer): Promise<void> => {
      if (buffer.length === 0) return;
      hash.update(buffer);
      onFirstByte();
      if (!out.write(buffer)) await new Promise<void>((resolve) => out.once('drain', () => resolve()));
    };
    // The first bytes are held back until there are enough to tell an HTML page from media.
    let head: Buffer | undefined = Buffer.alloc(0);
    const total = info.bytes;
    for await (const chunk of exchange.stream) {
      const buffer = chunk as Buffer;
      bytes += buffer.length;
      if (bytes > total) {
        throw new ApiError(`the media server sent more than the ${total} bytes the media info gives (file_size)`, {
          hint: 'the server sent another file than the one described; check the server (--base-url) you are talking to',
        });
      }
      if (head !== undefined) {
        head = Buffer.concat([head, buffer]);
        if (head.length < HTML_SNIFF_BYTES && bytes < total) continue;
        refuseHtml(info.mimeType, undefined, head);
        const held = head;
        head = undefined;
        await write(held);
      } else {
        await write(buffer);
      }
      onEvent({ type: 'progress', transferred: bytes, total });
    }
    if (head !== undefined) {
      // A body shorter than the sniffing window (or empty): still checked before it is written.
      refuseHtml(info.mimeType, undefined, head);
      await write(head);
    }
    return { ok: true, value: { sha256: hash.digest('hex'), bytes } };
  } catch (error) {
    // A refusal of the answer (too long, an HTML page) is definite: exit 5, never retried.
    if (error instanceof WaUploadError) throw error;
    return failedTry(error, exchange, settings, attempt, onEvent, started);
  } finally {
    exchange.end();
  }
}

/** The proxy for a URL: the API's is known; the media URL may live on another host (lookaside), decided anew. */
async function proxyFor(url: string, settings: GraphSettings): Promise<ProxyRoute | undefined> {
  if (new URL(url).host === new URL(settings.baseUrl).host) return settings.proxy;
  return proxyRouteFor(url, settings.timeoutMs);
}

function authHeaders(settings: GraphSettings): Record<string, string> {
  return { authorization: `Bearer ${settings.token}`, 'user-agent': settings.userAgent };
}

/** Plain http goes only to an address checked to be loopback, and the connection is pinned to it (https needs no such check). */
function plainHttpLookup(url: string): { dnsLookup?: typeof loopbackOnlyLookup } {
  return new URL(url).protocol === 'http:' ? { dnsLookup: loopbackOnlyLookup } : {};
}

/** got's per-phase limits: connect, TLS, and the idle socket while sending or receiving. A slow link moving bytes is never cut. */
function phaseTimeouts(ms: number): { lookup: number; connect: number; secureConnect: number; socket: number; response: number } {
  return { lookup: ms, connect: ms, secureConnect: ms, socket: ms, response: ms };
}

/** The most of an answer read into memory: a Graph answer or error needs far less; the rest is never read. */
const ANSWER_READ_LIMIT = 64 * 1024;

/**
 * Bounds the phases got does not: getting a connection (a proxy's CONNECT included, before got sees a socket), and
 * the whole answer once the request is sent (a server trickling a byte at a time resets every idle timer).
 */
class PhaseDeadline {
  readonly controller = new AbortController();
  /** The phase whose limit ran out, once one has. */
  expired: 'connection' | 'answer' | undefined;
  #timer: NodeJS.Timeout | undefined;

  constructor(private readonly ms: number) {}

  #over = false;

  start(phase: 'connection' | 'answer'): void {
    this.stop();
    if (this.#over) return;
    this.#timer = setTimeout(() => {
      this.expired = phase;
      this.controller.abort();
    }, this.ms);
    // A live socket keeps the process up while it waits; the timer alone must not (a late 'finish' after the answer).
    this.#timer.unref();
  }

  stop(): void {
    clearTimeout(this.#timer);
  }

  /** The exchange is over: no phase starts again. */
  end(): void {
    this.#over = true;
    this.stop();
  }
}

/** One request under way: its response headers, its body, the deadline, and how its failures read. */
interface Exchange {
  stream: ReturnType<typeof got.stream>;
  response: Promise<Response>;
  deadline: PhaseDeadline;
  /** Reads the answer's body, at most ANSWER_READ_LIMIT bytes (the connection is closed on the rest). */
  readAnswer(): Promise<string>;
  /** Turns what went wrong into a failure description: our deadlines, the proxy's words, or got's error. */
  failureOf(error: unknown): TryFailure;
  /** Stops the timers and drops the connection if the body was not read to its end. */
  end(): void;
}

/** An answer that is not a success, as a failure: its status, Graph's error, a snippet of its text, where it redirects. */
function httpFailure(response: Response, text: string, graph: ReturnType<typeof readGraphError>): TryFailure {
  const redirect = response.statusCode >= 300 && response.statusCode < 400 ? String(response.headers.location ?? '') : undefined;
  return { kind: 'http', status: response.statusCode, graph, bodySnippet: snippet(text), redirect };
}

/** A try that ended in an error (network, deadline, proxy): reported and returned as an outcome; a signal's abort is thrown. */
function failedTry(
  error: unknown,
  exchange: Exchange,
  settings: GraphSettings,
  attempt: number,
  onEvent: (event: GraphEvent) => void,
  started: number,
): { ok: false; failure: TryFailure } {
  if (settings.signal?.aborted) throw interruptedFrom(settings.signal);
  const failure = exchange.failureOf(error);
  onEvent({ type: 'failure', attempt, description: describeFailure(failure), retryable: true, durationMs: Date.now() - started });
  return { ok: false, failure };
}

/** Starts one request through got (one try, no redirects, no got retries), every wait bounded by --timeout. */
function startExchange(
  url: string,
  settings: GraphSettings,
  options: { method: 'GET' | 'POST' | 'DELETE'; headers: Record<string, string>; body?: AsyncIterable<Uint8Array> },
  proxy: ProxyRoute | undefined,
): Exchange {
  const deadline = new PhaseDeadline(settings.timeoutMs);
  const stopOnSignal = (): void => deadline.controller.abort();
  settings.signal?.addEventListener('abort', stopOnSignal, { once: true });
  if (settings.signal?.aborted) deadline.controller.abort();
  const stream = got.stream(url, {
    method: options.method,
    headers: options.headers,
    ...(options.body ? { body: options.body } : {}),
    retry: { limit: 0 },
    followRedirect: false,
    throwHttpErrors: false,
    timeout: phaseTimeouts(settings.timeoutMs),
    ...plainHttpLookup(url),
    signal: deadline.controller.signal,
    ...(proxy ? { agent: proxy.agents as never } : {}),
  });
  // In stream mode got waits for a body to be written for any method but GET: a bodiless DELETE must be ended.
  if (!options.body && options.method !== 'GET') stream.end();
  deadline.start('connection');
  stream.once('request', (request: ClientRequest) => {
    request.once('socket', () => deadline.stop());
    // Sent: from now on the answer, headers and body, must arrive within the limit.
    request.once('finish', () => deadline.start('answer'));
  });
  const response = new Promise<Response>((resolve, reject) => {
    stream.once('response', resolve);
    stream.once('error', reject);
  });
  return {
    stream,
    response,
    deadline,
    readAnswer: async () => {
      const chunks: Buffer[] = [];
      let size = 0;
      for await (const chunk of stream) {
        chunks.push(chunk as Buffer);
        size += (chunk as Buffer).length;
        if (size >= ANSWER_READ_LIMIT) break;
      }
      return Buffer.concat(chunks).subarray(0, ANSWER_READ_LIMIT).toString('utf8');
    },
    failureOf: (error) => {
      if (deadline.expired === 'connection') {
        const where = proxy ? `through the proxy ${proxy.name}` : `to ${new URL(url).host}`;
        return { kind: 'timeout', phase: 'connection', message: `no connection ${where} within ${settings.timeoutMs / 1000} s` };
      }
      if (deadline.expired === 'answer') {
        return { kind: 'timeout', phase: 'answer', message: `no answer within ${settings.timeoutMs / 1000} s of sending the request (headers and body)` };
      }
      const failure = describeRequestError(error, settings.timeoutMs, proxy?.name);
      return failure.kind === 'network' && !proxy ? { ...failure, origin: new URL(url).origin } : failure;
    },
    end: () => {
      deadline.end();
      settings.signal?.removeEventListener('abort', stopOnSignal);
      if (!stream.readableEnded) stream.destroy();
    },
  };
}

/**
 * Sends one request and turns whatever comes back into an outcome; never throws for HTTP or network trouble, only for
 * a success answer of the wrong shape (readSuccess's ApiError, exit 5: a definite answer, not retried).
 * Exported for the other Graph protocols of this folder (resumable-upload.ts), which run their tries through it.
 */
export async function sendOnce<T>(
  settings: GraphSettings,
  attempt: number,
  onEvent: (event: GraphEvent) => void,
  url: string,
  method: 'GET' | 'POST' | 'DELETE',
  options: { body?: AsyncIterable<Uint8Array>; headers: Record<string, string> },
  /** Reads a success answer (a JSON object); throws the checker's ApiError when it is of the wrong shape. */
  readSuccess: (body: unknown) => T,
): Promise<TryOutcome<T>> {
  const started = Date.now();
  const exchange = startExchange(url, settings, { method, ...options }, settings.proxy);
  if (options.body) {
    exchange.stream.on('uploadProgress', (progress: { transferred: number; total?: number }) => {
      onEvent({ type: 'progress', transferred: progress.transferred, total: progress.total ?? 0 });
    });
  }
  let success: { status: number; text: string; body: unknown };
  try {
    const response = await exchange.response;
    const text = await exchange.readAnswer();
    const durationMs = Date.now() - started;
    const body = parseJson(text);
    const graph = readGraphError(body, response.statusCode);
    // The version that served the call: Graph quietly serves a newer one when the version asked for has expired.
    const servedVersion = headerValue(response.headers['facebook-api-version']);
    onEvent({ type: 'response', attempt, status: response.statusCode, graphCode: graph?.code, durationMs, servedVersion });
    if (response.statusCode < 200 || response.statusCode >= 300 || graph) {
      return {
        ok: false,
        failure: httpFailure(response, text, graph),
        retryAfterMs: parseRetryAfterMs(headerValue(response.headers['retry-after'])),
        regainAccessMs: parseBusinessUseCaseWaitMs(headerValue(response.headers['x-business-use-case-usage'])),
      };
    }
    success = { status: response.statusCode, text, body };
  } catch (error) {
    return failedTry(error, exchange, settings, attempt, onEvent, started);
  } finally {
    exchange.end();
  }
  // A success status is the server's definite answer: a body of the wrong shape is exit 5 (thrown, never retried).
  if (answerObject(success.body) === undefined) {
    throw malformedAnswer(`HTTP ${success.status} and a body that is not a JSON object${success.text ? `: ${snippet(success.text)}` : ' (an empty body)'}`);
  }
  return { ok: true, value: readSuccess(success.body) };
}

/** The retry loop shared by every call: decides, waits (interruptibly), and maps the last failure to our error. */
export async function runWithRetries<T>(
  settings: GraphSettings,
  onEvent: (event: GraphEvent) => void,
  tryOnce: (attempt: number) => Promise<TryOutcome<T>>,
): Promise<{ value: T; attempts: number }> {
  for (let attempt = 1; ; attempt++) {
    if (settings.signal?.aborted) throw interruptedFrom(settings.signal);
    const outcome = await tryOnce(attempt);
    if (outcome.ok) return { value: outcome.value, attempts: attempt };
    const verdict = classifyFailure(outcome.failure);
    if (!verdict.retryable || attempt > settings.retries) {
      throw toWaError(outcome.failure, attempt, settings, verdict.retryable ? undefined : verdict.kind);
    }
    const wait = nextWaitMs({
      attempt,
      baseMs: settings.retryDelayMs,
      retryAfterMs: outcome.retryAfterMs,
      regainAccessMs: outcome.regainAccessMs,
    });
    const description = describeFailure(outcome.failure);
    if (wait.waitMs > settings.maxRetryWaitMs) {
      throw new TemporaryError(
        `${description}; the server asks to wait ${Math.ceil(wait.waitMs / 1000)} s before another try, longer than the ${Math.round(settings.maxRetryWaitMs / 1000)} s limit (after ${attempt} ${attempt === 1 ? 'try' : 'tries'})`,
        { hint: 'retry later, or raise --max-retry-wait', graph: graphOf(outcome.failure), attempts: attempt },
      );
    }
    onEvent({ type: 'wait', attempt, waitMs: wait.waitMs, reason: wait.reason, description });
    try {
      await sleep(wait.waitMs, undefined, settings.signal ? { signal: settings.signal } : undefined);
    } catch {
      throw interruptedFrom(settings.signal);
    }
  }
}

function interruptedFrom(signal: AbortSignal | undefined): InterruptedError {
  return new InterruptedError(signalName(signal));
}

function signalName(signal: AbortSignal | undefined): 'SIGINT' | 'SIGTERM' {
  return signal?.reason === 'SIGTERM' ? 'SIGTERM' : 'SIGINT';
}

function headerValue(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}

