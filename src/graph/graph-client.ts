// The Graph API client: every request goes out here through got, one try per call, under our own retry loop.

import { createHash } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import got, { type Response } from 'got';
import type { Config } from '../settings/config.js';
import { ApiError, InterruptedError, TemporaryError } from '../errors.js';
import { describeFailure, describeRequestError, graphOf, isUnknownObjectError, parseJson, readGraphError, snippet, toWaError } from './graph-errors.js';
import { isLoopbackHost, loopbackOnlyLookup } from '../settings/loopback.js';
import { fileReadFailure } from './file-chunks.js';
import { multipartUpload } from './multipart-body.js';
import { isMediaId } from './media-id.js';
import { proxyAgentsFor } from './proxy.js';
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
  /** Agents for proxies (https / http), when a proxy applies. */
  agent?: { http?: unknown; https?: unknown } | undefined;
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
    agent: await proxyAgentsFor(config.baseUrl),
  };
}

/** What happens during a call, for progress and --verbose; never carries the token. */
export type GraphEvent =
  | { type: 'request'; attempt: number; method: string; url: string; authScheme?: 'Bearer' | 'OAuth' | undefined }
  | { type: 'response'; attempt: number; status: number; graphCode?: number | undefined; durationMs: number }
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

/** Uploads one file, retrying transient failures with a fresh file stream and form each try. */
export async function uploadFile(
  spec: UploadSpec,
  settings: GraphSettings,
  onEvent: (event: GraphEvent) => void = () => {},
): Promise<UploadResult> {
  const url = `${settings.baseUrl}/${settings.apiVersion}/${settings.phoneNumberId}/media`;
  let sha256: string | undefined;
  const { value, attempts } = await runWithRetries(settings, onEvent, async (attempt) => {
    // A streamed body cannot be replayed: every try opens the file again and builds a new body.
    // Hashing costs ~80 ms of CPU per 100 MB on the upload's only thread: only when someone reads the hash.
    const hash = spec.hash === false ? undefined : createHash('sha256');
    const upload = multipartUpload({ ...spec, ttlMinutes: settings.ttlMinutes }, hash);
    const headers = { ...upload.headers, authorization: `Bearer ${settings.token}`, 'user-agent': settings.userAgent };
    onEvent({ type: 'request', attempt, method: 'POST', url });
    const outcome = await sendOnce<{ id: unknown }>(settings, attempt, onEvent, url, 'POST', { body: upload.body, headers }, (answer) => {
      const id = (answer as { id?: unknown } | undefined)?.id;
      return id === undefined || id === null ? undefined : { id };
    });
    // A failure of the file itself is the input's fault (exit 4), never retried.
    const fileFailure = fileReadFailure(upload.file, 0, spec.size, outcome.ok);
    if (fileFailure) throw fileFailure;
    // The successful try's hash is the one that describes what the server holds.
    if (outcome.ok && hash) sha256 = hash.digest('hex');
    if (outcome.ok) return { ok: true, value: { id: checkedMediaId(outcome.value.id) } };
    return outcome;
  });
  return { id: value.id, sha256, attempts };
}

/** A media ID from the server, or ApiError (exit 5): never printed or cached unless all digits. */
function checkedMediaId(raw: unknown): string {
  const id = typeof raw === 'number' && Number.isSafeInteger(raw) && raw >= 0 ? String(raw) : raw;
  if (isMediaId(id)) return id;
  // JSON.stringify escapes control characters: the server's value is shown, never replayed to the terminal.
  throw new ApiError(`the server answered with a media ID that is not all digits: ${JSON.stringify(raw).slice(0, 80)}`, {
    hint: 'the media may or may not have been stored; check the server (--base-url) you are talking to',
  });
}

/** Media metadata as the API reports it (media-api.md 3). */
export interface MediaInfo {
  id: string;
  url: string;
  mimeType: string;
  sha256: string;
  bytes: number;
}

