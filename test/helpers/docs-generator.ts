// Generates docs/cli.md and the man page docs/wa-upload.1 from the program itself (buildProgram, the settings schema, the command definitions, EXIT_CODES).

import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import type { Command, Option } from 'commander';
import type { ProcessContext } from '../../src/commands/context.js';
import { REPO_ROOT } from './run-cli.js';

const PACKAGE = JSON.parse(readFileSync(join(REPO_ROOT, 'package.json'), 'utf8')) as { version: string; description: string };
// The bundle has its version written in at build time; the sources read this global instead (src/version.ts).
(globalThis as Record<string, unknown>).__WA_UPLOAD_VERSION__ ??= PACKAGE.version;

const cli = await import('../../src/cli.js');
const schema = await import('../../src/settings/schema.js');
const { COMMANDS } = await import('../../src/commands/definitions.js');
const { CONFIG_SEARCH_PLACES } = await import('../../src/settings/config-places.js');

type Record_ = import('../../src/settings/schema.js').SettingRecord;

/** A writable that throws away what it is given: the program is built, never run. */
function sink(): Writable {
  return new Writable({ write: (_chunk, _encoding, callback) => callback() });
}

/** The commander program as the bin builds it, over a minimal context (nothing is run). */
function program(): Command {
  const context: ProcessContext = { env: {}, cwd: REPO_ROOT, stdin: process.stdin, stdout: sink(), stderr: sink(), onSignal: () => () => {} };
  return cli.buildProgram(context).program;
}

/** One command of the program as the docs describe it. */
export interface CommandDoc {
  /** `upload` for the root. */
  name: string;
  /** How it is typed: `wa-upload` or `wa-upload info`. */
  invocation: string;
  usage: string;
  summary: string;
  arguments: { term: string; description: string }[];
  options: { flags: string; description: string; group: string; record: Record_ | undefined }[];
  /** The connection and output flags it shares with uploads, listed in full only there (`--token-file`, `--json`, …). */
  inherited: string[];
  /** The definition's text after the options (examples), as written. */
  after: string;
}

/** Every command of the program, the root (uploads) first, then in --help's order. */
export function commandDocs(): CommandDoc[] {
  const root = program();
  const help = root.createHelp();
  const docOf = (command: Command, name: string): CommandDoc => {
    const definition = COMMANDS.find((d) => d.name === name);
    const invocation = name === 'upload' ? 'wa-upload' : `wa-upload ${name}`;
    return {
      name,
      invocation,
      usage: help.commandUsage(command).replace(/\n\s*/g, '\n'),
      summary: command.description(),
      arguments: help.visibleArguments(command).map((a) => ({ term: help.argumentTerm(a), description: a.description })),
      options: help.visibleOptions(command).map((o: Option) => ({
        flags: o.flags,
        description: o.description,
        group: (o as Option & { helpGroupHeading?: string }).helpGroupHeading ?? 'Options:',
        record: o.long ? schema.recordOfFlag(o.long) : undefined,
      })),
      inherited: command.options.filter((o) => o.hidden && o.long).map((o) => o.long!),
      after: (definition?.helpAfter ?? '').replace(/^\n+|\n+$/g, ''),
    };
  };
  return [docOf(root, 'upload'), ...root.commands.map((c) => docOf(c, c.name()))];
}

/** Every long flag any command of the program takes (`--json`, `--no-config`, `--version`, …). */
export function programFlags(): Set<string> {
  const root = program();
  const flags = new Set<string>();
  for (const command of [root, ...root.commands]) {
    for (const option of command.options) if (option.long) flags.add(option.long);
    const helpOption = root.createHelp().visibleOptions(command);
    for (const option of helpOption) if (option.long) flags.add(option.long);
  }
  return flags;
}

/** Every environment variable the program reads: the schema's settings and the others. */
export function environmentVariables(): { names: readonly string[]; doc: string; key?: string }[] {
  return [
    ...schema.environmentOf().map(({ names, record }) => ({ names, doc: record.doc, key: record.key })),
    ...schema.OTHER_ENVIRONMENT.map((v) => ({ names: v.names, doc: v.doc })),
  ];
}

/** The exit codes one by one (`130 / 143` is two). */
export function exitCodes(): string[] {
  return cli.EXIT_CODES.flatMap((e) => e.code.split('/').map((c) => c.trim()));
}

