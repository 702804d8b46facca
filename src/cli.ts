// The command line: the commander program, and the only place that knows argv, the process, signals and exit codes.

import { Argument, Command, CommanderError, InvalidArgumentError, Option } from 'commander';
import { COMPLETION_SHELLS, completionScript, type CompletionShell, type CompletionSpec } from './commands/completion.js';
import { ExitCode, WaUploadError, redactSecrets } from './errors.js';
import { acceptedMimeTypes, mediaTypeForMime, type MediaType } from './media/media-types.js';
import type { ConnectionFlags, DownloadFlags, ProcessContext, SandboxFlags, UploadFlags } from './commands/context.js';
import { VERSION } from './version.js';

const HELP_FOOTER = `
Environment (first found wins; a flag beats the environment, which beats the config file):
  WA_TOKEN, WHATSAPP_TOKEN, WHATSAPP_ACCESS_TOKEN, CLOUD_API_ACCESS_TOKEN   access token
  WA_PHONE_NUMBER_ID, WHATSAPP_PHONE_NUMBER_ID                             phone number ID
  WA_API_VERSION, CLOUD_API_VERSION                                        Graph API version (default v27.0, pinned)
  WA_BASE_URL                                                              API origin (default https://graph.facebook.com)
  HTTPS_PROXY, HTTP_PROXY, NO_PROXY                                        proxy for every request
  NO_COLOR, FORCE_COLOR                                                    colours on stderr

Config file: .waupload.json (or .wauploadrc*, "waupload" in package.json, ~/.config/waupload/config.json),
searched from the working folder upward; keys token, phoneNumberId, apiVersion, baseUrl, concurrency,
retries, timeout, retryDelay, maxRetryWait.

Exit codes:
  0  every file uploaded            4  input file refused (missing, empty, type, size)
  1  internal error (a bug)         5  the API refused the request
  2  usage error                    6  token invalid, expired or lacking permission
  3  configuration error            7  temporary failure after retries: retry later
  130 / 143  interrupted (Ctrl-C / SIGTERM)

Examples:
  wa-upload --sandbox photo.jpg              try it with no account (local stand-in API)
  ID=$(wa-upload photo.jpg)                  one file: stdout is just the media ID
  wa-upload --json *.pdf | jq -r .id         one JSON object per file
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
    return n;
  };
}

function parseMediaType(value: string): MediaType {
  const type = mediaTypeForMime(value);
  if (!type) throw new InvalidArgumentError(`WhatsApp does not accept ${value}; accepted: ${acceptedMimeTypes().join(', ')}`);
  return type;
}

function parsePhoneNumberId(value: string): string {
  return value.trim();
}

/** The options shared by every command that talks to the API. */
function addConnectionOptions(command: Command): Command {
  return command
    .option('--phone-number-id <id>', 'the business phone number ID (digits)', parsePhoneNumberId)
    .option('--token-file <path>', 'read the access token from a file (- reads stdin)')
    .option('--api-version <version>', 'Graph API version (default v27.0, pinned)')
    .option('--base-url <url>', 'API origin (default https://graph.facebook.com)')
    .option('-c, --config <path>', 'use this config file instead of searching')
    .option('--retries <n>', 'extra tries for temporary failures (default 3; 0 = one try)', parseWholeNumber(0, 20))
    .option('--timeout <seconds>', 'per-try limit for connecting, sending and waiting for the answer (default 60)', parseSeconds(false))
    .option('--retry-delay <seconds>', 'first backoff step, doubled each try with full jitter (default 1)', parseSeconds(true))
    .option('--max-retry-wait <seconds>', 'longest wait a server may ask for before giving up (default 300)', parseSeconds(true))
    .option('--json', 'machine output: one JSON object per line')
    .option('-q, --quiet', 'nothing on stderr but warnings and errors')
    .option('-v, --verbose', 'request and response details on stderr (token redacted)')
    .option('--no-color', 'no colours (also NO_COLOR)');
}

/** What each command runs once commander has parsed its flags; resolves with the exit code. */
export interface CommandHandlers {
  upload: (files: string[], flags: UploadFlags) => Promise<number>;
  sandbox: (flags: SandboxFlags) => Promise<number>;
  info: (mediaId: string, flags: ConnectionFlags) => Promise<number>;
  download: (mediaId: string, flags: DownloadFlags) => Promise<number>;
  delete: (mediaId: string, flags: ConnectionFlags) => Promise<number>;
  completion: (shell: CompletionShell, program: Command) => Promise<number>;
}

/** Builds the commander program; each command's action hands its parsed flags to a handler. */
export function buildProgram(handlers: CommandHandlers): { program: Command; result: { exitCode: number } } {
  const result: { exitCode: number } = { exitCode: ExitCode.ok };
  const program = new Command('wa-upload');
  program
    .description('Upload files to the WhatsApp Cloud API and print their media IDs.')
    .usage('[options] <file...>')
    .version(VERSION, '-V, --version', 'print the version')
    .helpOption('-h, --help', 'show this help')
    .argument('[files...]', 'files to upload (- reads stdin; needs --type)')
    .showHelpAfterError('(run wa-upload --help for usage)')
    // Root options belong to the upload; each subcommand parses its own (`wa-upload info --json ID`).
    .enablePositionalOptions()
    .exitOverride()
    .addHelpText('after', HELP_FOOTER);
  addConnectionOptions(program)
    .addOption(new Option('--type <mime>', 'send this MIME type instead of the detected one').argParser(parseMediaType))
    .option('--filename <name>', 'part filename for stdin uploads')
    .option('--concurrency <n>', 'uploads in flight at once (default 4)', parseWholeNumber(1, 64))
    .option('--dry-run', 'check settings and every file, print what would be sent; no network')
    .option('--strict', 'refuse files with a content warning, except advice (a type corrected within its kind, sticker size)')
    .option('--reuse', 'print the remembered media ID of a file uploaded in the last 29 days instead of uploading it again')
    .option('--sandbox', 'upload to a local stand-in of the API (no account needed)')
    .action(async (files: string[], flags: UploadFlags) => {
      result.exitCode = await handlers.upload(files, flags);
    });

  program
    .command('sandbox')
    .description('run the local stand-in of the media API and print the settings that point wa-upload at it')
    .option('--port <n>', 'port to listen on (default: a free one)', parseWholeNumber(0, 65535))
    .option('--host <host>', 'loopback address to listen on (default 127.0.0.1)')
    .option('--delay <ms>', 'answer every request after this many milliseconds', parseWholeNumber(0, 600_000))
    .option('--token <token>', 'require this access token (default: accept any)')
    .option('--no-store', 'keep only each upload\'s hash and size, not its bytes (info works, download does not)')
    .action(async (flags: SandboxFlags) => {
      result.exitCode = await handlers.sandbox(flags);
    });

  addConnectionOptions(program.command('info').argument('<media-id>').description('show a media ID\'s URL, MIME type, sha256 and size')).action(
    async (mediaId: string, flags: ConnectionFlags) => {
      result.exitCode = await handlers.info(mediaId, flags);
    },
  );
  addConnectionOptions(
    program
      .command('download')
      .argument('<media-id>')
      .description('download a media ID\'s bytes, checked against its sha256 (no partial file is left behind)')
      .option('-o, --output <path>', 'where to write (- for stdout; default <media-id>.<ext> here)')
      .option('-f, --force', 'replace an existing file'),
  ).action(async (mediaId: string, flags: DownloadFlags) => {
    result.exitCode = await handlers.download(mediaId, flags);
  });
  addConnectionOptions(program.command('delete').argument('<media-id>').description('delete a media ID')).action(
    async (mediaId: string, flags: ConnectionFlags) => {
      result.exitCode = await handlers.delete(mediaId, flags);
    },
  );
  program
    .command('completion')
    .description('print a shell completion script (bash, zsh or fish)')
    .addArgument(new Argument('<shell>', 'the shell').choices(COMPLETION_SHELLS))
    .action(async (shell: CompletionShell) => {
      result.exitCode = await handlers.completion(shell, program);
    });
  return { program, result };
}

/** Runs the CLI with these arguments; sets process.exitCode (never process.exit, so output flushes). */
export async function main(argv: string[]): Promise<void> {
  // A reader that goes away (`wa-upload --help | head`) is not an error worth a stack trace.
  process.stdout.on('error', (error: NodeJS.ErrnoException) => {
    if (error.code === 'EPIPE') process.exit(process.exitCode ?? ExitCode.ok);
    throw error;
  });
  // Node's own report of an uncaught error prints the error's properties: got's carry the request headers, token included.
  const crash = (error: unknown): void => {
    process.exitCode = reportCrash(error);
    process.exit();
  };
  process.on('uncaughtException', crash);
  process.on('unhandledRejection', crash);
  const { program, result } = buildProgram({
    upload: async (files, flags) => (await import('./commands/index.js')).runUploadCommand(files, flags, processContext()),
    sandbox: async (flags) => (await import('./commands/index.js')).runSandboxCommand(flags, processContext()),
    info: async (mediaId, flags) => (await import('./commands/index.js')).runInfoCommand(mediaId, flags, processContext()),
    download: async (mediaId, flags) => (await import('./commands/index.js')).runDownloadCommand(mediaId, flags, processContext()),
    delete: async (mediaId, flags) => (await import('./commands/index.js')).runDeleteCommand(mediaId, flags, processContext()),
    completion: async (shell, program) => {
      process.stdout.write(completionScript(shell, completionSpecOf(program)));
      return ExitCode.ok;
    },
  });
  try {
    await program.parseAsync(argv, { from: 'user' });
    process.exitCode = result.exitCode;
  } catch (error) {
    if (error instanceof CommanderError) {
      // --help and --version end with exit 0; every other commander error is a usage error (exit 2).
      process.exitCode = error.exitCode === 0 ? ExitCode.ok : ExitCode.usage;
      return;
    }
    process.exitCode = reportCrash(error);
  }
}

/** The commands and long options of the program, for completion scripts. */
function completionSpecOf(program: Command): CompletionSpec {
  const longs = (command: Command): string[] =>
    [...command.options.map((o) => o.long).filter((l): l is string => Boolean(l)), '--help'];
  return {
    program: 'wa-upload',
    rootOptions: [...longs(program), '--version'],
    commands: program.commands.map((c) => ({ name: c.name(), description: c.description(), options: longs(c) })),
  };
}

function processContext(): ProcessContext {
  return {
    env: process.env,
    cwd: process.cwd(),
    stdin: process.stdin,
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
  };
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
