// The media lifecycle commands: info, download and delete of a media ID, with the upload's settings, retries and redaction.

import { join, resolve } from 'node:path';
import { asWaUploadError } from '../upload/batch.js';
import type { ConnectionFlags, DeleteFlags, DownloadFlags, ProcessContext } from './context.js';
import { conflictingFlags, describeEvent, graphSettingsFor, loadSettings, watchServedVersion } from './command-support.js';
import { withRunScope, type RunScope } from './run-scaffold.js';
import { downloadToFile } from '../graph/download-to-file.js';
import { downloadTargetProblem } from '../graph/download-target.js';
import { ExitCode, InputError, UsageError, WaUploadError, redactSecrets } from '../errors.js';
import { deleteMedia, downloadMedia, getMediaInfo, type DownloadSink, type GraphEvent, type GraphSettings } from '../graph/graph-client.js';
import { mediaTypeForMime } from '../media/media-types.js';
import { isMediaId } from '../graph/media-id.js';
import { forgetMediaId } from '../upload/reuse-cache.js';
import type { Reporter } from '../output.js';
import { fsPromises } from '../files.js';

/** What a lifecycle command's run needs besides its IDs and flags. */
interface MediaRunOptions {
  /** Where data goes (stderr when stdout carries a download's bytes). */
  reporterStdout?: NodeJS.WritableStream;
  usageProblem?: () => UsageError | undefined;
  action?: 'download' | 'request';
}

/**
 * Runs one lifecycle command for each media ID in turn with the shared settings, signal handling and error reporting:
 * every ID is tried (one unknown ID does not stop the others); returns the exit code of the first that failed.
 */
function runMediaCommand(
  mediaIds: string[],
  flags: ConnectionFlags,
  context: ProcessContext,
  body: (mediaId: string, graph: GraphSettings, reporter: Reporter, onEvent: (event: GraphEvent) => void) => Promise<void>,
  options: MediaRunOptions = {},
): Promise<number> {
  const scopeOptions = { multiple: mediaIds.length > 1, subjectName: 'id' as const, ...(options.reporterStdout ? { stdout: options.reporterStdout } : {}) };
  return withRunScope(flags, context, scopeOptions, async (scope) => {
    const { reporter } = scope;
    const failed = (error: unknown, subject?: string): number => {
      const wrapped = scope.stopReason() ? scope.stopError(options.action ?? 'request', error) : error instanceof WaUploadError ? error : asWaUploadError(error);
      reporter.fatal(wrapped, subject);
      return wrapped.exitCode;
    };
    const graph = await settingsFor(mediaIds, flags, context, scope, options).catch((error: unknown) => error as Error);
    if (graph instanceof Error) return failed(graph);
    let exitCode: number = ExitCode.ok;
    const served = watchServedVersion(graph.apiVersion, reporter);
    for (const mediaId of mediaIds) {
      const onEvent = (event: GraphEvent): void => {
        served(event);
        reporter.verbose(describeEvent(mediaId, event));
      };
      try {
        await body(mediaId, graph, reporter, onEvent);
      } catch (error) {
        const code = failed(error, mediaId);
        if (exitCode === ExitCode.ok) exitCode = code;
      }
      // A signal or a dead stdout stops the run: the IDs left are not tried.
      if (scope.stopReason()) return exitCode !== ExitCode.ok ? exitCode : failed(scope.stopError('request'));
    }
    return exitCode;
  });
}

/** The checks before any request (usage, the IDs' shape) and the Graph settings of a lifecycle command. */
async function settingsFor(mediaIds: string[], flags: ConnectionFlags, context: ProcessContext, scope: RunScope, options: MediaRunOptions): Promise<GraphSettings> {
  const problem = conflictingFlags(flags) ?? options.usageProblem?.();
  if (problem) throw problem;
  const notDigits = mediaIds.find((id) => !isMediaId(id));
  if (notDigits !== undefined) throw new UsageError(`media ID "${notDigits}" is not all digits`, 'pass the ID that wa-upload printed');
  // Only the token: a media ID from a webhook belongs to no business number, and Meta refuses phone_number_id for it.
  const config = await loadSettings(flags, context, scope.reporter, {}, 'token', scope.signal);
  return graphSettingsFor(config, scope.signal);
}

