// Error classes of wa-upload: each carries its kind, its exit code and an optional hint.

/** Exit codes: a contract with the scripts that call wa-upload. */
export const ExitCode = {
  ok: 0,
  internal: 1,
  usage: 2,
  config: 3,
  input: 4,
  api: 5,
  auth: 6,
  temporary: 7,
  sigint: 130,
  /** stdout's reader went away (`| head -1`): what a shell reports for a process ended by SIGPIPE (128 + 13). */
  stdoutClosed: 141,
  sigterm: 143,
} as const;

/** What went wrong, in the words the JSON output uses. */
export type ErrorKind = 'internal' | 'usage' | 'config' | 'input' | 'api' | 'auth' | 'temporary' | 'interrupted';

const EXIT_CODE_BY_KIND: Record<Exclude<ErrorKind, 'interrupted'>, number> = {
  internal: ExitCode.internal,
  usage: ExitCode.usage,
  config: ExitCode.config,
  input: ExitCode.input,
  api: ExitCode.api,
  auth: ExitCode.auth,
  temporary: ExitCode.temporary,
};

/** The Graph API's own account of a failure, as much of it as is safe and useful to show. */
export interface GraphErrorDetails {
  code?: number;
  subcode?: number;
  type?: string;
  message?: string;
  details?: string;
  isTransient?: boolean;
  fbtraceId?: string;
  httpStatus?: number;
  /** `error_user_title`: the short title of the sentence for people. */
  userTitle?: string;
  /** `error_user_msg`: the sentence that says what to do. */
  userMessage?: string;
}

/**
 * A message and its subject in one line: `<subject> <what>` when the message says what the subject is or has
 * (`photo.jpg is empty`), else `<what> (<subject>)` (`no such file (photo.jpg)`).
 */
