// The command line: the commander program built from the command definitions and the settings schema, and the process boundary (argv, signals, stdout, exit codes).

import { existsSync, rmSync } from 'node:fs';
import { Argument, Command, CommanderError, InvalidArgumentError, Option } from 'commander';
import { firstOperandIndex, nearMissOf, placeOptionsAfterCommand } from './command-line.js';
import type { CompletionOption, CompletionSpec } from './commands/completion.js';
import type { Flags, ProcessContext } from './commands/context.js';
import type { CommandDefinition, ProgramInfo } from './commands/definition.js';
import { COMMANDS } from './commands/definitions.js';
import { ExitCode, UsageError, WaUploadError, redactSecrets } from './errors.js';
import { acceptedMimeTypes, mediaTypeForMime } from './media/media-types.js';
import {
  CONFIG_KEYS,
  OTHER_ENVIRONMENT,
  environmentOf,
  longFlagOf,
  optionsOf,
  rangeProblem,
  recordOfFlag,
  shortFlagOf,
  type CommandName,
  type OptionGroup,
  type SettingRecord,
  type ValueRule,
} from './settings/schema.js';
import { VERSION } from './version.js';

/** The exit codes, as `--help` and the docs list them. */
export const EXIT_CODES: readonly { code: string; meaning: string }[] = [
  { code: '0', meaning: 'every file uploaded (every ID done)' },
  { code: '1', meaning: 'internal error (a bug)' },
  { code: '2', meaning: 'usage error' },
  { code: '3', meaning: 'configuration error' },
  { code: '4', meaning: 'input file refused (missing, empty, type, size)' },
  { code: '5', meaning: 'the API refused the request, or answered something wrong' },
  { code: '6', meaning: 'token invalid, expired or lacking permission' },
  { code: '7', meaning: 'temporary failure after retries: retry later' },
  { code: '130 / 143', meaning: 'interrupted (Ctrl-C / SIGTERM)' },
  { code: '141', meaning: 'stdout\'s reader went away (nothing more uploaded)' },
];

/** The root's `--help` footer: the environment and config keys from the schema, then the exit codes. */
function rootHelpFooter(): string {
  const rows = [
    ...environmentOf().map(({ names, record }) => [names.join(', '), record.doc.replace(/ \(.*\)$/, '')]),
    ...OTHER_ENVIRONMENT.map((variable) => [variable.names.join(', '), variable.doc]),
  ];
  const width = Math.max(...rows.map(([names]) => names!.length)) + 3;
  return `
Environment (first found wins; a flag beats the environment, which beats the config file):
${rows.map(([names, doc]) => `  ${names!.padEnd(width)}${doc}`).join('\n')}

Config file: .waupload.json (or .wauploadrc*, "waupload" in package.json, ~/.config/waupload/config.json),
searched from the working folder up to the home folder (outside it: up to the project root; never a file
another user owns or can write). Keys ${CONFIG_KEYS.join(', ')}.

Exit codes:
${EXIT_CODES.map(({ code, meaning }) => `  ${code}  ${meaning}`).join('\n')}
`;
}

/** The heading each option group is listed under in `--help`. */
const GROUP_HEADINGS: Record<OptionGroup, string> = {
  upload: 'Upload options:',
  command: 'Options:',
  connection: 'Connection options:',
  output: 'Output options:',
};

/** A connection or output option that the root command takes too: a subcommand's help names it without repeating its text. */
function isInherited(record: SettingRecord): boolean {
  return (record.group === 'connection' || record.group === 'output') && optionsOf('upload').some((r) => r.key === record.key);
}

/** The `Inherited flags` section of a subcommand's help: the shared options by name, in their groups, wrapped to 80 columns. */
export function inheritedFlagsText(records: readonly SettingRecord[]): string {
  const lines = ['', 'Inherited flags (described in wa-upload --help):'];
  for (const group of ['connection', 'output'] as const) {
    const names = records.filter((r) => r.group === group).map((r) => (shortFlagOf(r) ? `${shortFlagOf(r)}/${longFlagOf(r)}` : longFlagOf(r)!));
    let line = `  ${group.padEnd(12)}`;
    names.forEach((name, i) => {
      const word = `${name}${i < names.length - 1 ? ',' : ''}`;
      if (line.trim().length > group.length && line.length + 1 + word.length > 80) {
        lines.push(line);
        line = ' '.repeat(14);
      }
      line += line.endsWith(' ') ? word : ` ${word}`;
    });
    if (names.length > 0) lines.push(line);
  }
  return lines.join('\n');
}

