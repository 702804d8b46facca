// A local stand-in of the Graph media API (upload, info, download, delete) that records requests and can misbehave.

import { createHash, randomBytes, randomInt } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { mkdtemp, rm, unlink, writeFile } from 'node:fs/promises';
import {
  createServer,
  STATUS_CODES,
  type IncomingHttpHeaders,
  type IncomingMessage,
  type OutgoingHttpHeaders,
  type Server,
  type ServerResponse,
} from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo, Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { formatBytes, MEDIA_TYPES, mediaTypeForMime } from '../media/media-types.js';
import { FaultQueue, faultAnswersWithError, faultTakesOver, parseFault, type FaultTarget, type SandboxFault } from './faults.js';
import { defaultGraphMessage, defaultGraphStatus, graphErrorBody, unknownObjectMessage, type GraphErrorSpec } from './graph-error.js';
import { controlRefusal } from './web-guard.js';
import { ResumableUploads, type RecordedHandle, type ResumableAnswer } from './resumable.js';
import { drainBody, readUploadBody, type RecordedFilePart, type UploadBody } from './upload-body.js';

export type { SandboxFault } from './faults.js';

/** How to start a sandbox. */
export interface SandboxOptions {
  /** Interface to listen on (default `127.0.0.1`). */
  host?: string;
  /** Port to listen on (default 0: a free port). */
  port?: number;
  /** If set, the Bearer token must equal it; if unset, any non-empty Bearer token is accepted. */
  token?: string;
  /** If set, other phone number IDs get 400 code 100 subcode 33. */
  phoneNumberIds?: string[];
  /** Answer every API request this long (ms) after its body was received. */
  delayMs?: number;
  /** Keep uploaded bytes in a temp dir (default true) so info/download work; false: only hash and size. */
  storeMedia?: boolean;
  /** Serve https with this key and certificate (PEM) instead of plain http: for tests of the TLS and proxy paths. */
  tls?: { key: string | Buffer; cert: string | Buffer };
  /** If set, Resumable Upload sessions on other app IDs get 400 code 100 subcode 33. */
  appIds?: string[];
  /** How a session's status GET gives `file_offset`: a number (default, like SDKs expect) or a string (Meta's placeholder). */
  fileOffsetAs?: 'number' | 'string';
  /** How many recorded requests are kept (the oldest are forgotten first); default {@link DEFAULT_MAX_RECORDS}. */
  maxRecords?: number;
}

/** One API request as the sandbox saw and answered it. */
export interface RecordedRequest {
  method: string;
  /** The path without the query string. */
  path: string;
  /** Query parameters (the last value wins when a name repeats). */
  query: Record<string, string>;
  /** The Bearer token as received; undefined when there was no `Authorization: Bearer ...` header. */
  bearerToken: string | undefined;
  /** The token of an `Authorization: OAuth ...` header (Resumable Upload session calls); undefined without one. */
  oauthToken: string | undefined;
  /** Request headers, without `authorization`. */
  headers: Record<string, string | string[] | undefined>;
  /** Non-file multipart fields. */
  fields: Record<string, string>;
  /** The file part (see RecordedFilePart), or undefined. */
  file: RecordedFilePart | undefined;
  /** Body bytes read. */
  bytesReceived: number;
  /**
   * The HTTP status sent, or what happened instead: `dropped` (a fault cut the connection), `hung` (a fault left it
   * unanswered), `aborted` (the client went away before the body ended).
   */
  status: number | 'dropped' | 'hung' | 'aborted';
  /** The body sent: parsed JSON, HTML text for `html` faults, undefined for redirects, downloads and no answer. */
  responseBody: unknown;
}

/** A running sandbox. */
export interface Sandbox {
  /** Base URL without a trailing slash, e.g. `http://127.0.0.1:41234`. */
  url: string;
  port: number;
  /**
   * The last `maxRecords` API requests (default 1,000), in the order their handling ended; older ones are forgotten,
   * so a long-running sandbox stays small. Control endpoints are not recorded.
   */
  requests: RecordedRequest[];
  /** How many recorded requests were forgotten to keep `requests` within `maxRecords` since the last reset. */
  readonly droppedRequests: number;
  /** Every handle the Resumable Upload API gave out, with the size and sha256 of the bytes its session held. */
  readonly handles: readonly RecordedHandle[];
  /** How many Resumable Upload sessions were started. */
  readonly sessionCount: number;
  /** Queues a fault; each applies to the next `times` matching requests. Throws a TypeError for a malformed one. */
  injectFault(fault: SandboxFault): void;
  /** Forgets the queued faults. */
  clearFaults(): void;
  /**
   * Holds media as if a customer had sent it (an ID that arrives in a webhook): tied to no business phone number, so
   * info and delete refuse `phone_number_id` for it, like the server. Resolves with its media ID.
   */
  addWebhookMedia(bytes: Buffer, mimeType: string): Promise<string>;
  /** Clears the recorded requests (in place), the queued faults, and the Resumable Upload sessions and handles. */
  reset(): void;
  /**
   * Resolves with a copy of `requests` once `count` requests were recorded since the last reset (the copy holds at most
   * `maxRecords` of them); rejects if the sandbox closes first.
   */
  waitForRequests(count: number): Promise<RecordedRequest[]>;
  /** Stops listening, destroys open sockets (hung requests included) and removes stored media. */
  close(): Promise<void>;
}

/** Every MIME type the server accepts for a file part: our table plus `audio/opus`, which the live server takes. */
export const SANDBOX_ACCEPTED_MIME_TYPES: readonly string[] = [...MEDIA_TYPES.map((type) => type.mimeType), 'audio/opus'];

/** How many API requests a sandbox remembers unless told otherwise: enough for a batch, small after a load test. */
export const DEFAULT_MAX_RECORDS = 1000;

