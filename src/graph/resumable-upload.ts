// The Resumable Upload API (https://developers.facebook.com/docs/graph-api/guides/upload): a session on the app, raw bytes from an offset, resumed after a cut; returns a handle.

import { ConfigError, InterruptedError } from '../errors.js';
import { fileReadFailure, readFileChunks } from './file-chunks.js';
import { runWithRetries, sendOnce, type GraphEvent, type GraphSettings, type TryOutcome } from './graph-client.js';
import { fileOffsetFrom, handleFrom, sessionIdFrom, type UploadSession } from './server-values.js';

/** The MIME types the Resumable Upload API takes (`image/jpg` is the same as image/jpeg, which is what is sent). */
const HANDLE_MIME_TYPES: readonly string[] = ['application/pdf', 'image/jpeg', 'image/png', 'video/mp4'];

/** The type check a file gets before a Resumable Upload (prepareFile's `accepted`). */
export const HANDLE_TYPES = { mimeTypes: HANDLE_MIME_TYPES, by: 'the Resumable Upload API (handles)' } as const;

/** A checked file to turn into a handle. */
export interface HandleSpec {
  path: string;
  /** The size the file had when it was checked: `file_length`, and what the server must end up holding. */
  size: number;
  /** Sent as `file_name`. */
  filename: string;
  /** Sent as `file_type`; one of HANDLE_MIME_TYPES. */
  mimeType: string;
  /** Compute the sha256 of the bytes read (default true). */
  hash?: boolean;
}

/** What an upload to the Resumable Upload API returns. */
export interface HandleResult {
  /** The handle (`{"h": ...}`): for a template's `example.header_handle` or a `profile_picture_handle`. */
  handle: string;
  /** The session the bytes went to (`upload:...`, possibly with `?sig=`). */
  sessionId: string;
  /** Of the file's bytes as read, each byte once whatever the resumptions; undefined when `hash: false`. */
  sha256: string | undefined;
  /** Tries of the byte transfer (1 when nothing had to be resumed). */
  attempts: number;
  /** The offsets the server reported before each resumption, in order (empty when nothing was resumed). */
  resumedFrom: number[];
}

/**
 * Uploads one file through the Resumable Upload API: starts a session on the app (`file_name`, `file_length`,
 * `file_type`), then POSTs the raw bytes to the session ID appended to the URL (checked to be `upload:<id>` of a safe
 * charset, optionally `?sig=<signature>`: nothing in it can leave the session's path) with `Authorization: OAuth
 * <token>` and the `file_offset` header. A cut, a timeout or a transient
 * error mid-file asks the session for its `file_offset` and sends only the rest from there, in the same session: one
 * session per file, whatever the retries. The file is read from disk from the offset, two reused buffers at a time.
 */
export async function uploadForHandle(
  spec: HandleSpec,
  settings: GraphSettings,
  onEvent: (event: GraphEvent) => void = () => {},
): Promise<HandleResult> {
  if (!settings.appId) throw new ConfigError('no app ID', 'pass --app-id or set WA_APP_ID');
  const session = await startSession(spec, settings, onEvent);
  const sessionUrl = `${settings.baseUrl}/${settings.apiVersion}/${session.pathSegment}${session.query}`;
  const headers = { authorization: `OAuth ${settings.token}`, 'user-agent': settings.userAgent };

  // Every byte is hashed once, in file order: a resumption re-reads bytes already hashed, and skips them.
  const hash = spec.hash === false ? undefined : process.getBuiltinModule('node:crypto').createHash('sha256'); // crypto loads only when hashing
  let hashedUpTo = 0;
  const hashInOrder = (chunk: Uint8Array, position: number): void => {
    const end = position + chunk.length;
    if (!hash || end <= hashedUpTo) return;
    hash.update(chunk.subarray(hashedUpTo - position));
    hashedUpTo = end;
  };

  let offset = 0;
  let askOffset = false;
  const resumedFrom: number[] = [];
  const { value, attempts } = await runWithRetries(settings, onEvent, async (attempt): Promise<TryOutcome<string>> => {
    if (askOffset) {
      // Whatever broke the last try, only the server knows how many bytes it kept.
      onEvent({ type: 'request', attempt, method: 'GET', url: sessionUrl, authScheme: 'OAuth' });
      // An offset of the wrong shape (`"abc"`, -1, past the end) is thrown by fileOffsetFrom: exit 5, no guess.
      const status = await sendOnce(settings, attempt, onEvent, sessionUrl, 'GET', { headers }, (body) => fileOffsetFrom(body, spec.size));
      if (!status.ok) return status;
      offset = status.value;
      resumedFrom.push(offset);
    }
    const file = readFileChunks(spec.path, spec.size, offset, hashInOrder);
    const from = offset;
    onEvent({ type: 'request', attempt, method: 'POST', url: sessionUrl, authScheme: 'OAuth' });
    const outcome = await sendOnce(
      settings,
      attempt,
      // got counts this try's body: progress is told against the whole file.
      (event) => onEvent(event.type === 'progress' ? { type: 'progress', transferred: from + event.transferred, total: spec.size } : event),
      sessionUrl,
      'POST',
      {
        body: file.chunks,
        headers: { ...headers, file_offset: String(from), 'content-type': 'application/octet-stream', 'content-length': String(spec.size - from) },
      },
      // A handle of the wrong shape (missing, a newline, an escape code) is thrown by handleFrom: exit 5, never retried.
      handleFrom,
    ).catch((error: unknown) => {
      // A file that failed to read while the server answered is still the input's fault; a signal stays a signal.
      throw error instanceof InterruptedError ? error : (fileReadFailure(file, from, spec.size, false) ?? error);
    });
    // A failure of the file itself is the input's fault (exit 4), never retried.
    const fileFailure = fileReadFailure(file, from, spec.size, outcome.ok);
    if (fileFailure) throw fileFailure;
    if (!outcome.ok) askOffset = true;
    return outcome;
  });
  return { handle: value, sessionId: session.id, sha256: hash?.digest('hex'), attempts, resumedFrom };
}

/** `POST /{app-id}/uploads?file_name&file_length&file_type` → the session (`upload:...`), retried like any call. */
async function startSession(spec: HandleSpec, settings: GraphSettings, onEvent: (event: GraphEvent) => void): Promise<UploadSession> {
  const query = new URLSearchParams({ file_name: spec.filename, file_length: String(spec.size), file_type: spec.mimeType });
  const url = `${settings.baseUrl}/${settings.apiVersion}/${settings.appId}/uploads?${query.toString()}`;
  // The token goes in a header, never in the query string Meta's example uses: URLs end up in logs and --verbose.
  const headers = { authorization: `Bearer ${settings.token}`, 'user-agent': settings.userAgent };
  const { value } = await runWithRetries(settings, onEvent, async (attempt) => {
    onEvent({ type: 'request', attempt, method: 'POST', url });
    // A session ID of the wrong shape is thrown by sessionIdFrom (exit 5): never put into a URL, never retried.
    return sendOnce(settings, attempt, onEvent, url, 'POST', { headers }, sessionIdFrom);
  });
  return value;
}