/** Files the program reads or writes, for both documents. */
const FILES: { path: string; doc: string }[] = [
  { path: CONFIG_SEARCH_PLACES.join(', '), doc: 'config file names, looked for in this order in the working folder and each folder above it, up to the home folder (outside the home folder: up to the project root, the first folder with .git or package.json); package.json counts only with a "waupload" key' },
  { path: '$XDG_CONFIG_HOME/waupload/config.json', doc: 'the user config file, read when no searched file is found (default ~/.config/waupload/config.json)' },
  { path: '$XDG_CACHE_HOME/wa-upload/media-ids.json', doc: 'the --reuse cache of media IDs (default ~/.cache/wa-upload/)' },
  { path: '$XDG_CACHE_HOME/wa-upload/code-cache/', doc: 'V8 code cache of the CLI itself (WA_UPLOAD_NO_CACHE turns it off)' },
];

const GENERATED = 'Generated by `npm run docs` from the program (src/commands/, src/settings/schema.ts, src/cli.ts): do not edit by hand.';

/** A Markdown table cell: pipes escaped, one line. */
function cell(text: string): string {
  return text.replace(/\|/g, '\\|').replace(/\n/g, ' ');
}

function defaultOf(record: Record_ | undefined): string {
  return record?.default === undefined ? '' : `\`${String(record.default)}\``;
}

