// Everything wa-upload prints: data on stdout (text or NDJSON), people's messages and progress on stderr; the only importer of chalk and ora.

import type { ChalkInstance } from 'chalk';
import type { FileOutcome } from './upload/batch.js';
import { redactSecrets, rememberSecret, withSubject, type WaUploadError } from './errors.js';
import { formatBytes } from './media/media-types.js';
import type { FixReport } from './fix/fix-session.js';

/** How output looks, decided once from flags, environment and the terminal. */
export interface OutputOptions {
  json: boolean;
  quiet: boolean;
  verbose: boolean;
  /** True when more than one file was named: text lines carry the path. */
  multiple: boolean;
  colorLevel: 0 | 1 | 2 | 3;
  /** Spinner on stderr (a real terminal, not CI, not quiet/json). */
  progress: boolean;
  /** What a file's result is called in JSON: `id` (a media ID, the default) or `handle` (`wa-upload handle`). */
  resultName?: 'id' | 'handle';
  /** What a failure's subject is called in JSON: a file (uploads) or a media ID (info, download, delete). */
  subjectName?: 'file' | 'id';
  stdout: NodeJS.WritableStream;
  stderr: NodeJS.WritableStream;
}

/** Decides the colour level: --no-color and NO_COLOR switch it off, FORCE_COLOR on, else stderr's terminal decides. */
export function colorLevelFor(env: NodeJS.ProcessEnv, stream: { isTTY?: boolean; getColorDepth?: () => number }, noColorFlag: boolean): 0 | 1 | 2 | 3 {
  if (noColorFlag || (env.NO_COLOR !== undefined && env.NO_COLOR !== '')) return 0;
  const force = env.FORCE_COLOR;
  if (force !== undefined) {
    if (force === '0' || force === 'false') return 0;
    if (force === '2') return 2;
    if (force === '3') return 3;
    return 1;
  }
  if (!stream.isTTY || env.TERM === 'dumb') return 0;
  const depth = stream.getColorDepth?.() ?? 4;
  return depth >= 24 ? 3 : depth >= 8 ? 2 : 1;
}

/** Whether a spinner may run: stderr a real terminal with a width, not CI, not TERM=dumb (ora 9 spins at 100 % CPU on 0 columns). */
export function progressAllowed(env: NodeJS.ProcessEnv, stream: { isTTY?: boolean; columns?: number }, quietOrJson: boolean): boolean {
  if (quietOrJson || !stream.isTTY || !(stream.columns && stream.columns > 0)) return false;
  if (env.CI && env.CI !== 'false' && env.CI !== '0') return false;
  return env.TERM !== 'dumb';
}

/** The styles the reporter uses; without colour each returns its text as it is. */
type Paint = Pick<ChalkInstance, 'yellow' | 'dim' | 'green' | 'red'>;

const plain = (text: string): string => text;
const NO_PAINT: Paint = { yellow: plain, dim: plain, green: plain, red: plain } as unknown as Paint;

/**
 * A reporter for these options. chalk loads only when there is colour to paint (a terminal, FORCE_COLOR): importing it
 * runs supports-color's terminal checks (node:tty, ~1 ms), which output to a pipe or a file never needs.
 */
export async function createReporter(options: OutputOptions): Promise<Reporter> {
  const paint = options.colorLevel === 0 ? NO_PAINT : new (await import('chalk')).Chalk({ level: options.colorLevel });
  return new Reporter(options, paint);
}

/** How long a run goes without a spinner: quicker runs finish before one would help. */
const SPINNER_DELAY_MS = 300;

interface Spinner {
  text: string;
  start(): Spinner;
  stop(): Spinner;
  stopAndPersist(options: { symbol: string; text: string }): Spinner;
}

/** Prints results and messages; redacts every registered secret from everything it writes. */
export class Reporter {
  private spinner: Spinner | undefined;
  private spinnerLoading: Promise<void> | undefined;
  private spinnerDelay: NodeJS.Timeout | undefined;
  private progressState: ProgressState = { done: 0, total: 0, bytesSent: 0, bytesTotal: 0, waiting: '', startedAt: 0 };
  /** What the batch's closing line on a terminal counts. */
  private batchTally = { uploaded: 0, failed: 0, bytes: 0 };

  /** Use createReporter, which loads chalk when `color` needs it. */
  constructor(
    private readonly options: OutputOptions,
    private readonly color: Paint,
  ) {}

  /** Registers a secret (the token) that must never be printed, by this reporter or anything else. */
  addSecret(secret: string | undefined): void {
    rememberSecret(secret);
  }

