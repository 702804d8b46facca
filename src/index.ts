// The programmatic API: upload, inspect, download and delete media, and create handles, from code, with the CLI's settings and typed errors.

import { ENV_NAMES, loadConfigFile, mergeSettings, settingsFromEnv, type Config, type PartialSettings, type SettingsNeed } from './settings/config.js';
import { downloadToFile } from './graph/download-to-file.js';
import { downloadTargetProblem } from './graph/download-target.js';
import { AbortError, ConfigError, InputError, InterruptedError, UsageError, WaUploadError } from './errors.js';
import * as graph from './graph/graph-client.js';
import { isMediaId } from './graph/media-id.js';
import { prepareFile } from './media/inspect.js';
import { HANDLE_TYPES, uploadForHandle } from './graph/resumable-upload.js';
import { MEDIA_TYPES, mediaTypeForMime, type MediaCategory, type MediaType } from './media/media-types.js';
import { isUrlArgument, withUrlSource, type ApiSourceInfo, type UrlLike } from './sources/api-source.js';
import type { SourceSettings } from './sources/fetch-source.js';
import type { FixReport, FixStep } from './fix/fix-session.js';

export { VERSION } from './version.js';
export {
  AbortError,
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
export type { ApiSourceInfo, UrlLike } from './sources/api-source.js';
export type { FixedBytes, FixReport } from './fix/fix-session.js';

/**
 * What `signal` takes: an AbortSignal, Node's or the DOM's. Described by the members used, so that the types need
 * neither @types/node nor the DOM library.
 */
export interface AbortSignalLike {
  readonly aborted: boolean;
  readonly reason?: unknown;
  addEventListener(type: 'abort', listener: () => void, options?: { once?: boolean }): void;
  removeEventListener(type: 'abort', listener: () => void): void;
}

/** Where downloadMedia can write besides a file path: a Node writable stream (process.stdout, a socket...); it is not ended. */
export interface WritableLike {
  write(chunk: Uint8Array): boolean;
  once(event: 'drain', listener: () => void): unknown;
}

/** Environment variables by name, as process.env holds them. */
export type EnvLike = Readonly<Record<string, string | undefined>>;

/**
 * Settings for every call, as the CLI takes them: what you pass here beats the environment (WA_TOKEN, …), which beats
 * the config file (.waupload.json, searched upward from `cwd`). `timeout`, `retryDelay` and `maxRetryWait` are seconds.
 */
export interface ClientOptions {
  /** The access token (default: WA_TOKEN and the other names, then "token" in the config file). */
  token?: string;
  /** The business phone number's ID, digits (uploadMedia needs it; default: WA_PHONE_NUMBER_ID, WHATSAPP_PHONE_NUMBER_ID, "phoneNumberId"). */
  phoneNumberId?: string;
  /** Graph API version (default v27.0, or WA_API_VERSION, CLOUD_API_VERSION, "apiVersion"). */
  apiVersion?: string;
  /** API origin (default https://graph.facebook.com, or WA_BASE_URL, "baseUrl"); http:// only to a loopback host. */
  baseUrl?: string;
  /** Extra tries for temporary failures, 0 to 20 (default 3; lookups and downloads make at most 2). */
  retries?: number;
  /** Per-try limit in seconds on connecting, on an idle socket while sending, and on the answer (default 60). */
  timeout?: number;
  /** First backoff step in seconds, doubled each try, full jitter (default 1). */
  retryDelay?: number;
  /** The longest wait in seconds a server may ask for before the call gives up instead (default 300). */
  maxRetryWait?: number;
  /** A config file to use, or false to read none (default: search like the CLI). */
  configFile?: string | false;
  /** Environment to read settings from (default process.env); pass {} to ignore it. */
  env?: EnvLike;
  /** Where the config file search starts (default process.cwd()). */
  cwd?: string;
  /** Cancels the call; it then rejects with an AbortError (an InterruptedError whose `reason` is 'aborted'). */
  signal?: AbortSignalLike;
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
  /**
   * Convert with ffmpeg what WhatsApp would not deliver (Vorbis or stereo Opus, HEVC, High with B-frames, the index
   * last, 16-bit PNG, a sticker not 512x512, over the size limit...) before sending; a file that needs nothing is sent
   * untouched. The result's `fixed` says what was done. Needs ffmpeg: the ffmpegPath option, FFMPEG_PATH, "ffmpegPath"
   * in the config file, or ffmpeg on PATH (a ConfigError otherwise, before anything is sent).
   */
  fix?: boolean;
  /** Send audio (MP3, M4A, WAV, FLAC, AMR, Ogg) as a voice note: mono Opus in Ogg, named .ogg. Implies `fix`. */
  voice?: boolean;
  /** The ffmpeg `fix` runs (default: FFMPEG_PATH, "ffmpegPath" in the config file, then ffmpeg on PATH). */
  ffmpegPath?: string;
  /** Seconds one ffmpeg conversion may run before it is stopped (default 300). */
  fixTimeout?: number;
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
  /** For a URL source: the URL as messages show it (no credentials, no query), the answer's Content-Type and ETag. */
  source?: ApiSourceInfo;
  /** With `fix`, when the file was converted: what it was, what was sent, and why. */
  fixed?: FixReport;
}

/** Options of createHandle: no phone number ID, an app ID instead. */
export interface HandleOptions extends ClientOptions {
  /** The Meta app ID that owns the upload session (else WA_APP_ID, WHATSAPP_APP_ID, M4D_APP_ID, or "appId" in the config file). */
  appId?: string;
  /** Refuse the file when any content check warns. */
  strict?: boolean;
  /** Convert what a handle's API would not take or WhatsApp would not deliver into PDF, JPEG, PNG or MP4 with ffmpeg first (see UploadOptions.fix). */
  fix?: boolean;
  /** The ffmpeg `fix` runs (default: FFMPEG_PATH, "ffmpegPath" in the config file, then ffmpeg on PATH). */
  ffmpegPath?: string;
  /** Seconds one ffmpeg conversion may run before it is stopped (default 300). */
  fixTimeout?: number;
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
  /** For a URL source: the URL as messages show it (no credentials, no query), the answer's Content-Type and ETag. */
  source?: ApiSourceInfo;
  /** With `fix`, when the file was converted: what it was, what was sent, and why. */
  fixed?: FixReport;
}

/** Options of downloadMedia. */
export interface DownloadOptions extends ClientOptions {
  /** Replace a file that already exists at the destination path (default false: the call rejects and the file is kept). */
  overwrite?: boolean;
}

/** What downloadMedia resolves with. */
export interface DownloadedMedia {
  /** The file written; absent when the destination was a stream. */
  path?: string;
  mimeType: string;
  bytes: number;
  /** Of the bytes received, checked against the sha256 the API reported. */
  sha256: string;
}

/** The settings an option may carry, as the settings code names them. */
type OptionSettings = ClientOptions & { ttlMinutes?: number; appId?: string; ffmpegPath?: string; fixTimeout?: number };

/**
 * Runs an exported function with the caller's signal linked to one of our own (the code below always gets a real
 * AbortSignal), and shapes what it throws for the API:
 * - after the caller aborted: an AbortError, whatever the code underneath made of it (it names a signal, SIGINT);
 * - any other error of ours: in the API's words (options, not command-line flags);
 * - the stack as plain text: V8 places an uncaught error by its stack's first frame, and in the bundle that frame's line
 *   is a whole minified file: with the stack as text, Node shows no line of wa-upload's code above the (readable) stack.
 */
async function atApiBoundary<T>(
  userSignal: AbortSignalLike | undefined,
  action: 'upload' | 'download' | 'request',
  call: (signal: AbortSignal) => Promise<T>,
): Promise<T> {
  const controller = new AbortController();
  const abort = (): void => controller.abort();
  userSignal?.addEventListener('abort', abort, { once: true });
  try {
    if (userSignal?.aborted) throw new AbortError(action);
    return await call(controller.signal);
  } catch (caught) {
    let error = caught;
    if (userSignal?.aborted) {
      const sentUnconfirmed = caught instanceof InterruptedError && caught.sentUnconfirmed;
      error = caught instanceof AbortError ? caught : new AbortError(action, { sentUnconfirmed, cause: userSignal.reason });
    } else if (error instanceof WaUploadError) {
      inApiWords(error);
    }
    if (error instanceof Error && typeof error.stack === 'string') error.stack = `${error.stack}`;
    throw error;
  } finally {
    userSignal?.removeEventListener('abort', abort);
  }
}

/** A command-line flag that code shared with the CLI may name, and the option that does its job in the API. */
const OPTION_FOR_FLAG: Record<string, string> = {
  'base-url': 'baseUrl',
  'max-retry-wait': 'maxRetryWait',
  'retry-delay': 'retryDelay',
  'api-version': 'apiVersion',
  'phone-number-id': 'phoneNumberId',
  'app-id': 'appId',
  'token-file': 'token',
  'ttl-minutes': 'ttlMinutes',
  config: 'configFile',
  timeout: 'timeout',
  retries: 'retries',
  strict: 'strict',
  type: 'type',
  force: 'overwrite',
  fix: 'fix',
  voice: 'voice',
  ffmpeg: 'ffmpegPath',
  'fix-timeout': 'fixTimeout',
};

/** Whole hints of shared code that speak of what only the CLI has (a pipe, -o, "the command"), in the API's words. */
const API_PHRASES: [string, string][] = [
  ['to upload from a pipe, pass - and --type', 'uploadMedia takes the path of a regular file: save the stream to a file first'],
  ['download to a file with -o PATH to let wa-upload retry', 'download to a file path instead of a stream, so that the call can retry'],
  ['run the command again for a new one', 'call createHandle again for a new one'],
  ['please report it with --verbose output', 'please report it with the events onEvent received'],
];

/** Rewrites an error's message and hint in place: the options that do the job, never a command-line flag. */
function inApiWords(error: WaUploadError): void {
  const reword = (text: string): string => {
    let out = text;
    for (const [cli, api] of API_PHRASES) out = out.split(cli).join(api);
    return out.replace(/--([a-z]+(?:-[a-z]+)*)(?![\w-])/g, (flag, name: string) => (OPTION_FOR_FLAG[name] ? `the ${OPTION_FOR_FLAG[name]} option` : flag));
  };
  const message = reword(error.message);
  if (message !== error.message) {
    if (typeof error.stack === 'string') error.stack = error.stack.replace(error.message, message);
    error.message = message;
  }
  if (error.hint !== undefined) (error as { hint: string | undefined }).hint = reword(error.hint);
}

/**
 * Resolves the settings exactly as the CLI does; throws ConfigError naming what to set. `needs` is what the call cannot
 * do without besides the token: the phone number ID (uploads, the default), the app ID (createHandle), or nothing more
 * (`token`: media IDs, which any ID the token can see answers to).
 */
export async function resolveSettings(options: ClientOptions & { ttlMinutes?: number; appId?: string } = {}, needs: SettingsNeed = 'phoneNumberId'): Promise<Config> {
  return atApiBoundary(options.signal, 'request', () => resolveSettingsUnguarded(options, needs));
}

async function resolveSettingsUnguarded(options: OptionSettings, needs: SettingsNeed): Promise<Config> {
  const env = (options.env ?? process.env) as NodeJS.ProcessEnv;
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
    ffmpegPath: options.ffmpegPath,
    fixTimeout: options.fixTimeout,
  };
  const fileSettings = file?.settings ?? {};
  refuseMissing(needs, [flags, fromEnv.settings, fileSettings], options.configFile !== false);
  // A setting passed here is named as the option it came from: `phone number ID "abc" from option phoneNumberId ...`.
  const flagSources = Object.fromEntries(Object.keys(flags).map((key) => [key, `option ${key}`]));
  return mergeSettings({ flags, env: fromEnv.settings, envSources: fromEnv.sources, file: fileSettings, filePath: file?.path, flagSources, needs });
}

