// Runs one ffmpeg conversion safely: no shell, no stdin, local files only, progress from -progress, stopped on abort or timeout.

import { spawn, type ChildProcess } from 'node:child_process';
import { InputError, InterruptedError, signalName } from '../errors.js';

/** What a conversion run is given. */
export interface FfmpegRun {
  ffmpeg: string;
  /** The absolute input path. */
  input: string;
  /** Options between the input and the output (codecs, filters, format). */
  outputOptions: readonly string[];
  /** The absolute output path (in the run's private folder). */
  output: string;
  timeoutMs: number;
  signal?: AbortSignal | undefined;
  /** The input's duration in seconds when known, for the progress fraction. */
  durationSeconds?: number | undefined;
  /** Progress from 0 to 1, as ffmpeg reports it (about twice a second). */
  onProgress?: ((fraction: number) => void) | undefined;
  /** Environment for ffmpeg (the caller leaves secrets out). */
  env: NodeJS.ProcessEnv;
}

/** What a finished run leaves: the last lines of its stderr, and the input duration ffmpeg printed. */
export interface FfmpegResult {
  stderrTail: string[];
  durationSeconds: number | undefined;
}

/** Lines of ffmpeg's stderr kept for --verbose and for the failure message. */
const STDERR_LINES_KEPT = 12;

/**
 * A path as ffmpeg reads it: `file:` and an absolute path, so that a name starting with `-` is not an option and a
 * name holding `:` is not a protocol.
 */
function asFileUrl(absolutePath: string): string {
  return `file:${absolutePath}`;
}

/**
 * The whole argument list of a run. Input options come first: no stdin (-nostdin), no statistics on stderr, progress
 * as key=value lines on stdout, and only the file and pipe protocols, so a crafted playlist (HLS, concat) inside a
 * file cannot make ffmpeg open a URL. `-y` overwrites the output, which is always a fresh name in a private folder.
 */
export function ffmpegArguments(input: string, outputOptions: readonly string[], output: string): string[] {
  return [
    '-nostdin',
    '-hide_banner',
    '-nostats',
    '-loglevel',
    'info',
    '-progress',
    'pipe:1',
    '-protocol_whitelist',
    'file,pipe',
    '-i',
    asFileUrl(input),
    ...outputOptions,
    '-y',
    asFileUrl(output),
  ];
}

/** The ffmpeg processes running now: killed if the process exits before their runs end (a second Ctrl-C). */
const running = new Set<ChildProcess>();

function killRunning(): void {
  for (const child of running) child.kill('SIGKILL');
}

