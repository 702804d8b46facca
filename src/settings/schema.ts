// The settings schema: one record per setting or option (flag, environment names, config key, value rule, default, doc, commands); everything else is derived from it.

import { MAX_SECONDS } from './limits.js';

/** Every command wa-upload has; the root command (uploads) is `upload`. */
const COMMAND_NAMES = ['upload', 'handle', 'info', 'download', 'delete', 'sandbox', 'completion'] as const;
export type CommandName = (typeof COMMAND_NAMES)[number];

/** The commands that talk to the Graph API, and so take the connection settings. */
const API_COMMANDS = ['upload', 'handle', 'info', 'download', 'delete'] as const satisfies readonly CommandName[];
const FILE_COMMANDS = ['upload', 'handle'] as const satisfies readonly CommandName[];

/** How a value is read and checked, the same way from a flag (a string) and from a config file (a JSON value). */
export type ValueRule =
  | { type: 'string' }
  /** Digits, as a string; a config file may write it as a JSON number. */
  | { type: 'id' }
  | { type: 'integer'; min: number; max: number }
  /** Seconds (fractions allowed), above 0 unless allowZero, at most MAX_SECONDS. */
  | { type: 'seconds'; allowZero: boolean }
  /** A MIME type from the media table (parsed by the command line, which knows the table). */
  | { type: 'mime' }
  /** A switch: present or not (`--no-x` negates one whose default is on). */
  | { type: 'boolean' };

/** Where `--help` lists an option, the way users look for them. */
export type OptionGroup = 'upload' | 'connection' | 'output' | 'command';

/** One setting or option. */
export interface SettingRecord {
  /** The name in a config file, in the API's options and in the flags object (camelCase). */
  readonly key: string;
  /** commander's flags text (`-c, --config <path>`); none for settings that no flag sets (the token). */
  readonly flag?: string;
  /** Environment variables, first found wins. */
  readonly env?: readonly string[];
  /** May a config file set it? */
  readonly config?: boolean;
  readonly value: ValueRule;
  /** The value used when no source sets it (applied after the merge, so it never beats a config file). */
  readonly default?: string | number | boolean;
  /** One line for `--help`, the docs and the man page. */
  readonly doc: string;
  /** The commands it means something for; any other command refuses it by name. */
  readonly commands: readonly CommandName[];
  readonly group: OptionGroup;
  /** Kept secret: never shown, even in --verbose (the token). */
  readonly secret?: boolean;
}


export const DEFAULT_API_VERSION = 'v27.0';
const DEFAULT_BASE_URL = 'https://graph.facebook.com';

