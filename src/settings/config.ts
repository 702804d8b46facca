// Settings: flags + environment + config file (cosmiconfig) merged and validated into one Config.

import { readText, statOf } from '../files.js';
import { resolve } from 'node:path';
import { addAbortSignal, type Readable } from 'node:stream';
import { setTimeout as sleep } from 'node:timers/promises';
import { ConfigError, InterruptedError, signalName } from '../errors.js';
import { findConfigFile, requireRegularFile } from './config-search.js';
import {
  CONFIG_KEYS,
  DEFAULT_API_VERSION,
  DEFAULTS,
  TTL_MINUTES,
  configValue,
  rangeProblem,
  settingRecord,
  type SettingKey,
} from './schema.js';
import { isLoopbackHost } from './loopback.js';

export { DEFAULT_API_VERSION, TTL_MINUTES, CONFIG_KEYS };

export { isLoopbackHost };

/** Environment variables per setting, first found wins (other SDKs' names included so an existing .env works); from the schema. */
export const ENV_NAMES = {
  token: envOf('token'),
  phoneNumberId: envOf('phoneNumberId'),
  apiVersion: envOf('apiVersion'),
  baseUrl: envOf('baseUrl'),
  appId: envOf('appId'),
  ffmpegPath: envOf('ffmpegPath'),
} as const;

function envOf(key: SettingKey): readonly string[] {
  return settingRecord(key)?.env ?? [];
}

/**
 * What a command cannot do without besides the token: the phone number ID (uploads, the default), the app ID
 * (`handle`), or nothing more (`token`: info, download and delete, which work on any media ID the token can see).
 */
export type SettingsNeed = 'phoneNumberId' | 'appId' | 'token';

/** Settings as they come from one source, each possibly missing. */
export interface PartialSettings {
  token?: string | undefined;
  phoneNumberId?: string | undefined;
  apiVersion?: string | undefined;
  baseUrl?: string | undefined;
  concurrency?: number | undefined;
  retries?: number | undefined;
  timeout?: number | undefined;
  retryDelay?: number | undefined;
  maxRetryWait?: number | undefined;
  /** The Meta app ID, for the Resumable Upload API (`wa-upload handle`). */
  appId?: string | undefined;
  /** No-Storage numbers: how long the uploaded media is kept, in minutes (sent as `ttl_minutes`). */
  ttlMinutes?: number | undefined;
  /** --fix: the ffmpeg to run (default: ffmpeg on PATH). */
  ffmpegPath?: string | undefined;
  /** --fix: seconds one conversion may take. */
  fixTimeout?: number | undefined;
}

/** The validated settings an upload runs with. */
export interface Config {
  token: string;
  /** Empty when the command does not need one (`handle`, `info`, `download`, `delete`). */
  phoneNumberId: string;
  /** The Meta app ID; set when the command needs one (`handle`), else as found (possibly undefined). */
  appId: string | undefined;
  apiVersion: string;
  /** Origin (and optional path prefix) without a trailing slash. */
  baseUrl: string;
  concurrency: number;
  retries: number;
  /** Per-try limit in milliseconds. */
  timeoutMs: number;
  /** First backoff step in milliseconds (doubles each try, full jitter). */
  retryDelayMs: number;
  /** Longest wait a server may ask for before wa-upload gives up instead of sleeping, in milliseconds. */
  maxRetryWaitMs: number;
  /** No-Storage TTL in minutes sent with each upload as `ttl_minutes`; undefined: no field (the number's default, 1 hour). */
  ttlMinutes: number | undefined;
  /** --fix: the ffmpeg named by a flag, the environment or the config file; undefined: ffmpeg on PATH. */
  ffmpegPath: string | undefined;
  /** --fix: how long one conversion may take, in milliseconds. */
  fixTimeoutMs: number;
  /** Where each setting came from, for --verbose: e.g. { token: 'env WA_TOKEN' }. */
  sources: Record<string, string>;
}

/** A config file as found on disk. */
export interface LoadedConfigFile {
  path: string;
  settings: PartialSettings;
  /** Warnings to show (unknown keys, a token readable by other users). */
  warnings: string[];
  /** Found by the search (not named by --config). */
  searched?: boolean;
}


/** Reads the settings that the environment holds, first name found wins. */
export function settingsFromEnv(env: NodeJS.ProcessEnv): { settings: PartialSettings; sources: Record<string, string> } {
  const settings: PartialSettings = {};
  const sources: Record<string, string> = {};
  for (const [key, names] of Object.entries(ENV_NAMES) as [keyof typeof ENV_NAMES, readonly string[]][]) {
    for (const name of names) {
      const value = env[name]?.trim();
      if (value) {
        settings[key] = value;
        sources[key] = `environment ${name}`;
        break;
      }
    }
  }
  return { settings, sources };
}