/** The flag parser of a value rule: the same limits as the config merge, in words for a usage error. */
function flagParser(rule: ValueRule): ((value: string) => unknown) | undefined {
  switch (rule.type) {
    case 'integer':
    case 'seconds':
      return (value) => {
        // Whole numbers are digits only; seconds take any finite number. The range is the schema's (rangeProblem), the
        // same the config merge checks, in a flag's words.
        const n = rule.type === 'integer' && !/^\d+$/.test(value.trim()) ? Number.NaN : value.trim() === '' ? Number.NaN : Number(value);
        const problem = rangeProblem(rule, n);
        if (problem) throw new InvalidArgumentError(problem.startsWith('must be ') ? `expected ${problem.slice('must be '.length)}` : problem.replace(/^is more than/, 'at most'));
        return n;
      };
    case 'mime':
      return (value) => {
        const type = mediaTypeForMime(value);
        if (!type) throw new InvalidArgumentError(`WhatsApp does not accept ${value}; accepted: ${acceptedMimeTypes().join(', ')}`);
        return type;
      };
    case 'id':
      return (value) => value.trim();
    case 'string':
    case 'boolean':
      return undefined;
  }
}

/** commander's option for a schema record. */
function optionFor(record: SettingRecord, grouped: boolean): Option {
  const option = new Option(record.flag!, record.doc);
  const parse = flagParser(record.value);
  if (parse) option.argParser(parse);
  if (grouped) option.helpGroup(GROUP_HEADINGS[record.group]);
  return option;
}

/** commander's attribute for a record's flag (`--no-config` → config, `--max-retry-wait` → maxRetryWait). */
function attributeOf(record: SettingRecord): string {
  return longFlagOf(record)!.replace(/^--(no-)?/, '').replace(/-(\w)/g, (_, c: string) => c.toUpperCase());
}

/**
 * The parsed options as the schema names them: a negating flag whose key is not its attribute (`--no-config` →
 * noConfig) is true when given; `--config`'s false (from --no-config) is no path.
 */
export function flagsFromOptions(command: CommandName, options: Record<string, unknown>): Flags {
  const flags: Record<string, unknown> = {};
  for (const record of optionsOf(command)) {
    const attribute = attributeOf(record);
    const raw = options[attribute];
    const negating = longFlagOf(record)!.startsWith('--no-');
    if (negating && record.key !== attribute) flags[record.key] = raw === false ? true : undefined;
    else if (!negating && raw === false) flags[record.key] = undefined;
    else flags[record.key] = raw;
  }
  return flags as Flags;
}

/** Help and version, on every command: `wa-upload info --help` and `wa-upload delete --version` work like the root's. */
function addStandardOptions(command: Command): Command {
  return command.version(VERSION, '-V, --version', 'print the version').helpOption('-h, --help', 'show this help');
}