/**
 * The settings a call cannot do without, checked before the merge so that the hint names the options (the merge's own
 * hint names the CLI's flags): the same precedence (option > environment > config file), the same test (set and not empty).
 */
function refuseMissing(needs: SettingsNeed, sources: PartialSettings[], readsConfigFile: boolean): void {
  const found = (key: 'token' | 'phoneNumberId' | 'appId'): boolean => Boolean(sources.map((source) => source[key]).find((value) => value !== undefined));
  const want: { key: 'token' | 'phoneNumberId' | 'appId'; words: string; env: readonly string[] }[] = [
    { key: 'token', words: 'access token', env: ENV_NAMES.token },
    ...(needs === 'phoneNumberId' ? [{ key: 'phoneNumberId' as const, words: 'phone number ID', env: ENV_NAMES.phoneNumberId }] : []),
    ...(needs === 'appId' ? [{ key: 'appId' as const, words: 'app ID', env: ENV_NAMES.appId }] : []),
  ];
  const missing = want.filter((w) => !found(w.key));
  if (missing.length === 0) return;
  const and = (parts: string[]): string => parts.join(' and ');
  const where = [
    `pass the ${and(missing.map((m) => m.key))} option${missing.length > 1 ? 's' : ''}`,
    `set ${missing.length > 1 ? and(missing.map((m) => m.env[0]!)) : `${missing[0]!.env[0]} (or ${missing[0]!.env.slice(1).join(', ')})`} in the environment`,
    ...(readsConfigFile ? [`put ${and(missing.map((m) => `"${m.key}"`))} in .waupload.json`] : []),
  ];
  const lookup = missing.some((m) => m.key === 'phoneNumberId')
    ? " (the phone number ID is in Meta's WhatsApp Manager > API Setup)"
    : missing.some((m) => m.key === 'appId')
      ? " (the app ID is in Meta's App Dashboard > App settings > Basic)"
      : '';
  throw new ConfigError(
    `no ${missing.map((m) => m.words).join(' and no ')}`,
    `${where.slice(0, -1).join(', ')} or ${where[where.length - 1]}${lookup}; to try it without an account, run \`npx wa-upload sandbox\` and use the WA_BASE_URL and WA_TOKEN it prints`,
  );
}