export const SETTINGS = [
  {
    key: 'token',
    env: ['WA_TOKEN', 'WHATSAPP_TOKEN', 'WHATSAPP_ACCESS_TOKEN', 'CLOUD_API_ACCESS_TOKEN'],
    config: true,
    value: { type: 'string' },
    doc: 'access token (no flag by design: a command line is visible to every user of the machine)',
    commands: API_COMMANDS,
    group: 'connection',
    secret: true,
  },
  {
    key: 'tokenFile',
    flag: '--token-file <path>',
    value: { type: 'string' },
    doc: 'read the access token from a file (- reads stdin)',
    commands: API_COMMANDS,
    group: 'connection',
  },
  {
    key: 'phoneNumberId',
    flag: '--phone-number-id <id>',
    env: ['WA_PHONE_NUMBER_ID', 'WHATSAPP_PHONE_NUMBER_ID'],
    config: true,
    value: { type: 'id' },
    doc: 'the business phone number ID (digits)',
    commands: ['upload'],
    group: 'connection',
  },
  {
    key: 'appId',
    flag: '--app-id <id>',
    env: ['WA_APP_ID', 'WHATSAPP_APP_ID', 'M4D_APP_ID'],
    config: true,
    value: { type: 'id' },
    doc: 'the Meta app ID (digits) that owns the upload sessions',
    commands: ['handle'],
    group: 'connection',
  },
  {
    key: 'apiVersion',
    flag: '--api-version <version>',
    env: ['WA_API_VERSION', 'CLOUD_API_VERSION'],
    config: true,
    value: { type: 'string' },
    default: DEFAULT_API_VERSION,
    doc: `Graph API version (default ${DEFAULT_API_VERSION}, pinned)`,
    commands: API_COMMANDS,
    group: 'connection',
  },
  {
    key: 'baseUrl',
    flag: '--base-url <url>',
    env: ['WA_BASE_URL'],
    config: true,
    value: { type: 'string' },
    default: DEFAULT_BASE_URL,
    doc: `API origin (default ${DEFAULT_BASE_URL})`,
    commands: API_COMMANDS,
    group: 'connection',
  },
  {
    key: 'config',
    flag: '-c, --config <path>',
    value: { type: 'string' },
    doc: 'use this config file instead of searching',
    commands: API_COMMANDS,
    group: 'connection',
  },
  {
    key: 'noConfig',
    flag: '--no-config',
    env: ['WA_UPLOAD_NO_CONFIG'],
    value: { type: 'boolean' },
    doc: 'use no config file at all (also WA_UPLOAD_NO_CONFIG=1): for jobs that run on a tree you do not trust',
    commands: API_COMMANDS,
    group: 'connection',
  },
  {
    key: 'concurrency',
    flag: '--concurrency <n>',
    config: true,
    value: { type: 'integer', min: 1, max: 64 },
    default: 4,
    doc: 'uploads in flight at once (default 4)',
    commands: FILE_COMMANDS,
    group: 'upload',
  },
  {
    key: 'retries',
    flag: '--retries <n>',
    config: true,
    value: { type: 'integer', min: 0, max: 20 },
    default: 3,
    doc: 'extra tries for temporary failures (default 3, at most 2 for info and download; 0 = one try)',
    commands: API_COMMANDS,
    group: 'connection',
  },
  {
    key: 'timeout',
    flag: '--timeout <seconds>',
    config: true,
    value: { type: 'seconds', allowZero: false },
    default: 60,
    doc: 'per-try limit for connecting, sending and waiting for the answer (default 60)',
    commands: API_COMMANDS,
    group: 'connection',
  },
  {
    key: 'retryDelay',
    flag: '--retry-delay <seconds>',
    config: true,
    value: { type: 'seconds', allowZero: true },
    default: 1,
    doc: 'first backoff step, doubled each try with full jitter (default 1)',
    commands: API_COMMANDS,
    group: 'connection',
  },
  {
    key: 'maxRetryWait',
    flag: '--max-retry-wait <seconds>',
    config: true,
    value: { type: 'seconds', allowZero: true },
    default: 300,
    doc: 'longest wait a server may ask for before giving up (default 300)',
    commands: API_COMMANDS,
    group: 'connection',
  },
  {
    key: 'ttlMinutes',
    flag: '--ttl-minutes <n>',
    config: true,
    value: { type: 'integer', min: 60, max: 43_200 },
    doc: 'No-Storage numbers: keep the media this long, 60 to 43200 minutes (default: no field, 1 hour)',
    commands: ['upload'],
    group: 'upload',
  },
  {
    key: 'type',
    flag: '--type <mime>',
    value: { type: 'mime' },
    doc: 'send this MIME type instead of the detected one',
    commands: ['upload'],
    group: 'upload',
  },
  {
    key: 'filename',
    flag: '--filename <name>',
    value: { type: 'string' },
    doc: 'part filename for stdin uploads and URL sources',
    commands: ['upload'],
    group: 'upload',
  },
  {
    key: 'dryRun',
    flag: '--dry-run',
    value: { type: 'boolean' },
    doc: 'check settings and every input, print what would be done; no network',
    commands: ['upload', 'handle', 'delete'],
    group: 'upload',
  },
  {
    key: 'strict',
    flag: '--strict',
    value: { type: 'boolean' },
    doc: 'refuse files with a content warning, except advice (a type corrected within its kind, sticker size)',
    commands: FILE_COMMANDS,
    group: 'upload',
  },
  {
    key: 'reuse',
    flag: '--reuse',
    value: { type: 'boolean' },
    doc: 'print the remembered media ID of a file uploaded in the last 29 days instead of uploading it again',
    commands: ['upload'],
    group: 'upload',
  },
  {
    key: 'fix',
    flag: '--fix',
    value: { type: 'boolean' },
    doc: 'convert with ffmpeg what WhatsApp would not deliver (codec, channels, index, size, depth, sticker size) before sending; the rest untouched',
    commands: FILE_COMMANDS,
    group: 'upload',
  },
  {
    key: 'voice',
    flag: '--voice',
    value: { type: 'boolean' },
    doc: 'with --fix (implied): send audio files as voice notes, converted to mono Opus in Ogg',
    commands: ['upload'],
    group: 'upload',
  },
  {
    key: 'ffmpegPath',
    flag: '--ffmpeg <path>',
    env: ['FFMPEG_PATH'],
    config: true,
    value: { type: 'string' },
    doc: 'the ffmpeg --fix runs (default: ffmpeg on PATH)',
    commands: FILE_COMMANDS,
    group: 'upload',
  },
  {
    key: 'fixTimeout',
    flag: '--fix-timeout <seconds>',
    config: true,
    value: { type: 'seconds', allowZero: false },
    default: 300,
    doc: 'longest one ffmpeg conversion may run before it is stopped (default 300)',
    commands: FILE_COMMANDS,
    group: 'upload',
  },
  {
    key: 'sandbox',
    flag: '--sandbox',
    value: { type: 'boolean' },
    doc: 'upload to a local stand-in of the API (no account needed)',
    commands: FILE_COMMANDS,
    group: 'upload',
  },
  {
    key: 'output',
    flag: '-o, --output <path>',
    value: { type: 'string' },
    doc: 'where to write (- for stdout; default <media-id>.<ext> here)',
    commands: ['download'],
    group: 'command',
  },
  {
    key: 'force',
    flag: '-f, --force',
    value: { type: 'boolean' },
    doc: 'replace an existing file',
    commands: ['download'],
    group: 'command',
  },
  {
    key: 'json',
    flag: '--json',
    value: { type: 'boolean' },
    doc: 'machine output: one JSON object per line',
    commands: API_COMMANDS,
    group: 'output',
  },
  {
    key: 'quiet',
    flag: '-q, --quiet',
    value: { type: 'boolean' },
    doc: 'nothing on stderr but warnings and errors',
    commands: API_COMMANDS,
    group: 'output',
  },
  {
    key: 'verbose',
    flag: '-v, --verbose',
    value: { type: 'boolean' },
    doc: 'request and response details on stderr (token redacted)',
    commands: API_COMMANDS,
    group: 'output',
  },
  {
    key: 'color',
    flag: '--no-color',
    value: { type: 'boolean' },
    doc: 'no colours (also NO_COLOR)',
    commands: API_COMMANDS,
    group: 'output',
  },
  {
    key: 'port',
    flag: '--port <n>',
    value: { type: 'integer', min: 0, max: 65_535 },
    doc: 'port to listen on (default: a free one)',
    commands: ['sandbox'],
    group: 'command',
  },
  {
    key: 'host',
    flag: '--host <host>',
    value: { type: 'string' },
    doc: 'loopback address to listen on (default 127.0.0.1)',
    commands: ['sandbox'],
    group: 'command',
  },
  {
    key: 'delay',
    flag: '--delay <ms>',
    value: { type: 'integer', min: 0, max: 600_000 },
    doc: 'answer every request after this many milliseconds',
    commands: ['sandbox'],
    group: 'command',
  },
  {
    key: 'requireToken',
    flag: '--token <token>',
    value: { type: 'string' },
    doc: 'require this access token (default: accept any)',
    commands: ['sandbox'],
    group: 'command',
  },
  {
    key: 'store',
    flag: '--no-store',
    value: { type: 'boolean' },
    doc: 'keep only each upload\'s hash and size, not its bytes (info works, download does not)',
    commands: ['sandbox'],
    group: 'command',
  },
] as const satisfies readonly SettingRecord[];

