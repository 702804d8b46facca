// --fix for one run: plans each file's conversion from its content checks, converts it with ffmpeg into a private folder, checks the result again.

import { createReadStream } from 'node:fs';
import { stat, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, join, resolve } from 'node:path';
import { InputError } from '../errors.js';
import { inspectFile, prepareFile, type PrepareOptions, type PreparedFile } from '../media/inspect.js';
import { formatBytes, partFilename } from '../media/media-types.js';
import { findFfmpeg, withoutSecrets, type FfmpegTool } from './ffmpeg-tool.js';
import { chooseRecipe, foreignByContent, foreignByExtension, type Diagnosis, type Recipe } from './recipe.js';
import { ffmpegArguments, probeDuration, runFfmpeg } from './run-ffmpeg.js';
import { tempFolder } from './temp-folder.js';

/** A file's bytes as the --json `fixed` object names them. */
export interface FixedBytes {
  mimeType: string;
  bytes: number;
  sha256: string;
}

/** What --fix did (or, under --dry-run, would do) to one file: `fixed` in --json. */
export interface FixReport {
  from: FixedBytes;
  /** The converted file; absent under --dry-run. */
  to?: FixedBytes;
  reasons: string[];
  /** What it became, for people ("mono Opus in Ogg"). */
  result: string;
  /** The ffmpeg command of the first try (--dry-run shows it). */
  command?: string[];
}

/** A file whose conversion is planned: what will be sent stands in `prepared` (the original's path until converted). */
export interface PlannedFix {
  recipe: Recipe;
  /** The original's bytes (its hash keys the --reuse entry with the recipe). */
  from: FixedBytes;
  /** The input as ffmpeg reads it (absolute). */
  input: string;
  /** The name the converted file is sent under. */
  filename: string;
}

/** One file's plan: what to send, and the conversion to make first, if any. */
export interface FixPlan {
  prepared: PreparedFile;
  fix?: PlannedFix | undefined;
}

/** A converted file, checked again, ready to send. */
export interface ConvertedFile {
  prepared: PreparedFile;
  report: FixReport;
}

/** The --fix step of a batch. */
export interface FixStep {
  /** Checks a file and plans its conversion; a file that needs none comes back exactly as prepareFile gives it. */
  plan(file: string, path: string, prepare: PrepareOptions, name?: string): Promise<FixPlan>;
  /** The ffmpeg command of a plan's first try (for --dry-run), and the report of what would be done. */
  describe(plan: PlannedFix, signal?: AbortSignal): Promise<FixReport>;
  /** Converts, then checks the result with the same content checks: anything still wrong is the file's failure (InputError). */
  convert(file: string, plan: PlannedFix, prepare: PrepareOptions, signal?: AbortSignal, onProgress?: (fraction: number) => void): Promise<ConvertedFile>;
  /** Removes a converted file once it is sent (or failed). */
  discard(converted: ConvertedFile): Promise<void>;
  /** Removes the private folder and all in it. */
  close(): Promise<void>;
}

/** What a --fix run is given. */
export interface FixSettings {
  ffmpeg: FfmpegTool;
  timeoutMs: number;
  voice: boolean;
  /** The environment ffmpeg runs with (the access token's variables are left out). */
  env: NodeJS.ProcessEnv;
  /** The process's registry of temp paths to remove even on an immediate exit. */
  removeOnExit?: ((path: string) => () => void) | undefined;
  /** --verbose lines (ffmpeg's command and, when it fails, the last lines of its stderr). */
  verbose?: ((line: string) => void) | undefined;
}

