// Uploads many files through a bounded pool: every file is tried, outcomes come back in input order as they settle;
// out of descriptors (EMFILE/ENFILE), the pool shrinks and the file is tried again.

import { getMaxListeners, setMaxListeners } from 'node:events';
import { InputError, InterruptedError, signalName, TemporaryError, WaUploadError } from '../errors.js';
import { uploadFile, type GraphEvent, type GraphSettings } from '../graph/graph-client.js';
import { prepareFile, type PrepareOptions, type PreparedFile } from '../media/inspect.js';
import type { MediaType } from '../media/media-types.js';
import { collectShortLivedGarbage } from './memory.js';
import type { ConvertedFile, FixPlan, FixReport, FixStep } from '../fix/fix-session.js';

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
      source?: SourceInfo | undefined;
      /** --fix: what the file was converted from, to, and why. */
      fixed?: FixReport;
    }
  | { file: string; ok: true; dryRun: true; filename: string; mimeType: string; category: string; bytes: number; warnings: string[]; fixed?: FixReport; source?: SourceInfo | undefined }
  | { file: string; ok: false; error: WaUploadError; warnings: string[]; source?: SourceInfo | undefined };

/** What the output says of a URL source: the URL redacted (no credentials, no query), and what its answer said. */
export interface SourceInfo {
  url: string;
  /** The answer's Content-Type ('' when it gave none); absent when nothing was fetched (--dry-run). */
  contentType?: string | undefined;
  etag?: string | undefined;
}

/** A URL source of the batch (src/sources/): fetched inside the pool, just before its checks, once per run. */
export interface BatchSource {
  info: SourceInfo;
  /** What a dry run says it would send, fetching nothing. */
  planned: { filename: string; mimeType: string; category: string };
  /** Fetches the source (once: a second call returns the same spool), or returns the media ID remembered for it unchanged (--reuse). */
  fetch(): Promise<
    | { path: string; filename: string; info: SourceInfo }
    | { remembered: { id: string; sha256: string; filename: string; mimeType: string; category: string; bytes: number }; info: SourceInfo }
  >;
  /** The source went up (or was found by its content, --reuse) under this media ID. */
  sent?(prepared: PreparedFile, id: string, sha256: string | undefined): void;
  /** Removes the spool once the item has settled (it is removed at exit anyway). */
  release(): Promise<void>;
}

/** A file to send: how the user named it, where its bytes are, and the part filename when the path says nothing (stdin). */
export interface BatchItem {
  file: string;
  path: string;
  filename?: string | undefined;
  /** This item's own type (stdin's --type), over the batch's `prepare.typeOverride`. */
  typeOverride?: MediaType | undefined;
  /** Set for a URL operand: its bytes are fetched into a spool first (`path` is unused until then). */
  source?: BatchSource | undefined;
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
  /**
   * Hashes a prepared file and looks up a remembered media ID for it (--reuse); a file --fix converts is looked up by
   * its original's hash and the recipe, before it is converted (`sent`: what was sent for it then).
   */
  reuse?: (prepared: PreparedFile, fix?: ReuseFixKey) => Promise<{ sha256: string; remembered: string | undefined; sent?: { bytes: number; sha256: string; mimeType: string } }>;
  /** Remembers an upload (--reuse) under the hash of the bytes sent (of the original and the recipe, for --fix); never fails the file. */
  remember?: (prepared: PreparedFile, id: string, sha256: string, fix?: ReuseFixKey) => void;
  /** --fix: a conversion's progress, 0 to 1; undefined once it is over. */
  onConverting?: (index: number, fraction: number | undefined) => void;
  /** --fix: a file was converted (before it is sent). */
  onFixed?: (index: number, report: FixReport) => void;
}

/** What keys a converted file in the --reuse cache: the original's content and the recipe. */
interface ReuseFixKey {
  recipe: string;
  sourceSha256: string;
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
  /** --fix: plans and makes each file's conversion with ffmpeg. */
  fix?: FixStep | undefined;
}

/** Sends one checked file: a media upload, or a Resumable Upload for a handle; `id` is what the output prints. */
export type SendFile = (
  file: { path: string; size: number; filename: string; mimeType: string; hash: boolean },
  graph: GraphSettings,
  onEvent: (event: GraphEvent) => void,
) => Promise<{ id: string; sha256: string | undefined; attempts: number }>;

