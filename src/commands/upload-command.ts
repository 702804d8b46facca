// The upload command: settings → checks → uploads → output, wired to the process through a ProcessContext; `handle` runs the same way.

import { statSync } from 'node:fs';
import { basename, extname } from 'node:path';
import { runBatch, asWaUploadError, type BatchItem, type FileOutcome, type SendFile } from '../upload/batch.js';
import type { ProcessContext, UploadFlags } from './context.js';
import { conflictingFlags, loadSettings, describeEvent, graphSettingsFor, watchServedVersion } from './command-support.js';
import { stopExitCode, withRunScope, type RunScope } from './run-scaffold.js';
import { ExitCode, InterruptedError, UsageError, WaUploadError } from '../errors.js';
import type { PartialSettings } from '../settings/config.js';
import type { GraphSettings } from '../graph/graph-client.js';
import type { PrepareOptions } from '../media/inspect.js';
import { openReuseCache } from '../upload/reuse-cache.js';
import { spoolStdin } from '../upload/stdin.js';
import type { Reporter } from '../output.js';
import { urlBatchItem, type UrlItemOptions } from '../sources/batch-source.js';
import { openSourceMemory } from '../sources/source-memory.js';
import { isUrlOperand, parseSourceUrl } from '../sources/source-url.js';
import { fixHint } from '../media/content-rules.js';

/** The phone number ID the built-in sandbox uses when none is given. */
export const SANDBOX_PHONE_NUMBER_ID = '100000000000001';

/** What sets a command that sends files apart: the upload (media IDs) or `handle` (Resumable Upload handles). */
export interface FilesCommand {
  /** The ID the settings must hold. */
  needs: 'phoneNumberId' | 'appId';
  /** What a file's result is called in JSON. */
  resultName: 'id' | 'handle';
  /** Sends one checked file (default: the media upload). */
  send?: SendFile;
  /** Types narrower than the media table, checked before anything is sent. */
  accepted?: PrepareOptions['accepted'];
  /** The settings --sandbox forces beside its token and URL. */
  sandboxSettings(flags: UploadFlags): PartialSettings;
  /** What is wrong with the command line before anything runs (exit 2), or undefined. */
  usageProblem(files: string[], flags: UploadFlags): UsageError | undefined;
}

const UPLOAD: FilesCommand = {
  needs: 'phoneNumberId',
  resultName: 'id',
  sandboxSettings: (flags) => ({ phoneNumberId: flags.phoneNumberId ?? SANDBOX_PHONE_NUMBER_ID }),
  usageProblem: (files, flags) => usageProblem(files, flags),
};

/** Runs `wa-upload [options] <file...>` and returns the exit code. */
export function runUploadCommand(files: string[], flags: UploadFlags, context: ProcessContext): Promise<number> {
  return runFilesCommand(files, flags, context, UPLOAD);
}

/** Runs a command that sends files (settings → checks → a bounded pool of sends → output) and returns the exit code. */
export function runFilesCommand(files: string[], flags: UploadFlags, context: ProcessContext, command: FilesCommand): Promise<number> {
  return withRunScope(flags, context, { multiple: files.length > 1, resultName: command.resultName }, (scope) => sendFiles(files, flags, context, command, scope));
}