export type SettingKey = (typeof SETTINGS)[number]['key'];

/** The records a config file may set, by key. */
export const CONFIG_SETTINGS: readonly SettingRecord[] = SETTINGS.filter((s: SettingRecord) => s.config === true);

/** Keys a config file may hold, in schema order. */
export const CONFIG_KEYS: readonly string[] = CONFIG_SETTINGS.map((s) => s.key);

/** The record of a key. */
export function settingRecord(key: string): SettingRecord | undefined {
  return (SETTINGS as readonly SettingRecord[]).find((s) => s.key === key);
}

/** The long flag of a record (`--config` of `-c, --config <path>`), or undefined. */
export function longFlagOf(record: SettingRecord): string | undefined {
  return record.flag ? /--[\w-]+/.exec(record.flag)?.[0] : undefined;
}

/** The short flag of a record (`-c`), or undefined. */
export function shortFlagOf(record: SettingRecord): string | undefined {
  return record.flag ? /(?:^|\s)(-\w)\b/.exec(record.flag)?.[1] : undefined;
}

/** The records with a flag that mean something for `command`, in schema order. */
export function optionsOf(command: CommandName): SettingRecord[] {
  return (SETTINGS as readonly SettingRecord[]).filter((s) => s.flag !== undefined && s.commands.includes(command));
}

/** The record whose flag is `flag` (`--type`, `-o`, `--no-color`), or undefined. */
export function recordOfFlag(flag: string): SettingRecord | undefined {
  return (SETTINGS as readonly SettingRecord[]).find((s) => s.flag !== undefined && (longFlagOf(s) === flag || shortFlagOf(s) === flag));
}

