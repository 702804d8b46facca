// The --reuse cache at 1,000 and 200,000 entries: the single-file store of 92eee4c beside the sharded one, a run that
// adds one entry and a lookup-only run, time and peak RSS, each run in a fresh process. `node bench/run.js --only reuse`.

import { spawnSync } from 'node:child_process';
import { mkdir, mkdtemp, rm, symlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const driver = join(root, 'bench', 'reuse-cache-driver.js');
const OLD_REF = '92eee4c';
const SIZES = [1_000, 200_000];
const RUNS = Math.max(1, Math.min(20, Number(process.env.BENCH_REUSE_RUNS) || 5));

const median = (values) => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
};

/** The reuse-cache module of `ref` (or of this checkout), bundled into one ES module in `dir`. */
async function bundle(dir, label, ref) {
  let source = join(root, 'src');
  if (ref) {
    const tree = join(dir, `${label}-tree`);
    await mkdir(tree, { recursive: true });
    const archive = spawnSync('sh', ['-c', 'git -C "$1" archive "$2" src | tar -x -C "$3"', 'sh', root, ref, tree], { encoding: 'utf8' });
    if (archive.status !== 0) throw new Error(`git archive ${ref} failed: ${archive.stderr.trim()}`);
    await symlink(join(root, 'node_modules'), join(tree, 'node_modules'));
    source = join(tree, 'src');
  }
  const outfile = join(dir, `${label}.mjs`);
  await build({ entryPoints: [join(source, 'upload', 'reuse-cache.ts')], bundle: true, platform: 'node', format: 'esm', target: 'node20', outfile, logLevel: 'error' });
  return outfile;
}

function drive(module, mode, home, count, work) {
  const started = process.hrtime.bigint();
  const run = spawnSync(process.execPath, [driver, module, mode, home, String(count), work], { encoding: 'utf8', timeout: 600_000 });
  const processMs = Number(process.hrtime.bigint() - started) / 1e6;
  if (run.status !== 0) throw new Error(`${mode} failed: ${run.stderr.trim()}`);
  const result = { ...JSON.parse(run.stdout.trim().split('\n').pop()), processMs };
  if (result.warnings.length) throw new Error(`${mode} warned: ${result.warnings.join('; ')}`);
  return result;
}

/** Measures every store, size and run kind; returns rows for the table. */
export async function reuseCacheBench(log = (line) => process.stderr.write(`${line}\n`)) {
  const dir = await mkdtemp(join(tmpdir(), 'wa-bench-reuse-'));
  try {
    const stores = [
      { label: `single file (${OLD_REF})`, module: await bundle(dir, 'old', OLD_REF) },
      { label: 'sharded (now)', module: await bundle(dir, 'new') },
    ];
    const rows = [];
    for (const size of SIZES) {
      for (const store of stores) {
        const home = join(dir, `home-${store.label.split(' ')[0]}-${size}`);
        const work = join(dir, `work-${store.label.split(' ')[0]}-${size}`);
        await mkdir(home, { recursive: true });
        await mkdir(work, { recursive: true });
        log(`bench reuse: seeding ${size.toLocaleString('en')} entries, ${store.label}`);
        drive(store.module, 'seed', home, size, work);
        for (const mode of ['add', 'lookup']) {
          const runs = Array.from({ length: RUNS }, () => drive(store.module, mode, home, size, work));
          rows.push({ size, store: store.label, mode, ms: median(runs.map((r) => r.ms)), processMs: median(runs.map((r) => r.processMs)), rssMb: median(runs.map((r) => r.maxRssKb)) / 1024, runs: RUNS });
        }
        await rm(home, { recursive: true, force: true });
      }
    }
    return rows;
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** The rows as a Markdown table: each size and run kind, the old store beside the new. */
export function reuseCacheTable(rows) {
  const lines = ['| entries | run | store | cache time | whole process | peak RSS |', '|---:|---|---|---:|---:|---:|'];
  for (const row of rows) {
    const run = row.mode === 'add' ? 'adds one entry' : 'lookup only';
    lines.push(`| ${row.size.toLocaleString('en')} | ${run} | ${row.store} | ${row.ms < 10 ? row.ms.toFixed(1) : Math.round(row.ms)} ms | ${Math.round(row.processMs)} ms | ${row.rssMb.toFixed(0)} MB |`);
  }
  return lines.join('\n');
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const rows = await reuseCacheBench();
  // For reference: what an empty Node process takes, of which every row's RSS holds as much.
  const empty = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.resourceUsage().maxRSS))'], { encoding: 'utf8' });
  process.stderr.write(`bench reuse: an empty node process peaks at ${(Number(empty.stdout) / 1024).toFixed(0)} MB\n`);
  process.stdout.write(`${reuseCacheTable(rows)}\n`);
}