async function sendFiles(files: string[], flags: UploadFlags, context: ProcessContext, command: FilesCommand, scope: RunScope): Promise<number> {
  const { reporter } = scope;
  const problem = command.usageProblem(files, flags);
  if (problem) {
    reporter.fatal(problem);
    return ExitCode.usage;
  }
  const controller = { signal: scope.signal };
  let sandbox: { url: string; close: () => Promise<void> } | undefined;
  const cleanups: (() => Promise<void>)[] = [];
  try {
    let overrides: PartialSettings = {};
    if (flags.sandbox) {
      const started = await sandboxFor(flags, command, reporter);
      sandbox = started.sandbox;
      overrides = started.overrides;
    }
    const config = await loadSettings(flags, context, reporter, overrides, command.needs, controller.signal);
    const graph: GraphSettings | undefined = flags.dryRun ? undefined : await graphSettingsFor(config, controller.signal);

    // --fix (--voice implies it): ffmpeg found and checked before any file is read or sent (exit 3 otherwise).
    const fixing = flags.fix === true || flags.voice === true;
    const fix = fixing
      ? await (await import('../fix/fix-session.js')).startFixStep({ ffmpegPath: config.ffmpegPath, ffmpegSource: config.sources.ffmpegPath, timeoutMs: config.fixTimeoutMs, voice: flags.voice === true, env: context.env, cwd: context.cwd, removeOnExit: context.removeOnExit, verbose: (line) => reporter.verbose(line) })
      : undefined;
    if (fix) cleanups.push(() => fix.close());

    // Media with a No-Storage TTL is gone after it: a remembered ID could be dead, and a TTL upload must not be remembered for 29 days.
    const ttlStopsReuse = flags.reuse === true && config.ttlMinutes !== undefined;
    if (ttlStopsReuse) reporter.warning(`--reuse is ignored with a TTL (ttlMinutes ${config.ttlMinutes} from ${config.sources.ttlMinutes ?? 'command line'}): such media is kept only that long`);
    // The sandbox's IDs die with it: its cache lives in memory only, and the user's real one is never touched.
    const reuse =
      flags.reuse && !flags.dryRun && !ttlStopsReuse ? openReuseCache(context.env, config, (w) => reporter.warning(w), { persist: !flags.sandbox }) : undefined;
    if (reuse) cleanups.unshift(() => reuse.close());
    // URL sources remember their answer's ETag / Last-Modified beside the IDs (src/sources/source-memory.ts). Not with
    // --fix: what it remembers is the ID of the bytes as sent, which a conversion changes; a fixed source is fetched
    // and found by its content and recipe instead.
    const sourceMemory = reuse && !fixing && files.some(isUrlOperand) ? openSourceMemory(context.env, (w) => reporter.warning(w), { persist: !flags.sandbox }) : undefined;
    if (sourceMemory) cleanups.unshift(() => sourceMemory.close());

    const items = await batchItems(files, flags, context, cleanups, controller.signal, { config, reporter, reuse: reuse && sourceMemory ? { lookupHash: reuse.lookupHash, memory: sourceMemory } : undefined });

    const served = watchServedVersion(config.apiVersion, reporter);
    const bytesSent = new Array<number>(items.length).fill(0);
    // On a terminal the whole batch counts from the start: each file's size now, its multipart body's length once it is
    // sent. Without a spinner nothing reads the total, and a plain upload stats nothing more.
    const bytesTotal = items.map((item) => (reporter.showsProgress ? sizeOf(item.path) : 0));
    reporter.startProgress(items.length);
    reporter.updateProgress({ bytesTotal: sum(bytesTotal) });
    const outcomes = await runBatch(
      items,
      {
        concurrency: config.concurrency,
        dryRun: Boolean(flags.dryRun),
        hash: Boolean(flags.json),
        graph,
        signal: controller.signal,
        // With stdin in the run, --type names stdin's type (it has no name to go by): the files keep their own.
        prepare: { typeOverride: files.includes('-') ? undefined : flags.type, strict: flags.strict, accepted: command.accepted },
        ...(command.send ? { send: command.send } : {}),
        fix,
      },
      {
        onWarnings: (index, warnings) => {
          for (const warning of warnings) reporter.warning(warning, items[index]!.file);
        },
        onPrepared: (index, prepared) => {
          bytesTotal[index] = Math.max(bytesTotal[index]!, prepared.size);
          reporter.updateProgress({ bytesTotal: sum(bytesTotal) });
          const hint = fix ? undefined : fixHint(prepared.findings);
          if (hint) reporter.info(`hint: ${items[index]!.file}: ${hint}`);
        },
        onConverting: (index, fraction) =>
          reporter.updateProgress({ waiting: fraction === undefined ? '' : `converting ${items[index]!.file} (${Math.floor(fraction * 100)} %)` }),
        onFixed: (index, report) => reporter.fixed(items[index]!.file, report),
        onEvent: (index, event) => {
          const item = items[index]!;
          served(event);
          if (event.type === 'progress') {
            // got counts the whole multipart body: measure against its length, not the file's.
            bytesSent[index] = event.transferred;
            if (event.total > 0) bytesTotal[index] = event.total;
            reporter.updateProgress({ bytesSent: sum(bytesSent), bytesTotal: sum(bytesTotal) });
            return;
          }
          if (event.type === 'wait') {
            const text = `waiting ${(event.waitMs / 1000).toFixed(1)} s before try ${event.attempt + 1} of ${item.file}: ${event.description}`;
            reporter.updateProgress({ waiting: text });
            if (!flags.verbose) reporter.info(text);
          } else if (event.type === 'request') {
            reporter.updateProgress({ waiting: '' });
          }
          reporter.verbose(describeEvent(item.file, event));
        },
        onSettled: () => reporter.updateProgress({ fileDone: true }),
        onOutcome: (_index, outcome) => reporter.outcome(outcome),
        ...(reuse ? { reuse: reuse.lookup, remember: reuse.remember } : {}),
      },
    );
    await reuse?.close();
    await reporter.stopProgress();
    return exitCodeFor(outcomes, scope);
  } catch (error) {
    await reporter.stopProgress();
    const wrapped = error instanceof WaUploadError ? error : asWaUploadError(error);
    reporter.fatal(wrapped);
    const stopped = scope.stopReason();
    return stopped ? stopExitCode(stopped) : wrapped.exitCode;
  } finally {
    // Signals are still ours while the temp files go (the scaffold stops listening after this): a signal now must not
    // kill the process before they are removed.
    await sandbox?.close();
    for (const cleanup of cleanups) await cleanup();
  }
}

