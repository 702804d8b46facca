// The programmatic API: upload, inspect, download and delete media, and create handles, from code, with the CLI's settings and typed errors.

import { loadConfigFile, mergeSettings, settingsFromEnv, type Config, type PartialSettings, type SettingsNeed } from './settings/config.js';
import { downloadToFile } from './graph/download-to-file.js';
import { InputError } from './errors.js';
import * as graph from './graph/graph-client.js';
import { prepareFile } from './media/inspect.js';
import { HANDLE_TYPES, uploadForHandle } from './graph/resumable-upload.js';
import { MEDIA_TYPES, mediaTypeForMime, type MediaCategory, type MediaType } from './media/media-types.js';

export { VERSION } from './version.js';
export {
  ApiError,
  AuthError,
  ConfigError,
  ExitCode,
  InputError,
  InterruptedError,
  TemporaryError,
  UsageError,
  WaUploadError,
  type ErrorKind,
  type GraphErrorDetails,
} from './errors.js';
export { MEDIA_TYPES, type MediaCategory, type MediaType } from './media/media-types.js';
export type { GraphEvent, MediaInfo } from './graph/graph-client.js';

/**
 * Settings for every call, as the CLI takes them: what you pass here beats the environment (WA_TOKEN, …), which beats
 * the config file (.waupload.json, searched upward from `cwd`). `timeout`, `retryDelay` and `maxRetryWait` are seconds.
 */
export interface ClientOptions {
  token?: string;
  phoneNumberId?: string;
  apiVersion?: string;
  baseUrl?: string;
  retries?: number;
  timeout?: number;
  retryDelay?: number;
  maxRetryWait?: number;
  /** A config file to use, or false to read none (default: search like the CLI). */
  configFile?: string | false;
  /** Environment to read settings from (default process.env); pass {} to ignore it. */
  env?: NodeJS.ProcessEnv;
  /** Where the config file search starts (default process.cwd()). */
  cwd?: string;
  /** Cancels the call; it then rejects with an InterruptedError. */
  signal?: AbortSignal;
  /** Requests, responses, retries and progress as they happen (never carries the token). */
  onEvent?: (event: graph.GraphEvent) => void;
}

/** Options of uploadMedia. */
export interface UploadOptions extends ClientOptions {
  /** No-Storage numbers: keep the media this many minutes, 60 to 43,200 (sent as `ttl_minutes`; default: no field, 1 hour). */
  ttlMinutes?: number;
  /** Send this MIME type instead of the one detected from the extension and content. */
  type?: string;
  /** Refuse the file when a content check warns, except advice (a type corrected within its kind, sticker size). */
  strict?: boolean;
}

/** What an upload returns. */
export interface UploadedMedia {
  id: string;
  /** The part filename sent (extension made true to the type, e.g. voice.opus → voice.ogg). */
  filename: string;
  mimeType: string;
  category: MediaCategory;
  bytes: number;
  sha256: string;
  /** Content warnings (the file was sent anyway unless `strict`). */
  warnings: string[];
  attempts: number;
}

/** Options of createHandle: no phone number ID, an app ID instead. */
export interface HandleOptions extends ClientOptions {
  /** The Meta app ID that owns the upload session (else WA_APP_ID, WHATSAPP_APP_ID, M4D_APP_ID, or "appId" in the config file). */
  appId?: string;
  /** Refuse the file when any content check warns. */
  strict?: boolean;
}

/** What createHandle returns. */
export interface CreatedHandle {
  /** For a message template's `example.header_handle` or a business profile's `profile_picture_handle`; not a media ID. */
  handle: string;
  /** The name sent as `file_name` (extension made true to the type). */
  filename: string;
  /** application/pdf, image/jpeg, image/png or video/mp4. */
  mimeType: string;
  bytes: number;
  /** Of the file's bytes as sent (each byte once, whatever the resumptions). */
  sha256: string;
  /** Content warnings (the file was sent anyway unless `strict`). */
  warnings: string[];
  /** Tries of the byte transfer; more than 1 when a cut or a timeout was resumed. */
  attempts: number;
}

/**
 * Runs an exported function; an error it throws leaves with its stack as plain text. V8 places an uncaught error by its
 * stack's first frame, and in the bundle that frame's line is a whole minified file: with the stack as text, Node shows
 * no line of wa-upload's code above the (readable) stack.
 */
async function atApiBoundary<T>(call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (error) {
    if (error instanceof Error && typeof error.stack === 'string') error.stack = `${error.stack}`;
    throw error;
  }
}

/**
 * Resolves the settings exactly as the CLI does; throws ConfigError naming what to set. `needs` is what the call cannot
 * do without besides the token: the phone number ID (uploads, the default), the app ID (createHandle), or nothing more
 * (`token`: media IDs, which any ID the token can see answers to).
 */
export async function resolveSettings(options: ClientOptions & { ttlMinutes?: number; appId?: string } = {}, needs: SettingsNeed = 'phoneNumberId'): Promise<Config> {
  return atApiBoundary(() => resolveSettingsUnguarded(options, needs));
}

async function resolveSettingsUnguarded(options: ClientOptions & { ttlMinutes?: number; appId?: string } = {}, needs: SettingsNeed = 'phoneNumberId'): Promise<Config> {
  const env = options.env ?? process.env;
  const file = options.configFile === false ? undefined : await loadConfigFile({ explicitPath: options.configFile, cwd: options.cwd ?? process.cwd(), env });
  const fromEnv = settingsFromEnv(env);
  const flags: PartialSettings = {
    token: options.token,
    phoneNumberId: options.phoneNumberId,
    appId: options.appId,
    apiVersion: options.apiVersion,
    baseUrl: options.baseUrl,
    retries: options.retries,
    timeout: options.timeout,
    retryDelay: options.retryDelay,
    maxRetryWait: options.maxRetryWait,
    ttlMinutes: options.ttlMinutes,
  };
  return mergeSettings({ flags, env: fromEnv.settings, envSources: fromEnv.sources, file: file?.settings ?? {}, filePath: file?.path, needs });
}

