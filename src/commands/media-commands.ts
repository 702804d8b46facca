// The media lifecycle commands: info, download and delete of a media ID, with the upload's settings, retries and redaction.

import { access } from 'node:fs/promises';
import { join } from 'node:path';
import { asWaUploadError } from '../upload/batch.js';
import type { ConnectionFlags, DeleteFlags, DownloadFlags, ProcessContext } from './context.js';
import { conflictingFlags, createReporterFor, describeEvent, graphSettingsFor, loadSettings } from './command-support.js';
import { downloadToFile } from '../graph/download-to-file.js';
import { ExitCode, InputError, UsageError, WaUploadError, redactSecrets } from '../errors.js';
import { deleteMedia, downloadMedia, getMediaInfo, type DownloadSink, type GraphSettings } from '../graph/graph-client.js';
import { mediaTypeForMime } from '../media/media-types.js';
import type { Reporter } from '../output.js';

/** Runs one lifecycle command with the shared settings, signal handling and error reporting; returns the exit code. */
async function runMediaCommand(
  mediaId: string,
  flags: ConnectionFlags,
  context: ProcessContext,
  body: (graph: GraphSettings, reporter: Reporter) => Promise<void>,
  reporterStdout?: NodeJS.WritableStream,
): Promise<number> {
  const reporter = createReporterFor(flags, reporterStdout ? { ...context, stdout: reporterStdout } : context, false);
  const controller = new AbortController();
  const stopListening = context.onSignal((signal) => controller.abort(signal));
  const stopWatchingStdout = context.onStdoutFailure?.((failure) => controller.abort(failure));
  try {
    const conflict = conflictingFlags(flags);
    if (conflict) throw conflict;
    if (!/^\d+$/.test(mediaId)) throw new UsageError(`media ID "${mediaId}" is not all digits`, 'pass the ID that wa-upload printed');
    const config = await loadSettings(flags, context, reporter, {}, 'phoneNumberId', controller.signal);
    const graph = await graphSettingsFor(config, controller.signal);
    await body(graph, reporter);
    return ExitCode.ok;
  } catch (error) {
    const reason: unknown = controller.signal.reason;
    // Stopped because stdout failed: that failure is the error to report, not the interruption it caused.
    const wrapped = reason instanceof WaUploadError ? reason : error instanceof WaUploadError ? error : asWaUploadError(error);
    reporter.fatal(wrapped, mediaId);
    if (controller.signal.aborted && !(reason instanceof WaUploadError)) return reason === 'SIGTERM' ? ExitCode.sigterm : ExitCode.sigint;
    return wrapped.exitCode;
  } finally {
    stopListening();
    stopWatchingStdout?.();
  }
}

/** `wa-upload info <media-id>`: URL, MIME type, sha256 and size. */
export function runInfoCommand(mediaId: string, flags: ConnectionFlags, context: ProcessContext): Promise<number> {
  return runMediaCommand(mediaId, flags, context, async (graph, reporter) => {
    const info = await getMediaInfo(mediaId, graph, (event) => reporter.verbose(describeEvent(mediaId, event)));
    // The server's text is redacted like any message; the ID and size are data.
    const mimeType = redactSecrets(info.mimeType);
    const url = redactSecrets(info.url);
    reporter.data(
      [`id         ${info.id}`, `mime type  ${mimeType}`, `bytes      ${info.bytes}`, `sha256     ${info.sha256}`, `url        ${url}`].join('\n'),
      { id: info.id, mimeType, bytes: info.bytes, sha256: info.sha256, url },
    );
  });
}

/** `wa-upload delete <media-id>`; with --dry-run the settings are checked and nothing is sent. */
export function runDeleteCommand(mediaId: string, flags: DeleteFlags, context: ProcessContext): Promise<number> {
  return runMediaCommand(mediaId, flags, context, async (graph, reporter) => {
    if (flags.dryRun) {
      reporter.notice(`would delete ${mediaId}`, { id: mediaId, dryRun: true });
      return;
    }
    await deleteMedia(mediaId, graph, (event) => reporter.verbose(describeEvent(mediaId, event)));
    reporter.notice(`deleted ${mediaId}`, { id: mediaId, deleted: true });
  });
}

/**
 * `wa-upload download <media-id> [-o PATH|-]`: streams to a temp file beside the target and renames it only once the
 * sha256 matches, so no partial file is ever left; `-o -` streams to stdout (then nothing else goes there).
 */
export function runDownloadCommand(mediaId: string, flags: DownloadFlags, context: ProcessContext): Promise<number> {
  const toStdout = flags.output === '-';
  // With -o -, stdout carries the bytes: the reporter's data goes to stderr instead.
  return runMediaCommand(
    mediaId,
    flags,
    context,
    async (graph, reporter) => {
      const onEvent = (event: Parameters<typeof describeEvent>[1]): void => reporter.verbose(describeEvent(mediaId, event));
      if (toStdout) {
        const sink: DownloadSink = { open: async () => context.stdout, restartable: false };
        const result = await downloadMedia(mediaId, graph, sink, onEvent);
        reporter.info(`downloaded ${mediaId}: ${result.bytes} bytes, ${result.info.mimeType}, sha256 verified`);
        return;
      }
      let target = flags.output;
      // The name needs the MIME type when no -o is given: ask first, then stream.
      if (!target) {
        const info = await getMediaInfo(mediaId, graph, onEvent);
        target = join(context.cwd, `${mediaId}${mediaTypeForMime(info.mimeType)?.extensions[0] ?? '.bin'}`);
      }
      if (!flags.force && (await exists(target))) {
        throw new InputError(`${target} already exists`, 'pass --force to replace it, or -o another path');
      }
      const result = await downloadToFile(mediaId, graph, target, onEvent, context.removeOnExit);
      reporter.data(target, { id: mediaId, path: target, mimeType: result.info.mimeType, bytes: result.bytes, sha256: result.sha256 });
    },
    toStdout ? context.stderr : undefined,
  );
}

async function exists(path: string): Promise<boolean> {
  try {
    await access(path);
    return true;
  } catch {
    return false;
  }
}