/** Checks a parsed config file's content and turns it into settings; throws ConfigError naming the file. */
export function settingsFromConfigObject(
  value: unknown,
  filePath: string,
): { settings: PartialSettings; warnings: string[] } {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw new ConfigError(`config file ${filePath} must hold an object of settings`, 'see .waupload.example.json');
  }
  const settings: PartialSettings = {};
  const warnings: string[] = [];
  for (const [key, raw] of Object.entries(value as Record<string, unknown>)) {
    if (key === '$schema' || key.startsWith('//')) continue;
    if (!CONFIG_KEYS.includes(key)) {
      warnings.push(`unknown key "${key}" in ${filePath} is ignored (known keys: ${CONFIG_KEYS.join(', ')})`);
      continue;
    }
    const checked = configValue(settingRecord(key)!.value, raw);
    if (!checked.ok) throw new ConfigError(`"${key}" in ${filePath} ${checked.why}`, checked.hint);
    (settings as Record<string, unknown>)[key] = checked.value;
  }
  return { settings, warnings };
}

/** Drops undefined values so that spreading a source never erases a lower one. */
function defined(settings: PartialSettings): PartialSettings {
  return Object.fromEntries(Object.entries(settings).filter(([, v]) => v !== undefined)) as PartialSettings;
}

/** Merges flag > environment > config file > default and validates; pure, throws ConfigError. */
export function mergeSettings(sources: {
  flags: PartialSettings;
  env: PartialSettings;
  file: PartialSettings;
  filePath?: string | undefined;
  envSources?: Record<string, string>;
  flagSources?: Record<string, string>;
  /** What the command needs besides the token: see SettingsNeed. */
  needs?: SettingsNeed;
}): Config {
  const origin: Record<string, string> = {};
  for (const key of Object.keys(defined(sources.file))) origin[key] = `config file ${sources.filePath ?? ''}`.trim();
  for (const key of Object.keys(defined(sources.env))) origin[key] = sources.envSources?.[key] ?? 'environment';
  for (const key of Object.keys(defined(sources.flags))) origin[key] = sources.flagSources?.[key] ?? 'command line';
  const merged = { ...defined(sources.file), ...defined(sources.env), ...defined(sources.flags) };
  const where = (key: string): string => origin[key] ?? 'default';

  const token = merged.token;
  const needs = sources.needs ?? 'phoneNumberId';
  // Both missing: one run names both, so a new user fixes the setup in one go.
  if (!token && !merged.phoneNumberId && needs === 'phoneNumberId') {
    throw new ConfigError(
      'no access token and no phone number ID',
      `set ${ENV_NAMES.token[0]} and ${ENV_NAMES.phoneNumberId[0]} (or pass --token-file PATH and --phone-number-id ID, or put "token" and "phoneNumberId" in .waupload.json); try --sandbox to see it work without an account`,
    );
  }
  if (!token && !merged.appId && needs === 'appId') {
    throw new ConfigError(
      'no access token and no app ID',
      `set ${ENV_NAMES.token[0]} and ${ENV_NAMES.appId.join(', ')} (or pass --token-file PATH and --app-id ID, or put "token" and "appId" in .waupload.json); try --sandbox to see it work without an account`,
    );
  }
  if (!token) {
    throw new ConfigError(
      'no access token',
      `set ${ENV_NAMES.token[0]} (or ${ENV_NAMES.token.slice(1).join(', ')}), pass --token-file PATH, or put "token" in .waupload.json; try --sandbox to see it work without an account`,
    );
  }
  if (/^(bearer|oauth)\s/i.test(token)) {
    throw new ConfigError(
      `the access token from ${where('token')} starts with "${token.split(/\s/)[0]}"`,
      'drop the prefix: give the token alone (wa-upload writes the Authorization header itself)',
    );
  }
  if (/\s/.test(token)) {
    throw new ConfigError(`the access token from ${where('token')} contains white space`, 'copy the token again, without spaces or line breaks');
  }
  // got would refuse it as a header only when sending, and that looked like a network failure worth retrying.
  if (/[\u0000-\u001f\u007f-\u009f]|[^\u0000-\u00ff]/.test(token)) {
    throw new ConfigError(
      `the access token from ${where('token')} contains a control character or one outside Latin-1, which cannot be sent in a header`,
      'copy the token again from Meta\'s API Setup page (it holds only letters and digits)',
    );
  }
  const phoneNumberId = needs === 'phoneNumberId' ? requiredPhoneNumberId(merged.phoneNumberId, where) : '';
  // info, download and delete use no app ID: none is carried, so no message can take a media ID's failure for the app's.
  const appId = needs === 'appId' ? requiredAppId(merged.appId, where) : needs === 'token' ? undefined : merged.appId;
  const apiVersion = normaliseApiVersion(merged.apiVersion ?? DEFAULTS.apiVersion, where('apiVersion'));
  const baseUrl = validateBaseUrl(merged.baseUrl ?? DEFAULTS.baseUrl, where('baseUrl'));
  const concurrency = inRange('concurrency', merged.concurrency ?? DEFAULTS.concurrency, where);
  const retries = inRange('retries', merged.retries ?? DEFAULTS.retries, where);
  const timeout = inRange('timeout', merged.timeout ?? DEFAULTS.timeout, where);
  const retryDelay = inRange('retryDelay', merged.retryDelay ?? DEFAULTS.retryDelay, where);
  const maxRetryWait = inRange('maxRetryWait', merged.maxRetryWait ?? DEFAULTS.maxRetryWait, where);
  const ttlMinutes = merged.ttlMinutes === undefined ? undefined : inRange('ttlMinutes', merged.ttlMinutes, where);
  const fixTimeout = inRange('fixTimeout', merged.fixTimeout ?? DEFAULTS.fixTimeout, where);
  return {
    token,
    phoneNumberId,
    appId,
    apiVersion,
    baseUrl,
    concurrency,
    retries,
    timeoutMs: Math.round(timeout * 1000),
    retryDelayMs: Math.round(retryDelay * 1000),
    maxRetryWaitMs: Math.round(maxRetryWait * 1000),
    ttlMinutes,
    ffmpegPath: merged.ffmpegPath || undefined,
    fixTimeoutMs: Math.round(fixTimeout * 1000),
    sources: origin,
  };
}

