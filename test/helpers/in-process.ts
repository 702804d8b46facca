// Runs the real program in this process through its ProcessContext seam (src/cli.ts runProgram): the same handlers, settings and output as the bin, over buffers, without spawning Node.

import { rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { PassThrough, Readable, Writable } from 'node:stream';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ProcessContext } from '../../src/commands/context.js';
import { forgetSecrets } from '../../src/errors.js';
import { REPO_ROOT, type CliRun, type RunOptions } from './run-cli.js';

// The bundle has its version written in at build time; the sources read this global instead (src/version.ts).
(globalThis as Record<string, unknown>).__WA_UPLOAD_VERSION__ ??= (JSON.parse(readFileSync(join(REPO_ROOT, 'package.json'), 'utf8')) as { version: string }).version;
/** The program, imported once the version is set. */
const program = import('../../src/cli.js');

/** A writable that keeps what it is given, as text. */
class TextSink extends Writable {
  text = '';
  isTTY = false;
  override _write(chunk: Buffer | string, _encoding: BufferEncoding, callback: () => void): void {
    this.text += typeof chunk === 'string' ? chunk : chunk.toString('utf8');
    callback();
  }
}

/** What an in-process run lets a test do while it runs. */
export interface InProcessControl {
  /** Delivers SIGINT or SIGTERM to the run, as the process's signal listener would. */
  signal(name: 'SIGINT' | 'SIGTERM'): void;
}

/**
 * Runs `wa-upload ...args` in-process with the same clean environment as runCli (PATH, HOME, LANG and the given
 * variables, nothing of the developer's), in `options.cwd` (the process's working folder is switched for the run).
 */
export async function runInProcess(args: string[], options: RunOptions & { onStart?: (control: InProcessControl) => void } = {}): Promise<CliRun> {
  const env: Record<string, string> = { PATH: process.env.PATH ?? '', HOME: options.cwd ?? tmpdir(), LANG: 'C.UTF-8' };
  for (const [key, value] of Object.entries(options.env ?? {})) if (value !== undefined) env[key] = value;
  const stdout = new TextSink();
  const stderr = new TextSink();
  let stdin: Readable;
  if (options.input !== undefined) stdin = Readable.from([Buffer.from(options.input)]);
  else {
    stdin = new PassThrough();
    (stdin as PassThrough).end();
  }
  const signalHandlers = new Set<(signal: 'SIGINT' | 'SIGTERM') => void>();
  const tempPaths = new Set<string>();
  const cwd = options.cwd ?? REPO_ROOT;
  const context: ProcessContext = {
    env,
    cwd,
    stdin,
    stdout,
    stderr,
    onSignal: (handler) => {
      signalHandlers.add(handler);
      return () => signalHandlers.delete(handler);
    },
    removeOnExit: (path) => {
      tempPaths.add(path);
      return () => tempPaths.delete(path);
    },
  };
  options.onStart?.({
    signal: (name) => {
      for (const handler of signalHandlers) handler(name);
    },
  });
  forgetSecrets();
  process.chdir(cwd);
  try {
    const code = await (await program).runProgram(args, context);
    if (options.onStderr && stderr.text) options.onStderr(stderr.text);
    return { code, signal: null, stdout: stdout.text, stderr: stderr.text };
  } finally {
    // Back to the repository, never to a folder a test may remove.
    process.chdir(REPO_ROOT);
    for (const path of tempPaths) rmSync(path, { recursive: true, force: true });
  }
}

/** Variables read through process.env by libraries (the proxy, Node's TLS): only a real process has them. */
const PROCESS_ONLY_VARIABLES = ['HTTP_PROXY', 'HTTPS_PROXY', 'ALL_PROXY', 'NO_PROXY', 'http_proxy', 'https_proxy', 'all_proxy', 'no_proxy', 'NODE_EXTRA_CA_CERTS', 'NODE_OPTIONS'];

/** True when a run needs a real process: signals to a child, a terminal, stdin left open, process-wide variables. */
export function needsProcess(options: RunOptions): boolean {
  if (options.onSpawn !== undefined || options.command !== undefined || options.keepStdinOpen === true || options.realProcess === true) return true;
  return PROCESS_ONLY_VARIABLES.some((name) => options.env?.[name] !== undefined);
}
