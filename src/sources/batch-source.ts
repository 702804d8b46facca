// A URL operand as a batch item: fetched once inside the pool (or found unchanged with --reuse), its spool removed once it settles.

import { InputError } from '../errors.js';
import { foreignByExtension, foreignExtensionForMime } from '../fix/recipe.js';
import { acceptedMimeTypes, formatBytes, type MediaType } from '../media/media-types.js';
import type { BatchItem, BatchSource, SourceInfo } from '../upload/batch.js';
import { USER_AGENT } from '../version.js';
import { fetchSource, type FetchedSource, type SourceEvent, type SourceSettings } from './fetch-source.js';
import type { SourceMemory } from './source-memory.js';
import { sourceFilename, sourceTypeFor } from './source-name.js';
import { parseSourceUrl, redactedUrl } from './source-url.js';

/** What a command gives each URL item: how to fetch, what the flags say, where to report, and the --reuse stores. */
interface BatchSourceOptions {
  settings: SourceSettings;
  typeOverride?: MediaType | undefined;
  filename?: string | undefined;
  /** Called with each spool's cleanup, so that the command removes what is left when it ends. */
  onSpool?: (cleanup: () => Promise<void>) => void;
  report: SourceReporter;
  /** --fix or --voice: a source in a format WhatsApp does not take but --fix converts (WAV, MOV, GIF…) is kept for it. */
  fix?: boolean | undefined;
  /** --reuse: the media IDs by content, and what each URL's answer was last time. */
  reuse?: { lookupHash(sha256: string, mimeType: string): Promise<string | undefined>; memory: SourceMemory } | undefined;
}

/** The part of the reporter a source's fetch talks to. */
interface SourceReporter {
  verbose(text: string): void;
  info(text: string): void;
  updateProgress(update: { waiting?: string }): void;
  readonly verboseOn: boolean;
}

/** What a command hands over for its URL operands: the run's settings and reporter, and the --reuse stores. */
export interface UrlItemOptions {
  config: { timeoutMs: number; retries: number; retryDelayMs: number; maxRetryWaitMs: number };
  reporter: { verbose(text: string): void; info(text: string): void; updateProgress(update: { waiting?: string }): void };
  verbose: boolean;
  typeOverride: MediaType | undefined;
  filename: string | undefined;
  signal: AbortSignal;
  removeOnExit: ((path: string) => () => void) | undefined;
  onSpool: (cleanup: () => Promise<void>) => void;
  reuse: BatchSourceOptions['reuse'];
  fix: boolean;
}

/** A URL operand (already checked by the command's usage check) as a batch item named by its redacted URL. */
export function urlBatchItem(operand: string, options: UrlItemOptions): BatchItem {
  const { config, reporter } = options;
  const settings = { timeoutMs: config.timeoutMs, retries: config.retries, retryDelayMs: config.retryDelayMs, maxRetryWaitMs: config.maxRetryWaitMs, userAgent: USER_AGENT, signal: options.signal, removeOnExit: options.removeOnExit };
  const report = { verbose: (t: string) => reporter.verbose(t), info: (t: string) => reporter.info(t), updateProgress: (u: { waiting?: string }) => reporter.updateProgress(u), verboseOn: options.verbose };
  const source = batchSource(parseSourceUrl(operand), { settings, typeOverride: options.typeOverride, filename: options.filename, onSpool: options.onSpool, report, reuse: options.reuse, fix: options.fix });
  return { file: source.info.url, path: '', source };
}

