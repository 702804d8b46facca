// The command line: the commander program, and the only place that knows argv, the process, signals and exit codes.

import { existsSync, rmSync } from 'node:fs';
import { Argument, Command, CommanderError, InvalidArgumentError, Option } from 'commander';
import { firstOperandIndex, nearMissOf, placeOptionsAfterCommand } from './command-line.js';
import { COMPLETION_SHELLS, completionScript, type CompletionShell, type CompletionSpec } from './commands/completion.js';
import { ExitCode, UsageError, WaUploadError, redactSecrets } from './errors.js';
import { MAX_SECONDS } from './settings/limits.js';
import { acceptedMimeTypes, mediaTypeForMime, type MediaType } from './media/media-types.js';
import type { ConnectionFlags, DeleteFlags, DownloadFlags, ProcessContext, SandboxFlags, UploadFlags } from './commands/context.js';
import { VERSION } from './version.js';

const HELP_FOOTER = `
Environment (first found wins; a flag beats the environment, which beats the config file):
  WA_TOKEN, WHATSAPP_TOKEN, WHATSAPP_ACCESS_TOKEN, CLOUD_API_ACCESS_TOKEN   access token
  WA_PHONE_NUMBER_ID, WHATSAPP_PHONE_NUMBER_ID                             phone number ID
  WA_APP_ID, WHATSAPP_APP_ID, M4D_APP_ID                                   app ID (wa-upload handle only)
  WA_API_VERSION, CLOUD_API_VERSION                                        Graph API version (default v27.0, pinned)
  WA_BASE_URL                                                              API origin (default https://graph.facebook.com)
  HTTPS_PROXY, HTTP_PROXY, ALL_PROXY, NO_PROXY                             proxy for every request
  NODE_EXTRA_CA_CERTS                                                      extra CA certificates (a TLS-inspecting proxy)
  XDG_CACHE_HOME                                                           where --reuse remembers IDs (default ~/.cache)
  NO_COLOR, FORCE_COLOR                                                    colours on stderr

Config file: .waupload.json (or .wauploadrc*, "waupload" in package.json, ~/.config/waupload/config.json),
searched from the working folder upward; keys token, phoneNumberId, appId, apiVersion, baseUrl, concurrency,
retries, timeout, retryDelay, maxRetryWait, ttlMinutes.

Exit codes:
  0  every file uploaded            4  input file refused (missing, empty, type, size)
  1  internal error (a bug)         5  the API refused the request
  2  usage error                    6  token invalid, expired or lacking permission
  3  configuration error            7  temporary failure after retries: retry later
  130 / 143  interrupted (Ctrl-C / SIGTERM)   141  stdout's reader went away (nothing more uploaded)

Examples:
  wa-upload --sandbox photo.jpg              try it with no account (local stand-in API)
  ID=$(wa-upload photo.jpg)                  one file: stdout is just the media ID
  wa-upload --json *.pdf | jq -r .id         one JSON object per file
  H=$(wa-upload handle header.png)           a handle for a template header (needs WA_APP_ID)
`;

/** `wa-upload handle --help`: what a handle is for and the settings it needs (no phone number ID). */
const HANDLE_HELP_FOOTER = `
A handle is what a message template's IMAGE/VIDEO/DOCUMENT header sample (example.header_handle) and a business
profile picture (profile_picture_handle) take; a media ID or a URL is refused there. It needs the access token and
the app ID: --app-id, then WA_APP_ID, WHATSAPP_APP_ID, M4D_APP_ID, then "appId" in the config file. The phone
number ID is not used. A cut or a timeout mid-file resumes from the offset the server holds, in the same session.
Exit codes are those of uploads (wa-upload --help).
  H=$(wa-upload handle header.png)           one file: stdout is just the handle
  wa-upload handle --json a.png b.pdf        one JSON object per file
`;

