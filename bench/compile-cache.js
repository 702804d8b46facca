// Start-up of a 20 KB upload with wa-upload's own V8 code cache against Node's compile cache (module.enableCompileCache,
// NODE_COMPILE_CACHE; Node 22.1 and later), cold and warm, on each Node given: `node bench/compile-cache.js [node ...]`.
// Runs alternate run by run in a rotating order; prints the median of each, in milliseconds.

import { spawn, spawnSync } from 'node:child_process';
import { randomFillSync } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const cli = join(root, 'bin', 'wa-upload.cjs');
const RUNS = Number(process.env.BENCH_RUNS ?? 21);
const nodes = process.argv.length > 2 ? process.argv.slice(2) : [process.execPath];
const scratch = mkdtempSync(join(tmpdir(), 'wa-compile-cache-'));
const file = join(scratch, 'doc.pdf');
writeFileSync(file, Buffer.concat([Buffer.from('%PDF-1.4\n'), randomFillSync(Buffer.alloc(20_000 - 9))]));

/** Starts the sandbox on a free port and resolves with its URL. */
function startSandbox() {
  const child = spawn(process.execPath, [cli, 'sandbox', '--port', '0', '--no-store'], { stdio: ['ignore', 'pipe', 'ignore'], env: { PATH: process.env.PATH, HOME: scratch } });
  return new Promise((resolve, reject) => {
    let out = '';
    child.stdout.on('data', (chunk) => {
      out += chunk;
      const match = /WA_BASE_URL=(\S+)/.exec(out);
      if (match) resolve({ url: match[1], stop: () => child.kill('SIGINT') });
    });
    child.once('exit', (code) => reject(new Error(`sandbox exited (${code})`)));
  });
}

/** One timed run of `node bin/wa-upload.cjs doc.pdf` with this environment; fails on anything but one media ID. */
function timedRun(node, env) {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const child = spawn(node, [cli, file], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (chunk) => (out += chunk));
    child.stderr.on('data', (chunk) => (err += chunk));
    child.once('exit', (code) => {
      const ms = performance.now() - started;
      if (code !== 0 || !/^\d+\n$/.test(out) || err !== '') reject(new Error(`run failed (${code}): ${err.trim()}`));
      else resolve(ms);
    });
  });
}

const median = (values) => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
};

const sandbox = await startSandbox();
try {
  for (const node of nodes) {
    const version = spawnSync(node, ['-v'], { encoding: 'utf8' }).stdout.trim();
    const hasCompileCache = spawnSync(node, ['-p', "typeof require('node:module').enableCompileCache"], { encoding: 'utf8' }).stdout.trim() === 'function';
    const base = { PATH: process.env.PATH, HOME: scratch, WA_BASE_URL: sandbox.url, WA_TOKEN: 'EAAbenchTOKEN0123456789abcdefghij', WA_PHONE_NUMBER_ID: '100000000000001' };
    const fresh = () => mkdtempSync(join(scratch, 'cache-'));
    const ownWarm = fresh();
    const nodeWarm = fresh();
    // Each variant: the environment of one run (a cold one gets an empty folder every time).
    const variants = [
      ['no cache', () => ({ ...base, WA_UPLOAD_NO_CACHE: '1' })],
      ['own code cache, cold', () => ({ ...base, XDG_CACHE_HOME: fresh() })],
      ['own code cache, warm', () => ({ ...base, XDG_CACHE_HOME: ownWarm })],
      ...(hasCompileCache
        ? [
            ["Node's compile cache, cold", () => ({ ...base, WA_UPLOAD_NO_CACHE: '1', NODE_COMPILE_CACHE: fresh() })],
            ["Node's compile cache, warm", () => ({ ...base, WA_UPLOAD_NO_CACHE: '1', NODE_COMPILE_CACHE: nodeWarm })],
          ]
        : []),
    ];
    // Warm-up: fills the warm folders (the own cache is written at the second run of a kind) and the disk cache.
    for (let i = 0; i < 3; i++) for (const [, env] of variants) await timedRun(node, env());
    const times = variants.map(() => []);
    for (let round = 0; round < RUNS; round++) {
      for (let k = 0; k < variants.length; k++) {
        const i = (round + k) % variants.length;
        times[i].push(await timedRun(node, variants[i][1]()));
      }
    }
    const noCache = median(times[0]);
    console.log(`\n${version}${hasCompileCache ? '' : ' (no module.enableCompileCache)'}: median of ${RUNS} runs each, 20 KB upload`);
    for (const [i, [label]] of variants.entries()) {
      const ms = median(times[i]);
      console.log(`  ${label.padEnd(28)} ${ms.toFixed(1).padStart(6)} ms  ${(ms / noCache).toFixed(2)}× no cache`);
    }
  }
} finally {
  sandbox.stop();
  rmSync(scratch, { recursive: true, force: true });
}