/** The business phone number's ID (media calls): digits, named in the error when missing. */
function requiredPhoneNumberId(value: string | undefined, where: (key: string) => string): string {
  if (!value) {
    throw new ConfigError(
      'no phone number ID',
      `set ${ENV_NAMES.phoneNumberId.join(' or ')}, pass --phone-number-id, or put "phoneNumberId" in .waupload.json (find it in Meta's WhatsApp Manager > API Setup)`,
    );
  }
  if (!/^\d+$/.test(value)) {
    throw new ConfigError(
      `phone number ID "${value}" from ${where('phoneNumberId')} is not all digits`,
      'use the numeric phone number ID from API Setup, not the phone number itself',
    );
  }
  return value;
}

/** The app that owns the upload sessions (Resumable Upload API): digits, from --app-id, the environment or the config file. */
function requiredAppId(value: string | undefined, where: (key: string) => string): string {
  if (!value) {
    throw new ConfigError(
      'no app ID',
      `set ${ENV_NAMES.appId.join(', ')}, pass --app-id, or put "appId" in .waupload.json (find it in Meta's App Dashboard > App settings > Basic)`,
    );
  }
  if (!/^\d+$/.test(value)) {
    throw new ConfigError(`app ID "${value}" from ${where('appId')} is not all digits`, 'use the numeric App ID from the App Dashboard, not the app\'s name');
  }
  return value;
}

/** `v27.0`, `27.0` and `V27.0` all mean v27.0; anything else is refused. */
export function normaliseApiVersion(value: string, where = 'settings'): string {
  const match = /^v?(\d+\.\d+)$/i.exec(value.trim());
  if (!match) throw new ConfigError(`API version "${value}" from ${where} is not of the form ${DEFAULT_API_VERSION}`);
  return `v${match[1]}`;
}

/** An https URL, or http to a loopback host only: the token must never cross a network in clear text. */
export function validateBaseUrl(value: string, where = 'settings'): string {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new ConfigError(`base URL "${value}" from ${where} is not a URL`, 'use e.g. https://graph.facebook.com');
  }
  if (url.username || url.password) {
    throw new ConfigError(`base URL from ${where} must not carry credentials`);
  }
  if (url.protocol === 'http:' && !isLoopbackHost(url.hostname)) {
    throw new ConfigError(
      `base URL ${url.origin} from ${where} is plain http to a host that is not loopback`,
      'use https://: the access token must never cross a network in clear text',
    );
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') {
    throw new ConfigError(`base URL "${value}" from ${where} must start with https://`);
  }
  if (url.search || url.hash) throw new ConfigError(`base URL "${value}" from ${where} must not have a query or fragment`);
  // A common paste: Graph's URL with a version in it would send /v21.0/v27.0/… and fail in ways that say nothing.
  const version = /(?:^|\/)(v\d+\.\d+)(?:\/|$)/i.exec(url.pathname)?.[1];
  if (version) {
    throw new ConfigError(
      `base URL ${url.origin}${url.pathname} from ${where} holds an API version (${version})`,
      `set the base URL to ${url.origin} and the version with --api-version ${version} (or WA_API_VERSION, "apiVersion")`,
    );
  }
  return `${url.origin}${url.pathname.replace(/\/+$/, '')}`;
}

