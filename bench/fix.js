// --fix beside ffmpeg alone: a 10 s 1080p HEVC clip to H.264 and a 3-minute stereo MP3 to a voice note, made at bench
// time; wa-upload's whole run (start-up, checks, conversion, hashes, upload to a local sandbox) against the same ffmpeg
// command run by itself, and wa-upload's own peak memory. `node bench/run.js --only fix`.

import { spawn, spawnSync } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { availableParallelism, loadavg, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { withMarkedBlock } from './report.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const cli = join(root, 'bin', 'wa-upload.cjs');
const RUNS = Math.max(1, Math.min(15, Number(process.env.BENCH_FIX_RUNS) || 5));
const TOKEN = `EAAbench${'0123456789abcdef'.repeat(8)}`;
const PHONE = '100000000000001';
const TARGET_OVERHEAD = 0.1;

const median = (values) => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
};

/** Runs ffmpeg to make a bench input; throws with its stderr when it fails. */
function make(ffmpeg, args) {
  const run = spawnSync(ffmpeg, ['-nostdin', '-v', 'error', '-y', ...args], { encoding: 'utf8', timeout: 600_000 });
  if (run.status !== 0) throw new Error(`making a bench input failed: ${run.stderr}`);
}

/** Runs a command, resolving with its wall time in milliseconds; rejects when it fails. */
function timed(command, args, env) {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const child = spawn(command, args, { env, stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.setEncoding('utf8').on('data', (chunk) => (stderr += chunk.slice(0, 4096)));
    child.on('error', reject);
    child.on('close', (code) => (code === 0 ? resolve(performance.now() - started) : reject(new Error(`${command} exited ${code}: ${stderr.trim()}`))));
  });
}

/** Starts `wa-upload sandbox --no-store` on a free port; resolves with its URL and a stop function. */
function startSandbox(env) {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [cli, 'sandbox', '--port', '0', '--no-store', '--token', TOKEN], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.setEncoding('utf8').on('data', (chunk) => {
      out += chunk;
      const url = /WA_BASE_URL=['"]?(http:\/\/127\.0\.0\.1:\d+)/.exec(out)?.[1];
      if (url) resolve({ url, stop: () => child.kill('SIGTERM') });
    });
    child.on('error', reject);
    child.on('close', (code) => reject(new Error(`sandbox exited ${code} before listening`)));
  });
}

/** Measures every case; returns rows for the table. */
export async function fixBench(log = (line) => process.stderr.write(`${line}\n`)) {
  const ffmpeg = spawnSync('sh', ['-c', 'command -v ffmpeg'], { encoding: 'utf8' }).stdout.trim();
  if (!ffmpeg) throw new Error('bench fix: no ffmpeg on PATH');
  const dir = await mkdtemp(join(tmpdir(), 'wa-bench-fix-'));
  const loadAtStart = loadavg()[0];
  const env = { PATH: process.env.PATH, HOME: dir, LANG: 'C.UTF-8', TMPDIR: dir, WA_UPLOAD_NO_CONFIG: '1' };
  const sandbox = await startSandbox(env);
  try {
    const clip = join(dir, 'clip-hevc-1080p.mp4');
    const song = join(dir, 'song-stereo-3min.mp3');
    log('bench fix: making a 10 s 1080p HEVC clip and a 3-minute stereo MP3');
    make(ffmpeg, ['-f', 'lavfi', '-i', 'testsrc2=size=1920x1080:rate=30:duration=10', '-f', 'lavfi', '-i', 'sine=frequency=440:duration=10', '-c:v', 'libx265', '-preset', 'ultrafast', '-crf', '30', '-tag:v', 'hvc1', '-x265-params', 'log-level=none', '-pix_fmt', 'yuv420p', '-c:a', 'aac', '-b:a', '96k', '-movflags', '+faststart', clip]);
    make(ffmpeg, ['-f', 'lavfi', '-i', 'sine=frequency=440:duration=180', '-f', 'lavfi', '-i', 'sine=frequency=554:duration=180', '-filter_complex', '[0:a][1:a]join=inputs=2:channel_layout=stereo', '-c:a', 'libmp3lame', '-b:a', '128k', song]);
    // wa-upload's own peak memory, from inside its process (ffmpeg's is its own): written at exit by a preloaded probe.
    const probe = join(dir, 'rss-probe.cjs');
    await writeFile(probe, "process.on('exit', () => require('fs').writeFileSync(process.env.BENCH_RSS_FILE, String(process.resourceUsage().maxRSS)));\n");
    const waEnv = { ...env, WA_TOKEN: TOKEN, WA_PHONE_NUMBER_ID: PHONE, WA_BASE_URL: sandbox.url };
    const cases = [
      { label: '10 s 1080p HEVC → H.264 (`--fix`)', file: clip, flags: ['--fix'] },
      { label: '3 min stereo MP3 → voice note (`--voice`)', file: song, flags: ['--voice'] },
      { label: '20 KB JPEG that needs nothing (`--fix`)', file: join(root, 'fixtures/valid/photo.jpg'), flags: ['--fix'], noConversion: true },
    ];
    const rows = [];
    for (const item of cases) {
      // The ffmpeg command wa-upload runs, from its own --dry-run, with the output in the bench's folder.
      let command;
      if (!item.noConversion) {
        const dry = spawnSync(process.execPath, [cli, ...item.flags, '--dry-run', '--json', item.file], { env: waEnv, encoding: 'utf8' });
        command = JSON.parse(dry.stdout.trim()).fixed.command;
        command[command.length - 1] = `file:${join(dir, `alone-${rows.length}${command.at(-1).slice(command.at(-1).lastIndexOf('.'))}`)}`;
      }
      const wa = [];
      const alone = [];
      const rss = [];
      for (let round = 0; round < RUNS; round++) {
        log(`bench fix: ${item.label}, round ${round + 1} of ${RUNS}`);
        const rssFile = join(dir, 'rss.txt');
        const runWa = async () => {
          wa.push(await timed(process.execPath, [cli, '--quiet', ...item.flags, item.file], { ...waEnv, NODE_OPTIONS: `--require ${probe}`, BENCH_RSS_FILE: rssFile }));
          rss.push(Number(await readFile(rssFile, 'utf8')) / 1024);
        };
        const runAlone = async () => {
          if (command) alone.push(await timed(command[0], command.slice(1), env));
        };
        // The order alternates so that neither always runs on a warmer machine.
        if (round % 2 === 0) {
          await runWa();
          await runAlone();
        } else {
          await runAlone();
          await runWa();
        }
      }
      rows.push({ label: item.label, waMs: median(wa), aloneMs: command ? median(alone) : undefined, rssMb: median(rss), runs: RUNS });
    }
    rows.load = [loadAtStart, loadavg()[0]];
    return rows;
  } finally {
    sandbox.stop();
    await rm(dir, { recursive: true, force: true });
  }
}