/** Builds the commander program from the command definitions; each action runs its command and records the exit code. */
export function buildProgram(
  context: ProcessContext,
  definitions: readonly CommandDefinition[] = COMMANDS,
): { program: Command; result: { exitCode: number } } {
  const result: { exitCode: number } = { exitCode: ExitCode.ok };
  const program = new Command('wa-upload');
  const info: ProgramInfo = { completionSpec: () => completionSpecOf(program) };
  for (const definition of definitions) {
    const command = definition.name === 'upload' ? program : program.command(definition.name);
    command.description(definition.summary);
    if (definition.usage) command.usage(definition.usage);
    if (definition.operand) {
      const argument = new Argument(definition.operand.syntax, definition.operand.description);
      if (definition.operand.choices) argument.choices(definition.operand.choices);
      command.addArgument(argument);
    }
    addStandardOptions(command);
    const order: OptionGroup[] = ['upload', 'command', 'connection', 'output'];
    const options = optionsOf(definition.name).sort((a, b) => order.indexOf(a.group) - order.indexOf(b.group));
    const inherited = definition.name === 'upload' ? [] : options.filter(isInherited);
    const grouped = new Set(options.filter((o) => !inherited.includes(o)).map((o) => o.group)).size > 1;
    for (const record of options) {
      const option = optionFor(record, grouped);
      // Listed once in full in `wa-upload --help`; a subcommand's help names them in a short list instead.
      if (inherited.includes(record)) option.hideHelp();
      command.addOption(option);
    }
    if (inherited.length > 0) command.addHelpText('after', inheritedFlagsText(inherited));
    if (definition.helpAfter) command.addHelpText('after', definition.name === 'upload' ? `${rootHelpFooter()}${definition.helpAfter}` : definition.helpAfter);
    command.action(async (...args: unknown[]) => {
      const parsed = args.at(-1) as Command;
      const operand = definition.operand ? args[0] : [];
      const operands = Array.isArray(operand) ? (operand as string[]) : [operand as string];
      result.exitCode = await definition.run(operands, flagsFromOptions(definition.name, parsed.opts()), context, info);
    });
  }
  program
    // Each command parses its own options; runProgram first moves options typed before a command after it.
    .enablePositionalOptions()
    // Errors are reported by runProgram in wa-upload's own form (error: … / hint: …), not by commander.
    .exitOverride()
    .configureOutput({ writeOut: (text) => context.stdout.write(text), writeErr: (text) => context.stderr.write(text), outputError: () => undefined });
  for (const command of program.commands) command.exitOverride().configureOutput(program.configureOutput());
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
export function usageErrorFor(error: CommanderError, command: string | undefined): UsageError {
  const where = command ? `wa-upload ${command}` : 'wa-upload';
  const helpHint = `run ${where} --help`;
  const text = error.message.replace(/^error: /, '');
  switch (error.code) {
    case 'commander.unknownOption': {
      const flag = /unknown option '([^']+)'/.exec(text)?.[1] ?? text;
      const name = flag.split('=')[0]!;
      const suggestion = /\(Did you mean (\S+)\?\)/.exec(text)?.[1];
      // Who takes it comes from the schema, the same way for every command.
      const owners = recordOfFlag(name)?.commands ?? [];
      const missing = MISSING_FLAG_HINTS[name];
      const subject = command ? `${command} does not take ${name}` : `unknown option ${name}`;
      if (missing) return new UsageError(command ? subject : `there is no option ${name}`, missing);
      if (owners.length > 0) {
        const names = owners.map((c) => (c === 'upload' ? 'uploads (wa-upload [options] <file...>)' : `wa-upload ${c}`));
        return new UsageError(subject, `${name} belongs to ${names.join(' and ')}; ${helpHint}`);
      }
      if (suggestion) return new UsageError(subject, `did you mean ${suggestion}? (${helpHint})`);
      return new UsageError(subject, helpHint);
    }
    case 'commander.invalidArgument': {
      const option = /^option '([^']+)' argument '([^']*)' is invalid\. (.*)$/s.exec(text);
      if (option) return new UsageError(`${option[2]} is not a valid value for ${longFlagOfText(option[1]!)}: ${option[3]}`, helpHint);
      const argument = /^command-argument value '([^']*)' is invalid for argument '([^']+)'\. (.*)$/s.exec(text);
      if (argument) return new UsageError(`${argument[1]} is not a valid ${argument[2]}`, argument[3]);
      return new UsageError(text, helpHint);
    }
    case 'commander.optionMissingArgument': {
      const flags = /^option '([^']+)' argument missing/.exec(text)?.[1] ?? '';
      return new UsageError(`${longFlagOfText(flags)} needs a value`, `write ${flags.replace(/^-\w, /, '')}; ${helpHint}`);
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
function longFlagOfText(flags: string): string {
  return /--[\w-]+/.exec(flags)?.[0] ?? flags;
}

/** True when the words ask for JSON output (`--json` before any `--`), so that even a usage error is a JSON object. */
function wantsJson(args: readonly string[]): boolean {
  const end = args.indexOf('--');
  return (end === -1 ? args : args.slice(0, end)).includes('--json');
}

/**
 * Runs the program with these arguments against a process context and resolves with the exit code; never exits the
 * process and never touches process globals, so tests run it in-process over buffers. Usage errors of any kind are
 * reported here: `error:`/`hint:` on stderr and, under --json, one object with `kind: "usage"` on stdout.
 */
export async function runProgram(argv: readonly string[], context: ProcessContext): Promise<number> {
  const { program, result } = buildProgram(context);
  let command: string | undefined;
  const report = (error: unknown): number => {
    const { text, exitCode } = crashReport(error);
    if (error instanceof UsageError && wantsJson(argv)) {
      context.stdout.write(`${JSON.stringify({ error: { kind: 'usage', message: redactSecrets(error.message), exitCode, ...(error.hint ? { hint: redactSecrets(error.hint) } : {}) } })}\n`);
    }
    context.stderr.write(text);
    return exitCode;
  };
  try {
    const line = commandLineFor(argv, program, (path) => existsSync(path));
    command = line.command;
    await program.parseAsync(line.args, { from: 'user' });
    return result.exitCode;
  } catch (error) {
    if (error instanceof CommanderError) {
      // --help and --version end with exit 0; every other commander error is a usage error (exit 2).
      if (error.exitCode === 0) return ExitCode.ok;
      return report(usageErrorFor(error, command));
    }
    return report(error);
  }
}