async function graphSettings(options: OptionSettings, signal: AbortSignal, needs: SettingsNeed): Promise<graph.GraphSettings> {
  return graph.graphSettingsFor(await resolveSettingsUnguarded(options, needs), signal);
}

/**
 * Runs `use` with the --fix step when `fix` or `voice` asks for it (ffmpeg found and checked first: a ConfigError
 * before anything is sent), and removes its private folder afterwards, whatever happens.
 */
async function withFix<T>(options: OptionSettings & { fix?: boolean; voice?: boolean }, needs: SettingsNeed, use: (step: FixStep | undefined) => Promise<T>): Promise<T> {
  if (options.fix !== true && options.voice !== true) return use(undefined);
  const config = await resolveSettingsUnguarded(options, needs);
  const { startFixStep } = await import('./fix/fix-session.js');
  const env = (options.env ?? process.env) as NodeJS.ProcessEnv;
  const step = await startFixStep({ ffmpegPath: config.ffmpegPath, ffmpegSource: config.sources.ffmpegPath, timeoutMs: config.fixTimeoutMs, voice: options.voice === true, env, cwd: options.cwd ?? process.cwd() });
  try {
    return await use(step);
  } finally {
    await step.close();
  }
}

/** prepareFile, or with the --fix step: checked, converted when the file needs it, and checked again. */
async function preparedFor(
  step: FixStep | undefined,
  file: { shown: string; path: string; name?: string | undefined },
  prepare: Parameters<typeof prepareFile>[2],
  signal: AbortSignal,
): Promise<{ prepared: Awaited<ReturnType<typeof prepareFile>>; fixed?: FixReport }> {
  if (!step) return { prepared: await prepareFile(file.shown, file.path, prepare, file.name) };
  const { prepareWithFix } = await import('./fix/fix-session.js');
  return prepareWithFix(step, file, prepare ?? {}, signal);
}