  /** One file's outcome on stdout (and its error on stderr). Called in input order. */
  outcome(outcome: FileOutcome): void {
    // An interrupted file gets no error line of its own: the run's summary names every file not sent.
    const errorLine = !outcome.ok && outcome.error.kind !== 'interrupted';
    this.tally(outcome);
    if (this.options.json) {
      this.writeOut(JSON.stringify(this.redactMessages(jsonOutcome(outcome, this.options.resultName))));
      if (errorLine) this.errorLines(outcome.error, outcome.file);
      return;
    }
    if (!outcome.ok) {
      if (errorLine) this.errorLines(outcome.error, outcome.file);
      return;
    }
    if ('dryRun' in outcome && outcome.source) {
      // A URL source in a dry run: nothing was fetched, so its type and size are what its URL suggests.
      this.info(`would fetch ${outcome.file} (nothing fetched now) and upload it as ${outcome.mimeType || 'the type its answer names'}, filename ${outcome.filename}`);
      return;
    }
    if ('dryRun' in outcome) {
      // Not data: a dry run uploads nothing, so stdout stays empty for scripts (--json gets the object above).
      if (outcome.fixed) this.info(`would convert ${outcome.file} (${outcome.fixed.reasons.join('; ')}) to ${outcome.fixed.result}: ${shellWords(outcome.fixed.command ?? [])}`);
      this.info(`would upload ${outcome.file} as ${outcome.mimeType} (${outcome.category}, ${formatBytes(outcome.bytes)}, filename ${outcome.filename})`);
      return;
    }
    // A path holding a newline or a tab must not break the `<id>\t<path>` lines: escaped like every control character.
    this.writeOut(this.options.multiple ? `${outcome.id}\t${printable(outcome.file)}` : outcome.id);
  }

  /** What a command did or would do, for people (stderr, not under --quiet) or as one JSON object on stdout (--json). */
  notice(text: string, json: Record<string, unknown>): void {
    if (this.options.json) this.writeOut(JSON.stringify(json));
    else this.info(text);
  }

  /** A line of data on stdout (text mode) or one JSON object (--json), written as is: callers redact server-supplied text. */
  data(text: string, json: Record<string, unknown>): void {
    this.writeOut(this.options.json ? JSON.stringify(json) : text.split('\n').map(printable).join('\n'));
  }

  /** --fix converted a file (before sending it): what it was, why, what it became. */
  fixed(file: string, report: FixReport): void {
    const sizes = report.to ? ` (${formatBytes(report.from.bytes)} → ${formatBytes(report.to.bytes)})` : '';
    this.info(`converted ${file} (${report.reasons.join('; ')}) to ${report.result}${sizes}`);
  }

  /** A failure: about a subject (a media ID, a file) when given, else about nothing in particular (configuration, usage, a crash). */
  fatal(error: WaUploadError, subject?: string): void {
    if (this.options.json) {
      const about = subject !== undefined ? { [this.options.subjectName ?? 'file']: subject } : {};
      this.writeOut(JSON.stringify(this.redactMessages({ ...about, error: jsonError(error) })));
    }
    this.errorLines(error, subject);
  }

  /** `warning: <file>: <text>` on stderr (kept under --quiet: warnings are about what is sent). */
  warning(text: string, file?: string): void {
    this.writeErr(`${this.color.yellow('warning:')} ${file ? `${printable(file)}: ` : ''}${printable(text)}`);
  }

  /** A message for people on stderr; not under --quiet. */
  info(text: string): void {
    if (!this.options.quiet) this.writeErr(printable(text));
  }

  /** A --verbose line on stderr. */
  verbose(text: string): void {
    if (this.options.verbose) this.writeErr(this.color.dim(`verbose: ${printable(text)}`));
  }

  /** True when this run shows progress (a terminal, not --quiet or --json): only then is progress worth measuring. */
  get showsProgress(): boolean {
    return this.options.progress;
  }

  /** Starts the spinner for a batch (no-op when progress is not allowed); it appears once the run has lasted SPINNER_DELAY_MS. */
  startProgress(totalFiles: number): void {
    if (!this.options.progress) return;
    this.progressState.total = totalFiles;
    this.progressState.startedAt = Date.now();
    // A run that ends sooner never loads ora: its string-width builds an Intl.Segmenter at import and compiles an emoji
    // regular expression on the first frame, ~80 ms that would make a quick upload on a terminal 1.4x slower.
    this.spinnerDelay = setTimeout(() => {
      this.spinnerDelay = undefined;
      this.spinnerLoading = import('ora').then(({ default: ora }) => {
        // ora colours its frames with a chalk of its own that ignores NO_COLOR: no colour unless ours has one.
        const color = this.options.colorLevel === 0 ? false : 'cyan';
        this.spinner = ora({ stream: this.options.stderr as never, isEnabled: true, discardStdin: false, color, text: this.progressText() }).start() as Spinner;
      });
    }, SPINNER_DELAY_MS).unref();
  }