/**
 * The token `wa-upload sandbox` prints for `WA_TOKEN`: shaped like a real access token (`EAA…`, 51 characters), so the
 * CLI's "too short, was it copied whole?" warning stays quiet, and plainly not a real one. A sandbox started without a
 * `token` accepts any token, this one included.
 */
export const SANDBOX_DEFAULT_TOKEN = 'EAASANDBOXZCZBwaUploadLocalStandInNotARealTokenZDZD';

const OPUS_MAX_BYTES = 16_000_000;
const BUSINESS_ID = '102290129340398';
const INVALID_TOKEN_MESSAGE = 'Invalid OAuth access token - Cannot parse access token';
/** Meta's answer to a call without a token (components.responses.Unauthorized of Meta's OpenAPI description). */
const MISSING_TOKEN_MESSAGE = 'An access token is required to request this resource';
const CONTROL_BODY_LIMIT = 1024 * 1024;

let mediaCounter = 0;
const mediaIdPrefix = String(randomInt(100_000, 1_000_000));

/** A 16-digit media ID, unique within this process. */
function nextMediaId(): string {
  mediaCounter += 1;
  return `${mediaIdPrefix}${String(mediaCounter).padStart(10, '0')}`;
}

/** The size limit for an accepted part type, or undefined when the server would refuse the type. */
function limitFor(mimeType: string): number | undefined {
  const bare = mimeType.toLowerCase();
  if (!SANDBOX_ACCEPTED_MIME_TYPES.includes(bare)) return undefined;
  if (bare === 'audio/opus') return OPUS_MAX_BYTES;
  return mediaTypeForMime(bare)?.maxBytes;
}

interface StoredMedia {
  id: string;
  mimeType: string;
  sha256: string;
  size: number;
  path: string | undefined;
  /** The business phone number it was uploaded on; undefined for media a customer sent (an ID from a webhook). */
  phoneNumberId: string | undefined;
}

/** Meta's answer when `phone_number_id` names a number the media was not uploaded on, e.g. for media a customer sent. */
export const NOT_A_BUSINESS_NUMBER_MESSAGE = '(#100) Param phone_number_id is not a valid whatsapp business phone number id';

type Route =
  | { kind: 'upload'; version: string; objectId: string }
  | { kind: 'session-start'; version: string; appId: string }
  | { kind: 'session-bytes' | 'session-status'; version: string; sessionPath: string }
  | { kind: 'info' | 'delete'; version: string; mediaId: string }
  | { kind: 'download'; mediaId: string }
  | { kind: 'unknown' };

type Answer =
  | { kind: 'json'; status: number; body: unknown; headers?: OutgoingHttpHeaders }
  | { kind: 'html'; status: number; body: string }
  | { kind: 'redirect'; status: number; location: string }
  | { kind: 'file'; media: StoredMedia & { path: string } };

const VERSION_PATTERN = /^v\d+\.\d+$/;
const DIGITS = /^\d+$/;

function matchRoute(method: string, path: string): Route {
  let m = /^\/([^/]+)\/([^/]+)\/media\/?$/.exec(path);
  if (m && method === 'POST') return { kind: 'upload', version: m[1]!, objectId: m[2]! };
  m = /^\/(v\d+\.\d+)\/([^/]+)\/uploads\/?$/.exec(path);
  if (m && method === 'POST') return { kind: 'session-start', version: m[1]!, appId: m[2]! };
  // The session ID as sent: `upload:<opaque>` in the path (a percent-encoded one does not match), `sig` in the query.
  m = /^\/(v\d+\.\d+)\/(upload:[^/]+)$/.exec(path);
  if (m && (method === 'POST' || method === 'GET')) {
    return { kind: method === 'POST' ? 'session-bytes' : 'session-status', version: m[1]!, sessionPath: m[2]! };
  }
  m = /^\/sandbox-media\/([^/]+)$/.exec(path);
  if (m && method === 'GET') return { kind: 'download', mediaId: m[1]! };
  m = /^\/([^/]+)\/([^/]+)\/?$/.exec(path);
  if (m && VERSION_PATTERN.test(m[1]!) && (method === 'GET' || method === 'DELETE')) {
    return { kind: method === 'GET' ? 'info' : 'delete', version: m[1]!, mediaId: m[2]! };
  }
  return { kind: 'unknown' };
}

function graphError(status: number, spec: GraphErrorSpec, headers?: OutgoingHttpHeaders): Answer {
  return headers === undefined
    ? { kind: 'json', status, body: graphErrorBody(spec) }
    : { kind: 'json', status, body: graphErrorBody(spec), headers };
}

function invalidToken(): Answer {
  return graphError(
    401,
    { code: 190, message: INVALID_TOKEN_MESSAGE },
    { 'www-authenticate': `OAuth "Facebook Platform" "invalid_token" "${INVALID_TOKEN_MESSAGE}"` },
  );
}

/** No token at all (or an empty one): code 104, like Meta. */
function missingToken(): Answer {
  return graphError(
    401,
    { code: 104, message: MISSING_TOKEN_MESSAGE },
    { 'www-authenticate': `OAuth "Facebook Platform" "invalid_request" "${MISSING_TOKEN_MESSAGE}"` },
  );
}

function invalidParameter(message: string): Answer {
  return graphError(400, { code: 100, message });
}

function unknownObject(method: string, id: string, prefix = ''): Answer {
  return graphError(400, { code: 100, subcode: 33, message: prefix + unknownObjectMessage(method, id) });
}

function mediaError(details: string): Answer {
  return graphError(400, { code: 131053, message: defaultGraphMessage(131053), details });
}