/** `wa-upload sandbox --help`: the faults it can be told to show (every key parseFault knows), and how. */
const SANDBOX_HELP_FOOTER = `
Faults: POST a JSON object to <url>/_sandbox/faults; each applies to the next "times" matching requests.
  status <n>                       HTTP status of the error (default 500; 400 for code 33, 503 for 133004)
  graphCode <n>, graphSubcode <n>  Graph error.code / error_subcode, with the live server's message
  message, details                 error.message / error.error_data.details
  isTransient <bool>               error.is_transient
  retryAfter <text>                a Retry-After header
  estimatedTimeToRegainAccess <m>  minutes, in an X-Business-Use-Case-Usage header
  html <bool>, body <text>         an HTML error page / this text instead of Graph JSON (a proxy's answer)
  dropAfterBytes <n>               cut the connection after n body bytes (0: at once)
  stallAfterBytes <n>              stop reading after n body bytes, keep them, never answer (a timeout mid-file)
  hang <bool>                      read the body, never answer
  delayMs <n>                      answer this much later
  redirectTo <url>                 answer 307 with this Location
  times <n>                        how many requests it applies to (default 1)
  match upload|session|status|any  which requests (default upload: requests carrying file bytes; any: info,
                                   download and delete too)
Codes worth trying: 1, 2, 4, 17, 80007, 130429, 131000, 131016, 133004 (server temporarily unavailable) and
131057 (account in maintenance mode) are temporary; 33 (phone number deleted), 100, 131053, 368 are not;
0, 190, 10, 200 are about the token.
  curl -X POST <url>/_sandbox/faults -d '{"graphCode":131057,"times":2}'
  curl -X POST <url>/_sandbox/faults -d '{"graphCode":33,"match":"any"}'
  curl -X DELETE <url>/_sandbox/faults     forget queued faults
Media a customer sent (an ID from a webhook, tied to no phone number: info and delete refuse phone_number_id for it):
  curl -X POST <url>/_sandbox/webhook-media -d '{"mimeType":"image/jpeg","base64":"<the bytes, base64>"}'
  curl <url>/_sandbox/requests             what it received (token redacted)
`;

function parseWholeNumber(min: number, max: number) {
  return (value: string): number => {
    const n = Number(value);
    if (!/^\d+$/.test(value.trim()) || n < min || n > max) throw new InvalidArgumentError(`expected a whole number from ${min} to ${max}`);
    return n;
  };
}

function parseSeconds(allowZero: boolean) {
  return (value: string): number => {
    const n = Number(value);
    if (value.trim() === '' || !Number.isFinite(n) || n < 0 || (!allowZero && n === 0)) {
      throw new InvalidArgumentError(allowZero ? 'expected a number of seconds, 0 or more' : 'expected a number of seconds above 0');
    }
    if (n > MAX_SECONDS) throw new InvalidArgumentError(`at most ${MAX_SECONDS} seconds (24.8 days), the longest wait a timer holds`);
    return n;
  };
}

function parseMediaType(value: string): MediaType {
  const type = mediaTypeForMime(value);
  if (!type) throw new InvalidArgumentError(`WhatsApp does not accept ${value}; accepted: ${acceptedMimeTypes().join(', ')}`);
  return type;
}

function parseTrimmed(value: string): string {
  return value.trim();
}

/** The options shared by every command that talks to the API: defined once, added to the upload and to each API command. */
function addConnectionOptions(command: Command, idOption: 'phone-number-id' | 'app-id' = 'phone-number-id'): Command {
  // handle talks to the app, not to a phone number: it takes --app-id instead, and refuses --phone-number-id by name.
  if (idOption === 'app-id') command.option('--app-id <id>', 'the Meta app ID (digits) that owns the upload sessions', parseTrimmed);
  else command.option('--phone-number-id <id>', 'the business phone number ID (digits)', parseTrimmed);
  return command
    .option('--token-file <path>', 'read the access token from a file (- reads stdin)')
    .option('--api-version <version>', 'Graph API version (default v27.0, pinned)')
    .option('--base-url <url>', 'API origin (default https://graph.facebook.com)')
    .option('-c, --config <path>', 'use this config file instead of searching')
    .option('--retries <n>', 'extra tries for temporary failures (default 3, at most 2 for info and download; 0 = one try)', parseWholeNumber(0, 20))
    .option('--timeout <seconds>', 'per-try limit for connecting, sending and waiting for the answer (default 60)', parseSeconds(false))
    .option('--retry-delay <seconds>', 'first backoff step, doubled each try with full jitter (default 1)', parseSeconds(true))
    .option('--max-retry-wait <seconds>', 'longest wait a server may ask for before giving up (default 300)', parseSeconds(true))
    .option('--json', 'machine output: one JSON object per line')
    .option('-q, --quiet', 'nothing on stderr but warnings and errors')
    .option('-v, --verbose', 'request and response details on stderr (token redacted)')
    .option('--no-color', 'no colours (also NO_COLOR)');
}