/** The --fix step for one run. */
export function openFixStep(settings: FixSettings): FixStep {
  const folder = tempFolder(settings.removeOnExit, settings.env.TMPDIR || undefined);
  const env = withoutSecrets(settings.env);
  const verbose = settings.verbose ?? (() => {});

  const firstTryArguments = async (plan: PlannedFix, signal?: AbortSignal): Promise<{ duration: number | undefined; tries: string[][] }> => {
    const duration = plan.recipe.needsDuration ? await probeDuration(settings.ffmpeg.path, plan.input, env, signal) : undefined;
    return { duration, tries: plan.recipe.tries(duration) };
  };

  return {
    async plan(file, path, prepare, name = basename(file)) {
      const foreign = prepare.typeOverride ? undefined : foreignByExtension(name);
      let diagnosis: Diagnosis;
      if (foreign) {
        const info = await stat(path).catch(() => undefined);
        // Unreadable, empty or not a file: prepareFile's own words for it.
        if (!info?.isFile() || info.size === 0) return { prepared: await prepareFile(file, path, prepare, name) };
        diagnosis = { type: undefined, forced: false, detected: undefined, foreign, findings: [], size: info.size, animated: undefined };
      } else {
        const inspected = await inspectFile(path, prepare, name);
        const { verdict } = inspected;
        diagnosis = {
          type: inspected.type,
          forced: prepare.typeOverride !== undefined,
          detected: verdict.detected,
          foreign: foreignByContent(verdict.otherFormat),
          findings: verdict.findings,
          size: inspected.size,
          animated: verdict.animated,
        };
      }
      const recipe = chooseRecipe(diagnosis, { voice: settings.voice, accepted: prepare.accepted });
      if (!recipe) return { prepared: await prepareFile(file, path, prepare, name) };
      const filename = partFilename(name, recipe.target);
      const from: FixedBytes = {
        mimeType: foreign?.mimeType ?? diagnosis.foreign?.mimeType ?? (diagnosis.detected ?? diagnosis.type)!.mimeType,
        bytes: diagnosis.size,
        sha256: await sha256Of(path),
      };
      const prepared: PreparedFile = {
        file,
        path,
        filename,
        mimeType: recipe.target.mimeType,
        category: recipe.target.category,
        size: diagnosis.size,
        warnings: [],
        findings: [...diagnosis.findings],
      };
      return { prepared, fix: { recipe, from, input: resolve(path), filename } };
    },

    async describe(plan, signal) {
      const { tries } = await firstTryArguments(plan, signal);
      const output = `${folder.path ?? join(settings.env.TMPDIR || tmpdir(), 'wa-upload-fix-XXXXXX')}/1-${plan.filename}`;
      return { from: plan.from, reasons: plan.recipe.reasons, result: plan.recipe.result, command: [settings.ffmpeg.path, ...ffmpegArguments(plan.input, tries[0]!, output)] };
    },

    async convert(file, plan, prepare, signal, onProgress) {
      const { recipe } = plan;
      let { duration, tries } = await firstTryArguments(plan, signal);
      let output: string | undefined;
      let size = 0;
      for (let index = 0; index < tries.length; index++) {
        if (output) await rm(output, { force: true });
        output = await folder.pathFor(plan.filename);
        const outputOptions = tries[index]!;
        verbose(`ffmpeg: ${shellWords([settings.ffmpeg.path, ...ffmpegArguments(plan.input, outputOptions, output)])}`);
        try {
          const ran = await runFfmpeg({
            ffmpeg: settings.ffmpeg.path,
            input: plan.input,
            outputOptions,
            output,
            timeoutMs: settings.timeoutMs,
            signal,
            durationSeconds: duration,
            env,
            onProgress: onProgress && ((fraction) => onProgress((index + fraction) / tries.length)),
          });
          // The duration ffmpeg printed: the tries after this one may aim at a bitrate that fits it.
          if (duration === undefined && ran.durationSeconds !== undefined) {
            duration = ran.durationSeconds;
            tries = recipe.tries(duration);
          }
        } catch (error) {
          const tail = (error as { stderrTail?: string[] }).stderrTail ?? [];
          for (const line of tail) verbose(`ffmpeg: ${line}`);
          await rm(output, { force: true });
          throw error;
        }
        size = (await stat(output)).size;
        if (size <= recipe.limit) break;
        verbose(`ffmpeg: try ${index + 1} of ${tries.length} made ${formatBytes(size)}, over the ${formatBytes(recipe.limit)} limit`);
        if (index === tries.length - 1) {
          await rm(output, { force: true });
          throw new InputError(
            `could not be fixed: converted to ${recipe.result}, it is still ${formatBytes(size)}, over the ${formatBytes(recipe.limit)} limit`,
            recipe.target.category === 'video' ? 'shorten it first, e.g. ffmpeg -t 60' : 'make it smaller first',
          );
        }
      }
      const converted = output!;
      // The same content checks as any file: what is still wrong is this file's failure, never sent.
      let checked: PreparedFile;
      try {
        checked = await prepareFile(file, converted, { accepted: prepare.accepted }, plan.filename);
      } catch (error) {
        await rm(converted, { force: true });
        if (error instanceof InputError) throw new InputError(`could not be fixed: after converting, ${error.message}`, error.hint, error.warnings);
        throw error;
      }
      if (checked.warnings.length > 0 || checked.mimeType !== recipe.target.mimeType) {
        await rm(converted, { force: true });
        const what = checked.warnings[0] ?? `it is ${checked.mimeType}, not ${recipe.target.mimeType}`;
        throw new InputError(`could not be fixed: after converting to ${recipe.result}, ${what}`, 'convert it yourself, or send it without --fix', checked.warnings);
      }
      const to: FixedBytes = { mimeType: checked.mimeType, bytes: checked.size, sha256: await sha256Of(converted) };
      return { prepared: checked, report: { from: plan.from, to, reasons: recipe.reasons, result: recipe.result } };
    },

    async discard(converted) {
      await rm(converted.prepared.path, { force: true });
    },

    close: () => folder.remove(),
  };
}

