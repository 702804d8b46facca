// Runs one child process with a timeout and returns its wall time (timed here) and peak RSS (from wait4, via GNU time).

import { spawn, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';

const OUTPUT_KEPT = 256 * 1024;

/** Every child still running, so that an error or Ctrl-C can end them (by process group, which each one leads). */
export const liveChildren = new Set();

/** Kills one child's whole process group (the child and anything it started), ignoring ones already gone. */
export function killGroup(child, signal = 'SIGKILL', { evenAfterExit = false } = {}) {
  if (!evenAfterExit && (child.exitCode !== null || child.signalCode !== null)) return;
  try {
    process.kill(-child.pid, signal);
  } catch {
    try {
      child.kill(signal);
    } catch {
      // Already gone.
    }
  }
}

/** GNU time's path when it is the real one (it must understand -f and -o), else undefined. */
export function findGnuTime() {
  for (const candidate of ['/usr/bin/time', '/bin/time']) {
    if (!existsSync(candidate)) continue;
    const probe = spawnSync(candidate, ['-f', '%M', 'true'], { encoding: 'utf8', timeout: 5000 });
    if (probe.status === 0 && /^\d+\s*$/m.test(probe.stderr)) return candidate;
  }
  return undefined;
}

let counter = 0;

/**
 * Runs `command args` and resolves with { ms, rssMiB, code, signal, timedOut, stdout, stderr }.
 * The wall time runs from spawn to the child's exit as seen here; GNU time (when given) adds one fork and exec,
 * the same for every tool. Peak RSS is the largest resident set of the child or any descendant it waited for.
 */
export async function measure(command, args, { env, cwd, timeoutMs, timeBin, scratch }) {
  counter += 1;
  const rssFile = join(scratch, `rss-${process.pid}-${counter}.txt`);
  const [file, argv] = timeBin ? [timeBin, ['-f', '%M', '-o', rssFile, command, ...args]] : [command, args];
  const stdout = [];
  const stderr = [];
  let stdoutBytes = 0;
  let stderrBytes = 0;
  let timedOut = false;
  const started = performance.now();
  const child = spawn(file, argv, { env, cwd, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
  liveChildren.add(child);
  child.stdout.on('data', (chunk) => {
    if (stdoutBytes < OUTPUT_KEPT) stdout.push(chunk);
    stdoutBytes += chunk.length;
  });
  child.stderr.on('data', (chunk) => {
    if (stderrBytes < OUTPUT_KEPT) stderr.push(chunk);
    stderrBytes += chunk.length;
  });
  const timer = setTimeout(() => {
    timedOut = true;
    killGroup(child);
  }, timeoutMs);
  const { code, signal, ms } = await new Promise((resolve, reject) => {
    child.once('error', (error) => {
      clearTimeout(timer);
      liveChildren.delete(child);
      reject(error);
    });
    child.once('exit', (exitCode, exitSignal) => {
      const ended = performance.now();
      clearTimeout(timer);
      resolve({ code: exitCode, signal: exitSignal, ms: ended - started });
    });
  });
  // Output may still be in the pipes; anything the child left running (holding them open) is ended with its group.
  if (child.stdout.readable || child.stderr.readable) {
    await new Promise((resolve) => {
      const grace = setTimeout(() => {
        killGroup(child, 'SIGKILL', { evenAfterExit: true });
        resolve();
      }, 2000);
      child.once('close', () => {
        clearTimeout(grace);
        resolve();
      });
    });
  }
  liveChildren.delete(child);
  let rssMiB = Number.NaN;
  if (timeBin) {
    const text = await readFile(rssFile, 'utf8').catch(() => '');
    // GNU time writes "Command exited with non-zero status N" before the figure when the child fails.
    const lines = text.trim().split('\n');
    const kib = Number(lines[lines.length - 1]);
    if (Number.isFinite(kib) && kib > 0) rssMiB = kib / 1024;
    await rm(rssFile, { force: true });
  }
  // GNU time reports a child's failure as its own exit status (and 128+N for a signal).
  return {
    ms,
    rssMiB,
    code,
    signal,
    timedOut,
    stdout: Buffer.concat(stdout).toString('utf8'),
    stderr: Buffer.concat(stderr).toString('utf8'),
  };
}

/** Median of finite numbers; NaN when there are none. */
export function median(values) {
  const sorted = values.filter((v) => Number.isFinite(v)).sort((a, b) => a - b);
  if (sorted.length === 0) return Number.NaN;
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}