function bearerTokenOf(header: string | undefined, scheme: 'Bearer' | 'OAuth' = 'Bearer'): string | undefined {
  if (header === undefined) return undefined;
  const m = new RegExp(`^${scheme} +(.*)$`, 'i').exec(header);
  return m ? m[1] : undefined;
}

function resumableAnswer(answer: ResumableAnswer): Answer {
  return { kind: 'json', status: answer.status, body: answer.body };
}

/** Which fault a request can take: byte uploads, session starts, status GETs, or (undefined) any other API request. */
function faultTargetOf(route: Route): FaultTarget | undefined {
  if (route.kind === 'upload' || route.kind === 'session-bytes') return 'upload';
  if (route.kind === 'session-start') return 'session';
  if (route.kind === 'session-status') return 'status';
  return undefined;
}

/** A fault that answers in place of the server (an error, a page, a redirect): the server never takes the body's bytes. */
function faultRefusesBody(fault: SandboxFault | undefined): boolean {
  return fault !== undefined && (faultAnswersWithError(fault) || fault.html === true || fault.redirectTo !== undefined);
}

function htmlPage(status: number): string {
  const title = `${status} ${STATUS_CODES[status] ?? 'Error'}`;
  return `<html><head><title>${title}</title></head><body><h1>${title}</h1></body></html>`;
}

/** The answer a fault that takes over gives (not for hang/drop, which never answer). */
function faultAnswer(fault: SandboxFault): Answer {
  if (fault.redirectTo !== undefined) {
    const status = fault.status !== undefined && fault.status >= 300 && fault.status < 400 ? fault.status : 307;
    return { kind: 'redirect', status, location: fault.redirectTo };
  }
  if (fault.body !== undefined) return { kind: 'html', status: fault.status ?? 502, body: fault.body };
  if (fault.html === true && !faultAnswersWithError(fault)) return { kind: 'html', status: 502, body: htmlPage(502) };
  const status = fault.status ?? (fault.graphCode !== undefined ? defaultGraphStatus(fault.graphCode) : 500);
  if (fault.html === true) return { kind: 'html', status, body: htmlPage(status) };
  const code = fault.graphCode ?? 1;
  const spec: GraphErrorSpec = { code, message: fault.message ?? defaultGraphMessage(code) };
  if (fault.graphSubcode !== undefined) spec.subcode = fault.graphSubcode;
  if (fault.details !== undefined) spec.details = fault.details;
  if (fault.isTransient !== undefined) spec.isTransient = fault.isTransient;
  return graphError(status, spec);
}

/** Headers a fault adds to whatever answer is sent. */
function faultHeaders(fault: SandboxFault | undefined): OutgoingHttpHeaders {
  const headers: OutgoingHttpHeaders = {};
  if (fault?.retryAfter !== undefined) headers['retry-after'] = fault.retryAfter;
  if (fault?.estimatedTimeToRegainAccess !== undefined) {
    headers['x-business-use-case-usage'] = JSON.stringify({
      [BUSINESS_ID]: [
        {
          type: 'whatsapp',
          call_count: 100,
          total_cputime: 1,
          total_time: 1,
          estimated_time_to_regain_access: fault.estimatedTimeToRegainAccess,
        },
      ],
    });
  }
  return headers;
}

/**
 * The headers Graph puts on its JSON answers (`components.headers` of Meta's OpenAPI description): the version that
 * served the call, the app's and the business's usage (nothing used: the sandbox never throttles unless told to), and
 * trace IDs.
 */
function graphAnswerHeaders(route: Route): OutgoingHttpHeaders {
  const headers: OutgoingHttpHeaders = {
    'x-app-usage': JSON.stringify({ call_count: 0, total_cputime: 0, total_time: 0 }),
    'x-business-use-case-usage': JSON.stringify({
      [BUSINESS_ID]: [{ type: 'whatsapp', call_count: 0, total_cputime: 0, total_time: 0, estimated_time_to_regain_access: 0 }],
    }),
    'x-fb-trace-id': randomBytes(9).toString('base64url').slice(0, 11),
    'x-fb-request-id': `A${randomBytes(17).toString('base64url').slice(0, 22)}`,
  };
  if ('version' in route && VERSION_PATTERN.test(route.version)) headers['facebook-api-version'] = route.version;
  return headers;
}

function sendJson(res: ServerResponse, status: number, body: unknown, headers: OutgoingHttpHeaders = {}): void {
  const json = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json; charset=UTF-8', 'content-length': Buffer.byteLength(json), ...headers });
  res.end(json);
}

function withoutAuthorization(headers: IncomingHttpHeaders): Record<string, string | string[] | undefined> {
  const copy: Record<string, string | string[] | undefined> = { ...headers };
  delete copy.authorization;
  return copy;
}

/** What is wrong with an upload's form (not multipart, no or a wrong messaging_product), or undefined. */
function uploadFormRefusal(body: UploadBody, url: URL): Answer | undefined {
  if (body.malformed !== undefined) {
    return invalidParameter(`(#100) The request body must be multipart/form-data with a boundary: ${body.malformed}.`);
  }
  const product = body.fields.messaging_product ?? url.searchParams.get('messaging_product') ?? undefined;
  if (product === undefined || product === '') {
    return invalidParameter('(#100) The parameter messaging_product is required.');
  }
  if (product !== 'whatsapp') {
    return invalidParameter(`(#100) Param messaging_product must be one of {WHATSAPP} - got "${product}".`);
  }
  return undefined;
}