/** How many times one file is tried again after running out of descriptors, each time with fewer files in flight. */
const SHORTAGE_RETRIES = 8;

/** A failure for want of descriptors (EMFILE/ENFILE) opening the file, reading it or connecting: no fault of the file. */
function isShortageOutcome(outcome: FileOutcome): boolean {
  return !outcome.ok && outcome.error.kind === 'temporary' && /\bE[MN]FILE\b/.test(outcome.error.message);
}

/** Runs the whole batch; resolves with every outcome in input order (never rejects for a file's failure). */
export async function runBatch(items: readonly BatchItem[], options: BatchOptions, hooks: BatchHooks = {}): Promise<FileOutcome[]> {
  const outcomes: (FileOutcome | undefined)[] = new Array(items.length).fill(undefined);
  let nextToReport = 0;
  let nextToStart = 0;
  // Each file in flight holds up to two listeners on the run's signal (its request, a wait between tries): Node's
  // default limit of 10 would warn (MaxListenersExceededWarning) from --concurrency 6 on though nothing leaks.
  if (options.signal) setMaxListeners(Math.max(getMaxListeners(options.signal), 10 + 2 * options.concurrency), options.signal);

  // Files in flight, and how many may be: out of descriptors, the pool shrinks to what fits, then grows back slowly.
  let running = 0;
  let limit = options.concurrency;
  let sinceShortage = 0;
  let slotFreed: { promise: Promise<void>; resolve: () => void } | undefined;
  const freeSlot = (): void => {
    running -= 1;
    slotFreed?.resolve();
    slotFreed = undefined;
  };
  const takeSlot = async (): Promise<void> => {
    while (running >= limit) {
      if (!slotFreed) {
        let resolve!: () => void;
        const promise = new Promise<void>((r) => (resolve = r));
        slotFreed = { promise, resolve };
      }
      await slotFreed.promise;
    }
    running += 1;
  };

  const settle = (index: number, outcome: FileOutcome): void => {
    outcomes[index] = outcome;
    hooks.onSettled?.(index, outcome);
    while (nextToReport < items.length && outcomes[nextToReport] !== undefined) {
      hooks.onOutcome?.(nextToReport, outcomes[nextToReport]!);
      nextToReport += 1;
    }
  };

  const shortageHint = `lower --concurrency (${options.concurrency} now) or raise the open-files limit (ulimit -n)`;
  // Set when a file alone in flight still found no descriptor after every retry: the limit leaves no room for one file.
  let starved: string | undefined;

  /** One file, tried again while it fails for want of descriptors (each time with one file fewer in flight). */
  const runOne = async (index: number): Promise<FileOutcome> => {
    await takeSlot();
    if (starved !== undefined) {
      freeSlot();
      const error = new TemporaryError(`not tried: ${starved}`, { hint: shortageHint });
      return { file: items[index]!.file, ok: false, error, warnings: [] };
    }
    let outcome = await processOne(items[index]!, index, options, hooks);
    let alone = false;
    for (let retry = 1; isShortageOutcome(outcome) && retry <= SHORTAGE_RETRIES && !options.signal?.aborted; retry++) {
      sinceShortage = 0;
      limit = Math.max(1, Math.min(limit, running) - 1);
      alone = running === 1;
      freeSlot();
      // Wait for the descriptors of another file to be freed; alone, for time (other processes may hold them).
      if (alone) await new Promise((resolve) => setTimeout(resolve, Math.min(1000, 25 * 2 ** retry)));
      await takeSlot();
      outcome = await processOne(items[index]!, index, options, hooks);
    }
    freeSlot();
    await items[index]!.source?.release();
    if (isShortageOutcome(outcome) && !outcome.ok) {
      const error = outcome.error;
      if (alone) starved = `the open-files limit leaves no room for one file (${/\bE[MN]FILE\b/.exec(error.message)![0]} with no other file in flight)`;
      outcome = {
        ...outcome,
        error: new TemporaryError(`${error.message}, after ${SHORTAGE_RETRIES + 1} tries with fewer files in flight`, {
          hint: shortageHint,
          attempts: SHORTAGE_RETRIES + 1,
        }),
      };
    } else if (outcome.ok && ++sinceShortage >= 2 * limit && limit < options.concurrency) {
      sinceShortage = 0;
      limit += 1;
    }
    return outcome;
  };

  const worker = async (): Promise<void> => {
    while (nextToStart < items.length) {
      const index = nextToStart++;
      settle(index, await runOne(index));
      if (nextToStart < items.length) collectShortLivedGarbage();
    }
  };
  // A pool of workers, never one stream per file opened up front: memory stays flat as the batch grows.
  await Promise.all(Array.from({ length: Math.min(options.concurrency, items.length) }, worker));
  return outcomes as FileOutcome[];
}

