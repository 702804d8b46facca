// What every API command shares: the reporter for its flags, the merged settings, the Graph settings, and --verbose lines.

import type { ConnectionFlags, ProcessContext } from './context.js';
import { UsageError } from '../errors.js';
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
export const SHORT_TOKEN_LENGTH = 16;

/** The reporter for these flags and this terminal. */
export async function createReporterFor(flags: ConnectionFlags, context: ProcessContext, multiple: boolean, resultName: 'id' | 'handle' = 'id'): Promise<Reporter> {
  const json = Boolean(flags.json);
  const quiet = Boolean(flags.quiet);
  const reporter = await createReporter({
    json,
    quiet,
    verbose: Boolean(flags.verbose),
    multiple,
    resultName,
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
  const file = await loadConfigFile({ explicitPath: flags.config, cwd: context.cwd, env: context.env });
  reporter.addSecret(file?.settings.token);
  for (const warning of file?.warnings ?? []) reporter.warning(warning);
  const flagSettings: PartialSettings = {
    phoneNumberId: flags.phoneNumberId,
    appId: flags.appId,
    apiVersion: flags.apiVersion,
    baseUrl: flags.baseUrl,
    concurrency: flags.concurrency,
    retries: flags.retries,
    timeout: flags.timeout,
    retryDelay: flags.retryDelay,
    maxRetryWait: flags.maxRetryWait,
    ttlMinutes: flags.ttlMinutes,
  };
  const flagSources: Record<string, string> = {};
  if (flags.tokenFile !== undefined && overrides.token === undefined) {
    if (flags.tokenFile === '-') reporter.verbose('settings: reading the token from stdin (--token-file -)');
    const { token, warnings } = await readTokenFile(flags.tokenFile, context.stdin, signal);
    reporter.addSecret(token);
    for (const warning of warnings) reporter.warning(warning);
    flagSettings.token = token;
    flagSources.token = `--token-file ${flags.tokenFile}`;
  }
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
  reporter.verbose(
    `settings: token from ${config.sources.token ?? 'command line'} (redacted), ` +
      (needs === 'appId'
        ? `app ID ${config.appId} from ${config.sources.appId ?? 'command line'}, `
        : needs === 'token'
          ? 'no phone number ID sent (a media ID is enough), '
          : `phone number ID ${config.phoneNumberId} from ${config.sources.phoneNumberId ?? 'command line'}, `) +
      `${config.baseUrl}/${config.apiVersion}, concurrency ${config.concurrency}, retries ${config.retries}${needs === 'token' && config.retries > LOOKUP_MAX_RETRIES ? ` (${LOOKUP_MAX_RETRIES} for info and download)` : ''}, timeout ${config.timeoutMs / 1000} s, ` +
      `retry delay ${config.retryDelayMs / 1000} s, max retry wait ${config.maxRetryWaitMs / 1000} s` +
      (file ? `, config file ${file.path}` : ', no config file'),
  );
  return config;
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