/** What is wrong with an upload's file part and its fields (missing, several, type, TTL, empty, too big, not stored), or undefined. */
function uploadFileRefusal(body: UploadBody): Answer | undefined {
  const file = body.file;
  if (file === undefined || file.fieldName !== 'file') {
    if (body.fields.file !== undefined) {
      return invalidParameter('(#100) Param file must be a file upload: its part has no filename.');
    }
    return invalidParameter('(#100) The parameter file is required.');
  }
  if (body.filePartCount > 1) return invalidParameter('(#100) Only one file can be uploaded per request.');
  const accepted = SANDBOX_ACCEPTED_MIME_TYPES.join(', ');
  if (file.rejected === 'type') {
    return invalidParameter(
      `(#100) Param file must be a file with one of the following types: ${accepted}. ` +
        `Received file of type '${file.contentType}'.`,
    );
  }
  // No-Storage TTL: whole minutes from 1 hour to 30 days (Meta's WhatsApp Cloud API docs, No-Storage page, developers.facebook.com).
  const ttl = body.fields.ttl_minutes;
  if (ttl !== undefined && !(/^\d+$/.test(ttl) && Number(ttl) >= 60 && Number(ttl) <= 43_200)) {
    return invalidParameter(`(#100) Param ttl_minutes must be a whole number of minutes from 60 to 43200 - got "${ttl}".`);
  }
  const type = body.fields.type;
  if (type !== undefined && limitFor(type.split(';')[0]!.trim()) === undefined) {
    return invalidParameter(`(#100) Param type must be one of {${accepted}} - got "${type}".`);
  }
  if (file.size === 0) return mediaError('The file is empty. Please upload a file that is not empty.');
  if (file.rejected === 'size') {
    const limit = limitFor(file.contentType) ?? 0;
    return mediaError(
      `File size too big. Max file size we currently support: ${formatBytes(limit)}. Please upload a smaller file.`,
    );
  }
  if (body.storeError !== undefined) {
    return graphError(500, {
      code: 2,
      message: `${defaultGraphMessage(2)} (sandbox could not store the file: ${body.storeError})`,
      isTransient: true,
    });
  }
  return undefined;
}

interface Waiter {
  count: number;
  resolve(requests: RecordedRequest[]): void;
  reject(error: Error): void;
}

/** One API request as it goes through its phases: where it goes, its record, the fault it took, what happened so far. */
interface ApiCall {
  req: IncomingMessage;
  url: URL;
  route: Route;
  record: RecordedRequest;
  authorized: boolean;
  /** No token at all, or an empty one (code 104 rather than 190). */
  tokenMissing: boolean;
  fault: SandboxFault | undefined;
  /** The fault answers in place of the server. */
  takesOver: boolean;
  /** The answer decided before the body was read (path, token, phone number, session), if any. */
  early: Answer | undefined;
  /** Where a session's byte POST appends, when it may. */
  sessionBytes: { append(chunk: Buffer): void; end(): ResumableAnswer } | undefined;
  dropped: boolean;
  stalled: boolean;
}

/** What a body reader learnt: an upload's parts (undefined for other routes), and whether the client went away. */
interface ReadBody {
  body: UploadBody | undefined;
  aborted: boolean;
}

/** An answer of a control endpoint (always JSON). */
interface ControlAnswer {
  status: number;
  body: unknown;
  headers?: OutgoingHttpHeaders;
}

/** Meta-shaped error of a control endpoint. */
function controlError(status: number, message: string): ControlAnswer {
  return { status, body: graphErrorBody({ code: 100, message }) };
}

class SandboxServer implements Sandbox {
  url = '';
  port = 0;
  readonly requests: RecordedRequest[] = [];

  readonly #options: SandboxOptions;
  readonly #server: Server;
  readonly #faults = new FaultQueue();
  readonly #media = new Map<string, StoredMedia>();
  readonly #resumable: ResumableUploads;
  readonly #authorized = new WeakMap<RecordedRequest, boolean>();
  readonly #sockets = new Set<Socket>();
  readonly #handlers = new Set<Promise<void>>();
  readonly #sleepers = new Set<{ timer: NodeJS.Timeout; wake(): void }>();
  readonly #maxRecords: number;
  /** Requests recorded since the last reset, and how many of them were forgotten. */
  #recorded = 0;
  #forgotten = 0;
  #waiters: Waiter[] = [];
  #storeDir: string | undefined;
  #closed = false;
  #closing: Promise<void> | undefined;