/** Help and version, on every command: `wa-upload info --help` and `wa-upload delete --version` work like the root's. */
function addStandardOptions(command: Command): Command {
  return command.version(VERSION, '-V, --version', 'print the version').helpOption('-h, --help', 'show this help');
}

/**
 * A command that talks to the API about media IDs (`info`, `download`, `delete`, …): the connection options, help and
 * version, and one or more IDs (the action gets them as an array). Add the command's own options and its action to
 * what this returns.
 */
export function addApiCommand(program: Command, name: string, description: string): Command {
  return addConnectionOptions(addStandardOptions(program.command(name).argument('<media-id...>').description(description)));
}

/** What each command runs once commander has parsed its flags; resolves with the exit code. */
export interface CommandHandlers {
  upload: (files: string[], flags: UploadFlags) => Promise<number>;
  handle: (files: string[], flags: UploadFlags) => Promise<number>;
  sandbox: (flags: SandboxFlags) => Promise<number>;
  info: (mediaIds: string[], flags: ConnectionFlags) => Promise<number>;
  download: (mediaIds: string[], flags: DownloadFlags) => Promise<number>;
  delete: (mediaIds: string[], flags: DeleteFlags) => Promise<number>;
  completion: (shell: CompletionShell, program: Command) => Promise<number>;
}

/** Builds the commander program; each command's action hands its parsed flags to a handler. */
export function buildProgram(handlers: CommandHandlers): { program: Command; result: { exitCode: number } } {
  const result: { exitCode: number } = { exitCode: ExitCode.ok };
  const program = new Command('wa-upload');
  program
    .description('Upload files to the WhatsApp Cloud API and print their media IDs.')
    .usage('[options] <file...>\n       wa-upload <command> [options] <media-id>')
    .argument('[files...]', 'files to upload (- reads stdin; needs --type)')
    // Each command parses its own options; main() first moves options typed before a command after it.
    .enablePositionalOptions()
    // Errors are reported by main() in wa-upload's own form (error: … / hint: …), not by commander.
    .exitOverride()
    .configureOutput({ outputError: () => undefined })
    .addHelpText('after', HELP_FOOTER);
  addConnectionOptions(addStandardOptions(program))
    .addOption(new Option('--type <mime>', 'send this MIME type instead of the detected one').argParser(parseMediaType))
    .option('--filename <name>', 'part filename for stdin uploads')
    .option('--concurrency <n>', 'uploads in flight at once (default 4)', parseWholeNumber(1, 64))
    .option('--dry-run', 'check settings and every file, print what would be sent; no network')
    .option('--strict', 'refuse files with a content warning, except advice (a type corrected within its kind, sticker size)')
    .option('--reuse', 'print the remembered media ID of a file uploaded in the last 29 days instead of uploading it again')
    .option('--ttl-minutes <n>', 'No-Storage numbers: keep the media this long, 60 to 43200 minutes (default: no field, 1 hour)', parseWholeNumber(60, 43_200))
    .option('--sandbox', 'upload to a local stand-in of the API (no account needed)')
    .action(async (files: string[], flags: UploadFlags) => {
      result.exitCode = await handlers.upload(files, flags);
    });

  addConnectionOptions(addStandardOptions(program.command('handle')), 'app-id')
    .description('upload files to the Resumable Upload API and print their handles (template header samples, profile pictures)')
    .argument('[files...]', 'PDF, JPEG, PNG or MP4 files')
    .option('--concurrency <n>', 'uploads in flight at once (default 4)', parseWholeNumber(1, 64))
    .option('--dry-run', 'check settings and every file, print what would be sent; no network')
    .option('--strict', 'refuse files with a content warning, except advice (a type corrected within its kind)')
    .option('--sandbox', 'upload to a local stand-in of the API (no account needed)')
    .addHelpText('after', HANDLE_HELP_FOOTER)
    .action(async (files: string[], flags: UploadFlags) => {
      result.exitCode = await handlers.handle(files, flags);
    });

  addStandardOptions(program.command('sandbox'))
    .description('run the local stand-in of the media API and print the settings that point wa-upload at it')
    .option('--port <n>', 'port to listen on (default: a free one)', parseWholeNumber(0, 65535))
    .option('--host <host>', 'loopback address to listen on (default 127.0.0.1)')
    .option('--delay <ms>', 'answer every request after this many milliseconds', parseWholeNumber(0, 600_000))
    .option('--token <token>', 'require this access token (default: accept any)')
    .option('--no-store', 'keep only each upload\'s hash and size, not its bytes (info works, download does not)')
    .addHelpText('after', SANDBOX_HELP_FOOTER)
    .action(async (flags: SandboxFlags) => {
      result.exitCode = await handlers.sandbox(flags);
    });

  addApiCommand(program, 'info', 'show a media ID\'s URL, MIME type, sha256 and size').action(async (mediaIds: string[], flags: ConnectionFlags) => {
    result.exitCode = await handlers.info(mediaIds, flags);
  });
  addApiCommand(program, 'download', 'download a media ID\'s bytes, checked against its sha256 (no partial file is left behind)')
    .option('-o, --output <path>', 'where to write (- for stdout; default <media-id>.<ext> here)')
    .option('-f, --force', 'replace an existing file')
    .action(async (mediaIds: string[], flags: DownloadFlags) => {
      result.exitCode = await handlers.download(mediaIds, flags);
    });
  addApiCommand(program, 'delete', 'delete a media ID')
    .option('--dry-run', 'check the settings and say what would be deleted; delete nothing (no network)')
    .action(async (mediaIds: string[], flags: DeleteFlags) => {
      result.exitCode = await handlers.delete(mediaIds, flags);
    });
  addStandardOptions(program.command('completion'))
    .description('print a shell completion script (bash, zsh or fish)')
    .addArgument(new Argument('<shell>', 'the shell').choices(COMPLETION_SHELLS))
    .action(async (shell: CompletionShell) => {
      result.exitCode = await handlers.completion(shell, program);
    });
  // `wa-upload help [command]`: help with exit 0 and no settings needed (last, so that no command inherits it).
  program.helpCommand('help [command]', 'show help for wa-upload or one of its commands');
  return { program, result };
}