async function graphSettings(options: ClientOptions, needs: SettingsNeed = 'phoneNumberId'): Promise<graph.GraphSettings> {
  return graph.graphSettingsFor(await resolveSettings(options, needs), options.signal);
}

/** Runs a step on a file; an InputError it throws names the file (`photo.jpg is empty`, `error.file`). */
async function aboutFile<T>(path: string, step: () => Promise<T>): Promise<T> {
  try {
    return await step();
  } catch (error) {
    throw error instanceof InputError ? error.about(path) : error;
  }
}

/** Checks a local file (type, size, content) and streams it to the media endpoint; resolves with its media ID. */
export async function uploadMedia(path: string, options: UploadOptions = {}): Promise<UploadedMedia> {
  return atApiBoundary(() => uploadMediaUnguarded(path, options));
}

async function uploadMediaUnguarded(path: string, options: UploadOptions = {}): Promise<UploadedMedia> {
  let typeOverride: MediaType | undefined;
  if (options.type !== undefined) {
    typeOverride = mediaTypeForMime(options.type);
    if (!typeOverride) throw new InputError(`WhatsApp does not accept ${options.type}`, `use one of ${MEDIA_TYPES.map((t) => t.mimeType).join(', ')}`);
  }
  const settings = await graphSettings(options);
  const prepared = await aboutFile(path, () => prepareFile(path, path, { typeOverride, strict: options.strict }));
  const result = await aboutFile(path, () =>
    graph.uploadFile({ path: prepared.path, size: prepared.size, filename: prepared.filename, mimeType: prepared.mimeType }, settings, options.onEvent),
  );
  return {
    id: result.id,
    filename: prepared.filename,
    mimeType: prepared.mimeType,
    category: prepared.category,
    bytes: prepared.size,
    sha256: result.sha256 ?? '',
    warnings: prepared.warnings,
    attempts: result.attempts,
  };
}

/**
 * Checks a local PDF, JPEG, PNG or MP4 file and sends it through the Resumable Upload API (a session on the app, raw
 * bytes, resumed from the server's offset after a cut); resolves with the handle a template header or a profile picture needs.
 */
export async function createHandle(path: string, options: HandleOptions = {}): Promise<CreatedHandle> {
  return atApiBoundary(() => createHandleUnguarded(path, options));
}

async function createHandleUnguarded(path: string, options: HandleOptions = {}): Promise<CreatedHandle> {
  const settings = await graph.graphSettingsFor(await resolveSettings(options, 'appId'), options.signal);
  const prepared = await aboutFile(path, () => prepareFile(path, path, { strict: options.strict, accepted: HANDLE_TYPES }));
  const result = await aboutFile(path, () =>
    uploadForHandle({ path: prepared.path, size: prepared.size, filename: prepared.filename, mimeType: prepared.mimeType }, settings, options.onEvent),
  );
  return {
    handle: result.handle,
    filename: prepared.filename,
    mimeType: prepared.mimeType,
    bytes: prepared.size,
    sha256: result.sha256 ?? '',
    warnings: prepared.warnings,
    attempts: result.attempts,
  };
}

/** A media ID's URL (valid 5 minutes), MIME type, sha256 and size. */
export async function getMediaInfo(mediaId: string, options: ClientOptions = {}): Promise<graph.MediaInfo> {
  return atApiBoundary(() => getMediaInfoUnguarded(mediaId, options));
}

async function getMediaInfoUnguarded(mediaId: string, options: ClientOptions = {}): Promise<graph.MediaInfo> {
  return graph.getMediaInfo(mediaId, await graphSettings(options, 'token'), options.onEvent);
}

/** Deletes a media ID. */
export async function deleteMedia(mediaId: string, options: ClientOptions = {}): Promise<void> {
  return atApiBoundary(() => deleteMediaUnguarded(mediaId, options));
}

async function deleteMediaUnguarded(mediaId: string, options: ClientOptions = {}): Promise<void> {
  await graph.deleteMedia(mediaId, await graphSettings(options, 'token'), options.onEvent);
}

/**
 * Downloads a media ID to a file path (written beside it first and renamed once the sha256 matches, so no partial
 * file is left) or into a writable stream; resolves with what was received.
 */
export async function downloadMedia(
  mediaId: string,
  destination: string | NodeJS.WritableStream,
  options: ClientOptions = {},
): Promise<{ path?: string; mimeType: string; bytes: number; sha256: string }> {
  return atApiBoundary(() => downloadMediaUnguarded(mediaId, destination, options));
}

async function downloadMediaUnguarded(
  mediaId: string,
  destination: string | NodeJS.WritableStream,
  options: ClientOptions = {},
): Promise<{ path?: string; mimeType: string; bytes: number; sha256: string }> {
  const settings = await graphSettings(options, 'token');
  if (typeof destination !== 'string') {
    const result = await graph.downloadMedia(mediaId, settings, { open: async () => destination, restartable: false }, options.onEvent);
    return { mimeType: result.info.mimeType, bytes: result.bytes, sha256: result.sha256 };
  }
  const result = await downloadToFile(mediaId, settings, destination, options.onEvent);
  return { path: destination, mimeType: result.info.mimeType, bytes: result.bytes, sha256: result.sha256 };
}