  constructor(options: SandboxOptions) {
    const maxRecords = options.maxRecords ?? DEFAULT_MAX_RECORDS;
    if (!Number.isSafeInteger(maxRecords) || maxRecords < 1) throw new TypeError(`maxRecords must be a whole number of at least 1, not ${String(options.maxRecords)}`);
    this.#maxRecords = maxRecords;
    this.#options = options;
    this.#resumable = new ResumableUploads({ appIds: options.appIds, fileOffsetAs: options.fileOffsetAs });
    const handler = (req: IncomingMessage, res: ServerResponse): void => {
      const handling = this.#handle(req, res).catch((error: unknown) => {
        if (!res.headersSent && !res.destroyed && !this.#closed) {
          const message = error instanceof Error ? error.message : String(error);
          res.writeHead(500, { 'content-type': 'application/json' });
          res.end(JSON.stringify(graphErrorBody({ code: 1, message: `Sandbox failure: ${message}` })));
        }
      });
      this.#handlers.add(handling);
      void handling.finally(() => this.#handlers.delete(handling));
    };
    this.#server = options.tls ? createHttpsServer({ key: options.tls.key, cert: options.tls.cert }, handler) : createServer(handler);
    this.#server.on('connection', (socket) => {
      this.#sockets.add(socket);
      socket.once('close', () => this.#sockets.delete(socket));
    });
  }

  async listen(): Promise<void> {
    if (this.#options.storeMedia !== false) {
      this.#storeDir = await mkdtemp(join(tmpdir(), 'wa-upload-sandbox-'));
    }
    const host = this.#options.host ?? '127.0.0.1';
    await new Promise<void>((resolve, reject) => {
      this.#server.once('error', reject);
      this.#server.listen(this.#options.port ?? 0, host, () => {
        this.#server.off('error', reject);
        resolve();
      });
    }).catch(async (error: unknown) => {
      if (this.#storeDir !== undefined) await rm(this.#storeDir, { recursive: true, force: true });
      throw error;
    });
    this.port = (this.#server.address() as AddressInfo).port;
    this.url = `${this.#options.tls ? 'https' : 'http'}://${host.includes(':') ? `[${host}]` : host}:${this.port}`;
  }

  get handles(): readonly RecordedHandle[] {
    return this.#resumable.handles;
  }

  get droppedRequests(): number {
    return this.#forgotten;
  }

  get sessionCount(): number {
    return this.#resumable.sessionCount;
  }

  injectFault(fault: SandboxFault): void {
    this.#faults.push(parseFault(fault));
  }

  async addWebhookMedia(bytes: Buffer, mimeType: string): Promise<string> {
    const id = nextMediaId();
    let path: string | undefined;
    if (this.#storeDir !== undefined) {
      path = join(this.#storeDir, `webhook-${id}`);
      await writeFile(path, bytes);
    }
    const sha256 = createHash('sha256').update(bytes).digest('hex');
    this.#media.set(id, { id, mimeType, sha256, size: bytes.length, path, phoneNumberId: undefined });
    return id;
  }

  clearFaults(): void {
    this.#faults.clear();
  }

  reset(): void {
    this.requests.length = 0;
    this.#recorded = 0;
    this.#forgotten = 0;
    this.#faults.clear();
    this.#resumable.clear();
  }

  waitForRequests(count: number): Promise<RecordedRequest[]> {
    if (this.#recorded >= count) return Promise.resolve([...this.requests]);
    if (this.#closed) return Promise.reject(new Error(`Sandbox closed before ${count} requests arrived`));
    return new Promise((resolve, reject) => this.#waiters.push({ count, resolve, reject }));
  }

  close(): Promise<void> {
    this.#closing ??= this.#shutDown();
    return this.#closing;
  }

  async #shutDown(): Promise<void> {
    this.#closed = true;
    for (const sleeper of this.#sleepers) {
      clearTimeout(sleeper.timer);
      sleeper.wake();
    }
    this.#sleepers.clear();
    const waiters = this.#waiters;
    this.#waiters = [];
    for (const waiter of waiters) {
      waiter.reject(new Error(`Sandbox closed with ${this.#recorded} of ${waiter.count} awaited requests`));
    }
    const closed = new Promise<void>((resolve) => this.#server.close(() => resolve()));
    this.#server.closeAllConnections();
    for (const socket of this.#sockets) socket.destroy();
    await closed;
    await Promise.allSettled([...this.#handlers]);
    this.#media.clear();
    if (this.#storeDir !== undefined) await rm(this.#storeDir, { recursive: true, force: true });
  }

  /** Records a finished request, forgetting the oldest beyond `maxRecords`, and wakes the waiters it completes. */
  #append(record: RecordedRequest): void {
    if (this.#closed) return;
    this.requests.push(record);
    this.#recorded += 1;
    const excess = this.requests.length - this.#maxRecords;
    if (excess > 0) {
      this.requests.splice(0, excess);
      this.#forgotten += excess;
    }
    const ready = this.#waiters.filter((waiter) => this.#recorded >= waiter.count);
    if (ready.length === 0) return;
    this.#waiters = this.#waiters.filter((waiter) => this.#recorded < waiter.count);
    for (const waiter of ready) waiter.resolve([...this.requests]);
  }

  /** Waits `ms`; resolves false instead when the sandbox closes meanwhile. */
  #sleep(ms: number): Promise<boolean> {
    if (ms <= 0) return Promise.resolve(!this.#closed);
    return new Promise((resolve) => {
      const sleeper = {
        timer: setTimeout(() => {
          this.#sleepers.delete(sleeper);
          resolve(!this.#closed);
        }, ms),
        wake: () => resolve(false),
      };
      this.#sleepers.add(sleeper);
    });
  }

  #isAuthorized(token: string | undefined): boolean {
    if (token === undefined || token === '' || /\s/.test(token)) return false;
    return this.#options.token === undefined || token === this.#options.token;
  }

  async #handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const method = req.method ?? 'GET';
    const url = new URL(req.url ?? '/', 'http://sandbox.invalid');
    if (url.pathname === '/_sandbox' || url.pathname.startsWith('/_sandbox/')) {
      await this.#handleControl(req, res, method, url.pathname);
      return;
    }
    const call = this.#beginCall(req, method, url);
    if (call.fault?.dropAfterBytes === 0) {
      this.#drop(call);
      this.#append(call.record);
      return;
    }
    this.#checkCall(call);
    this.#countBytes(call);
    const read = await this.#readBody(call);
    await this.#conclude(res, call, read);
  }

  /** Phase 1: where the request goes, its token, the fault it takes; its record is started. */
  #beginCall(req: IncomingMessage, method: string, url: URL): ApiCall {
    const route = matchRoute(method, url.pathname);
    const bearerToken = bearerTokenOf(req.headers.authorization);
    const oauthToken = bearerTokenOf(req.headers.authorization, 'OAuth');
    const record: RecordedRequest = {
      method,
      path: url.pathname,
      query: Object.fromEntries(url.searchParams),
      bearerToken,
      oauthToken,
      headers: withoutAuthorization(req.headers),
      fields: {},
      file: undefined,
      bytesReceived: 0,
      status: 0,
      responseBody: undefined,
    };
    const token = this.#tokenFor(route, bearerToken, oauthToken, url);
    const authorized = this.#isAuthorized(token);
    this.#authorized.set(record, authorized);
    const fault = this.#faults.take(faultTargetOf(route));
    return {
      req,
      url,
      route,
      record,
      authorized,
      tokenMissing: token === '' || (token === undefined && /^\s*((Bearer|OAuth)\s*)?$/i.test(req.headers.authorization ?? '')),
      fault,
      takesOver: fault !== undefined && faultTakesOver(fault),
      early: undefined,
      sessionBytes: undefined,
      dropped: false,
      stalled: false,
    };
  }

  /** Phase 2: the checks that need no body, and, for a session's byte POST, where its bytes go. */
  #checkCall(call: ApiCall): void {
    const { route, fault } = call;
    // A session's bytes are taken even when a cut or a hang follows (a resumption starts from what was kept).
    const checkAnyway = route.kind === 'session-bytes' && !faultRefusesBody(fault);
    call.early = call.takesOver && !checkAnyway ? undefined : this.#checkBeforeBody(call);
    if (route.kind === 'session-bytes' && call.early === undefined && !faultRefusesBody(fault)) {
      call.sessionBytes = this.#resumable.open(route.sessionPath, () => call.req.socket.destroy());
    }
  }

  /** Counts body bytes as they arrive, hands a session's on, and applies a fault's cut or stall. */
  #countBytes(call: ApiCall): void {
    const { req, record } = call;
    const dropAfter = call.fault?.dropAfterBytes;
    const stallAfter = call.fault?.stallAfterBytes;
    const keepUpTo = dropAfter ?? stallAfter;
    req.on('data', (chunk: Buffer) => {
      const before = record.bytesReceived;
      record.bytesReceived += chunk.length;
      // A cut or a stall after K bytes keeps exactly K.
      if (!call.dropped && !call.stalled) call.sessionBytes?.append(keepUpTo === undefined ? chunk : chunk.subarray(0, Math.max(0, keepUpTo - before)));
      if (dropAfter !== undefined && record.bytesReceived >= dropAfter) this.#drop(call);
      if (stallAfter !== undefined && record.bytesReceived >= stallAfter && !call.stalled) {
        // Reading stops: the client's writes back up until its idle timeout gives up on the request.
        call.stalled = true;
        req.pause();
      }
    });
  }

  /** Phase 3: reads the body: an upload's multipart parts (fields kept, file hashed and stored), any other body drained. */
  async #readBody(call: ApiCall): Promise<ReadBody> {
    if (call.route.kind !== 'upload') return { body: undefined, aborted: (await drainBody(call.req)).aborted };
    const refused = call.takesOver || call.early !== undefined;
    const body = await readUploadBody(call.req, { hash: call.early === undefined, storeDir: refused ? undefined : this.#storeDir, limitFor });
    call.record.fields = body.fields;
    call.record.file = body.file && {
      fieldName: body.file.fieldName,
      filename: body.file.filename,
      contentType: body.file.contentType,
      size: body.file.size,
      sha256: body.file.sha256,
    };
    return { body, aborted: body.aborted };
  }

  /** Phase 4: the request is recorded as cut, aborted or hung, or answered (late, when asked); unkept bytes are removed. */
  async #conclude(res: ServerResponse, call: ApiCall, read: ReadBody): Promise<void> {
    const { record, fault } = call;
    const storedPath = read.body?.file?.storedPath;
    let keepStored = false;
    try {
      if (this.#closed) return;
      if (call.dropped) {
        this.#append(record);
        return;
      }
      if (read.aborted) {
        record.status = 'aborted';
        this.#append(record);
        return;
      }
      if (fault?.dropAfterBytes !== undefined) {
        this.#drop(call);
        this.#append(record);
        return;
      }
      if (fault?.hang === true) {
        record.status = 'hung';
        this.#append(record);
        return;
      }
      const decided = this.#answer(call, read.body);
      keepStored = decided.keepStored;
      const delay = (this.#options.delayMs ?? 0) + (fault?.delayMs ?? 0);
      if (!(await this.#sleep(delay))) return;
      const headers = decided.answer.kind === 'json' ? { ...graphAnswerHeaders(call.route), ...faultHeaders(fault) } : faultHeaders(fault);
      this.#send(res, record, decided.answer, headers);
    } finally {
      if (storedPath !== undefined && !keepStored) await unlink(storedPath).catch(() => {});
    }
  }

  /** Cuts the connection (once); the record says `dropped`. */
  #drop(call: ApiCall): void {
    if (call.dropped) return;
    call.dropped = true;
    call.record.status = 'dropped';
    call.req.socket.destroy();
  }

  /** The answer to a request read whole: a fault's, the one decided before the body, or the route's own. */
  #answer(call: ApiCall, body: UploadBody | undefined): { answer: Answer; keepStored: boolean } {
    const { route, url, fault } = call;
    const notStored = (answer: Answer): { answer: Answer; keepStored: boolean } => ({ answer, keepStored: false });
    if (fault !== undefined && call.takesOver) return notStored(faultAnswer(fault));
    if (call.early !== undefined) return notStored(call.early);
    switch (route.kind) {
      case 'upload': {
        const answer = this.#answerUpload(body!, url, route.objectId);
        return { answer, keepStored: answer.kind === 'json' && answer.status === 200 };
      }
      case 'session-start':
        return notStored(resumableAnswer(this.#resumable.start(route.appId, url.searchParams)));
      case 'session-bytes':
        return notStored(resumableAnswer(call.sessionBytes!.end()));
      case 'session-status':
        return notStored(resumableAnswer(this.#resumable.status(route.sessionPath)));
      case 'download':
        return notStored(this.#answerDownload(route.mediaId));
      case 'info':
        return notStored(this.#answerInfo(route.mediaId, url));
      case 'delete':
        return notStored(this.#answerDelete(route.mediaId, url));
      case 'unknown':
        return notStored(invalidParameter(`(#100) Unknown path components: ${url.pathname}`));
    }
  }

  /**
   * The token a route is judged by: a session's calls take it from the `Authorization` header only, `OAuth` (Meta's
   * documented scheme) or `Bearer` (Meta's docs: the query parameter does not work there); starting one takes a
   * Bearer or OAuth header or `access_token`.
   */
  #tokenFor(route: Route, bearerToken: string | undefined, oauthToken: string | undefined, url: URL): string | undefined {
    if (route.kind === 'session-bytes' || route.kind === 'session-status') return oauthToken ?? bearerToken;
    if (route.kind === 'session-start') return bearerToken ?? oauthToken ?? url.searchParams.get('access_token') ?? undefined;
    return bearerToken;
  }

  /** Checks that need no body: path shape, token, phone number ID, a session's sig and file_offset. */
  #checkBeforeBody(call: ApiCall): Answer | undefined {
    const { route, url } = call;
    if (route.kind === 'unknown') {
      return invalidParameter(`(#100) Unknown path components: ${url.pathname}`);
    }
    if (route.kind === 'upload' && !VERSION_PATTERN.test(route.version)) {
      return invalidParameter(`(#100) Unknown path components: ${url.pathname}`);
    }
    if (!call.authorized) return call.tokenMissing ? missingToken() : invalidToken();
    if (route.kind === 'session-bytes' || route.kind === 'session-status') {
      const offset = call.req.headers.file_offset;
      const problem = this.#resumable.check(route.sessionPath, url.searchParams, route.kind === 'session-bytes' ? 'POST' : 'GET', Array.isArray(offset) ? offset[0] : offset);
      return problem && resumableAnswer(problem);
    }
    if (route.kind === 'upload') {
      const known = this.#options.phoneNumberIds;
      if (!DIGITS.test(route.objectId) || (known !== undefined && !known.includes(route.objectId))) {
        return unknownObject('post', route.objectId, '(#100) ');
      }
    }
    if (route.kind === 'info' || route.kind === 'delete') {
      if (!DIGITS.test(route.mediaId)) return unknownObject(route.kind === 'info' ? 'get' : 'delete', route.mediaId);
      const phone = url.searchParams.get('phone_number_id');
      const known = this.#options.phoneNumberIds;
      if (phone !== null && (!DIGITS.test(phone) || (known !== undefined && !known.includes(phone)))) {
        return unknownObject(route.kind === 'info' ? 'get' : 'delete', phone);
      }
    }
    return undefined;
  }

  /** Judges an upload the way the live server does, once its body has been read; stores the media on success. */
  #answerUpload(body: UploadBody, url: URL, phoneNumberId: string): Answer {
    const refusal = uploadFormRefusal(body, url) ?? uploadFileRefusal(body);
    if (refusal !== undefined) return refusal;
    const file = body.file!;
    const id = nextMediaId();
    this.#media.set(id, {
      id,
      mimeType: file.contentType,
      sha256: file.sha256,
      size: file.size,
      path: file.storedPath,
      phoneNumberId,
    });
    return { kind: 'json', status: 200, body: { id } };
  }

  /** The media URL: the stored bytes, once auth has passed. */
  #answerDownload(mediaId: string): Answer {
    const media = this.#media.get(mediaId);
    if (media?.path === undefined) {
      return graphError(404, { code: 100, message: 'Media not found (deleted, unknown, or not stored).' });
    }
    return { kind: 'file', media: { ...media, path: media.path } };
  }

  /** The media a request names, or its error: unknown, or not on the `phone_number_id` given (media a customer sent has none). */
  #mediaFor(mediaId: string, url: URL, method: 'get' | 'delete'): StoredMedia | Answer {
    const media = this.#media.get(mediaId);
    if (media === undefined) return unknownObject(method, mediaId);
    const phone = url.searchParams.get('phone_number_id');
    if (phone !== null && phone !== media.phoneNumberId) return invalidParameter(NOT_A_BUSINESS_NUMBER_MESSAGE);
    return media;
  }

  /** Media info: every field a string, and a media URL of this sandbox. */
  #answerInfo(mediaId: string, url: URL): Answer {
    const media = this.#mediaFor(mediaId, url, 'get');
    if ('kind' in media) return media;
    return {
      kind: 'json',
      status: 200,
      body: {
        messaging_product: 'whatsapp',
        url: `${this.url}/sandbox-media/${media.id}?ext=${randomBytes(8).toString('hex')}`,
        mime_type: media.mimeType,
        sha256: media.sha256,
        file_size: String(media.size),
        id: media.id,
      },
    };
  }

  /** Delete: forgets the media and removes its bytes. */
  #answerDelete(mediaId: string, url: URL): Answer {
    const media = this.#mediaFor(mediaId, url, 'delete');
    if ('kind' in media) return media;
    this.#media.delete(media.id);
    if (media.path !== undefined) unlink(media.path).catch(() => {});
    return { kind: 'json', status: 200, body: { success: true } };
  }

  #send(res: ServerResponse, record: RecordedRequest, answer: Answer, extraHeaders: OutgoingHttpHeaders): void {
    switch (answer.kind) {
      case 'json': {
        const text = JSON.stringify(answer.body);
        record.status = answer.status;
        record.responseBody = answer.body;
        this.#append(record);
        res.writeHead(answer.status, {
          'content-type': 'application/json; charset=UTF-8',
          'content-length': Buffer.byteLength(text),
          ...answer.headers,
          ...extraHeaders,
        });
        res.end(text);
        return;
      }
      case 'html': {
        record.status = answer.status;
        record.responseBody = answer.body;
        this.#append(record);
        res.writeHead(answer.status, {
          'content-type': 'text/html; charset=utf-8',
          'content-length': Buffer.byteLength(answer.body),
          ...extraHeaders,
        });
        res.end(answer.body);
        return;
      }
      case 'redirect': {
        record.status = answer.status;
        this.#append(record);
        res.writeHead(answer.status, { location: answer.location, 'content-length': 0, ...extraHeaders });
        res.end();
        return;
      }
      case 'file':
        this.#sendFile(res, record, answer.media, extraHeaders);
        return;
    }
  }

  /** Streams stored media (a 404 Graph error when its file is gone before it opened). */
  #sendFile(res: ServerResponse, record: RecordedRequest, media: StoredMedia & { path: string }, extraHeaders: OutgoingHttpHeaders): void {
    const stream = createReadStream(media.path);
    stream.once('open', () => {
      record.status = 200;
      this.#append(record);
      res.writeHead(200, { 'content-type': media.mimeType, 'content-length': media.size, ...extraHeaders });
      stream.pipe(res);
    });
    stream.once('error', () => {
      if (res.headersSent) {
        res.destroy();
        return;
      }
      this.#send(res, record, graphError(404, { code: 100, message: 'Media not found.' }), extraHeaders);
    });
  }

  /**
   * The unauthenticated control endpoints for people running the sandbox on its own. A request a web page could have
   * sent (an `Origin` header, or a `Host` that is not loopback) is refused with 403 before its body is read.
   */
  async #handleControl(req: IncomingMessage, res: ServerResponse, method: string, path: string): Promise<void> {
    const refusal = controlRefusal(req.headers, this.#options.host ?? '127.0.0.1');
    if (refusal !== undefined) {
      req.resume();
      sendJson(res, 403, graphErrorBody({ code: 10, message: refusal }), { connection: 'close' });
      return;
    }
    const { text, bytes, aborted } = await drainBody(req, CONTROL_BODY_LIMIT);
    if (aborted || this.#closed) return;
    const answer = await this.#controlAnswer(method, path, text, bytes);
    sendJson(res, answer.status, answer.body, answer.headers);
  }

  async #controlAnswer(method: string, path: string, text: string, bytes: number): Promise<ControlAnswer> {
    switch (`${method} ${path}`) {
      case 'POST /_sandbox/faults':
        return this.#queueFault(text, bytes);
      case 'DELETE /_sandbox/faults':
        return { status: 200, body: { cleared: this.#faults.clear() } };
      case 'POST /_sandbox/webhook-media':
        return this.#postWebhookMedia(text, bytes);
      case 'GET /_sandbox/requests':
        return this.#listRequests();
      default:
        return controlError(404, `Unknown sandbox control endpoint: ${method} ${path}`);
    }
  }

  /** `POST /_sandbox/faults`: queues the fault in the body. */
  #queueFault(text: string, bytes: number): ControlAnswer {
    if (bytes > CONTROL_BODY_LIMIT) return controlError(413, 'Fault body too large');
    let fault: SandboxFault;
    try {
      fault = parseFault(JSON.parse(text) as unknown);
    } catch (error) {
      return controlError(400, error instanceof Error ? error.message : String(error));
    }
    this.#faults.push(fault);
    return { status: 200, body: { queued: true, pending: this.#faults.size } };
  }

  /** `POST /_sandbox/webhook-media`: holds media as if a customer had sent it. */
  async #postWebhookMedia(text: string, bytes: number): Promise<ControlAnswer> {
    const media = parseWebhookMedia(text, bytes);
    if (typeof media === 'string') return controlError(400, media);
    return { status: 200, body: { id: await this.addWebhookMedia(media.bytes, media.mimeType) } };
  }

  /** `GET /_sandbox/requests`: the records kept, tokens left out; a header says how many older ones were forgotten. */
  #listRequests(): ControlAnswer {
    const body = this.requests.map((record) => {
      const { bearerToken: _token, oauthToken: _oauth, ...rest } = record;
      const query = { ...rest.query };
      if (query.access_token !== undefined) query.access_token = '[redacted]';
      return { ...rest, query, authorized: this.#authorized.get(record) ?? false };
    });
    return { status: 200, body, headers: { 'x-sandbox-dropped-requests': String(this.#forgotten) } };
  }
}

/**
 * Reads `{"mimeType": "image/jpeg", "base64": "..."}` posted to `/_sandbox/webhook-media` (without `base64`: a few
 * random bytes); returns what is wrong as a string.
 */
function parseWebhookMedia(text: string, bytes: number): { bytes: Buffer; mimeType: string } | string {
  if (bytes > CONTROL_BODY_LIMIT) return `Webhook media over ${CONTROL_BODY_LIMIT} bytes of JSON`;
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return 'Webhook media must be a JSON object: {"mimeType":"image/jpeg","base64":"..."}';
  }
  const { mimeType, base64 } = (value ?? {}) as { mimeType?: unknown; base64?: unknown };
  if (typeof mimeType !== 'string' || limitFor(mimeType) === undefined) {
    return `Webhook media needs a "mimeType" WhatsApp accepts: ${SANDBOX_ACCEPTED_MIME_TYPES.join(', ')}`;
  }
  if (base64 !== undefined && typeof base64 !== 'string') return '"base64" must be a string';
  return { mimeType, bytes: base64 === undefined ? randomBytes(64) : Buffer.from(base64, 'base64') };
}

/**
 * Starts a sandbox of the Graph media API on loopback (port 0 by default) and resolves once it listens.
 * Close it with `close()`; it removes its stored media then.
 */
export async function startSandbox(options: SandboxOptions = {}): Promise<Sandbox> {
  const sandbox = new SandboxServer(options);
  await sandbox.listen();
  return sandbox;
}
