// Spawns the built CLI (bin/wa-upload.cjs) the way users run it, with an isolated HOME, working folder and environment.

import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The repository root, and the bin users call. */
export const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const BIN = join(REPO_ROOT, 'bin', 'wa-upload.cjs');
export const FIXTURES = join(REPO_ROOT, 'fixtures');

/** The token every test hands to the CLI; asserted absent from every output. */
export const TEST_TOKEN = 'EAATESTtoken0123456789SECRETabcdef';
export const TEST_PHONE_NUMBER_ID = '106540352242922';

/** What a finished run left behind. */
export interface CliRun {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/** Options of one run. */
export interface RunOptions {
  env?: Record<string, string | undefined>;
  cwd?: string;
  input?: string | Buffer;
  /** Called once the process is spawned (to send it signals). */
  onSpawn?: (child: import('node:child_process').ChildProcess) => void;
  /** Called with each stderr chunk as it arrives. */
  onStderr?: (text: string) => void;
  timeoutMs?: number;
  /** Leave stdin open after `input` (a writer that has not finished): the test ends or destroys `child.stdin` itself. */
  keepStdinOpen?: boolean;
  /** Spawn the built CLI even where a test file runs in-process (what only a process shows: Node's own module loader, say). */
  realProcess?: boolean;
  /** Run this program with the arguments instead of `node bin/wa-upload.cjs` (e.g. `script` for a terminal). */
  command?: string;
}

/** A throwaway HOME and working folder, so no real config file or cache is found. */
export async function isolatedDirs(): Promise<{ home: string; cwd: string; cleanup: () => Promise<void> }> {
  const home = await mkdtemp(join(tmpdir(), 'wa-home-'));
  const cwd = await mkdtemp(join(tmpdir(), 'wa-cwd-'));
  return { home, cwd, cleanup: async () => { await rm(home, { recursive: true, force: true }); await rm(cwd, { recursive: true, force: true }); } };
}

/** Runs `node bin/wa-upload.cjs ...args` (or `options.command`) and resolves when it exits (never rejects on a non-zero exit). */
export function runCli(args: string[], options: RunOptions = {}): Promise<CliRun> {
  // Start from a clean environment: nothing of the developer's WhatsApp settings, proxies or colours leaks in.
  const base: Record<string, string> = { PATH: process.env.PATH ?? '', HOME: options.cwd ?? tmpdir(), LANG: 'C.UTF-8' };
  const env: Record<string, string> = { ...base };
  for (const [key, value] of Object.entries(options.env ?? {})) if (value !== undefined) env[key] = value;
  return new Promise((resolvePromise, reject) => {
    const [command, commandArgs] = options.command ? [options.command, args] : [process.execPath, [BIN, ...args]];
    const child = spawn(command, commandArgs, { cwd: options.cwd ?? REPO_ROOT, env, stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
      stderr += chunk;
      options.onStderr?.(chunk);
    });
    const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? 30_000);
    child.on('error', reject);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolvePromise({ code, signal, stdout, stderr });
    });
    options.onSpawn?.(child);
    child.stdin.on('error', () => {});
    if (options.keepStdinOpen) {
      if (options.input !== undefined) child.stdin.write(options.input);
    } else if (options.input !== undefined) child.stdin.end(options.input);
    else child.stdin.end();
  });
}

/**
 * Runs the CLI under a pseudo-terminal (util-linux `script`) with a known width (TERM=xterm-256color) and returns what
 * the terminal showed (stdout and stderr together, in `stdout`).
 */
export function runOnTerminal(args: string[], options: { columns?: number; cwd: string; env: Record<string, string | undefined> }): Promise<CliRun> {
  const line = `stty cols ${options.columns ?? 100}; ${[process.execPath, BIN, ...args].map((a) => `'${a}'`).join(' ')}`;
  return runCli(['-qec', line, '/dev/null'], { command: 'script', cwd: options.cwd, env: { TERM: 'xterm-256color', ...options.env } });
}

/** Environment that points the CLI at a sandbox with the test token. */
export function sandboxEnv(url: string, extra: Record<string, string | undefined> = {}): Record<string, string | undefined> {
  return { WA_TOKEN: TEST_TOKEN, WA_PHONE_NUMBER_ID: TEST_PHONE_NUMBER_ID, WA_BASE_URL: url, WA_RETRY_DELAY: undefined, ...extra };
}

/** Asserts-friendly: true when the token appears anywhere in a run's output. */
export function leaksToken(run: CliRun, token: string = TEST_TOKEN): boolean {
  return run.stdout.includes(token) || run.stderr.includes(token);
}