  /** Updates the spinner: bytes sent, files done, or what it is waiting for. */
  updateProgress(update: { bytesSent?: number; bytesTotal?: number; fileDone?: boolean; waiting?: string }): void {
    const state = this.progressState;
    if (update.bytesSent !== undefined) state.bytesSent = update.bytesSent;
    if (update.bytesTotal !== undefined) state.bytesTotal = update.bytesTotal;
    if (update.fileDone) state.done += 1;
    if (update.waiting !== undefined) state.waiting = update.waiting;
    if (this.spinner) this.spinner.text = this.redact(printable(this.progressText()));
  }

  /** Stops the spinner and clears its line. */
  async stopProgress(): Promise<void> {
    clearTimeout(this.spinnerDelay);
    this.spinnerDelay = undefined;
    if (this.spinnerLoading) await this.spinnerLoading;
    this.spinner?.stop();
    this.spinner = undefined;
    // A batch on a terminal ends with one line: how many went up, how many failed, how much, how long.
    const { uploaded, failed, bytes } = this.batchTally;
    // Files that neither went up nor failed were stopped (Ctrl-C, stdout gone): counted, never hidden in "0 failed".
    const interrupted = Math.max(0, this.progressState.total - uploaded - failed);
    if (this.options.progress && this.progressState.total > 1 && uploaded + failed + interrupted > 0) {
      const seconds = (Date.now() - this.progressState.startedAt) / 1000;
      this.writeErr(`${uploaded} uploaded, ${failed} failed${interrupted ? `, ${interrupted} interrupted` : ''}, ${formatBytes(bytes)} in ${seconds.toFixed(1)} s`);
      this.batchTally = { uploaded: 0, failed: 0, bytes: 0 };
    }
  }

  /** Counts an outcome for the closing line, and on a terminal gives each finished file of a batch a line of its own. */
  private tally(outcome: FileOutcome): void {
    if (!this.options.progress || 'dryRun' in outcome) return;
    if (!outcome.ok) {
      if (outcome.error.kind !== 'interrupted') this.batchTally.failed += 1;
      return;
    }
    this.batchTally.uploaded += 1;
    this.batchTally.bytes += outcome.bytes;
    if (this.options.multiple) this.writeErr(`${this.color.green('uploaded')} ${printable(outcome.file)} → ${outcome.id} (${formatBytes(outcome.bytes)})`);
  }

  private progressText(): string {
    return progressLine(this.progressState, Date.now());
  }

  private errorLines(error: WaUploadError, subject?: string): void {
    this.writeErr(`${this.color.red('error:')} ${errorText(error.message, subject)}`);
    if (error.hint) this.writeErr(`${this.color.dim('hint:')} ${printable(error.hint)}`);
    if (this.options.verbose && error.kind === 'internal' && error.stack) this.writeErr(this.color.dim(error.stack));
  }

  /** Data is written as is (IDs, file names: redaction must never alter them); messages in it were redacted before. */
  private writeOut(line: string): void {
    this.options.stdout.write(`${line}\n`);
  }

  /** Redacts the message parts of a JSON object (`error`, `warnings`), leaving its data alone. */
  private redactMessages(json: Record<string, unknown>): Record<string, unknown> {
    const deep = (value: unknown): unknown =>
      typeof value === 'string'
        ? this.redact(value)
        : Array.isArray(value)
          ? value.map(deep)
          : value && typeof value === 'object'
            ? Object.fromEntries(Object.entries(value).map(([k, v]) => [k, deep(v)]))
            : value;
    return Object.fromEntries(Object.entries(json).map(([key, value]) => [key, key === 'error' || key === 'warnings' ? deep(value) : value]));
  }

  private writeErr(line: string): void {
    // The spinner owns the last stderr line: clear it, print, and let it redraw.
    const spinner = this.spinner as (Spinner & { clear?: () => void; render?: () => void }) | undefined;
    spinner?.clear?.();
    this.options.stderr.write(`${this.redact(line)}\n`);
    spinner?.render?.();
  }

  private redact(text: string): string {
    return redactSecrets(text);
  }
}

/** Where a batch stands, for the spinner. */
export interface ProgressState {
  done: number;
  total: number;
  bytesSent: number;
  bytesTotal: number;
  /** A retry's wait, said in words; empty when not waiting. */
  waiting: string;
  startedAt: number;
}

/**
 * The spinner's text: files done, bytes and percent, then a retry's wait, or the transfer rate and time left, or
 * "waiting for the server" once every byte is sent.
 */
