// URL sources: a 95 MB file fetched from a local host and uploaded (`wa-upload <url>`) beside `curl -o file && wa-upload file`, and the
// same file uploaded from disk, time and peak RSS; a 20 KB pair shows how far 95 MB moves the peak. `node bench/run.js --only url`.

import { spawn } from 'node:child_process';
import { createReadStream, statSync } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomFillSync } from 'node:crypto';
import { findGnuTime, killGroup, liveChildren, measure, median } from './measure.js';
import { withMarkedBlock } from './report.js';

const BIG_BYTES = 95_000_000;
const SMALL_BYTES = 20_000;
const TOKEN = `EAAbench${'0123456789abcdef'.repeat(8)}`;
const PHONE = '100000000000001';
const RUNS = Math.max(1, Math.min(20, Number(process.env.BENCH_URL_RUNS) || 5));

/** A PDF-like file of `bytes`: the header, random bytes, the trailer. */
async function pdfLike(path, bytes) {
  const head = Buffer.from('%PDF-1.7\n');
  const tail = Buffer.from('\n%%EOF\n');
  const body = Buffer.alloc(bytes - head.length - tail.length);
  randomFillSync(body);
  await writeFile(path, Buffer.concat([head, body, tail]));
}

/** A file host on loopback streaming files from `dir` with their Content-Length and Content-Type. */
async function startFileHost(dir) {
  const server = createServer((req, res) => {
    const path = join(dir, (req.url ?? '/').split('?')[0].replace(/^\/+/, '').replace(/[^\w.-]/g, ''));
    let size;
    try {
      size = statSync(path).size;
    } catch {
      res.writeHead(404);
      res.end();
      return;
    }
    res.writeHead(200, { 'content-type': 'application/pdf', 'content-length': size });
    createReadStream(path).pipe(res);
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${server.address().port}`, close: () => new Promise((resolve) => { server.closeAllConnections(); server.close(resolve); }) };
}

/** Starts bench/drain-server.cjs (reads each upload's body, answers a media ID); resolves with its URL and a stop. */
async function startDrain(root, node, env) {
  const child = spawn(node, [join(root, 'bench', 'drain-server.cjs')], { env, stdio: ['ignore', 'pipe', 'ignore'], detached: true });
  liveChildren.add(child);
  const url = await new Promise((resolve, reject) => {
    let out = '';
    const timer = setTimeout(() => reject(new Error('drain server did not start within 15 s')), 15_000);
    child.stdout.on('data', (chunk) => {
      out += chunk;
      const match = /WA_BASE_URL=(\S+)/.exec(out);
      if (match) {
        clearTimeout(timer);
        resolve(match[1]);
      }
    });
  });
  return { url, stop: () => killGroup(child, 'SIGKILL') };
}

/**
 * Measures every tool RUNS times after one warm-up round (the code cache and the page cache), the order rotating
 * each round; returns the median time and peak RSS of each, and the failures.
 */
export async function urlSourceBench({ root, node = process.execPath, log = (line) => process.stderr.write(`${line}\n`), cleanEnv = (extra) => ({ PATH: process.env.PATH, HOME: process.env.HOME, ...extra }) }) {
  const timeBin = findGnuTime();
  const scratch = await mkdtemp(join(tmpdir(), 'wa-bench-url-'));
  const files = join(scratch, 'files');
  await mkdir(files, { recursive: true });
  const drain = await startDrain(root, node, cleanEnv({}));
  const host = await startFileHost(files);
  try {
    await pdfLike(join(files, 'big.pdf'), BIG_BYTES);
    await pdfLike(join(files, 'small.pdf'), SMALL_BYTES);
    const cli = join(root, 'bin', 'wa-upload.cjs');
    const env = cleanEnv({ WA_BASE_URL: drain.url, WA_TOKEN: TOKEN, WA_PHONE_NUMBER_ID: PHONE, XDG_CACHE_HOME: join(scratch, 'cache'), TMPDIR: scratch });
    const curlThen = (name) => ['-c', `curl -sS -o "$2" "$1" && "$3" "$4" "$2"; status=$?; rm -f "$2"; exit $status`, 'sh', `${host.url}/${name}`, join(scratch, `copy-${name}`), node, cli];
    const tools = [
      { key: 'url', label: 'wa-upload <url> (95 MB)', command: node, args: [cli, `${host.url}/big.pdf`] },
      { key: 'curl', label: 'curl -o file && wa-upload file (95 MB)', command: 'sh', args: curlThen('big.pdf') },
      { key: 'file', label: 'wa-upload <file> (95 MB, on disk)', command: node, args: [cli, join(files, 'big.pdf')] },
      { key: 'url-small', label: 'wa-upload <url> (20 KB)', command: node, args: [cli, `${host.url}/small.pdf`] },
      { key: 'file-small', label: 'wa-upload <file> (20 KB, on disk)', command: node, args: [cli, join(files, 'small.pdf')] },
    ].map((t) => ({ ...t, samples: [], failures: [] }));
    log(`\nURL sources: ${RUNS} runs per tool, source host ${host.url}, drain-only API ${drain.url}`);
    for (let round = 0; round <= RUNS; round++) {
      for (const tool of tools.map((_, i) => tools[(i + round) % tools.length])) {
        const run = await measure(tool.command, tool.args, { env, cwd: scratch, timeoutMs: 120_000, timeBin, scratch });
        const ok = run.code === 0 && /^\d+\n$/.test(run.stdout);
        if (round === 0) continue;
        if (ok) tool.samples.push(run);
        else tool.failures.push(`exit ${run.code}: ${run.stderr.trim().split('\n').pop()?.slice(0, 160) ?? ''}`);
        log(`  ${tool.label.padEnd(40)} run ${round}/${RUNS}  ${ok ? `${(run.ms / 1000).toFixed(3)} s  ${Number.isFinite(run.rssMiB) ? run.rssMiB.toFixed(1) : '?'} MiB` : `FAILED: ${tool.failures.at(-1)}`}`);
      }
    }
    return {
      runs: RUNS,
      gnuTime: Boolean(timeBin),
      tools: tools.map((t) => ({ key: t.key, label: t.label, ok: t.samples.length, failures: t.failures, medianMs: median(t.samples.map((s) => s.ms)), medianRssMiB: median(t.samples.map((s) => s.rssMiB)) })),
    };
  } finally {
    drain.stop();
    await host.close();
    await rm(scratch, { recursive: true, force: true });
  }
}

/** The figures as a Markdown table and the two targets, judged. */
export function urlSourceTable(result) {
  const get = (key) => result.tools.find((t) => t.key === key);
  const s = (t) => (t && Number.isFinite(t.medianMs) ? `${(t.medianMs / 1000).toFixed(3)} s` : 'n/a');
  const m = (t) => (t && Number.isFinite(t.medianRssMiB) ? `${t.medianRssMiB.toFixed(1)} MiB` : 'n/a');
  const rows = result.tools.map((t) => `| ${t.label} | ${s(t)} | ${m(t)} | ${t.ok}/${result.runs}${t.failures.length ? ` (${t.failures[0]})` : ''} |`);
  const url = get('url');
  const curl = get('curl');
  const file = get('file');
  const moveUrl = url && get('url-small') ? url.medianRssMiB - get('url-small').medianRssMiB : Number.NaN;
  const moveFile = file && get('file-small') ? file.medianRssMiB - get('file-small').medianRssMiB : Number.NaN;
  const ratio = url && curl ? url.medianMs / curl.medianMs : Number.NaN;
  const verdict = (pass) => (pass === null ? 'n/a' : pass ? 'pass' : 'FAIL');
  return [
    '| tool | median time | median peak RSS | runs that counted |',
    '|---|---:|---:|---|',
    ...rows,
    '',
    '| target | measured | verdict |',
    '|---|---|---|',
    `| 95 MB URL source no slower than curl -o file && wa-upload file | ${s(url)} vs ${s(curl)}: ${Number.isFinite(ratio) ? `${ratio.toFixed(2)}×` : 'n/a'} | ${verdict(Number.isFinite(ratio) ? ratio <= 1.0 : null)} |`,
    `| Flat memory: 95 MB moves the peak of a URL source no more than of a file (+2 MiB slack) | URL +${Number.isFinite(moveUrl) ? moveUrl.toFixed(1) : 'n/a'} MiB, file +${Number.isFinite(moveFile) ? moveFile.toFixed(1) : 'n/a'} MiB (95 MB over 20 KB) | ${verdict(Number.isFinite(moveUrl) && Number.isFinite(moveFile) ? moveUrl <= moveFile + 2 : null)} |`,
  ].join('\n');
}

/** BENCHMARKS.md with the URL-source block replaced (or added before "## Reproduce"). */
export function withUrlSourceSection(previous, table, nodeVersion, date) {
  const block = [
    '<!-- bench: url -->',
    `## URL sources (${nodeVersion}, ${date})`,
    '',
    'Written by `node bench/run.js --only url` (and at the end of `npm run bench`), bench/url-source.js. A 95,000,000-byte PDF served',
    'from a file host on 127.0.0.1 (with its Content-Length) and uploaded to bench/drain-server.cjs: `wa-upload <url>` (fetched into a',
    'private spool, then streamed) beside `sh -c \'curl -sS -o copy URL && wa-upload copy\'` (its rm inside the timed command) and the',
    'same file uploaded from disk. Wall time from spawn to exit; peak RSS from GNU time (for the curl pair: the larger of curl and',
    'wa-upload). The 20 KB pair gives the baseline each 95 MB peak is compared with. Medians of 5 runs (BENCH_URL_RUNS) after a warm-up.',
    '',
    table,
    '<!-- bench: end url -->',
  ].join('\n');
  return withMarkedBlock(previous, 'url', block);
}