/** Every option flag of the program and its commands that reads a value (`-o`, `--output`, `--port`, …). */
function valueFlagsOf(program: Command): Set<string> {
  const flags = new Set<string>();
  for (const command of [program, ...program.commands]) {
    for (const option of command.options) {
      if (!option.required && !option.optional) continue;
      if (option.short) flags.add(option.short);
      if (option.long) flags.add(option.long);
    }
  }
  return flags;
}

/** The names people may type as the first word: the commands and `help`. */
function commandNamesOf(program: Command): string[] {
  return [...program.commands.map((c) => c.name()), 'help'];
}

/**
 * The arguments commander should parse: options typed before a command moved after it (so the command honours or
 * refuses them), and a first word that is a near-miss of a command refused as a usage error, unless it is a file
 * that exists and is not a near-miss (see the README: "Commands and files").
 */
export function commandLineFor(args: readonly string[], program: Command, fileExists: (path: string) => boolean): { args: string[]; command: string | undefined } {
  const valueFlags = valueFlagsOf(program);
  const names = commandNamesOf(program);
  const index = firstOperandIndex(args, (flag) => valueFlags.has(flag));
  const word = index >= 0 ? args[index]! : undefined;
  if (word !== undefined && names.includes(word)) {
    if (word === 'help') {
      const topic = args[index + 1];
      if (topic !== undefined && !topic.startsWith('-') && !names.includes(topic)) {
        throw new UsageError(`there is no command ${topic}`, `commands: ${names.join(', ')}; run wa-upload --help`);
      }
      return { args: ['help', ...(topic !== undefined && !topic.startsWith('-') ? [topic] : [])], command: 'help' };
    }
    return { args: placeOptionsAfterCommand(args, (flag) => valueFlags.has(flag), (w) => names.includes(w)), command: word };
  }
  if (word !== undefined) {
    const near = nearMissOf(word, names);
    if (near !== undefined && !word.includes('/') && !word.includes('.')) {
      if (fileExists(word)) {
        throw new UsageError(
          `${word} is a file here and also looks like the command ${near}`,
          `to upload the file write ./${word}; for the command spell it ${near}`,
        );
      }
      throw new UsageError(`unknown command ${word}`, `did you mean ${near}? (run wa-upload --help for the commands)`);
    }
  }
  return { args: [...args], command: undefined };
}