/** The sha256 of a file, hex, streamed. */
async function sha256Of(path: string): Promise<string> {
  const hash = process.getBuiltinModule('node:crypto').createHash('sha256');
  for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

/** A command as a POSIX shell would read it (for --verbose and --dry-run): words quoted only when they need it. */
function shellWords(words: readonly string[]): string {
  return words.map((word) => (/^[\w@%+=:,./-]+$/.test(word) ? word : `'${word.replace(/'/g, `'\\''`)}'`)).join(' ');
}

/** What starting --fix for a run needs: the settings it reads and the process it runs in. */
export interface FixStart {
  /** ffmpegPath as merged (flag > environment > config file), and where it came from. */
  ffmpegPath: string | undefined;
  ffmpegSource: string | undefined;
  timeoutMs: number;
  voice: boolean;
  env: NodeJS.ProcessEnv;
  cwd: string;
  removeOnExit?: ((path: string) => () => void) | undefined;
  verbose?: ((line: string) => void) | undefined;
}

/** Finds and checks ffmpeg (ConfigError, exit 3, before anything is sent), names it under --verbose, and opens the step. */
export async function startFixStep(start: FixStart): Promise<FixStep> {
  const configured = start.ffmpegPath ? { path: start.ffmpegPath, source: start.ffmpegSource ?? 'settings' } : undefined;
  const ffmpeg = await findFfmpeg(configured, start.env, start.cwd);
  start.verbose?.(`ffmpeg: ${ffmpeg.path} (version ${ffmpeg.version}, from ${ffmpeg.source})`);
  return openFixStep({ ffmpeg, timeoutMs: start.timeoutMs, voice: start.voice, env: start.env, removeOnExit: start.removeOnExit, verbose: start.verbose });
}

/** One file through --fix for the programmatic API: checked, converted when it needs it, checked again; `fixed` says what was done. */
export async function prepareWithFix(
  step: FixStep,
  file: { shown: string; path: string; name?: string | undefined },
  prepare: PrepareOptions,
  signal?: AbortSignal,
): Promise<{ prepared: PreparedFile; fixed?: FixReport }> {
  const plan = await step.plan(file.shown, file.path, prepare, file.name);
  if (!plan.fix) return { prepared: plan.prepared };
  const converted = await step.convert(file.shown, plan.fix, prepare, signal);
  return { prepared: converted.prepared, fixed: converted.report };
}