/** Runs a step on a file; an InputError it throws names the file (`photo.jpg is empty`, `error.file`). */
async function aboutFile<T>(path: string, step: () => Promise<T>): Promise<T> {
  try {
    return await step();
  } catch (error) {
    throw error instanceof InputError ? error.about(path) : error;
  }
}

/** The CLI's check of a media ID (1 to 40 digits), before any settings are read or any request is sent. */
function checkedMediaId(value: unknown): string {
  if (isMediaId(value)) return value;
  const shown = typeof value === 'string' ? JSON.stringify(value) : String(value);
  throw new UsageError(
    value === '' ? 'mediaId is empty' : `mediaId ${shown.length > 60 ? `${shown.slice(0, 60)}…` : shown} is not a media ID (1 to 40 digits${typeof value === 'string' ? '' : ', as a string'})`,
    'pass the id that uploadMedia resolved with (or that a webhook gave), as a string',
  );
}

/** A path argument: a string that is not empty. */
function checkedPath(value: unknown, name: 'path' | 'destination'): string {
  if (typeof value === 'string' && value !== '') return value;
  throw new UsageError(value === '' ? `${name} is empty` : `${name} must be a file path (a string), not ${typeof value}`, `pass the path of ${name === 'path' ? 'the file to send' : 'the file to write'}`);
}