/** `--sandbox`: the stand-in started on loopback (none under --dry-run) and the settings that point the run at it. */
async function sandboxFor(
  flags: UploadFlags,
  command: FilesCommand,
  reporter: Reporter,
): Promise<{ sandbox: { url: string; close: () => Promise<void> } | undefined; overrides: PartialSettings }> {
  // A random token: a fixed word would be redacted wherever it appears (a file named sandbox.jpg, say).
  const token = `sandbox-${process.getBuiltinModule('node:crypto').randomBytes(12).toString('hex')}`;
  if (flags.dryRun) return { sandbox: undefined, overrides: { token, baseUrl: 'http://127.0.0.1:9', ...command.sandboxSettings(flags) } };
  const { startSandbox } = await import('../sandbox/server.js');
  const sandbox = await startSandbox({ token, storeMedia: false });
  reporter.info(`sandbox: uploading to a local stand-in of the media API at ${sandbox.url} (nothing leaves this machine)`);
  return { sandbox, overrides: { token, baseUrl: sandbox.url, ...command.sandboxSettings(flags) } };
}

/**
 * The batch's items in input order: files as named, `-` spooled from stdin first (its spool removed by a cleanup),
 * URLs fetched later, inside the pool (src/sources/batch-source.ts).
 */
async function batchItems(
  files: string[],
  flags: UploadFlags,
  context: ProcessContext,
  cleanups: (() => Promise<void>)[],
  signal: AbortSignal,
  sources: Pick<UrlItemOptions, 'config' | 'reporter' | 'reuse'>,
): Promise<BatchItem[]> {
  const items: BatchItem[] = [];
  for (const file of files) {
    if (isUrlOperand(file)) {
      const typeOverride = files.includes('-') ? undefined : flags.type;
      const onSpool = (cleanup: () => Promise<void>): void => void cleanups.push(cleanup);
      items.push(urlBatchItem(file, { ...sources, verbose: Boolean(flags.verbose), fix: flags.fix === true || flags.voice === true, typeOverride, filename: flags.filename, signal, removeOnExit: context.removeOnExit, onSpool }));
      continue;
    }
    if (file !== '-') {
      items.push({ file, path: file });
      continue;
    }
    const spooled = await spoolStdin(context.stdin, flags.type, { signal, removeOnExit: context.removeOnExit });
    cleanups.push(spooled.cleanup);
    items.push({ file: '-', path: spooled.path, filename: flags.filename ?? `stdin${flags.type!.extensions[0]}`, typeOverride: flags.type });
  }
  return items;
}

