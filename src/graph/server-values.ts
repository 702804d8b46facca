// Every value a server hands back, checked before it is used: media IDs, handles, session IDs, offsets, sizes, URLs, hashes, success flags.

import { ApiError } from '../errors.js';
import { isLoopbackHost } from '../settings/loopback.js';
import { isMediaId } from './media-id.js';

/**
 * A server's value as a message may show it: JSON-quoted (control characters become `\n`, `\u001b`), every character
 * outside printable ASCII written as `\uXXXX` (no bidirectional override, no look-alike), cut to `limit` characters.
 * The reporter redacts known secrets from it like from any message.
 */
export function shownValue(raw: unknown, limit = 60): string {
  let text: string;
  try {
    text = JSON.stringify(raw) ?? String(raw);
  } catch {
    text = Object.prototype.toString.call(raw);
  }
  const ascii = text.replace(/[^\x20-\x7e]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
  return ascii.length > limit ? `${ascii.slice(0, limit)}…` : ascii;
}

/** The hint every malformed answer gets: the fault is the server's, and which one is talking matters. */
const CHECK_SERVER = 'check the server (--base-url) you are talking to';

/**
 * A server's answer of the wrong shape: exit 5, never retried (the server did answer, and a retry of a POST it
 * accepted would send the bytes again), the value shown escaped and cut, or not at all.
 */
export function malformedAnswer(what: string, raw?: unknown, hint: string = CHECK_SERVER): ApiError {
  return new ApiError(`the server answered with ${what}${raw === undefined ? '' : ` (got ${shownValue(raw)})`}`, { hint });
}

/** The body as an object (a JSON object answer), or undefined for anything else (not JSON, an array, a string). */
export function answerObject(body: unknown): Record<string, unknown> | undefined {
  return body !== null && typeof body === 'object' && !Array.isArray(body) ? (body as Record<string, unknown>) : undefined;
}

/** The media ID of an upload's answer (`{"id": "..."}`): 1 to 40 digits (a safe integer is read as its digits). */
export function mediaIdFrom(body: unknown): string {
  const raw = answerObject(body)?.id;
  const id = typeof raw === 'number' && Number.isSafeInteger(raw) && raw >= 0 ? String(raw) : raw;
  if (isMediaId(id)) return id;
  throw malformedAnswer('a media ID that is not all digits', raw, 'the media may or may not have been stored; check the server (--base-url) you are talking to');
}

/** The longest handle accepted (Meta's run to a few hundred characters). */
const HANDLE_MAX_LENGTH = 4096;

/**
 * The handle of a Resumable Upload (`{"h": "..."}`), e.g. `4::aW1hZ2UvanBlZw==:ARb...:e:1700000000:...`: printable
 * ASCII with no space, 1 to HANDLE_MAX_LENGTH characters. It is printed as is, so nothing else may pass (a newline
 * would forge a second stdout line, an escape code would reach the terminal).
 */
export function handleFrom(body: unknown): string {
  const raw = answerObject(body)?.h;
  if (typeof raw === 'string' && raw.length <= HANDLE_MAX_LENGTH && /^[\x21-\x7e]+$/.test(raw)) return raw;
  throw malformedAnswer(
    `a handle that is not printable ASCII without spaces (1 to ${HANDLE_MAX_LENGTH} characters)`,
    raw,
    'the file may or may not have been stored; check the server (--base-url) you are talking to',
  );
}

/** An upload session, split into the path segment the bytes go to and its query (`sig=...`, possibly empty). */
export interface UploadSession {
  /** As the server gave it (`upload:...` and any `?sig=...`): for results and messages. */
  id: string;
  /** `upload:<id>`, percent-encoded as one path segment (the safe charset leaves it unchanged). */
  pathSegment: string;
  /** `?sig=...` or ''. */
  query: string;
}

/** The longest session ID accepted (Meta's are about 200 characters). */
const SESSION_ID_MAX_LENGTH = 2048;

/** What a session ID's parts may hold: letters, digits and `-_.~:=+`, never `/`, `%`, `?`, `#`, a space or a control. */
const SESSION_ID_SHAPE = /^upload:([A-Za-z0-9\-_.~:=+]+)(?:\?sig=([A-Za-z0-9\-_.~=+]+))?$/;

/**
 * The session ID of `POST /{app-id}/uploads` (`{"id": "upload:<id>"}`, optionally `?sig=<signature>`, as Meta's
 * answers carry). It becomes part of the URL the token and the file's bytes go to, so only a safe charset passes:
 * nothing that could leave the session's path (`/`, `..`, `%`), start a query or fragment of its own, or break a line.
 */
export function sessionIdFrom(body: unknown): UploadSession {
  const raw = answerObject(body)?.id;
  const match = typeof raw === 'string' && raw.length <= SESSION_ID_MAX_LENGTH ? SESSION_ID_SHAPE.exec(raw) : null;
  if (!match || (raw as string).includes('..')) {
    throw malformedAnswer('an upload session ID that is not of the form upload:<id>', raw, 'no bytes were sent; check the server (--base-url) you are talking to');
  }
  return { id: raw as string, pathSegment: pathSegment(`upload:${match[1]!}`), query: match[2] === undefined ? '' : `?sig=${match[2]}` };
}

/** Percent-encodes everything a path segment must not hold raw (RFC 3986 pchar keeps `:`, `=`, `+`, `~`). */
export function pathSegment(text: string): string {
  return text.replace(/[^A-Za-z0-9\-_.~:=+]/g, (c) => [...Buffer.from(c, 'utf8')].map((b) => `%${b.toString(16).toUpperCase().padStart(2, '0')}`).join(''));
}

/** A whole number of bytes from a number or a string of digits (Meta gives `file_size` and `file_offset` either way). */
export function byteCountOf(raw: unknown): number | undefined {
  const text = typeof raw === 'number' ? String(raw) : typeof raw === 'string' ? raw.trim() : '';
  if (!/^\d+$/.test(text)) return undefined;
  const count = Number(text);
  return Number.isSafeInteger(count) ? count : undefined;
}

/**
 * The `file_offset` of a session's status (`GET /upload:<id>`): a whole number of bytes, at most the file's size.
 * A wrong one is a definite answer (exit 5): resuming from a guess would corrupt the upload.
 */
export function fileOffsetFrom(body: unknown, size: number): number {
  const raw = answerObject(body)?.file_offset;
  const offset = byteCountOf(raw);
  if (offset === undefined) {
    throw malformedAnswer('a file_offset that is not a whole number of bytes', raw, 'run the command again for a new upload session');
  }
  if (offset > size) {
    throw new ApiError(`the upload session reports ${offset} bytes received, more than the file's ${size}`, {
      hint: 'the session does not belong to this file: run the command again for a new one',
    });
  }
  return offset;
}

/**
 * A delete's `success`: true (or "true") when deleted, false (or "false") when the API says it was not; anything
 * else is the wrong shape. Both refusals are exit 5 and never retried.
 */
export function deletedFrom(body: unknown): true {
  const raw = answerObject(body)?.success;
  if (raw === true || raw === 'true') return true;
  if (raw === false || raw === 'false') {
    throw new ApiError('the API says the media was not deleted ("success": false)', {
      hint: 'check the media ID with wa-upload info; it may belong to another business or be in use',
    });
  }
  throw malformedAnswer('a delete answer without "success": true or false', raw);
}

/**
 * A sha256 as media info gives it, as 64 lower-case hex digits: 64 hex digits in either case, or the same 32 bytes in
 * base64 (44 characters with its `=`, or 43 without; `+/` or `-_`), the form of Meta's own media examples.
 * '' when there is none; undefined when it is something else.
 */
export function sha256HexOf(raw: unknown): string | undefined {
  if (raw === undefined || raw === null || raw === '') return '';
  if (typeof raw !== 'string') return undefined;
  if (/^[0-9a-f]{64}$/i.test(raw)) return raw.toLowerCase();
  if (/^[A-Za-z0-9+/]{43}=?$/.test(raw) || /^[A-Za-z0-9\-_]{43}=?$/.test(raw)) {
    const bytes = Buffer.from(raw.replace(/-/g, '+').replace(/_/g, '/'), 'base64');
    // The last character carries 2 spare bits: a form that does not round-trip is not the base64 of 32 bytes.
    if (bytes.length === 32 && bytes.toString('base64').replace(/=$/, '') === raw.replace(/-/g, '+').replace(/_/g, '/').replace(/=$/, '')) {
      return bytes.toString('hex');
    }
  }
  return undefined;
}

/** Media metadata as the API reports it (GET /{media-id}), checked. */
export interface MediaInfo {
  id: string;
  url: string;
  mimeType: string;
  /** 64 lower-case hex digits (normalised from base64 when the server gave that), or '' when the server gave none. */
  sha256: string;
  bytes: number;
}

/** The longest MIME type accepted (`audio/ogg; codecs=opus` and the like). */
const MIME_TYPE_MAX_LENGTH = 255;

/**
 * The media info answer checked field by field (exit 5 naming the field, never `bytes NaN` or "Invalid URL" later):
 * an http(s) URL without a user name or password, a whole number of bytes, a sha256 in hex or base64 (missing is
 * allowed: then only the size is checked), a MIME type of printable text, an ID of digits.
 */
export function mediaInfoFrom(body: unknown, mediaId: string): MediaInfo {
  const info = answerObject(body);
  const refuse = (what: string, value: unknown): never => {
    throw new ApiError(`the media info of ${mediaId} is malformed: ${what} (got ${shownValue(value, 80)})`, { hint: CHECK_SERVER });
  };
  if (!info) return refuse('it is not a JSON object', body);
  const id = info.id === undefined ? mediaId : info.id;
  if (!isMediaId(id)) refuse('its id is not all digits', info.id);
  const url = parsedUrl(info.url);
  if (!url || (url.protocol !== 'https:' && url.protocol !== 'http:')) refuse('its url is not an http(s) URL', info.url);
  if (url!.username !== '' || url!.password !== '') refuse('its url carries a user name or password', '…');
  const bytes = byteCountOf(info.file_size);
  if (bytes === undefined) refuse('its file_size is not a whole number of bytes', info.file_size);
  const sha256 = sha256HexOf(info.sha256);
  if (sha256 === undefined) refuse('its sha256 is not 64 hex digits or the base64 of 32 bytes', info.sha256);
  const mime = info.mime_type;
  if (mime !== undefined && (typeof mime !== 'string' || mime.length > MIME_TYPE_MAX_LENGTH || !/^[\x20-\x7e]*$/.test(mime))) {
    refuse('its mime_type is not a line of printable text', mime);
  }
  return { id: id as string, url: info.url as string, mimeType: (mime as string | undefined) ?? '', sha256: sha256!, bytes: bytes! };
}

function parsedUrl(raw: unknown): URL | undefined {
  try {
    return typeof raw === 'string' ? new URL(raw) : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Where the token may go with a media download: https, or plain http only when the base URL is itself plain http to
 * a loopback host and the media URL's host is loopback too (a local stand-in of the API). Never with a user name or
 * password in the URL. Throws ApiError (exit 5) before anything is sent.
 */
export function checkMediaUrlTransport(mediaUrl: string, baseUrl: string): URL {
  const target = parsedUrl(mediaUrl);
  if (!target) throw malformedAnswer('a media URL that is not a URL');
  if (target.username !== '' || target.password !== '') {
    throw new ApiError('the media URL carries a user name or password; refusing to send the token there', { hint: CHECK_SERVER });
  }
  if (target.protocol === 'https:') return target;
  const base = parsedUrl(baseUrl);
  const localBase = base !== undefined && base.protocol === 'http:' && isLoopbackHost(base.hostname);
  if (target.protocol === 'http:' && localBase && isLoopbackHost(target.hostname)) return target;
  throw new ApiError(`the media URL ${target.protocol === 'http:' ? target.origin : target.protocol} is not https; refusing to send the token there`, {
    hint: 'plain http is used only when --base-url is itself http:// to this machine; check the server you are talking to',
  });
}

/** The types whose bytes are never an HTML page: anything but HTML itself. */
function expectsHtml(mimeType: string): boolean {
  return /^\s*text\/html\b/i.test(mimeType);
}

/** True when a content type names HTML. */
function isHtmlContentType(contentType: string | undefined): boolean {
  return contentType !== undefined && /^\s*(text\/html|application\/xhtml\+xml)\b/i.test(contentType);
}

/** How many leading bytes sniffing for an HTML page needs (`<!doctype` after a BOM and some white space). */
export const HTML_SNIFF_BYTES = 64;

/** True when bytes begin like an HTML page (`<!doctype` or `<html`, case-insensitive, after a BOM and white space). */
export function looksLikeHtml(head: Uint8Array): boolean {
  const text = Buffer.from(head).toString('latin1').replace(/^\xef\xbb\xbf/, '').trimStart().slice(0, 9).toLowerCase();
  return text.startsWith('<!doctype') || text.startsWith('<html');
}

/** Refuses an HTML page where the media info promised media (exit 5: a login page or a proxy's error, not the file). */
export function refuseHtml(mimeType: string, contentType: string | undefined, head: Uint8Array | undefined): void {
  if (expectsHtml(mimeType)) return;
  const byHeader = isHtmlContentType(contentType);
  if (!byHeader && !(head && looksLikeHtml(head))) return;
  throw new ApiError(`the media server answered with an HTML page (${byHeader ? 'content-type text/html' : 'the bytes begin like HTML'}), not the ${mimeType || 'media'} the media info gives`, {
    hint: 'a proxy or login page may stand between you and the media server; check the network, then retry',
  });
}

/** The longest part filename made from a server's name (WhatsApp shows it; file systems take 255 bytes). */
const SERVER_FILENAME_MAX_LENGTH = 120;

/**
 * A file name a server suggested (a source's Content-Disposition, the last segment of a URL path) made safe to send
 * and to show: only its last path segment (no `/`, `\`, `..`), no control or bidirectional characters, no leading
 * dots or spaces, at most SERVER_FILENAME_MAX_LENGTH characters with its extension kept. Undefined when nothing is left.
 */
export function safeFilename(raw: string): string | undefined {
  const last = raw.split(/[/\\]/).pop() ?? '';
  const cleaned = last
    .replace(/[\t\n\r]/g, ' ')
    .replace(/[\u0000-\u001f\u007f-\u009f\u200e\u200f\u202a-\u202e\u2066-\u2069"*:<>?|]/g, '')
    .replace(/\s+/g, ' ')
    .replace(/^[.\s]+/, '')
    .trim();
  if (cleaned === '') return undefined;
  if (cleaned.length <= SERVER_FILENAME_MAX_LENGTH) return cleaned;
  const dot = cleaned.lastIndexOf('.');
  const ext = dot > 0 && cleaned.length - dot <= 8 ? cleaned.slice(dot) : '';
  return `${cleaned.slice(0, SERVER_FILENAME_MAX_LENGTH - ext.length)}${ext}`;
}