/** Flags people try that wa-upload leaves out on purpose, and what to do instead. */
const MISSING_FLAG_HINTS: Record<string, string> = {
  '--token':
    'there is no --token flag by design (a command line is visible to every user of the machine): set WA_TOKEN, or pass --token-file PATH (- reads stdin)',
  '--access-token': 'there is no --access-token flag by design: set WA_TOKEN, or pass --token-file PATH (- reads stdin)',
  '--phone': 'the flag is --phone-number-id (the ID of the business phone number, not the number itself; or set WA_PHONE_NUMBER_ID)',
  '--phone-number': 'the flag is --phone-number-id (the ID of the business phone number, not the number itself; or set WA_PHONE_NUMBER_ID)',
};

/** A commander parse error in wa-upload's own form: `error: <what>` and a `hint:`, naming the command it concerns. */
export function usageErrorFor(error: CommanderError, program: Command, command: string | undefined): UsageError {
  const where = command ? `wa-upload ${command}` : 'wa-upload';
  const helpHint = `run ${where} --help`;
  const text = error.message.replace(/^error: /, '');
  switch (error.code) {
    case 'commander.unknownOption': {
      const flag = /unknown option '([^']+)'/.exec(text)?.[1] ?? text;
      const name = flag.split('=')[0]!;
      const suggestion = /\(Did you mean (\S+)\?\)/.exec(text)?.[1];
      const owners = [program, ...program.commands].filter((c) => c.options.some((o) => o.long === name || o.short === name));
      const missing = MISSING_FLAG_HINTS[name];
      const subject = command ? `${command} does not take ${name}` : `unknown option ${name}`;
      if (missing) return new UsageError(command ? subject : `there is no option ${name}`, missing);
      if (suggestion) return new UsageError(subject, `did you mean ${suggestion}? (${helpHint})`);
      if (owners.length > 0) {
        const names = owners.map((c) => (c === program ? 'uploads (wa-upload [options] <file...>)' : `wa-upload ${c.name()}`));
        return new UsageError(subject, `${name} belongs to ${names.join(' and ')}; ${helpHint}`);
      }
      return new UsageError(subject, helpHint);
    }
    case 'commander.invalidArgument': {
      const option = /^option '([^']+)' argument '([^']*)' is invalid\. (.*)$/s.exec(text);
      if (option) return new UsageError(`${option[2]} is not a valid value for ${longFlagOf(option[1]!)}: ${option[3]}`, helpHint);
      const argument = /^command-argument value '([^']*)' is invalid for argument '([^']+)'\. (.*)$/s.exec(text);
      if (argument) return new UsageError(`${argument[1]} is not a valid ${argument[2]}`, argument[3]);
      return new UsageError(text, helpHint);
    }
    case 'commander.optionMissingArgument': {
      const flags = /^option '([^']+)' argument missing/.exec(text)?.[1] ?? '';
      return new UsageError(`${longFlagOf(flags)} needs a value`, `write ${flags.replace(/^-\w, /, '')}; ${helpHint}`);
    }
    case 'commander.missingArgument': {
      const name = /missing required argument '([^']+)'/.exec(text)?.[1] ?? 'argument';
      return new UsageError(`no ${name} given`, `write ${where} <${name}>; ${helpHint}`);
    }
    case 'commander.excessArguments':
      return new UsageError(text.replace(/ for '[^']+'/, command ? ` for ${command}` : ''), helpHint);
    default:
      return new UsageError(text.split('\n')[0]!, helpHint);
  }
}

/** `--retries` from `--retries <n>` or `-c, --config <path>`. */
function longFlagOf(flags: string): string {
  return /--[\w-]+/.exec(flags)?.[0] ?? flags;
}