/** What is wrong with the command line before anything runs (exit 2), or undefined. */
export function usageProblem(files: string[], flags: UploadFlags, example = 'wa-upload photo.jpg'): UsageError | undefined {
  const conflict = conflictingFlags(flags);
  if (conflict) return conflict;
  if (flags.sandbox && flags.baseUrl !== undefined) {
    return new UsageError('--sandbox and --base-url both say where to upload', 'drop --base-url: --sandbox uploads to a stand-in it starts itself');
  }
  if (flags.sandbox && flags.tokenFile !== undefined) {
    return new UsageError('--sandbox takes no token (--token-file)', 'drop --token-file: the sandbox makes up its own token, so the real one is never sent');
  }
  const filenameExt = flags.filename !== undefined ? extname(flags.filename).toLowerCase() : '';
  if (flags.type && filenameExt && !flags.type.extensions.includes(filenameExt)) {
    return new UsageError(
      `--filename ${flags.filename} does not fit --type ${flags.type.mimeType} (${flags.type.extensions.join(', ')})`,
      `name the part ${basename(flags.filename!, extname(flags.filename!))}${flags.type.extensions[0]}, or give the --type of what you send`,
    );
  }
  const stdinCount = files.filter((f) => f === '-').length;
  const urlCount = files.filter(isUrlOperand).length;
  // A URL of another scheme (ftp://, file://) or one that does not parse: refused before anything runs.
  for (const file of files) if (isUrlOperand(file)) {
    try {
      parseSourceUrl(file);
    } catch (error) {
      if (error instanceof UsageError) return error;
      throw error;
    }
  }
  if (files.length === 0) return new UsageError('no file given', `name one or more files: ${example} (try --sandbox to see it work)`);
  if (stdinCount > 1) return new UsageError('- (stdin) may be named only once');
  if (stdinCount > 0 && flags.tokenFile === '-') {
    return new UsageError('stdin cannot carry both the token (--token-file -) and a file (-)', 'put the token in a file or in WA_TOKEN');
  }
  if (flags.filename !== undefined && stdinCount === 0 && urlCount === 0) {
    return new UsageError('--filename names the part of a stdin upload (-) or a URL source', 'a file on disk is sent under its own name: rename it instead');
  }
  return undefined;
}

/** The first failed file's exit code in input order; the stop's code (a signal, stdout failing) when stopped. */
function exitCodeFor(outcomes: FileOutcome[], scope: RunScope): number {
  const stopped = scope.stopReason();
  if (stopped) {
    const finished = outcomes.filter((o) => o.ok).length;
    const interrupted = outcomes.filter((o) => !o.ok && o.error.kind === 'interrupted');
    const sentUnconfirmed = (o: FileOutcome): boolean => !o.ok && o.error instanceof InterruptedError && o.error.sentUnconfirmed;
    const unconfirmed = interrupted.filter(sentUnconfirmed).map((o) => o.file);
    const notSent = interrupted.filter((o) => !sentUnconfirmed(o)).map((o) => o.file);
    const cause = stopped.kind === 'stdout' ? stopped.error.message : `interrupted by ${stopped.signal}`;
    const hint = stopped.kind === 'stdout' ? stopped.error.hint : undefined;
    scope.reporter.fatal(
      new WaUploadError(
        stopped.kind === 'stdout' ? stopped.error.kind : 'interrupted',
        `${cause}: ${finished} of ${outcomes.length} file(s) finished` +
          `${unconfirmed.length ? `; sent but not confirmed (the server may hold them): ${someOf(unconfirmed)}` : ''}` +
          `${notSent.length ? `; not sent: ${someOf(notSent)}` : ''}`,
        { exitCode: stopExitCode(stopped), ...(hint ? { hint } : {}) },
      ),
    );
    return stopExitCode(stopped);
  }
  const failed = outcomes.find((o) => !o.ok);
  return failed && !failed.ok ? failed.error.exitCode : ExitCode.ok;
}

/** The first few of a list of files, and how many more (a message stays readable with 10,000 files). */
function someOf(files: string[], shown = 5): string {
  return files.length <= shown ? files.join(', ') : `${files.slice(0, shown).join(', ')} and ${files.length - shown} more`;
}

/** A file's size for the progress total; 0 when it cannot be read (its own error comes when it is prepared). */
function sizeOf(path: string): number {
  try {
    return statSync(path).size;
  } catch {
    return 0;
  }
}

function sum(values: number[]): number {
  return values.reduce((a, b) => a + b, 0);
}