/** The rows as a Markdown table. */
export function fixTable(rows) {
  const lines = ['| case | ffmpeg alone | wa-upload (whole run) | overhead | wa-upload peak RSS (its own) |', '|---|---:|---:|---:|---:|'];
  for (const row of rows) {
    const overhead = row.aloneMs === undefined ? 'n/a' : `${(((row.waMs - row.aloneMs) / row.aloneMs) * 100).toFixed(1)} % (+${Math.round(row.waMs - row.aloneMs)} ms)`;
    lines.push(`| ${row.label} | ${row.aloneMs === undefined ? 'n/a' : `${(row.aloneMs / 1000).toFixed(2)} s`} | ${(row.waMs / 1000).toFixed(2)} s | ${overhead} | ${row.rssMb.toFixed(0)} MB |`);
  }
  return lines.join('\n');
}

/** BENCHMARKS.md with its --fix block put in or replaced. */
export function withFixSection(previous, rows, nodeVersion, date) {
  const worst = Math.max(...rows.filter((r) => r.aloneMs !== undefined).map((r) => (r.waMs - r.aloneMs) / r.aloneMs));
  const block = [
    '<!-- bench: fix -->',
    `## --fix (${nodeVersion}, ${date})`,
    '',
    'Written by `node bench/run.js --only fix` (and at the end of `npm run bench`). Inputs made at bench time with ffmpeg: a 10 s',
    '1080p HEVC clip (testsrc2, x265) and a 3-minute stereo MP3 (two tones, 128 kb/s). "wa-upload" is the whole run of',
    '`wa-upload --quiet --fix` (or `--voice`) to a local `wa-upload sandbox --no-store`: start-up, the content checks, the',
    'conversion, hashing both files, the check of the result and the upload. "ffmpeg alone" runs the same ffmpeg command (taken',
    "from `--dry-run --json`) by itself. Peak RSS is wa-upload's own process (ffmpeg's memory is ffmpeg's), from",
    `\`process.resourceUsage()\` at exit. Medians of ${rows[0]?.runs ?? RUNS} runs (BENCH_FIX_RUNS), the order alternating.`,
    `Target: overhead within 10 % of ffmpeg's own time, memory flat. Worst overhead this run: ${(worst * 100).toFixed(1)} % (${worst <= TARGET_OVERHEAD ? 'met' : 'missed'}).`,
    ...(rows.load ? [`Load average (1 min) at start and end: ${rows.load.map((l) => l.toFixed(2)).join(' and ')} on ${availableParallelism()} cores (other work on the machine moves the figures).`] : []),
    '',
    fixTable(rows),
    '<!-- bench: end fix -->',
  ].join('\n');
  return withMarkedBlock(previous, 'fix', block);
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const rows = await fixBench();
  process.stdout.write(`${fixTable(rows)}\n`);
}