/** Runs the CLI with these arguments; sets process.exitCode (never process.exit, so output flushes). */
export async function main(argv: string[]): Promise<void> {
  const oldNode = unsupportedNodeWarning(process.versions.node);
  if (oldNode) process.stderr.write(oldNode);
  // stdout failing (a reader that went away, a full disk) stops the running command, which reports it; with no command
  // running (`wa-upload --help | head`) a closed reader is no error, and any other failure is reported here.
  const stdout = watchStdout();
  // Node's own report of an uncaught error prints the error's properties: got's carry the request headers, token included.
  const crash = (error: unknown): void => {
    process.exitCode = reportCrash(error);
    process.exit();
  };
  process.on('uncaughtException', crash);
  process.on('unhandledRejection', crash);
  const { program, result } = buildProgram({
    upload: async (files, flags) => (await import('./commands/index.js')).runUploadCommand(files, flags, processContext()),
    handle: async (files, flags) => (await import('./commands/index.js')).runHandleCommand(files, flags, processContext()),
    sandbox: async (flags) => (await import('./commands/index.js')).runSandboxCommand(flags, processContext()),
    info: async (mediaIds, flags) => (await import('./commands/index.js')).runInfoCommand(mediaIds, flags, processContext()),
    download: async (mediaIds, flags) => (await import('./commands/index.js')).runDownloadCommand(mediaIds, flags, processContext()),
    delete: async (mediaIds, flags) => (await import('./commands/index.js')).runDeleteCommand(mediaIds, flags, processContext()),
    completion: async (shell, program) => {
      process.stdout.write(completionScript(shell, completionSpecOf(program)));
      return ExitCode.ok;
    },
  });
  let command: string | undefined;
  try {
    const line = commandLineFor(argv, program, (path) => existsSync(path));
    command = line.command;
    await program.parseAsync(line.args, { from: 'user' });
    process.exitCode = result.exitCode;
    stdout.commandEnded();
    // A signal ends the process: nothing a hostile peer holds open (a proxy's unanswered CONNECT) may keep it alive.
    if (result.exitCode === ExitCode.sigint || result.exitCode === ExitCode.sigterm) await exitOnceWritten(result.exitCode);
  } catch (error) {
    if (error instanceof CommanderError) {
      // --help and --version end with exit 0; every other commander error is a usage error (exit 2).
      if (error.exitCode === 0) {
        process.exitCode = ExitCode.ok;
        return;
      }
      process.exitCode = reportCrash(usageErrorFor(error, program, command));
      return;
    }
    process.exitCode = reportCrash(error);
  }
}

/** Exits once stdout and stderr have taken everything written to them. */
async function exitOnceWritten(code: number): Promise<never> {
  await Promise.all([process.stdout, process.stderr].map((stream) => new Promise<void>((resolve) => stream.write('', () => resolve()))));
  process.exit(code);
}

/** The commands and long options of the program, for completion scripts. */
function completionSpecOf(program: Command): CompletionSpec {
  const longs = (command: Command): string[] =>
    [...command.options.map((o) => o.long).filter((l): l is string => Boolean(l)), '--help'];
  const choicesOf = (command: Command): readonly string[] | undefined => command.registeredArguments[0]?.argChoices;
  return {
    program: 'wa-upload',
    rootOptions: longs(program),
    commands: program.commands.map((c) => {
      const argumentValues = choicesOf(c);
      return { name: c.name(), description: c.description(), options: longs(c), ...(argumentValues ? { argumentValues } : {}) };
    }),
    optionValues: { '--type': acceptedMimeTypes() },
  };
}

/** The error a stdout write failure is reported as: exit 141 for a closed reader (like SIGPIPE), else exit 3. */
export function stdoutFailureError(error: NodeJS.ErrnoException): WaUploadError {
  if (error.code === 'EPIPE' || error.code === 'ERR_STREAM_DESTROYED') {
    return new WaUploadError('config', 'stdout was closed by its reader', {
      exitCode: ExitCode.stdoutClosed,
      hint: 'uploads stop when what reads the output (head, a closed pipe) goes away: nothing more is sent that nobody sees',
    });
  }
  const why = error.code === 'ENOSPC' ? 'no space left on the device' : `${error.code ?? 'write error'}: ${error.message.split('\n')[0]}`;
  return new WaUploadError('config', `cannot write to stdout: ${why}`, {
    hint: 'uploads stop when stdout fails: free space or send the output elsewhere, then run again',
  });
}

const stdoutFailureHandlers = new Set<(failure: WaUploadError) => void>();
let commandWatchedStdout = false;