async function processOne(item: BatchItem, index: number, options: BatchOptions, hooks: BatchHooks): Promise<FileOutcome> {
  let warnings: string[] = [];
  let source = item.source?.info;
  let converted: ConvertedFile | undefined;
  let plan: FixPlan | undefined;
  try {
    if (options.signal?.aborted) throw new InterruptedError(signalName(options.signal));
    // A URL source: a dry run fetches nothing; otherwise its bytes come to a spool here, inside the pool.
    if (item.source && options.dryRun) return { file: item.file, ok: true, dryRun: true, ...item.source.planned, bytes: 0, warnings, source };
    const fetched = item.source ? await item.source.fetch() : undefined;
    source = fetched?.info ?? source;
    if (fetched && 'remembered' in fetched) return { file: item.file, ok: true, ...fetched.remembered, warnings, reused: true, source };
    const prepare = item.typeOverride ? { ...options.prepare, typeOverride: item.typeOverride } : options.prepare;
    const path = fetched?.path ?? item.path;
    const filename = fetched?.filename ?? item.filename;
    plan = options.fix ? await options.fix.plan(item.file, path, prepare, filename) : undefined;
    let prepared = plan?.prepared ?? (await prepareFile(item.file, path, prepare, filename));
    const fixKey = plan?.fix ? { recipe: plan.fix.recipe.id, sourceSha256: plan.fix.from.sha256 } : undefined;
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
      ...(source ? { source } : {}),
    };
    if (options.dryRun || !options.graph) {
      const fixed = plan?.fix ? { fixed: await options.fix!.describe(plan.fix, options.signal) } : {};
      return { ...described, ok: true, dryRun: true, ...fixed };
    }
    const known = await hooks.reuse?.(prepared, fixKey);
    if (known?.remembered) {
      item.source?.sent?.(prepared, known.remembered, known.sha256);
      const fixed = plan?.fix ? { fixed: { from: plan.fix.from, ...(known.sent ? { to: known.sent } : {}), reasons: plan.fix.recipe.reasons, result: plan.fix.recipe.result } } : {};
      const sent = known.sent ? { bytes: known.sent.bytes } : {};
      return { ...described, ...sent, ok: true, id: known.remembered, sha256: known.sent?.sha256 ?? known.sha256, reused: true, ...fixed };
    }
    if (plan?.fix) {
      converted = await options.fix!.convert(item.file, plan.fix, prepare, options.signal, (fraction) => hooks.onConverting?.(index, fraction));
      hooks.onConverting?.(index, undefined);
      hooks.onFixed?.(index, converted.report);
      prepared = converted.prepared;
    }
    const result = await (options.send ?? uploadFile)(
      // With --reuse the hash remembered is the one of the bytes sent, not the lookup's: the file may change meanwhile.
      { path: prepared.path, size: prepared.size, filename: prepared.filename, mimeType: prepared.mimeType, hash: options.hash || Boolean(hooks.remember) },
      options.graph,
      (event) => hooks.onEvent?.(index, event),
    );
    const sha256 = result.sha256;
    if (sha256) hooks.remember?.(prepared, result.id, sha256, fixKey);
    item.source?.sent?.(prepared, result.id, sha256);
    const fixed = converted ? { bytes: prepared.size, fixed: converted.report } : {};
    return { ...described, ...fixed, ok: true, id: result.id, sha256, attempts: result.attempts };
  } catch (error) {
    if (plan?.fix) hooks.onConverting?.(index, undefined);
    if (error instanceof InputError && error.warnings.length) {
      warnings = error.warnings;
      hooks.onWarnings?.(index, warnings);
    }
    return { file: item.file, ok: false, error: asWaUploadError(error), warnings, ...(source ? { source } : {}) };
  } finally {
    if (converted) await options.fix!.discard(converted);
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