/** Asks for a media object's URL, type, hash and size. */
export async function getMediaInfo(mediaId: string, settings: GraphSettings, onEvent: (event: GraphEvent) => void = () => {}): Promise<MediaInfo> {
  const url = mediaUrl(mediaId, settings);
  const { value } = await withMediaHint(mediaId, () =>
    runWithRetries(lookupSettings(settings), onEvent, async (attempt) => {
      onEvent({ type: 'request', attempt, method: 'GET', url });
      return sendOnce<MediaInfo>(settings, attempt, onEvent, url, 'GET', { headers: authHeaders(settings) }, (body) => {
        const b = body as Record<string, unknown> | undefined;
        if (!b || typeof b.url !== 'string') return undefined;
        return {
          id: String(b.id ?? mediaId),
          url: b.url,
          // mime_type may carry parameters (audio/ogg; codecs=opus); file_size may be a string or a number.
          mimeType: String(b.mime_type ?? ''),
          sha256: String(b.sha256 ?? ''),
          bytes: Number(b.file_size ?? 0),
        };
      });
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
      return sendOnce<true>(settings, attempt, onEvent, url, 'DELETE', { headers: authHeaders(settings) }, (body) =>
        (body as { success?: unknown } | undefined)?.success === true ? true : undefined,
      );
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
 * minutes (media-api.md 3).
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

/** What a download returns: the media's metadata and what was received (already checked against its sha256). */
export interface DownloadResult {
  info: MediaInfo;
  sha256: string;
  bytes: number;
}

/**
 * Downloads a media object: asks for its short-lived URL, streams the bytes into the sink with the same Authorization
 * header, and checks them against the sha256 the API reported. A 404 on the URL fetches a fresh one (URLs live 5 minutes).
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
    const target = new URL(info.url);
    if (target.protocol !== 'https:' && !(target.protocol === 'http:' && isLoopbackHost(target.hostname))) {
      throw new ApiError(`the media URL ${target.origin} is not https; refusing to send the token there`);
    }
    const shownUrl = `${target.origin}${target.pathname}`;
    onEvent({ type: 'request', attempt, method: 'GET', url: shownUrl });
    const out = await sink.open();
    const outcome = await streamOnce(info.url, settings, attempt, onEvent, out, () => (wroteBytes = true));
    if (!outcome.ok) {
      needFreshUrl = outcome.failure.kind === 'http' && outcome.failure.status === 404;
      return outcome;
    }
    if (info.sha256 && outcome.value.sha256 !== info.sha256) {
      return { ok: false, failure: { kind: 'network', code: 'EINTEGRITY', message: `the bytes received do not match the media's sha256 (${outcome.value.bytes} bytes received)` } };
    }
    return outcome;
  });
  return { info, ...value };
}

/** One GET of the media URL into `out`; resolves with an outcome like sendOnce. */
async function streamOnce(
  url: string,
  settings: GraphSettings,
  attempt: number,
  onEvent: (event: GraphEvent) => void,
  out: NodeJS.WritableStream,
  onFirstByte: () => void,
): Promise<TryOutcome<{ sha256: string; bytes: number }>> {
  const started = Date.now();
  const agent = await proxyAgentFor(url, settings);
  const stream = got.stream(url, {
    headers: authHeaders(settings),
    followRedirect: false,
    throwHttpErrors: false,
    retry: { limit: 0 },
    timeout: phaseTimeouts(settings.timeoutMs),
    ...plainHttpLookup(url),
    ...(settings.signal ? { signal: settings.signal } : {}),
    ...(agent ? { agent: agent as never } : {}),
  });
  const hash = createHash('sha256');
  let bytes = 0;
  try {
    const response = await new Promise<Response>((resolve, reject) => {
      stream.once('response', resolve);
      stream.once('error', reject);
    });
    onEvent({ type: 'response', attempt, status: response.statusCode, durationMs: Date.now() - started });
    if (response.statusCode !== 200) {
      let text = '';
      for await (const chunk of stream) {
        if (text.length < 64 * 1024) text += String(chunk);
      }
      const graph = readGraphError(parseJson(text), response.statusCode);
      return { ok: false, failure: { kind: 'http', status: response.statusCode, graph, bodySnippet: snippet(text) } };
    }
    for await (const chunk of stream) {
      const buffer = chunk as Buffer;
      hash.update(buffer);
      bytes += buffer.length;
      onFirstByte();
      if (!out.write(buffer)) await new Promise<void>((resolve) => out.once('drain', () => resolve()));
      onEvent({ type: 'progress', transferred: bytes, total: Number(response.headers['content-length'] ?? 0) });
    }
    return { ok: true, value: { sha256: hash.digest('hex'), bytes } };
  } catch (error) {
    stream.destroy();
    if (settings.signal?.aborted) throw interruptedFrom(settings.signal);
    const failure = describeRequestError(error, settings.timeoutMs);
    onEvent({ type: 'failure', attempt, description: describeFailure(failure), retryable: true, durationMs: Date.now() - started });
    return { ok: false, failure };
  }
}

/** The media URL may live on another host than the API (lookaside): the proxy decision is made for it anew. */
async function proxyAgentFor(url: string, settings: GraphSettings): Promise<unknown> {
  if (new URL(url).host === new URL(settings.baseUrl).host) return settings.agent;
  return proxyAgentsFor(url);
}

function authHeaders(settings: GraphSettings): Record<string, string> {
  return { authorization: `Bearer ${settings.token}`, 'user-agent': settings.userAgent };
}

/** Plain http goes only to an address checked to be loopback, and the connection is pinned to it (https needs no such check). */
function plainHttpLookup(url: string): { dnsLookup?: typeof loopbackOnlyLookup } {
  return new URL(url).protocol === 'http:' ? { dnsLookup: loopbackOnlyLookup } : {};
}

/** Per-phase limits: connect, idle socket while sending or receiving, and the wait for an answer. A slow link moving bytes is never cut. */
function phaseTimeouts(ms: number): { lookup: number; connect: number; secureConnect: number; socket: number; response: number } {
  return { lookup: ms, connect: ms, secureConnect: ms, socket: ms, response: ms };
}

/**
 * Sends one request and turns whatever comes back into an outcome; never throws for HTTP or network trouble.
 * Exported for the other Graph protocols of this folder (resumable-upload.ts), which run their tries through it.
 */
export async function sendOnce<T>(
  settings: GraphSettings,
  attempt: number,
  onEvent: (event: GraphEvent) => void,
  url: string,
  method: 'GET' | 'POST' | 'DELETE',
  options: { body?: AsyncIterable<Uint8Array>; headers: Record<string, string> },
  readSuccess: (body: unknown) => T | undefined,
): Promise<TryOutcome<T>> {
  const started = Date.now();
  try {
    const request = got(url, {
      method,
      headers: options.headers,
      ...(options.body ? { body: options.body } : {}),
      retry: { limit: 0 },
      followRedirect: false,
      throwHttpErrors: false,
      responseType: 'text',
      timeout: phaseTimeouts(settings.timeoutMs),
      ...plainHttpLookup(url),
      ...(settings.signal ? { signal: settings.signal } : {}),
      ...(settings.agent ? { agent: settings.agent as never } : {}),
    });
    if (options.body) {
      request.on('uploadProgress', (progress: { transferred: number; total?: number }) => {
        onEvent({ type: 'progress', transferred: progress.transferred, total: progress.total ?? 0 });
      });
    }
    const response = await request;
    const durationMs = Date.now() - started;
    const body = parseJson(response.body);
    const graph = readGraphError(body, response.statusCode);
    onEvent({ type: 'response', attempt, status: response.statusCode, graphCode: graph?.code, durationMs });
    if (response.statusCode >= 200 && response.statusCode < 300 && !graph) {
      const value = readSuccess(body);
      if (value !== undefined) return { ok: true, value };
    }
    const location = response.statusCode >= 300 && response.statusCode < 400 ? String(response.headers.location ?? '') : undefined;
    return {
      ok: false,
      failure: {
        kind: 'http',
        status: response.statusCode,
        graph,
        bodySnippet: snippet(response.body),
        redirect: location,
      },
      retryAfterMs: parseRetryAfterMs(headerValue(response.headers['retry-after'])),
      regainAccessMs: parseBusinessUseCaseWaitMs(headerValue(response.headers['x-business-use-case-usage'])),
    };
  } catch (error) {
    if (settings.signal?.aborted) throw interruptedFrom(settings.signal);
    const failure = describeRequestError(error, settings.timeoutMs);
    onEvent({ type: 'failure', attempt, description: describeFailure(failure), retryable: true, durationMs: Date.now() - started });
    return { ok: false, failure };
  }
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
  return new InterruptedError(signal?.reason === 'SIGTERM' ? 'SIGTERM' : 'SIGINT');
}

function headerValue(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}