export function progressLine(s: ProgressState, now: number): string {
  const percent = s.bytesTotal > 0 ? ` (${Math.floor((s.bytesSent / s.bytesTotal) * 100)} %)` : '';
  const files = s.total > 1 ? `${s.done}/${s.total} files, ` : '';
  let detail = '';
  const seconds = (now - s.startedAt) / 1000;
  if (s.waiting) detail = ` · ${s.waiting}`;
  else if (s.bytesTotal > 0 && s.bytesSent >= s.bytesTotal && s.done < s.total) detail = ' · waiting for the server';
  else if (s.bytesSent > 0 && seconds >= 0.5) {
    const rate = s.bytesSent / seconds;
    const left = Math.ceil((s.bytesTotal - s.bytesSent) / rate);
    detail = ` · ${formatBytes(Math.round(rate))}/s, ${left < 60 ? `${left} s` : `${Math.ceil(left / 60)} min`} left`;
  }
  return `uploading ${files}${formatBytes(s.bytesSent)} of ${formatBytes(s.bytesTotal)}${percent}${detail}`;
}

/** A command as a POSIX shell reads it (--dry-run --fix prints ffmpeg's): words quoted only when they need it. */
function shellWords(words: readonly string[]): string {
  return words.map((word) => (/^[\w@%+=:,./-]+$/.test(word) ? word : `'${word.replace(/'/g, `'\\''`)}'`)).join(' ');
}

/**
 * A text safe to show on a terminal: control characters (newline, tab, escape, C1) and bidirectional overrides from
 * file names or servers are written as escapes (`\n`, `\x1b`, `\u202e`), so no name can move the cursor, recolour
 * the terminal, fake a line or reorder what is shown.
 */
export function printable(text: string): string {
  return text.replace(/[\u0000-\u001f\u007f-\u009f\u200e\u200f\u202a-\u202e\u2066-\u2069]/g, (c) => {
    const named: Record<string, string> = { '\n': '\\n', '\r': '\\r', '\t': '\\t' };
    const code = c.charCodeAt(0);
    return named[c] ?? (code <= 0xff ? `\\x${code.toString(16).padStart(2, '0')}` : `\\u${code.toString(16).padStart(4, '0')}`);
  });
}

/**
 * One error line's text: `<subject> <what>` when the message says what the subject is or has (`photo.jpg is empty`),
 * else `<what> (<subject>)` (`no such file (photo.jpg)`).
 */
export function errorText(message: string, subject?: string): string {
  return subject ? withSubject(printable(message), printable(subject)) : printable(message);
}

/** The NDJSON object for one file (the --json shape of docs/configuration.md); the reporter redacts it as it writes. */
function jsonOutcome(outcome: FileOutcome, resultName: 'id' | 'handle' = 'id'): Record<string, unknown> {
  // A URL source: `source: {url, contentType, etag}`, the URL redacted (no credentials, no query string).
  const source = outcome.source ? { source: outcome.source } : {};
  if (!outcome.ok) {
    return { file: outcome.file, error: jsonError(outcome.error), ...(outcome.warnings.length ? { warnings: outcome.warnings } : {}), ...source };
  }
  const base = {
    file: outcome.file,
    ...('dryRun' in outcome ? { dryRun: true } : { [resultName]: outcome.id }),
    filename: outcome.filename,
    mimeType: outcome.mimeType,
    category: outcome.category,
    bytes: outcome.bytes,
  };
  // --fix: `fixed: {from, to, reasons}` (a dry run: the command instead of `to`); see docs/fix.md.
  const fixed = outcome.fixed
    ? { fixed: { from: outcome.fixed.from, ...(outcome.fixed.to ? { to: outcome.fixed.to } : {}), reasons: outcome.fixed.reasons, ...(outcome.fixed.command ? { command: outcome.fixed.command } : {}) } }
    : {};
  if ('dryRun' in outcome) return { ...base, warnings: outcome.warnings, ...source, ...fixed };
  return {
    ...base,
    sha256: outcome.sha256,
    ...(outcome.reused ? { reused: true } : {}),
    ...(outcome.attempts && outcome.attempts > 1 ? { attempts: outcome.attempts } : {}),
    warnings: outcome.warnings,
    ...source,
    ...fixed,
  };
}

/** The JSON form of an error: kind, message, exit code, hint and Graph details; never headers or options (redacted where written). */
function jsonError(error: WaUploadError): Record<string, unknown> {
  const graph = error.graph
    ? Object.fromEntries(
        Object.entries({
          code: error.graph.code,
          subcode: error.graph.subcode,
          type: error.graph.type,
          message: error.graph.message,
          details: error.graph.details,
          isTransient: error.graph.isTransient,
          fbtraceId: error.graph.fbtraceId,
          httpStatus: error.graph.httpStatus,
          userTitle: error.graph.userTitle,
          userMessage: error.graph.userMessage,
        }).filter(([, v]) => v !== undefined),
      )
    : undefined;
  return {
    kind: error.kind,
    message: error.message,
    exitCode: error.exitCode,
    ...(error.hint ? { hint: error.hint } : {}),
    ...(graph ? { graph } : {}),
  };
}