/** `wa-upload info <media-id...>`: URL, MIME type, sha256 and size of each. */
export function runInfoCommand(mediaIds: string[], flags: ConnectionFlags, context: ProcessContext): Promise<number> {
  return runMediaCommand(mediaIds, flags, context, async (mediaId, graph, reporter, onEvent) => {
    const info = await getMediaInfo(mediaId, graph, onEvent);
    // The server's text is redacted like any message; the ID and size are data.
    const mimeType = redactSecrets(info.mimeType);
    const url = redactSecrets(info.url);
    const lines = [`id         ${info.id}`, `mime type  ${mimeType}`, `bytes      ${info.bytes}`, `sha256     ${info.sha256}`, `url        ${url}`];
    // Several IDs: one block each, an empty line between.
    if (mediaIds.length > 1 && mediaId !== mediaIds[0]) lines.unshift('');
    reporter.data(lines.join('\n'), { id: info.id, mimeType, bytes: info.bytes, sha256: info.sha256, url });
  });
}

/** `wa-upload delete <media-id...>`; with --dry-run the settings are checked and nothing is sent. */
export function runDeleteCommand(mediaIds: string[], flags: DeleteFlags, context: ProcessContext): Promise<number> {
  return runMediaCommand(mediaIds, flags, context, async (mediaId, graph, reporter, onEvent) => {
    if (flags.dryRun) {
      reporter.notice(`would delete ${mediaId}`, { id: mediaId, dryRun: true });
      return;
    }
    await deleteMedia(mediaId, graph, onEvent);
    // --reuse must never hand back an ID that no longer exists.
    await forgetMediaId(context.env, mediaId, (text) => reporter.warning(text));
    reporter.notice(`deleted ${mediaId}`, { id: mediaId, deleted: true });
  });
}

/**
 * `wa-upload download <media-id...> [-o PATH|FOLDER|-]`: streams to a temp file beside the target and renames it only
 * once the sha256 matches, so no partial file is ever left; `-o -` streams to stdout (then nothing else goes there).
 * Without -o, or with -o an existing folder, each file is `<media-id>.<ext>` there.
 */
export async function runDownloadCommand(mediaIds: string[], flags: DownloadFlags, context: ProcessContext): Promise<number> {
  const output = flags.output;
  const toStdout = output === '-';
  const intoFolder = output === undefined ? context.cwd : (await isFolder(resolve(context.cwd, output))) ? resolve(context.cwd, output) : undefined;
  const usageProblem = (): UsageError | undefined => {
    if (mediaIds.length < 2 || intoFolder !== undefined) return undefined;
    return toStdout
      ? new UsageError('-o - takes one media ID', 'download the others in another run, or -o a folder')
      : new UsageError(`-o ${output} names one file, but ${mediaIds.length} media IDs were given`, '-o an existing folder: each file is <media-id>.<ext> there');
  };
  // With -o -, stdout carries the bytes: the reporter's data goes to stderr instead.
  return runMediaCommand(
    mediaIds,
    flags,
    context,
    async (mediaId, graph, reporter, onEvent) => {
      if (toStdout) {
        const sink: DownloadSink = { open: async () => context.stdout, restartable: false };
        const result = await downloadMedia(mediaId, graph, sink, onEvent);
        warnIfUnverified(result.info.sha256, reporter, mediaId);
        reporter.info(`downloaded ${mediaId}: ${result.bytes} bytes, ${redactSecrets(result.info.mimeType)}${result.info.sha256 ? ', sha256 verified' : ''}`);
        return;
      }
      let target: string;
      if (intoFolder !== undefined) {
        // The name needs the MIME type: ask first, then stream.
        const info = await getMediaInfo(mediaId, graph, onEvent);
        const name = `${mediaId}${mediaTypeForMime(info.mimeType)?.extensions[0] ?? '.bin'}`;
        target = output === undefined ? join(context.cwd, name) : join(output, name);
      } else {
        target = output!;
      }
      // The same check the API makes (graph/download-target.ts), worded for the command line.
      const problem = await downloadTargetProblem(target, context.cwd);
      if (problem?.kind === 'no-folder') throw new InputError(`folder ${problem.folder} does not exist`, 'create it first, or -o a path in an existing folder');
      if (problem && !flags.force) throw new InputError(`${target} already exists`, 'pass --force to replace it, or -o another path');
      const result = await downloadToFile(mediaId, graph, target, onEvent, context.removeOnExit);
      warnIfUnverified(result.info.sha256, reporter, mediaId);
      reporter.data(target, { id: mediaId, path: target, mimeType: result.info.mimeType, bytes: result.bytes, sha256: result.sha256 });
    },
    { ...(toStdout ? { reporterStdout: context.stderr } : {}), usageProblem, action: 'download' },
  );
}

/** The API reported no sha256: the bytes arrived whole (their length) but their content cannot be checked. */
function warnIfUnverified(sha256: string, reporter: Reporter, mediaId: string): void {
  if (!sha256) reporter.warning('the media info has no sha256: the download is not verified', mediaId);
}

async function isFolder(path: string): Promise<boolean> {
  try {
    return (await fsPromises().stat(path)).isDirectory();
  } catch {
    return false;
  }
}
