// One sandbox per test file and fresh folders per test, for tests that spawn the CLI against it.

import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { afterAll, afterEach, beforeAll, beforeEach } from 'vitest';
import { startSandbox, type Sandbox, type SandboxOptions } from '../../src/sandbox/server.js';
import { needsProcess, runInProcess } from './in-process.js';
import { TEST_TOKEN, isolatedDirs, runCli, sandboxEnv, type CliRun, type RunOptions } from './run-cli.js';

/** What a test file gets: the running sandbox, this test's folders, and a CLI runner pointed at both. */
export interface CliSandbox {
  readonly sandbox: Sandbox;
  readonly dirs: { home: string; cwd: string };
  /** Runs the CLI in this test's folder, against the sandbox with the test token; `env` entries set to undefined are removed. */
  run(args: string[], options?: RunOptions): Promise<CliRun>;
  /** Replaces the sandbox with one started with other options (for the rest of the file). */
  restart(options: SandboxOptions): Promise<void>;
}

/**
 * Registers the hooks: a sandbox for the file (token TEST_TOKEN), reset before each test, with fresh HOME and cwd.
 * With `inProcess`, runs go through the program's ProcessContext seam in this process (fast), except those that need
 * a real process (signals to a child, a terminal, stdin left open), which spawn the built CLI as before.
 */
export function useCliSandbox(options: SandboxOptions = {}, runner: { inProcess?: boolean } = {}): CliSandbox {
  let sandbox: Sandbox | undefined;
  let dirs: Awaited<ReturnType<typeof isolatedDirs>> | undefined;
  beforeAll(async () => {
    sandbox = await startSandbox({ token: TEST_TOKEN, ...options });
  });
  afterAll(async () => {
    await sandbox?.close();
  });
  beforeEach(async () => {
    sandbox!.reset();
    dirs = await isolatedDirs();
  });
  afterEach(async () => {
    await dirs?.cleanup();
  });
  return {
    get sandbox() {
      return sandbox!;
    },
    get dirs() {
      return dirs!;
    },
    run(args, runOptions = {}) {
      const all = { cwd: dirs!.cwd, ...runOptions, env: { HOME: dirs!.home, ...sandboxEnv(sandbox!.url), ...runOptions.env } };
      return runner.inProcess && !needsProcess(all) ? runInProcess(args, all) : runCli(args, all);
    },
    async restart(newOptions) {
      await sandbox?.close();
      sandbox = await startSandbox({ token: TEST_TOKEN, ...newOptions });
    },
  };
}

/** The sha256 of a file's bytes, hex. */
export async function sha256OfFile(path: string): Promise<string> {
  return sha256Of(await readFile(path));
}

/** The sha256 of some bytes, hex. */
export function sha256Of(bytes: Buffer): string {
  return createHash('sha256').update(bytes).digest('hex');
}