/** Every environment variable the schema reads, with the setting it sets, for `--help` and the docs. */
export function environmentOf(): { names: readonly string[]; record: SettingRecord }[] {
  return (SETTINGS as readonly SettingRecord[]).filter((s) => s.env !== undefined).map((s) => ({ names: s.env!, record: s }));
}

/** The defaults of the settings that have one. */
export const DEFAULTS = Object.fromEntries(
  (SETTINGS as readonly SettingRecord[]).filter((s) => s.default !== undefined && s.config).map((s) => [s.key, s.default]),
) as { apiVersion: string; baseUrl: string; concurrency: number; retries: number; timeout: number; retryDelay: number; maxRetryWait: number; fixTimeout: number };

/** The No-Storage TTL Meta accepts: 1 hour to 30 days, in minutes (the ttlMinutes record's range). */
export const TTL_MINUTES = (() => {
  const rule = settingRecord('ttlMinutes')!.value;
  if (rule.type !== 'integer') throw new Error('ttlMinutes must be an integer setting');
  return { min: rule.min, max: rule.max };
})();

/** A config file's value for a rule, type-checked (ranges are checked by the merge, which knows where a value came from). */
export function configValue(rule: ValueRule, raw: unknown): { ok: true; value: string | number | boolean } | { ok: false; why: string; hint?: string } {
  switch (rule.type) {
    case 'id':
      // An ID written as a JSON number is a common slip: take it when it is a safe integer.
      if (typeof raw === 'number' && Number.isSafeInteger(raw)) return { ok: true, value: String(raw) };
      if (typeof raw !== 'string') return { ok: false, why: 'must be a string', hint: 'write it in quotes' };
      return { ok: true, value: raw.trim() };
    case 'string':
    case 'mime':
      if (typeof raw !== 'string') return { ok: false, why: 'must be a string' };
      return { ok: true, value: raw.trim() };
    case 'boolean':
      if (typeof raw !== 'boolean') return { ok: false, why: 'must be true or false' };
      return { ok: true, value: raw };
    case 'integer':
    case 'seconds':
      if (typeof raw !== 'number' || !Number.isFinite(raw)) return { ok: false, why: 'must be a number' };
      return { ok: true, value: raw };
  }
}

/** Why a number breaks its rule's range ("must be a whole number from 1 to 64"), or undefined when it keeps it. */
export function rangeProblem(rule: ValueRule, n: number): string | undefined {
  if (rule.type === 'integer') {
    return Number.isInteger(n) && n >= rule.min && n <= rule.max ? undefined : `must be a whole number from ${rule.min} to ${rule.max}`;
  }
  if (rule.type === 'seconds') {
    if (!Number.isFinite(n) || n < 0 || (!rule.allowZero && n === 0)) {
      return rule.allowZero ? 'must be a number of seconds, 0 or more' : 'must be a number of seconds above 0';
    }
    if (n > MAX_SECONDS) return `is more than ${MAX_SECONDS} seconds (24.8 days), the longest wait a timer holds`;
  }
  return undefined;
}

/** The value type of a rule: what a flag holds once parsed (`mime` is left to the command line, which knows the media table). */
type ValueOfRule<R extends ValueRule, Mime> = R extends { type: 'integer' | 'seconds' }
  ? number
  : R extends { type: 'boolean' }
    ? boolean
    : R extends { type: 'mime' }
      ? Mime
      : string;

/** What the parsed flags of any command hold, keyed by the schema's keys (each may be missing: defaults apply after the merge). */
export type FlagsOf<Mime> = {
  [R in (typeof SETTINGS)[number] as R['key']]?: ValueOfRule<R['value'], Mime> | undefined;
};

/** Variables wa-upload (or a library it uses) reads that set no setting of the schema, for `--help` and the docs. */
export const OTHER_ENVIRONMENT: readonly { names: readonly string[]; doc: string }[] = [
  { names: ['HTTPS_PROXY', 'HTTP_PROXY', 'ALL_PROXY', 'NO_PROXY'], doc: 'proxy for every request' },
  { names: ['NODE_EXTRA_CA_CERTS'], doc: 'extra CA certificates (a TLS-inspecting proxy)' },
  { names: ['XDG_CACHE_HOME'], doc: 'where --reuse remembers IDs and the code cache lives (default ~/.cache)' },
  { names: ['XDG_CONFIG_HOME'], doc: 'where the user config folder is (default ~/.config)' },
  { names: ['WA_UPLOAD_NO_CACHE'], doc: 'set to anything: no code cache is read or written' },
  { names: ['NO_COLOR', 'FORCE_COLOR'], doc: 'colours on stderr' },
];