/** How a URL argument is fetched: with the call's retries, limits and signal. */
function sourceSettings(settings: graph.GraphSettings): SourceSettings {
  const { timeoutMs, retries, retryDelayMs, maxRetryWaitMs, userAgent, signal } = settings;
  return { timeoutMs, retries, retryDelayMs, maxRetryWaitMs, userAgent, signal };
}

/**
 * Checks a local file (type, size, content) and streams it to the media endpoint; resolves with its media ID. A URL
 * object (`new URL('https://…')`) is fetched first (no token sent to it, at most 5 redirects, never https → http) into
 * a private temp file that is removed afterwards; its type comes from the answer's Content-Type, else the URL's extension.
 */
export async function uploadMedia(path: string | UrlLike, options: UploadOptions = {}): Promise<UploadedMedia> {
  return atApiBoundary(options.signal, 'upload', (signal) => uploadMediaUnguarded(path, options, signal));
}

async function uploadMediaUnguarded(path: string | UrlLike, options: UploadOptions, signal: AbortSignal): Promise<UploadedMedia> {
  if (!isUrlArgument(path)) checkedPath(path, 'path');
  let typeOverride: MediaType | undefined;
  if (options.type !== undefined) {
    typeOverride = mediaTypeForMime(options.type);
    if (!typeOverride) throw new InputError(`WhatsApp does not accept ${options.type} (the type option)`, `use one of ${MEDIA_TYPES.map((t) => t.mimeType).join(', ')}`);
  }
  const settings = await graphSettings(options, signal, 'phoneNumberId');
  // ffmpeg is found and checked before anything is fetched or sent (as the command does).
  return withFix(options, 'phoneNumberId', async (step) => {
    const send = async (file: string, bytesAt: string, name: string | undefined, source?: ApiSourceInfo): Promise<UploadedMedia> => {
      const { prepared, fixed } = await aboutFile(file, () => preparedFor(step, { shown: file, path: bytesAt, name }, { typeOverride, strict: options.strict }, signal));
      const result = await aboutFile(file, () =>
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
        ...(source ? { source } : {}),
        ...(fixed ? { fixed } : {}),
      };
    };
    if (isUrlArgument(path)) return withUrlSource(path, sourceSettings(settings), { typeOverride, fix: options.fix === true || options.voice === true }, (spool) => send(spool.shown, spool.path, spool.filename, spool.source));
    return send(path, path, undefined);
  });
}

/**
 * Checks a local PDF, JPEG, PNG or MP4 file and sends it through the Resumable Upload API (a session on the app, raw
 * bytes, resumed from the server's offset after a cut); resolves with the handle a template header or a profile picture needs.
 */
export async function createHandle(path: string | UrlLike, options: HandleOptions = {}): Promise<CreatedHandle> {
  return atApiBoundary(options.signal, 'upload', (signal) => createHandleUnguarded(path, options, signal));
}