/** Runs ffmpeg once; resolves when it exited 0, else rejects with InputError (failure, timeout) or InterruptedError. */
export function runFfmpeg(run: FfmpegRun): Promise<FfmpegResult> {
  return new Promise((resolve, reject) => {
    if (run.signal?.aborted) {
      reject(new InterruptedError(signalName(run.signal), 'before the conversion started'));
      return;
    }
    const child = spawn(run.ffmpeg, ffmpegArguments(run.input, run.outputOptions, run.output), {
      stdio: ['ignore', 'pipe', 'pipe'],
      shell: false,
      windowsHide: true,
      env: run.env,
    });
    if (running.size === 0) process.on('exit', killRunning);
    running.add(child);

    const tail: string[] = [];
    let partial = '';
    let duration = run.durationSeconds;
    child.stderr!.setEncoding('utf8');
    child.stderr!.on('data', (chunk: string) => {
      const lines = (partial + chunk).split(/\r?\n|\r/);
      partial = lines.pop() ?? '';
      for (const line of lines) {
        if (line.trim() === '') continue;
        // The last Duration line is the input's: a file name can hold a line that looks like one, and ffmpeg prints the
        // name (in its Input header) before the real line.
        if (run.durationSeconds === undefined) duration = durationOf(line) ?? duration;
        tail.push(line);
        if (tail.length > STDERR_LINES_KEPT) tail.shift();
      }
    });
    let progressPartial = '';
    child.stdout!.setEncoding('utf8');
    child.stdout!.on('data', (chunk: string) => {
      const lines = (progressPartial + chunk).split('\n');
      progressPartial = lines.pop() ?? '';
      for (const line of lines) {
        const match = /^out_time_us=(\d+)/.exec(line);
        if (match && duration && duration > 0) run.onProgress?.(Math.min(1, Number(match[1]) / 1e6 / duration));
      }
    });

    let stopped: 'timeout' | 'signal' | undefined;
    const stop = (why: 'timeout' | 'signal'): void => {
      if (stopped) return;
      stopped = why;
      // ffmpeg starts no process of its own: killing it ends the conversion and everything it holds.
      child.kill('SIGKILL');
    };
    const timer = setTimeout(() => stop('timeout'), run.timeoutMs);
    const onAbort = (): void => stop('signal');
    run.signal?.addEventListener('abort', onAbort, { once: true });

    const settle = (): void => {
      clearTimeout(timer);
      run.signal?.removeEventListener('abort', onAbort);
      running.delete(child);
      if (running.size === 0) process.removeListener('exit', killRunning);
    };
    child.on('error', (error: NodeJS.ErrnoException) => {
      settle();
      reject(new InputError(`could not be converted: ffmpeg did not start (${error.code ?? error.message})`, 'check --ffmpeg'));
    });
    child.on('close', (code, signal) => {
      settle();
      if (partial.trim() !== '') tail.push(partial);
      const result = { stderrTail: tail.slice(-STDERR_LINES_KEPT), durationSeconds: duration };
      if (stopped === 'signal') {
        reject(Object.assign(new InterruptedError(signalName(run.signal!), 'while converting'), { stderrTail: result.stderrTail }));
      } else if (stopped === 'timeout') {
        const seconds = run.timeoutMs / 1000;
        reject(
          Object.assign(new InputError(`could not be converted within ${seconds} s: ffmpeg was stopped`, 'raise --fix-timeout, or convert the file yourself first'), {
            stderrTail: result.stderrTail,
          }),
        );
      } else if (code !== 0) {
        const last = tail.at(-1)?.trim() ?? '';
        const how = code === null ? `was killed by ${signal}` : `exited with code ${code}`;
        reject(
          Object.assign(new InputError(`could not be converted: ffmpeg ${how}${last ? `: ${last.slice(0, 200)}` : ''}`, 'run with --verbose to see ffmpeg\'s last lines'), {
            stderrTail: result.stderrTail,
          }),
        );
      } else {
        resolve(result);
      }
    });
  });
}

/** The seconds of an ffmpeg `Duration: 00:01:02.50, start: …` line, or undefined. */
function durationOf(line: string): number | undefined {
  const match = /^\s*Duration: (\d+):(\d{2}):(\d{2}(?:\.\d+)?)/.exec(line);
  if (!match) return undefined;
  return Number(match[1]) * 3600 + Number(match[2]) * 60 + Number(match[3]);
}

/**
 * The input's duration in seconds, from ffmpeg's own description of it (ffmpeg with an input and no output prints it and
 * exits): no ffprobe needed. Undefined when ffmpeg does not say (an image).
 */
export function probeDuration(ffmpeg: string, input: string, env: NodeJS.ProcessEnv, signal?: AbortSignal): Promise<number | undefined> {
  return new Promise((resolve) => {
    const child = spawn(ffmpeg, ['-nostdin', '-hide_banner', '-protocol_whitelist', 'file,pipe', '-i', asFileUrl(input)], {
      stdio: ['ignore', 'ignore', 'pipe'],
      shell: false,
      windowsHide: true,
      env,
    });
    if (running.size === 0) process.on('exit', killRunning);
    running.add(child);
    let text = '';
    child.stderr!.setEncoding('utf8');
    child.stderr!.on('data', (chunk: string) => {
      if (text.length < 256 * 1024) text += chunk;
    });
    const timer = setTimeout(() => child.kill('SIGKILL'), 30_000);
    const onAbort = (): void => {
      child.kill('SIGKILL');
    };
    signal?.addEventListener('abort', onAbort, { once: true });
    const done = (): void => {
      clearTimeout(timer);
      signal?.removeEventListener('abort', onAbort);
      running.delete(child);
      if (running.size === 0) process.removeListener('exit', killRunning);
      // The last one: the input's name, printed before it, may hold a line that looks like a Duration.
      const seconds = text.split('\n').map(durationOf).findLast((value) => value !== undefined);
      resolve(seconds);
    };
    child.on('error', done);
    child.on('close', done);
  });
}
