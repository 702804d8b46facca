// What every API command shares: the reporter for its flags, the merged settings, the Graph settings, and --verbose lines.

import type { ConnectionFlags, ProcessContext } from './context.js';
import { UsageError } from '../errors.js';
import { CONFIG_SETTINGS, longFlagOf } from '../settings/schema.js';
import {
  ENV_NAMES,
  loadConfigFile,
  mergeSettings,
  readTokenFile,
  settingsFromEnv,
  type Config,
  type PartialSettings,
  type SettingsNeed,
} from '../settings/config.js';
import type { GraphEvent } from '../graph/graph-client.js';
import { LOOKUP_MAX_RETRIES } from '../graph/retry-policy.js';
export { graphSettingsFor } from '../graph/graph-client.js';
import { createReporter, colorLevelFor, progressAllowed, type Reporter } from '../output.js';

/** Real access tokens run to 100 characters and more: one shorter than this is a slip, and it would redact common text. */
const SHORT_TOKEN_LENGTH = 16;

/** The reporter for these flags and this terminal. */
export async function createReporterFor(
  flags: ConnectionFlags,
  context: ProcessContext,
  multiple: boolean,
  resultName: 'id' | 'handle' = 'id',
  subjectName: 'file' | 'id' = 'file',
): Promise<Reporter> {
  const json = Boolean(flags.json);
  const quiet = Boolean(flags.quiet);
  const reporter = await createReporter({
    json,
    quiet,
    verbose: Boolean(flags.verbose),
    multiple,
    resultName,
    subjectName,
    colorLevel: colorLevelFor(context.env, context.stderr, flags.color === false),
    progress: progressAllowed(context.env, context.stderr, quiet || json),
    stdout: context.stdout,
    stderr: context.stderr,
  });
  // Redact every token the environment holds, even ones a flag overrides.
  for (const name of ENV_NAMES.token) reporter.addSecret(context.env[name]);
  return reporter;
}

/** Flags of every command that ask for opposite things (exit 2), or undefined. */
export function conflictingFlags(flags: ConnectionFlags): UsageError | undefined {
  if (flags.quiet && flags.verbose) return new UsageError('--quiet and --verbose ask for opposite things', 'use one of them');
  return undefined;
}

/**
 * Merges flags, environment and config file (with any forced overrides, e.g. the sandbox's) into a Config; `needs`
 * names the ID the command cannot do without (the phone number ID for media calls, the app ID for handles).
 */
export async function loadSettings(
  flags: ConnectionFlags & { appId?: string | undefined; ttlMinutes?: number | undefined },
  context: ProcessContext,
  reporter: Reporter,
  overrides: PartialSettings = {},
  needs: SettingsNeed = 'phoneNumberId',
  signal?: AbortSignal,
): Promise<Config> {
  const explicitPath = flags.config;
  // --no-config, or the variable, turns the search off (a config file named with --config is still read).
  const noConfig = flags.noConfig === true || isOn(context.env.WA_UPLOAD_NO_CONFIG);
  const file = await loadConfigFile({ explicitPath, noConfig, cwd: context.cwd, env: context.env });
  reporter.addSecret(file?.settings.token);
  for (const warning of file?.warnings ?? []) reporter.warning(warning);
  // A config file found by the search (not named) that says where the token goes, or which token: one line says so.
  const steering = (['token', 'baseUrl'] as const).filter((key) => file?.searched && file.settings[key] !== undefined && overrides[key] === undefined);
  if (file && steering.length > 0) reporter.info(`settings: ${steering.join(' and ')} from config file ${file.path}`);
  const flagSettings: PartialSettings = {};
  const flagSources: Record<string, string> = {};
  for (const record of CONFIG_SETTINGS) {
    const value = (flags as Record<string, unknown>)[record.key];
    if (value === undefined || record.flag === undefined) continue;
    (flagSettings as Record<string, unknown>)[record.key] = value;
    flagSources[record.key] = longFlagOf(record)!;
  }
  if (flags.tokenFile !== undefined && overrides.token === undefined) {
    if (flags.tokenFile === '-') reporter.verbose('settings: reading the token from stdin (--token-file -)');
    const { token, warnings } = await readTokenFile(flags.tokenFile, context.stdin, signal);
    reporter.addSecret(token);
    for (const warning of warnings) reporter.warning(warning);
    flagSettings.token = token;
    flagSources.token = `--token-file ${flags.tokenFile}`;
  }
  for (const key of Object.keys(stripUndefined(overrides))) flagSources[key] = flags.sandbox ? '--sandbox' : 'the command';
  const env = settingsFromEnv(context.env);
  const config = mergeSettings({
    flags: { ...flagSettings, ...stripUndefined(overrides) },
    env: env.settings,
    envSources: env.sources,
    flagSources,
    file: file?.settings ?? {},
    filePath: file?.path,
    needs,
  });
  reporter.addSecret(config.token);
  if (config.token.length < SHORT_TOKEN_LENGTH && overrides.token === undefined) {
    reporter.warning(
      `the access token from ${config.sources.token ?? 'the command line'} is only ${config.token.length} characters long, too short to be a real one (they run to 100 and more): check that it was copied whole`,
    );
  }
  const versionWarning = apiVersionWarning(config.apiVersion, config.sources.apiVersion);
  if (versionWarning) reporter.warning(versionWarning);
  reporter.verbose(settingsLine(config, needs, file?.path, noConfig));
  return config;
}