/** Listens for stdout's first write failure and hands it to the running command, or reports it when none can. */
function watchStdout(): { commandEnded: () => void } {
  let failure: WaUploadError | undefined;
  let reported = false;
  const reportOnce = (): void => {
    if (reported || !failure) return;
    reported = true;
    process.exitCode = reportCrash(failure);
  };
  process.stdout.on('error', (error: NodeJS.ErrnoException) => {
    if (failure) return;
    failure = stdoutFailureError(error);
    if (stdoutFailureHandlers.size > 0) {
      // The command stops and reports it (commandEnded() catches one that finished as if all was well).
      for (const handler of stdoutFailureHandlers) handler(failure);
      return;
    }
    // No command ran (`wa-upload --help | head`): a reader that stopped early is no error.
    if (!commandWatchedStdout && error.code === 'EPIPE') process.exit(process.exitCode ?? ExitCode.ok);
    reportOnce();
  });
  return {
    commandEnded: () => {
      if (!failure || process.exitCode !== ExitCode.ok) return;
      reportOnce();
      process.exitCode = failure.exitCode;
    },
  };
}

function processContext(): ProcessContext {
  return {
    onStdoutFailure: (handler) => {
      commandWatchedStdout = true;
      stdoutFailureHandlers.add(handler);
      return () => stdoutFailureHandlers.delete(handler);
    },
    env: process.env,
    cwd: process.cwd(),
    // A getter: process.stdin builds its stream (a socket for a pipe) when first read, and most runs never read it.
    get stdin() {
      return process.stdin;
    },
    stdout: process.stdout,
    stderr: process.stderr,
    onSignal: (handler) => {
      let count = 0;
      const listener = (signal: NodeJS.Signals): void => {
        count += 1;
        // A second Ctrl-C means "now": leave at once with the signal's code.
        if (count > 1) process.exit(signal === 'SIGTERM' ? ExitCode.sigterm : ExitCode.sigint);
        handler(signal === 'SIGTERM' ? 'SIGTERM' : 'SIGINT');
      };
      process.on('SIGINT', listener);
      process.on('SIGTERM', listener);
      return () => {
        process.off('SIGINT', listener);
        process.off('SIGTERM', listener);
      };
    },
    removeOnExit,
  };
}

/** Temp files and folders in use (stdin spools, download .part files): removed if the process exits before their owners do. */
const inUseTempPaths = new Set<string>();

function removeOnExit(path: string): () => void {
  // A second Ctrl-C calls process.exit(): no finally block runs after it, but 'exit' listeners do (synchronously).
  if (inUseTempPaths.size === 0 && !process.listeners('exit').includes(removeInUseTempPaths)) process.on('exit', removeInUseTempPaths);
  inUseTempPaths.add(path);
  return () => inUseTempPaths.delete(path);
}

function removeInUseTempPaths(): void {
  for (const path of inUseTempPaths) {
    try {
      rmSync(path, { recursive: true, force: true });
    } catch {
      // Exiting: nothing more can be done about a path that cannot be removed.
    }
  }
}

/** The oldest Node wa-upload supports: package.json's engines (>=20.19.0); test/node-runtime.test.ts keeps the two equal. */
export const OLDEST_SUPPORTED_NODE = '20.19.0';

/** A warning line when `version` (process.versions.node) is older than OLDEST_SUPPORTED_NODE, else undefined. */
export function unsupportedNodeWarning(version: string): string | undefined {
  const have = version.split('.').map(Number);
  const need = OLDEST_SUPPORTED_NODE.split('.').map(Number);
  for (let i = 0; i < need.length; i++) {
    if ((have[i] ?? 0) !== need[i]) {
      if ((have[i] ?? 0) > need[i]!) return undefined;
      return `warning: Node ${version} is older than wa-upload supports (${OLDEST_SUPPORTED_NODE} or later; 22, 24 and 26 are tested): things may fail\n`;
    }
  }
  return undefined;
}

/** What a crash prints: one redacted line naming the bug (and a hint), nothing of the error's properties. */
export function crashReport(error: unknown): { text: string; exitCode: number } {
  if (error instanceof WaUploadError) {
    return {
      text: `error: ${redactSecrets(error.message)}\n${error.hint ? `hint: ${redactSecrets(error.hint)}\n` : ''}`,
      exitCode: error.exitCode,
    };
  }
  const message = error instanceof Error ? error.message : String(error);
  return {
    text: `error: internal error: ${redactSecrets(message.split('\n')[0] ?? '')}\nhint: this is a bug in wa-upload: please report it with --verbose output\n`,
    exitCode: ExitCode.internal,
  };
}

function reportCrash(error: unknown): number {
  const { text, exitCode } = crashReport(error);
  process.stderr.write(text);
  return exitCode;
}
