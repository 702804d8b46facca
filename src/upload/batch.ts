// Uploads many files through a bounded pool: every file is tried, outcomes come back in input order as they settle.

import { InputError, InterruptedError, signalName, WaUploadError } from '../errors.js';
import { uploadFile, type GraphEvent, type GraphSettings } from '../graph/graph-client.js';
import { prepareFile, type PrepareOptions, type PreparedFile } from '../media/inspect.js';
import type { MediaType } from '../media/media-types.js';
import { collectShortLivedGarbage } from './memory.js';

/** One file's outcome: a media ID, what a dry run would send, or the error that stopped it. */
export type FileOutcome =
  | {
      file: string;
      ok: true;
      id: string;
      filename: string;
      mimeType: string;
      category: string;
      bytes: number;
      /** Present when hashed (--json, --reuse, the API). */
      sha256?: string | undefined;
      warnings: string[];
      reused?: boolean;
      attempts?: number;
    }
  | { file: string; ok: true; dryRun: true; filename: string; mimeType: string; category: string; bytes: number; warnings: string[] }
  | { file: string; ok: false; error: WaUploadError; warnings: string[] };

/** A file to send: how the user named it, where its bytes are, and the part filename when the path says nothing (stdin). */
export interface BatchItem {
  file: string;
  path: string;
  filename?: string | undefined;
  /** This item's own type (stdin's --type), over the batch's `prepare.typeOverride`. */
  typeOverride?: MediaType | undefined;
}

/** Hooks through which the batch reports; it never prints. */
export interface BatchHooks {
  /** A file passed its checks, before it is sent. */
  onPrepared?: (index: number, prepared: PreparedFile) => void;
  /** Content warnings of a file, whether it is then sent or refused. */
  onWarnings?: (index: number, warnings: string[]) => void;
  /** Graph events of one file (requests, retries, progress). */
  onEvent?: (index: number, event: GraphEvent) => void;
  /** Outcomes, called in input order as soon as every earlier file has settled. */
  onOutcome?: (index: number, outcome: FileOutcome) => void;
  /** A file settled (in any order). */
  onSettled?: (index: number, outcome: FileOutcome) => void;
  /** Hashes a prepared file and looks up a remembered media ID for it (--reuse). */
  reuse?: (prepared: PreparedFile) => Promise<{ sha256: string; remembered: string | undefined }>;
  /** Remembers an upload (--reuse) under the hash of the bytes sent; never fails the file. */
  remember?: (prepared: PreparedFile, id: string, sha256: string) => void;
}

/** Options of one batch run. */
export interface BatchOptions {
  concurrency: number;
  dryRun: boolean;
  prepare: PrepareOptions;
  /** Compute each file's sha256 while sending it (for --json). */
  hash: boolean;
  /** Settings for the API; undefined only for dry runs. */
  graph: GraphSettings | undefined;
  signal?: AbortSignal | undefined;
  /** Sends one checked file and returns what identifies it (default: the media upload, whose result is a media ID). */
  send?: SendFile;
}

/** Sends one checked file: a media upload, or a Resumable Upload for a handle; `id` is what the output prints. */
export type SendFile = (
  file: { path: string; size: number; filename: string; mimeType: string; hash: boolean },
  graph: GraphSettings,
  onEvent: (event: GraphEvent) => void,
) => Promise<{ id: string; sha256: string | undefined; attempts: number }>;

/** Runs the whole batch; resolves with every outcome in input order (never rejects for a file's failure). */
export async function runBatch(items: readonly BatchItem[], options: BatchOptions, hooks: BatchHooks = {}): Promise<FileOutcome[]> {
  const outcomes: (FileOutcome | undefined)[] = new Array(items.length).fill(undefined);
  let nextToReport = 0;
  let nextToStart = 0;

  const settle = (index: number, outcome: FileOutcome): void => {
    outcomes[index] = outcome;
    hooks.onSettled?.(index, outcome);
    while (nextToReport < items.length && outcomes[nextToReport] !== undefined) {
      hooks.onOutcome?.(nextToReport, outcomes[nextToReport]!);
      nextToReport += 1;
    }
  };

  const worker = async (): Promise<void> => {
    while (nextToStart < items.length) {
      const index = nextToStart++;
      settle(index, await processOne(items[index]!, index, options, hooks));
      if (nextToStart < items.length) collectShortLivedGarbage();
    }
  };
  // A pool of workers, never one stream per file opened up front: memory stays flat as the batch grows.
  await Promise.all(Array.from({ length: Math.min(options.concurrency, items.length) }, worker));
  return outcomes as FileOutcome[];
}

async function processOne(item: BatchItem, index: number, options: BatchOptions, hooks: BatchHooks): Promise<FileOutcome> {
  let warnings: string[] = [];
  try {
    if (options.signal?.aborted) throw new InterruptedError(signalName(options.signal));
    const prepare = item.typeOverride ? { ...options.prepare, typeOverride: item.typeOverride } : options.prepare;
    const prepared = await prepareFile(item.file, item.path, prepare, item.filename);
    warnings = prepared.warnings;
    if (warnings.length) hooks.onWarnings?.(index, warnings);
    hooks.onPrepared?.(index, prepared);
    const described = {
      file: item.file,
      filename: prepared.filename,
      mimeType: prepared.mimeType,
      category: prepared.category,
      bytes: prepared.size,
      warnings,
    };
    if (options.dryRun || !options.graph) return { ...described, ok: true, dryRun: true };
    const known = await hooks.reuse?.(prepared);
    if (known?.remembered) return { ...described, ok: true, id: known.remembered, sha256: known.sha256, reused: true };
    const result = await (options.send ?? uploadFile)(
      // With --reuse the hash remembered is the one of the bytes sent, not the lookup's: the file may change meanwhile.
      { path: prepared.path, size: prepared.size, filename: prepared.filename, mimeType: prepared.mimeType, hash: options.hash || Boolean(hooks.remember) },
      options.graph,
      (event) => hooks.onEvent?.(index, event),
    );
    const sha256 = result.sha256;
    if (sha256) hooks.remember?.(prepared, result.id, sha256);
    return { ...described, ok: true, id: result.id, sha256, attempts: result.attempts };
  } catch (error) {
    if (error instanceof InputError && error.warnings.length) {
      warnings = error.warnings;
      hooks.onWarnings?.(index, warnings);
    }
    return { file: item.file, ok: false, error: asWaUploadError(error), warnings };
  }
}

/** Anything that is not one of our errors is a bug: exit 1, with the original kept as the cause. */
export function asWaUploadError(error: unknown): WaUploadError {
  if (error instanceof WaUploadError) return error;
  const message = error instanceof Error ? error.message : String(error);
  return new WaUploadError('internal', `internal error: ${message.split('\n')[0]}`, {
    hint: 'this is a bug in wa-upload: please report it with --verbose output',
    cause: error,
  });
}
