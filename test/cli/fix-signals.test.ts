// Ctrl-C and SIGTERM during a --fix conversion, as only a real process shows them: ffmpeg stopped (no orphan), the
// private folder gone; and the spinner's conversion progress on a terminal.

import { spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { useCliSandbox } from '../helpers/cli-sandbox.js';
import { TEST_PHONE_NUMBER_ID, runOnTerminal, sandboxEnv } from '../helpers/run-cli.js';

const cli = useCliSandbox({ phoneNumberIds: [TEST_PHONE_NUMBER_ID] });
const EXIT = { SIGINT: 130, SIGTERM: 143 } as const;

/** A video long enough that converting it takes seconds (30 s of 640x360 to re-encode as H.264). */
let input: string;
let inputDir: string;
beforeAll(async () => {
  inputDir = await mkdtemp(join(tmpdir(), 'wa-fix-long-'));
  input = join(inputDir, 'long.mov');
  const made = spawnSync('ffmpeg', ['-nostdin', '-v', 'error', '-f', 'lavfi', '-i', 'testsrc=s=640x360:r=25:d=30', '-c:v', 'mpeg4', '-q:v', '31', input]);
  expect(made.status).toBe(0);
}, 60_000);
afterAll(async () => {
  await rm(inputDir, { recursive: true, force: true });
});

/** The ffmpeg processes whose parent is `pid`. */
function ffmpegChildren(pid: number): number[] {
  const listing = spawnSync('ps', ['-o', 'pid=,comm=', '--ppid', String(pid)], { encoding: 'utf8' }).stdout;
  return listing
    .split('\n')
    .map((line) => line.trim().split(/\s+/))
    .filter(([, comm]) => comm === 'ffmpeg')
    .map(([childPid]) => Number(childPid));
}

/** True while a process with this pid exists (and is not a zombie waiting to be reaped). */
function alive(pid: number): boolean {
  const state = spawnSync('ps', ['-o', 'stat=', '-p', String(pid)], { encoding: 'utf8' }).stdout.trim();
  return state !== '' && !state.startsWith('Z');
}

async function waitFor<T>(what: string, probe: () => T | undefined | Promise<T | undefined>, ms = 20_000): Promise<T> {
  const until = Date.now() + ms;
  while (Date.now() < until) {
    const value = await probe();
    if (value !== undefined) return value;
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
  throw new Error(`never happened: ${what}`);
}

describe('a signal during a conversion', () => {
  it.each([
    ['SIGINT', ['SIGINT']],
    ['SIGTERM', ['SIGTERM']],
    ['a second Ctrl-C (leave at once)', ['SIGINT', 'SIGINT']],
  ] as const)('%s: ffmpeg is stopped with the run, no orphan, no temp folder left, nothing sent', async (_name, signals) => {
    const tmp = await mkdtemp(join(tmpdir(), 'wa-fix-sig-'));
    try {
      let child: ChildProcess | undefined;
      const running = cli.run(['--fix', input], { env: { TMPDIR: tmp }, onSpawn: (c) => (child = c), timeoutMs: 60_000 });
      const spawned = await waitFor('the CLI spawned', () => child);
      // Converting: the private folder exists (it is made for the conversion, after the duration is probed) and ffmpeg runs.
      await waitFor('the private folder', async () => ((await readdir(tmp)).some((name) => name.startsWith('wa-upload-fix-')) ? true : undefined));
      const ffmpeg = await waitFor('ffmpeg converting', () => ffmpegChildren(spawned.pid!)[0]);
      for (const signal of signals) spawned.kill(signal);
      const result = await running;
      expect(result.code).toBe(EXIT[signals[0]]);
      await waitFor('ffmpeg gone', () => (alive(ffmpeg) ? undefined : true), 5000);
      expect(await readdir(tmp)).toEqual([]);
      expect(cli.sandbox.requests).toHaveLength(0);
      if (signals.length === 1) expect(result.stderr).toContain(`interrupted by ${signals[0]}`);
    } finally {
      await rm(tmp, { recursive: true, force: true });
    }
  }, 60_000);
});

describe('on a terminal', () => {
  it('the spinner shows the conversion\'s progress (from ffmpeg\'s -progress), then the ID', async () => {
    const tmp = await mkdtemp(join(tmpdir(), 'wa-fix-tty-'));
    try {
      const result = await runOnTerminal(['--fix', input], { columns: 120, cwd: cli.dirs.cwd, env: { HOME: cli.dirs.home, TMPDIR: tmp, ...sandboxEnv(cli.sandbox.url) } });
      expect(result.code).toBe(0);
      const percents = [...result.stdout.matchAll(/converting \S+long\.mov \((\d+) %\)/g)].map((m) => Number(m[1]));
      expect(percents.length).toBeGreaterThan(0);
      expect(Math.max(...percents)).toBeGreaterThan(0);
      expect(result.stdout).toContain((cli.sandbox.requests[0]!.responseBody as { id: string }).id);
      expect(await readdir(tmp)).toEqual([]);
    } finally {
      await rm(tmp, { recursive: true, force: true });
    }
  }, 60_000);
});