/** docs/cli.md: every command, its operands and options (with their environment names, config keys and defaults). */
export function cliMarkdown(): string {
  const commands = commandDocs();
  const out: string[] = [`<!-- ${GENERATED} -->`, '', '# Command-line reference', ''];
  out.push(`wa-upload ${PACKAGE.version}: ${PACKAGE.description}.`, '');
  out.push('A flag beats the environment, which beats the config file, which beats the default. Options may be typed before or');
  out.push('after the command (`wa-upload --json info ID` is `wa-upload info --json ID`); an option a command does not take is');
  out.push('refused with exit 2, naming it. See [configuration.md](configuration.md) for the config file.', '');
  out.push('## Commands', '', '| command | what it does |', '|---|---|');
  for (const c of commands) out.push(`| [\`${c.invocation}\`](#${anchor(c.invocation)}) | ${cell(c.summary)} |`);
  out.push('');
  for (const c of commands) {
    out.push(`## ${c.invocation}`, '', c.summary, '', '```', c.usage, '```', '');
    if (c.arguments.length > 0) {
      out.push('| argument | meaning |', '|---|---|');
      for (const a of c.arguments) out.push(`| \`${a.term}\` | ${cell(a.description)} |`);
      out.push('');
    }
    const groups = [...new Set(c.options.map((o) => o.group))];
    for (const group of groups) {
      out.push(`**${group.replace(/:$/, '')}**`, '', '| option | meaning | environment | config key | default |', '|---|---|---|---|---|');
      for (const o of c.options.filter((x) => x.group === group)) {
        const env = o.record?.env?.map((n) => `\`${n}\``).join(', ') ?? '';
        const key = o.record?.config ? `\`${o.record.key}\`` : '';
        out.push(`| \`${o.flags}\` | ${cell(o.description)} | ${env} | ${key} | ${defaultOf(o.record)} |`);
      }
      out.push('');
    }
    if (c.inherited.length > 0) out.push(`**Inherited flags** (as for [uploads](#wa-upload)): ${c.inherited.map((f) => `\`${f}\``).join(', ')}`, '');
    if (c.after) out.push('```', c.after, '```', '');
  }
  out.push('## Environment', '', 'First found wins within one setting; a flag beats the environment.', '', '| variables | meaning |', '|---|---|');
  for (const v of environmentVariables()) out.push(`| ${v.names.map((n) => `\`${n}\``).join(', ')} | ${cell(v.doc)} |`);
  out.push('');
  out.push('## Config keys', '', '| key | meaning | default |', '|---|---|---|');
  for (const record of schema.CONFIG_SETTINGS) out.push(`| \`${record.key}\` | ${cell(record.doc)} | ${defaultOf(record)} |`);
  out.push('');
  out.push('## Files', '', '| path | what |', '|---|---|');
  for (const f of FILES) out.push(`| ${f.path.split(', ').map((p) => `\`${p}\``).join(', ')} | ${cell(f.doc)} |`);
  out.push('');
  out.push('## Exit codes', '', '| code | meaning |', '|---|---|');
  for (const e of cli.EXIT_CODES) out.push(`| ${e.code} | ${cell(e.meaning)} |`);
  out.push('');
  return out.join('\n');
}

/** GitHub's anchor of a heading. */
function anchor(heading: string): string {
  return heading.toLowerCase().replace(/[^\w\s-]/g, '').replace(/\s/g, '-');
}

/** Text for roff: backslashes and hyphens escaped, no line starting with a control character. */
function roff(text: string): string {
  return text
    .replace(/\\/g, '\\e')
    .replace(/-/g, '\\-')
    .split('\n')
    .map((line) => (/^[.']/.test(line) ? `\\&${line}` : line))
    .join('\n');
}

/** Bold option flags in roff: `-c, --config <path>` → \fB\-c\fR, \fB\-\-config\fR \fI<path>\fR. */
function roffFlags(flags: string): string {
  return flags
    .split(/(\s+|,)/)
    .map((part) => (part.startsWith('-') ? `\\fB${roff(part)}\\fR` : /^[<[]/.test(part) ? `\\fI${roff(part)}\\fR` : roff(part)))
    .join('');
}

/** docs/wa-upload.1: the man page (commands, options, environment, files, exit codes, examples). */
export function manPage(): string {
  const commands = commandDocs();
  const [root, ...others] = commands;
  const out: string[] = [`.\\" ${GENERATED}`, `.TH WA\\-UPLOAD 1 "" "wa-upload ${PACKAGE.version}" "User Commands"`];
  out.push('.SH NAME', `wa\\-upload \\- ${roff(PACKAGE.description.charAt(0).toLowerCase() + PACKAGE.description.slice(1))}`);
  out.push('.SH SYNOPSIS');
  for (const c of commands) {
    out.push('.nf', ...c.usage.split('\n').map((line) => roff(line)), '.fi');
  }
  out.push('.SH DESCRIPTION', roff(root!.summary));
  out.push('.PP', roff('stdout carries data only (one media ID and a newline for one file; <id><TAB><path> lines for several; one JSON object per line with --json); messages for people go to stderr. The access token is never printed. There is no --token flag: set WA_TOKEN or use --token-file.'));
  out.push('.PP', roff('Options may be typed before or after the command. A flag beats the environment, which beats the config file, which beats the default.'));
  const optionsSection = (c: CommandDoc, subsections: boolean): void => {
    for (const a of c.arguments) out.push('.TP', `\\fI${roff(a.term)}\\fR`, roff(a.description));
    for (const group of [...new Set(c.options.map((o) => o.group))]) {
      const heading = roff(group.replace(/:$/, ''));
      out.push(...(subsections ? [`.SS ${heading}`] : ['.PP', `\\fI${heading}\\fR`]));
      for (const o of c.options.filter((x) => x.group === group)) {
        const extra: string[] = [];
        if (o.record?.env) extra.push(`environment ${o.record.env.join(', ')}`);
        if (o.record?.config) extra.push(`config key ${o.record.key}`);
        out.push('.TP', roffFlags(o.flags), roff(o.description + (extra.length ? ` (${extra.join('; ')})` : '')));
      }
    }
  };
  out.push('.SH OPTIONS', roff('Options of uploads (the command without a name):'));
  optionsSection(root!, true);
  out.push('.SH COMMANDS');
  for (const c of others) {
    out.push(`.SS ${roff(c.usage.split('\n')[0]!)}`);
    out.push(roff(c.summary));
    if (c.options.length > 0 || c.arguments.length > 0) {
      out.push('.PP');
      optionsSection(c, false);
    }
    if (c.inherited.length > 0) out.push('.PP', `\\fIInherited flags\\fR (as for uploads, under OPTIONS): ${c.inherited.map((f) => `\\fB${roff(f)}\\fR`).join(', ')}`);
    if (c.after) out.push('.PP', '.nf', roff(c.after), '.fi');
  }
  out.push('.SH ENVIRONMENT');
  for (const v of environmentVariables()) out.push('.TP', v.names.map((n) => `\\fB${roff(n)}\\fR`).join(', '), roff(v.doc));
  out.push('.SH FILES');
  for (const f of FILES) out.push('.TP', f.path.split(', ').map((p) => `\\fI${roff(p)}\\fR`).join(', '), roff(f.doc));
  out.push('.SH EXIT STATUS');
  for (const e of cli.EXIT_CODES) out.push('.TP', `\\fB${roff(e.code)}\\fR`, roff(e.meaning));
  out.push('.SH EXAMPLES', '.nf', roff(root!.after), '.fi');
  out.push('.SH SEE ALSO', roff('curl(1), jq(1). The README and docs/ of the package: docs/cli.md, docs/configuration.md, docs/security.md.'));
  return `${out.join('\n')}\n`;
}