/**
 * The oldest Graph API version Meta still serves (v20.0 ended 2026-09-24, v21.0 ends 2027-01-21:
 * https://developers.facebook.com/docs/graph-api/changelog/versions). A call naming an older one is served by a newer
 * version, with that version's behaviour.
 */
const OLDEST_SERVED_API_VERSION = 'v21.0';

/** A warning for an API version Meta does not release (`v27.1`) or no longer serves (`v19.0`), or undefined. */
function apiVersionWarning(version: string, source: string | undefined): string | undefined {
  const [major, minor] = version.slice(1).split('.').map(Number) as [number, number];
  const from = source ? ` (from ${source})` : '';
  if (minor !== 0) return `API version ${version}${from} is not one Meta releases (they are vNN.0): Graph may refuse it`;
  if (major < Number(OLDEST_SERVED_API_VERSION.slice(1).split('.')[0])) {
    return `API version ${version}${from} is older than Meta still serves (${OLDEST_SERVED_API_VERSION} and later): Graph answers with a newer version`;
  }
  return undefined;
}

/**
 * Calls back with every Graph event, and warns once when an answer says a version other than the one asked for
 * served it (facebook-api-version).
 */
export function watchServedVersion(asked: string, reporter: Reporter): (event: GraphEvent) => void {
  let warned = false;
  return (event) => {
    if (warned || event.type !== 'response' || !event.servedVersion || event.servedVersion === asked) return;
    warned = true;
    reporter.warning(`asked for API version ${asked}, but Graph answered with ${printableVersion(event.servedVersion)} (the version asked for may have expired): set --api-version to a current one`);
  };
}

/** A served version as shown: the server's text, kept to a version's characters. */
function printableVersion(text: string): string {
  return /^v\d{1,3}\.\d{1,3}$/.test(text) ? text : 'another version';
}

/** True for a variable set to 1, true, yes or on (any case). */
function isOn(value: string | undefined): boolean {
  return value !== undefined && /^(1|true|yes|on)$/i.test(value.trim());
}

/**
 * The --verbose line of the settings: every setting that is not its default with its value (the token redacted) and
 * where it came from (a flag, a variable's name, the config file), then the defaults in force, then the config file.
 */
function settingsLine(config: Config, needs: SettingsNeed, filePath: string | undefined, noConfig: boolean): string {
  const values: Record<string, string | number | undefined> = {
    token: '(redacted)',
    phoneNumberId: config.phoneNumberId || undefined,
    appId: config.appId,
    apiVersion: config.apiVersion,
    baseUrl: config.baseUrl,
    concurrency: config.concurrency,
    retries: config.retries,
    timeout: `${config.timeoutMs / 1000} s`,
    retryDelay: `${config.retryDelayMs / 1000} s`,
    maxRetryWait: `${config.maxRetryWaitMs / 1000} s`,
    ttlMinutes: config.ttlMinutes,
    // --fix's settings only when a source set them: most runs convert nothing.
    ffmpegPath: config.ffmpegPath,
    fixTimeout: config.sources.fixTimeout ? `${config.fixTimeoutMs / 1000} s` : undefined,
  };
  const set: string[] = [];
  const defaults: string[] = [];
  for (const record of CONFIG_SETTINGS) {
    const value = values[record.key];
    if (value === undefined) continue;
    if (record.key === 'phoneNumberId' && needs !== 'phoneNumberId') continue;
    if (record.key === 'appId' && needs !== 'appId') continue;
    if (record.key === 'concurrency' && needs === 'token') continue;
    const lookupCap = record.key === 'retries' && needs === 'token' && config.retries > LOOKUP_MAX_RETRIES ? ` (${LOOKUP_MAX_RETRIES} for info and download)` : '';
    const source = config.sources[record.key];
    if (source) set.push(`${record.key} ${value}${lookupCap} from ${source}`);
    else defaults.push(`${record.key} ${value}${lookupCap}`);
  }
  const extra = needs === 'token' ? '; no phone number ID sent (a media ID is enough)' : '';
  const where = filePath ? `config file ${filePath}` : noConfig ? 'no config file (search off)' : 'no config file';
  return `settings: ${set.join('; ')}${extra}${defaults.length ? `; default: ${defaults.join(', ')}` : ''}; ${where}`;
}

/** A --verbose line for one Graph event (the token never appears: events do not carry it). */
export function describeEvent(file: string, event: GraphEvent): string {
  switch (event.type) {
    case 'request':
      return `${file}: try ${event.attempt}: ${event.method} ${event.url} (authorization: ${event.authScheme ?? 'Bearer'} [REDACTED])`;
    case 'response':
      return `${file}: try ${event.attempt}: HTTP ${event.status}${event.graphCode !== undefined ? ` Graph code ${event.graphCode}` : ''} in ${event.durationMs} ms`;
    case 'failure':
      return `${file}: try ${event.attempt}: ${event.description} after ${event.durationMs} ms`;
    case 'wait':
      return `${file}: waiting ${event.waitMs} ms (${event.reason}) before try ${event.attempt + 1}: ${event.description}`;
    case 'progress':
      return `${file}: ${event.transferred} of ${event.total} bytes transferred`;
  }
}

function stripUndefined<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as Partial<T>;
}