async function createHandleUnguarded(path: string | UrlLike, options: HandleOptions, signal: AbortSignal): Promise<CreatedHandle> {
  if (!isUrlArgument(path)) checkedPath(path, 'path');
  const settings = await graphSettings(options, signal, 'appId');
  // ffmpeg is found and checked before anything is fetched or sent (as the command does).
  return withFix(options, 'appId', async (step) => {
    const send = async (file: string, bytesAt: string, name: string | undefined, source?: ApiSourceInfo): Promise<CreatedHandle> => {
      const { prepared, fixed } = await aboutFile(file, () => preparedFor(step, { shown: file, path: bytesAt, name }, { strict: options.strict, accepted: HANDLE_TYPES }, signal));
      const result = await aboutFile(file, () =>
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
        ...(source ? { source } : {}),
        ...(fixed ? { fixed } : {}),
      };
    };
    if (isUrlArgument(path)) return withUrlSource(path, sourceSettings(settings), { fix: options.fix === true }, (spool) => send(spool.shown, spool.path, spool.filename, spool.source));
    return send(path, path, undefined);
  });
}

/** A media ID's URL (valid 5 minutes), MIME type, sha256 and size. */
export async function getMediaInfo(mediaId: string, options: ClientOptions = {}): Promise<graph.MediaInfo> {
  return atApiBoundary(options.signal, 'request', async (signal) => {
    const id = checkedMediaId(mediaId);
    return graph.getMediaInfo(id, await graphSettings(options, signal, 'token'), options.onEvent);
  });
}

/** Deletes a media ID. */
export async function deleteMedia(mediaId: string, options: ClientOptions = {}): Promise<void> {
  return atApiBoundary(options.signal, 'request', async (signal) => {
    const id = checkedMediaId(mediaId);
    await graph.deleteMedia(id, await graphSettings(options, signal, 'token'), options.onEvent);
  });
}

/**
 * Downloads a media ID to a file path (written beside it first and renamed once the sha256 matches, so no partial
 * file is left; an existing file is kept unless `overwrite`) or into a writable stream (not ended); resolves with what
 * was received.
 */
export async function downloadMedia(mediaId: string, destination: string | WritableLike, options: DownloadOptions = {}): Promise<DownloadedMedia> {
  return atApiBoundary(options.signal, 'download', (signal) => downloadMediaUnguarded(mediaId, destination, options, signal));
}

async function downloadMediaUnguarded(mediaId: string, destination: string | WritableLike, options: DownloadOptions, signal: AbortSignal): Promise<DownloadedMedia> {
  const id = checkedMediaId(mediaId);
  if (typeof destination !== 'string' && (destination === null || typeof destination !== 'object' || typeof destination.write !== 'function')) {
    checkedPath(destination, 'destination');
  }
  if (typeof destination === 'string') await checkDestination(checkedPath(destination, 'destination'), options);
  const settings = await graphSettings(options, signal, 'token');
  if (typeof destination !== 'string') {
    const stream = destination as NodeJS.WritableStream;
    const result = await graph.downloadMedia(id, settings, { open: async () => stream, restartable: false }, options.onEvent);
    return { mimeType: result.info.mimeType, bytes: result.bytes, sha256: result.sha256 };
  }
  const result = await downloadToFile(id, settings, destination, options.onEvent);
  return { path: destination, mimeType: result.info.mimeType, bytes: result.bytes, sha256: result.sha256 };
}

/** The CLI's checks of a download's target, before any request: its folder exists, it is not a folder, and it is kept unless `overwrite`. */
async function checkDestination(destination: string, options: DownloadOptions): Promise<void> {
  // Relative to the process's folder, as the file is written (`cwd` is where the config file search starts).
  const problem = await downloadTargetProblem(destination);
  if (problem?.kind === 'no-folder') {
    throw new InputError(`folder ${problem.folder} does not exist`, 'create it first, or pass a path in an existing folder', [], destination);
  }
  if (problem?.kind === 'folder') throw new InputError(`${destination} is a folder`, 'pass the path of a file to write, e.g. inside that folder', [], destination);
  if (problem?.kind === 'exists' && options.overwrite !== true) {
    throw new InputError(`${destination} already exists`, 'pass overwrite: true to replace it, or another path', [], destination);
  }
}