/** A number from a source, checked against its schema record's range (the merge knows where each value came from). */
function inRange(key: SettingKey, value: number, where: (k: string) => string): number {
  const problem = rangeProblem(settingRecord(key)!.value, value);
  if (problem) throw new ConfigError(`${key} ${value} from ${where(key)} ${problem}`);
  return value;
}



/**
 * Finds and reads the config file: the one named by --config (which must exist and be a regular file), or the first
 * found by the bounded search (config-search.ts); none with `noConfig`. Undefined when none. The parsers (YAML, JS)
 * load only when a candidate file exists: most runs have none, and they are a tenth of a start-up.
 */
export async function loadConfigFile(options: {
  explicitPath?: string | undefined;
  cwd: string;
  env?: NodeJS.ProcessEnv;
  noConfig?: boolean | undefined;
}): Promise<LoadedConfigFile | undefined> {
  if (options.explicitPath !== undefined) {
    requireRegularFile(resolve(options.cwd, options.explicitPath), 'config file', 'name a regular file with --config, or pass --no-config to use none');
  } else if (options.noConfig) {
    return undefined;
  }
  const path = options.explicitPath ?? (await findConfigFile(options.cwd, options.env ?? process.env));
  if (!path) return undefined;
  const { readConfigFile } = await import('./config-file.js');
  const result = await readConfigFile(path, options.explicitPath !== undefined);
  if (!result) return undefined;
  const { settings, warnings } = settingsFromConfigObject(result.config, result.filepath);
  if (settings.token) {
    const warning = await otherUsersCanRead(result.filepath);
    if (warning) warnings.push(`config file ${result.filepath} holds the access token and ${warning}`);
  }
  return { path: result.filepath, settings, warnings, searched: options.explicitPath === undefined };
}

export { findConfigFile };

/** Reads the token from a file, or from stdin when the path is `-`. */
export async function readTokenFile(path: string, stdin: NodeJS.ReadableStream, signal?: AbortSignal): Promise<{ token: string; warnings: string[] }> {
  const warnings: string[] = [];
  let text: string;
  if (path === '-') {
    const interrupted = (): InterruptedError => new InterruptedError(signalName(signal!), 'while reading the token from stdin');
    if (signal?.aborted) throw interrupted();
    // Aborting destroys stdin, which ends the loop at once with an AbortError.
    if (signal) addAbortSignal(signal, stdin as Readable);
    const chunks: Buffer[] = [];
    try {
      for await (const chunk of stdin) chunks.push(Buffer.isBuffer(chunk) ? chunk : Buffer.from(String(chunk)));
    } catch (error) {
      if (signal?.aborted) throw interrupted();
      throw new ConfigError(`token could not be read from stdin (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`);
    }
    text = Buffer.concat(chunks).toString('utf8');
    // Ctrl-C in a shell pipeline also ends the writer, so stdin's end can be seen before the signal that caused it
    // (another thread may take the signal): before calling the token empty, give such a signal 100 ms to arrive.
    if (!text.trim() && signal) await sleep(100, undefined, { signal }).catch(() => {});
    if (signal?.aborted) throw interrupted();
  } else {
    requireRegularFile(path, 'token file', 'name a regular file with --token-file (- reads stdin)');
    try {
      text = await readText(path);
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      const why = code === 'ENOENT' ? 'does not exist' : code === 'EISDIR' ? 'is a folder' : code === 'EACCES' ? 'cannot be read (permission denied)' : 'cannot be read';
      throw new ConfigError(`token file ${path} ${why}`, 'check the path given to --token-file');
    }
    const warning = await otherUsersCanRead(path);
    if (warning) warnings.push(`token file ${path} ${warning}`);
  }
  const token = text.trim();
  if (!token) throw new ConfigError(`token file ${path === '-' ? '(stdin)' : path} is empty`);
  return { token, warnings };
}

/** Says why a secret file is exposed ("can be read by other users: chmod 600 it"), or undefined. */
async function otherUsersCanRead(path: string): Promise<string | undefined> {
  if (process.platform === 'win32') return undefined;
  try {
    const info = await statOf(path);
    if ((info.mode & 0o044) !== 0) return `can be read by other users of this machine (run: chmod 600 ${path})`;
  } catch {
    // Unreadable now but read before: nothing useful to add.
  }
  return undefined;
}