/** The batch's view of one URL operand. */
function batchSource(url: URL, options: BatchSourceOptions): BatchSource {
  const shown = redactedUrl(url);
  const plannedType = options.typeOverride ?? sourceTypeFor(undefined, url);
  let fetching: ReturnType<BatchSource['fetch']> | undefined;
  let spool: FetchedSource | undefined;
  const onEvent = (event: SourceEvent): void => reportSourceEvent(shown, event, options.report);
  const request = { url, typeOverride: options.typeOverride, filename: options.filename };

  const fetched = async (answer: FetchedSource): Promise<{ path: string; filename: string; info: SourceInfo }> => {
    spool = answer;
    options.onSpool?.(answer.cleanup);
    const filename = answer.type || options.typeOverride ? answer.filename : convertibleFilename(answer.filename, answer.contentType, options.fix === true);
    if (filename === undefined) {
      await answer.cleanup();
      throw unknownTypeError(answer.contentType, answer.filename);
    }
    return { path: answer.path, filename, info: { url: shown, contentType: answer.contentType, etag: answer.etag } };
  };

  return {
    info: { url: shown },
    planned: {
      filename: sourceFilename({ given: options.filename, url, type: plannedType }),
      mimeType: plannedType?.mimeType ?? '',
      category: plannedType?.category ?? '',
    },
    fetch: () =>
      (fetching ??= (async () => {
        try {
          const known = options.reuse ? await options.reuse.memory.recall(url) : undefined;
          if (known && options.reuse) {
            const answer = await fetchSource({ ...request, conditional: { etag: known.etag, lastModified: known.lastModified } }, options.settings, onEvent);
            if (!answer.notModified) return await fetched(answer);
            const id = await options.reuse.lookupHash(known.sha256, known.mimeType);
            const info = { url: shown, contentType: known.contentType, etag: answer.etag ?? known.etag };
            if (id) {
              options.report.verbose(`${shown}: unchanged (HTTP 304): media ID ${id} remembered for its bytes, nothing fetched`);
              return { remembered: { id, sha256: known.sha256, filename: known.filename, mimeType: known.mimeType, category: known.category, bytes: known.bytes }, info };
            }
            // Unchanged, but its media ID is no longer remembered (expired, or another number): fetched whole.
          }
          return await fetched((await fetchSource(request, options.settings, onEvent)) as FetchedSource);
        } finally {
          options.report.updateProgress({ waiting: '' });
        }
      })()),
    sent: (prepared, _id, sha256) => {
      if (!options.reuse || !spool || !sha256) return;
      options.reuse.memory.remember(url, {
        etag: spool.etag,
        lastModified: spool.lastModified,
        sha256,
        mimeType: prepared.mimeType,
        category: prepared.category,
        filename: prepared.filename,
        bytes: prepared.size,
        contentType: spool.contentType,
      });
    },
    release: async () => {
      await spool?.cleanup();
    },
  };
}

/**
 * The part filename of a source whose type WhatsApp does not take, when --fix converts its format (named by the
 * filename's extension or by the Content-Type, whose extension is then added); undefined otherwise.
 */
export function convertibleFilename(filename: string, contentType: string, fix: boolean): string | undefined {
  if (!fix) return undefined;
  if (foreignByExtension(filename)) return filename;
  const extension = foreignExtensionForMime(contentType);
  return extension ? `${filename}${extension}` : undefined;
}

/** A source whose answer names no type WhatsApp takes, by header, URL or signature (exit 4): `--type` decides then, or --fix converts it. */
export function unknownTypeError(contentType: string, filename: string): InputError {
  const convertible = convertibleFilename(filename, contentType, true) !== undefined;
  return new InputError(
    `the source's type is unknown: its content-type is ${contentType ? contentType.split(';')[0]!.trim() : 'missing'}, and neither its URL nor its first bytes name a type WhatsApp takes`,
    convertible ? '--fix converts it to one WhatsApp takes (--voice for a voice note)' : `pass --type (one of ${acceptedMimeTypes().join(', ')})`,
  );
}

/** A source's events as the reporter shows them: --verbose lines, the progress line, and each wait before another try. */
function reportSourceEvent(shown: string, event: SourceEvent, report: SourceReporter): void {
  switch (event.type) {
    case 'request':
      report.verbose(`${shown}: try ${event.attempt}: GET ${event.url}${event.conditional ? ' (conditional: unchanged since last time?)' : ''} (no credentials sent)`);
      return;
    case 'response':
      report.verbose(`${shown}: try ${event.attempt}: HTTP ${event.status} in ${event.durationMs} ms`);
      return;
    case 'redirect':
      report.verbose(`${shown}: try ${event.attempt}: HTTP ${event.status} redirect to ${event.to}`);
      return;
    case 'progress':
      report.updateProgress({ waiting: `fetching ${shown}: ${formatBytes(event.received)}${event.total ? ` of ${formatBytes(event.total)}` : ''}` });
      return;
    case 'wait': {
      const text = `waiting ${(event.waitMs / 1000).toFixed(1)} s before try ${event.attempt + 1} of fetching ${shown}: ${event.description}`;
      report.updateProgress({ waiting: text });
      if (report.verboseOn) report.verbose(text);
      else report.info(text);
    }
  }
}