export function withSubject(message: string, subject: string): string {
  if (/^(is|has|have|cannot|can't|contains|was|does|looks|holds|needs) /.test(message)) return `${subject} ${message}`;
  return `${message} (${subject})`;
}

/** Base class: every failure wa-upload reports is one of these; anything else is a bug (exit 1). */
export class WaUploadError extends Error {
  readonly kind: ErrorKind;
  readonly exitCode: number;
  /** What the user can do about it, one line. */
  readonly hint: string | undefined;
  /** The Graph error, for API failures. */
  readonly graph: GraphErrorDetails | undefined;

  constructor(
    kind: ErrorKind,
    message: string,
    options: { hint?: string; graph?: GraphErrorDetails; exitCode?: number; cause?: unknown } = {},
  ) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    // The class's own name (InputError, ...): the build keeps names (esbuild keepNames), so this holds in the bundle too.
    this.name = new.target.name;
    this.kind = kind;
    this.exitCode = options.exitCode ?? (kind === 'interrupted' ? ExitCode.sigint : EXIT_CODE_BY_KIND[kind]);
    this.hint = options.hint;
    this.graph = options.graph;
  }
}

/** Bad command line: unknown flag, bad value, no file given (exit 2). */
export class UsageError extends WaUploadError {
  constructor(message: string, hint?: string) {
    super('usage', message, hint === undefined ? {} : { hint });
  }
}

/** Bad setup: token or phone number ID missing or invalid, bad config file, insecure base URL (exit 3). */
export class ConfigError extends WaUploadError {
  constructor(message: string, hint?: string) {
    super('config', message, hint === undefined ? {} : { hint });
  }
}

/** A file that cannot or must not be sent: missing, unreadable, empty, unsupported, too big (exit 4). */
export class InputError extends WaUploadError {
  /** Content warnings found before the refusal, so that none is lost with it. */
  readonly warnings: string[];
  /** The file it is about, when the error left the place that knew it (the programmatic API sets it). */
  readonly file: string | undefined;
  constructor(message: string, hint?: string, warnings: string[] = [], file?: string) {
    super('input', message, hint === undefined ? {} : { hint });
    this.warnings = warnings;
    this.file = file;
  }

  /** The same error about a named file: `file` set and the file named in the message (`photo.jpg is empty`). */
  about(file: string): InputError {
    if (this.file !== undefined) return this;
    const error = new InputError(withSubject(this.message, file), this.hint, this.warnings, file);
    if (this.stack) error.stack = this.stack.replace(this.message, error.message);
    return error;
  }
}

/** The API refused the request for a reason a retry will not fix (exit 5). */
export class ApiError extends WaUploadError {
  constructor(message: string, options: { hint?: string; graph?: GraphErrorDetails } = {}) {
    super('api', message, options);
  }
}

/** The token is invalid, expired or lacks a permission (exit 6). */
export class AuthError extends WaUploadError {
  constructor(message: string, options: { hint?: string; graph?: GraphErrorDetails } = {}) {
    super('auth', message, options);
  }
}

/** Network, timeout, 5xx or throttling that outlasted the retries (exit 7: retry later). */
export class TemporaryError extends WaUploadError {
  /** How many tries were made before giving up. */
  readonly attempts: number;
  constructor(message: string, options: { hint?: string; graph?: GraphErrorDetails; attempts?: number } = {}) {
    super('temporary', message, options);
    this.attempts = options.attempts ?? 1;
  }
}

/**
 * The run was stopped by SIGINT (exit 130) or SIGTERM (exit 143), or, for the programmatic API, cancelled through its
 * `signal` (`reason` 'aborted': an AbortError, exit code 130 like Ctrl-C).
 */
export class InterruptedError extends WaUploadError {
  /** The whole body had been sent when the signal came: the server may hold the file though it never said so. */
  readonly sentUnconfirmed: boolean;
  /** True when the words say exactly what was interrupted (a command keeps them instead of naming its own action). */
  readonly saysWhen: boolean;
  /** What stopped it: a signal's name, or 'aborted' (the API's AbortSignal). */
  readonly reason: 'SIGINT' | 'SIGTERM' | 'aborted';
  /** `when` says what was interrupted: words ("while reading stdin"), or the action and whether its bytes were all sent. */
  constructor(
    signal: 'SIGINT' | 'SIGTERM' | 'aborted',
    when: string | { action?: 'upload' | 'download' | 'request'; sentUnconfirmed?: boolean } = {},
  ) {
    const options = typeof when === 'string' ? {} : when;
    const stopped = signal === 'aborted' ? 'aborted' : `interrupted by ${signal}`;
    const message =
      typeof when === 'string'
        ? `${stopped} ${when}`
        : options.sentUnconfirmed
          ? `${stopped} after the file was sent, before the server confirmed it (the server may hold it)`
          : `${stopped} before the ${options.action ?? 'upload'} finished`;
    super('interrupted', message, { exitCode: signal === 'SIGTERM' ? ExitCode.sigterm : ExitCode.sigint });
    this.sentUnconfirmed = options.sentUnconfirmed === true;
    this.saysWhen = typeof when === 'string';
    this.reason = signal;
  }
}

/**
 * A programmatic API call cancelled through its `signal`: named 'AbortError' (as fetch names its own), an
 * InterruptedError with `reason` 'aborted'; `cause` is the signal's reason when it has one.
 */
export class AbortError extends InterruptedError {
  constructor(action: 'upload' | 'download' | 'request', options: { sentUnconfirmed?: boolean; cause?: unknown } = {}) {
    super('aborted', { action, sentUnconfirmed: options.sentUnconfirmed === true });
    if (options.cause !== undefined) Object.defineProperty(this, 'cause', { value: options.cause, writable: true, configurable: true });
    // new.target.name: AbortError, as the class is called.
  }
}

/** The signal that aborted `signal` (commands abort with the signal's name as the reason). */
export function signalName(signal: AbortSignal): 'SIGINT' | 'SIGTERM' {
  return signal.reason === 'SIGTERM' ? 'SIGTERM' : 'SIGINT';
}

/** Every secret this process has seen (tokens from the environment, a token file, a config file). */
const knownSecrets = new Set<string>();

/** Registers a secret so that every later redaction removes it, even in a crash report. */
export function rememberSecret(secret: string | undefined): void {
  if (secret && secret.length >= 4) knownSecrets.add(secret);
}

/** No run of this many characters of a secret is ever printed, even when the rest of it was cut off. */
const SECRET_RUN_LENGTH = 10;

/** A secret's runs of SECRET_RUN_LENGTH characters, computed once per secret. */
const runsBySecret = new Map<string, Set<string>>();

/**
 * Removes every known secret, and these, from a text (used on anything that may reach a person): the whole secret, and
 * any run of 10 or more of its characters (a cut-off token's prefix, a token split by a line break).
 */
export function redactSecrets(text: string, secrets: readonly (string | undefined)[] = []): string {
  let out = text;
  for (const secret of [...knownSecrets, ...secrets]) {
    if (!secret || secret.length < 4) continue;
    out = secret.length <= SECRET_RUN_LENGTH ? out.split(secret).join('[REDACTED]') : redactRuns(out, secret);
  }
  // Bearer and OAuth (Resumable Upload API) headers from any source, even a token we were not told about; "OAuth"
  // also starts Graph's own messages ("Invalid OAuth access token"), so only a token-long word after it goes.
  return out.replace(/(Bearer\s+)[A-Za-z0-9._~+/=-]+/gi, '$1[REDACTED]').replace(/(\bOAuth\s+)[A-Za-z0-9._~+/=-]{16,}/g, '$1[REDACTED]');
}

/** Replaces every stretch of the text covered by runs of the secret with one [REDACTED]. */
function redactRuns(text: string, secret: string): string {
  if (text.length < SECRET_RUN_LENGTH) return text;
  let runs = runsBySecret.get(secret);
  if (!runs) {
    runs = new Set<string>();
    for (let i = 0; i + SECRET_RUN_LENGTH <= secret.length; i++) runs.add(secret.slice(i, i + SECRET_RUN_LENGTH));
    runsBySecret.set(secret, runs);
  }
  let out = '';
  let copiedUpTo = 0;
  let coveredUpTo = -1;
  for (let i = 0; i + SECRET_RUN_LENGTH <= text.length; i++) {
    if (!runs.has(text.slice(i, i + SECRET_RUN_LENGTH))) continue;
    if (i > coveredUpTo) {
      out += `${text.slice(copiedUpTo, i)}[REDACTED]`;
    }
    coveredUpTo = i + SECRET_RUN_LENGTH;
    copiedUpTo = coveredUpTo;
  }
  return copiedUpTo === 0 ? text : out + text.slice(copiedUpTo);
}

/** Forgets every registered secret: for a host that runs the program more than once in one process (the in-process tests). */
export function forgetSecrets(): void {
  knownSecrets.clear();
}
