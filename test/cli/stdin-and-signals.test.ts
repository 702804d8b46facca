// stdin spooling and signals through the CLI: over-limit input, a signal while stdin is read, a second Ctrl-C mid-transfer; exit 4/130/143 and no temp file left behind.

import { createServer, type Server } from 'node:http';
import { mkdtemp, readdir, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ChildProcess } from 'node:child_process';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { useCliSandbox } from '../helpers/cli-sandbox.js';
import { FIXTURES, TEST_TOKEN, runCli, sandboxEnv, type CliRun } from '../helpers/run-cli.js';

const cli = useCliSandbox();
const png = join(FIXTURES, 'valid', 'image.png');
const EXIT = { SIGINT: 130, SIGTERM: 143 } as const;

/** A private temp folder per test, so "nothing left in the temp folder" means nothing this run made. */
let privateTmp = '';
beforeEach(async () => {
  privateTmp = await mkdtemp(join(tmpdir(), 'wa-private-tmp-'));
});
afterEach(async () => {
  await rm(privateTmp, { recursive: true, force: true });
});

/** Polls until `check` holds (every 20 ms, at most 15 s); throws naming what never happened. */
async function waitFor(what: string, check: () => Promise<boolean> | boolean): Promise<void> {
  for (let i = 0; i < 750; i++) {
    if (await check()) return;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  throw new Error(`never happened: ${what}`);
}

/** Starts `wa-upload --type image/png -` with the PNG's bytes written to stdin and stdin left open (a writer still busy). */
async function startSpooling(onSpawn: (child: ChildProcess) => void): Promise<CliRun> {
  return cli.run(['--type', 'image/png', '-'], { env: { TMPDIR: privateTmp }, input: await readFile(png), keepStdinOpen: true, onSpawn, timeoutMs: 20_000 });
}

/** Waits until the stdin spool file in the private temp folder holds all of `bytes`: the CLI is in the middle of reading stdin. */
async function spoolHolds(bytes: Buffer): Promise<void> {
  await waitFor('the stdin spool file filled', async () => {
    for (const entry of await leftIn(privateTmp)) {
      if (entry.endsWith('stdin.png') && (await stat(join(privateTmp, entry))).size === bytes.length) return true;
    }
    return false;
  });
}

/**
 * Delivers two signals at the same moment, as an impatient second Ctrl-C on a busy machine does: the process is
 * stopped, both are sent, and it continues with both pending (different signals, so the kernel cannot merge them).
 */
function twoSignalsAtOnce(child: ChildProcess): void {
  child.kill('SIGSTOP');
  child.kill('SIGINT');
  child.kill('SIGTERM');
  child.kill('SIGCONT');
}

/** Every path under `dir`, relative, for asserting that nothing was left. */
async function leftIn(dir: string): Promise<string[]> {
  return (await readdir(dir, { recursive: true })).map(String);
}

describe('a signal while stdin is read', () => {
  it.each(['SIGINT', 'SIGTERM'] as const)('%s while `-` is spooled ends the run at once and removes the spool file', async (signal) => {
    let child: ChildProcess | undefined;
    const run = startSpooling((c) => (child = c));
    await spoolHolds(await readFile(png));
    child!.kill(signal);
    const result = await run;
    child!.stdin?.destroy();
    expect(result.code).toBe(EXIT[signal]);
    expect(result.stderr).toContain(`interrupted by ${signal} while reading stdin`);
    expect(result.stdout).toBe('');
    expect(await leftIn(privateTmp)).toEqual([]);
    expect(cli.sandbox.requests).toHaveLength(0);
  });

  it.each([
    ['SIGINT', 'info', ['info', '--verbose', '--token-file', '-', '1234567890']],
    ['SIGTERM', 'upload', ['--verbose', '--token-file', '-', png]],
  ] as const)('%s while --token-file - waits for the token ends `%s` at once', async (signal, _command, args) => {
    const { child, run } = await readingTheToken([...args]);
    child.kill(signal);
    const result = await run;
    child!.stdin?.destroy();
    expect(result.code).toBe(EXIT[signal]);
    expect(result.stderr).toContain(`interrupted by ${signal} while reading the token from stdin`);
    expect(result.stderr).not.toContain('empty');
    expect(result.stdout).toBe('');
    expect(cli.sandbox.requests).toHaveLength(0);
  });

  it('Ctrl-C in a pipeline (the writer ends with the signal) is an interrupt, never "token file (stdin) is empty"', async () => {
    const { child, run } = await readingTheToken(['--verbose', '--token-file', '-', png]);
    // The shell sends SIGINT to the whole pipeline: the writer dies and stdin ends at the same moment.
    child.kill('SIGINT');
    child.stdin!.end();
    const result = await run;
    expect(result.code).toBe(130);
    expect(result.stderr).toContain('interrupted by SIGINT while reading the token from stdin');
    expect(result.stderr).not.toContain('empty');
  });
});

/** Starts the CLI with --token-file - and stdin open, and resolves once it says it is reading the token. */
async function readingTheToken(args: string[]): Promise<{ child: ChildProcess; run: Promise<CliRun> }> {
  let child: ChildProcess | undefined;
  let stderr = '';
  const run = cli.run(args, {
    env: { TMPDIR: privateTmp, WA_TOKEN: undefined },
    keepStdinOpen: true,
    onSpawn: (c) => (child = c),
    onStderr: (chunk) => (stderr += chunk),
    timeoutMs: 20_000,
  });
  await waitFor('"reading the token from stdin"', () => stderr.includes('reading the token from stdin'));
  return { child: child!, run };
}

describe('a second signal exits at once and still leaves no temp file', () => {
  it('while `-` is spooled: the spool file in the temp folder is removed', async () => {
    let child: ChildProcess | undefined;
    const run = startSpooling((c) => (child = c));
    await spoolHolds(await readFile(png));
    twoSignalsAtOnce(child!);
    const result = await run;
    child!.stdin?.destroy();
    // Either signal may be taken first (the kernel may hand them to different threads): the second one ends the run.
    expect([130, 143]).toContain(result.code);
    expect(await leftIn(privateTmp)).toEqual([]);
  });

  describe('during a download', () => {
    let server: Server;
    let url = '';
    beforeEach(async () => {
      // Answers the media info, then sends the first bytes of the media and never the rest.
      server = createServer((request, response) => {
        if (request.url === '/media') {
          response.writeHead(200, { 'content-type': 'image/png', 'content-length': '100000' });
          response.write(Buffer.alloc(1000, 7));
          return;
        }
        response.writeHead(200, { 'content-type': 'application/json' });
        response.end(JSON.stringify({ id: '1234567890', url: `${url}/media`, mime_type: 'image/png', sha256: 'a'.repeat(64), file_size: 100000, messaging_product: 'whatsapp' }));
      });
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      const address = server.address();
      url = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
    });
    afterEach(async () => {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    });

    it('the .part file beside the target is removed', async () => {
      let child: ChildProcess | undefined;
      const cwd = cli.dirs.cwd;
      const run = runCli(['download', '1234567890', '-o', 'out.png'], {
        cwd,
        env: { HOME: cli.dirs.home, TMPDIR: privateTmp, ...sandboxEnv(url), WA_TOKEN: TEST_TOKEN },
        onSpawn: (c) => (child = c),
        timeoutMs: 20_000,
      });
      await waitFor('the .part file beside the target', async () => (await readdir(cwd)).some((name) => /^\.out\.png\.[0-9a-f]+\.part$/.test(name)));
      twoSignalsAtOnce(child!);
      const result = await run;
      expect([130, 143]).toContain(result.code);
      expect(await readdir(cwd)).toEqual([]);
      expect(await leftIn(privateTmp)).toEqual([]);
    });
  });
});