/** Runs the CLI with these arguments as a process; sets process.exitCode (process.exit only after a signal, once output is written). */
export async function main(argv: string[]): Promise<void> {
  // stdout failing (a reader that went away, a full disk) stops the running command, which reports it; with no command
  // running (`wa-upload --help | head`) a closed reader is no error, and any other failure is reported here.
  const stdout = watchStdout();
  // Node's own report of an uncaught error prints the error's properties: got's carry the request headers, token included.
  const crash = (error: unknown): void => {
    const { text, exitCode } = crashReport(error);
    process.stderr.write(text);
    process.exitCode = exitCode;
    process.exit();
  };
  process.on('uncaughtException', crash);
  process.on('unhandledRejection', crash);
  const exitCode = await runProgram(argv, processContext(stdout));
  process.exitCode = exitCode;
  stdout.commandEnded();
  // A signal ends the process: nothing a hostile peer holds open (a proxy's unanswered CONNECT) may keep it alive.
  if (exitCode === ExitCode.sigint || exitCode === ExitCode.sigterm) await exitOnceWritten(exitCode);
}

/** Exits once stdout and stderr have taken everything written to them. */
async function exitOnceWritten(code: number): Promise<never> {
  await Promise.all([process.stdout, process.stderr].map((stream) => new Promise<void>((resolve) => stream.write('', () => resolve()))));
  process.exit(code);
}

/** Help and version, which every command takes (addStandardOptions). */
const STANDARD_OPTIONS: CompletionOption[] = [
  { long: '--help', short: '-h', description: 'show this help', value: 'none' },
  { long: '--version', short: '-V', description: 'print the version', value: 'none' },
];

/** The commands (and `help`) and the options of the program, for completion scripts: from the schema records. */
function completionSpecOf(program: Command): CompletionSpec {
  const optionsFor = (name: CommandName): CompletionOption[] =>
    optionsOf(name).map((record): CompletionOption => ({
      long: longFlagOf(record)!,
      short: shortFlagOf(record),
      description: record.doc,
      value:
        record.value.type === 'boolean'
          ? 'none'
          : record.value.type === 'mime'
            ? 'words'
            : /<(path|file)>/.test(record.flag!) ? 'file' : 'text',
      ...(record.value.type === 'mime' ? { values: acceptedMimeTypes() } : {}),
    })).concat(STANDARD_OPTIONS);
  const names = program.commands.map((c) => c.name());
  return {
    program: 'wa-upload',
    rootOptions: optionsFor('upload'),
    commands: [
      ...COMMANDS.filter((d) => d.name !== 'upload').map((d) => ({
        name: d.name,
        description: d.summary,
        options: optionsFor(d.name),
        argumentValues: d.operand?.choices,
        operandIsFile: d.operand?.syntax.includes('file') ?? false,
      })),
      { name: 'help', description: 'show help for wa-upload or one of its commands', options: [], argumentValues: names, operandIsFile: false },
    ],
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

/** Listens for stdout's first write failure and hands it to the running command, or reports it when none can. */
function watchStdout(): { commandEnded: () => void; handlers: Set<(failure: WaUploadError) => void>; watched: () => void } {
  const handlers = new Set<(failure: WaUploadError) => void>();
  let commandWatched = false;
  let failure: WaUploadError | undefined;
  let reported = false;
  const reportOnce = (): void => {
    if (reported || !failure) return;
    reported = true;
    const { text, exitCode } = crashReport(failure);
    process.stderr.write(text);
    process.exitCode = exitCode;
  };
  process.stdout.on('error', (error: NodeJS.ErrnoException) => {
    if (failure) return;
    failure = stdoutFailureError(error);
    if (handlers.size > 0) {
      // The command stops and reports it (commandEnded() catches one that finished as if all was well).
      for (const handler of handlers) handler(failure);
      return;
    }
    // No command ran (`wa-upload --help | head`): a reader that stopped early is no error.
    if (!commandWatched && error.code === 'EPIPE') process.exit(process.exitCode ?? ExitCode.ok);
    reportOnce();
  });
  return {
    handlers,
    watched: () => {
      commandWatched = true;
    },
    commandEnded: () => {
      if (!failure || process.exitCode !== ExitCode.ok) return;
      reportOnce();
      process.exitCode = failure.exitCode;
    },
  };
}

/** The real process as a ProcessContext. */
function processContext(stdout: ReturnType<typeof watchStdout>): ProcessContext {
  return {
    onStdoutFailure: (handler) => {
      stdout.watched();
      stdout.handlers.add(handler);
      return () => stdout.handlers.delete(handler);
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
