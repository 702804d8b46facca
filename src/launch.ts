// Starts the CLI: checks the Node version, then loads the CLI's code (dist/cli.cjs, and main.cjs or extras.cjs when it
// requires them) through a V8 code cache kept in the user's cache folder, and runs it. Built on its own into
// dist/launch.cjs (Node 16 syntax, so that an old Node gets to the version check), which bin/wa-upload.cjs requires.

// CommonJS (bin/wa-upload.cjs and dist/launch.cjs are): an ES-module entry would start Node's ESM loader
// for one import (~3 ms).
// Compiling the code is most of what start-up costs beyond Node itself; V8 can instead take the compiled code from a
// previous run (vm.Script cachedData). Cached data is code: V8 runs it without comparing it with the source beyond its
// length. So the cache is used only when nobody else can write it (its folder and files are the user's own and not
// writable by group or others), and each file's cached data is stored with the exact source it was compiled from and
// used only for that source. The cache is a convenience and never an error: anything wrong with it (missing, damaged,
// from another build or Node, not private, an unwritable folder, rejected by V8) means compiling as without it, silently.
import fs from 'node:fs';
import Module from 'node:module';
import os from 'node:os';
import path from 'node:path';
import vm from 'node:vm';
import type * as Zlib from 'node:zlib';
import { isOlderThanSupported, unsupportedNodeMessage } from './node-floor.js';

/** The CLI's front beside this file in dist/ (the program, --help, the chunk loader); the rest is main.cjs and extras.cjs. */
const entry = path.join(__dirname, 'cli.cjs');

/** What the front exports to the bin. */
interface BundledCli {
  main(argv: string[]): Promise<void>;
}

/** Runs the CLI with these arguments (what bin/wa-upload.cjs calls). */
export function launch(args: string[]): void {
  // Before anything else: on an older Node the bundle would fail in ways that look like a bug of wa-upload.
  if (isOlderThanSupported(process.versions.node)) {
    // The one message not printed by src/output.ts: on this Node the bundle that holds it is not loaded at all.
    process.stderr.write(unsupportedNodeMessage(process.versions.node));
    process.exitCode = 3;
    return;
  }
  void loadCli(args).main(args);
}

/**
 * import() for the bundle: code run from a vm.Script has no import() of its own (vm's default loader is experimental,
 * warns on stderr, and is lost when the code comes from cached data), so the build turns every import() in the bundle
 * (a user's JavaScript or TypeScript config file, cosmiconfig's loading of typescript) into a call of this one, the only
 * import() left in the shipped code. This file lies beside the bundle's, so a bare name resolves as from the bundle.
 */
export function importModule(specifier: string): Promise<unknown> {
  return import(specifier);
}

function loadCli(args: string[]): BundledCli {
  const env = process.env;
  // --help and --version load only the front and compile little of it: reading, and at the first runs marking or
  // writing, a cache costs them more than it saves, and a first run (npx) pays it all.
  const kindOfRun = commandKind(args);
  const zlib: typeof Zlib | undefined = cacheWanted(env) && kindOfRun !== 'help' ? (require('node:zlib') as typeof Zlib) : undefined;
  // zlib.crc32 checks the cache's integrity: V8 trusts cached data whose header looks right, and a damaged body can
  // crash it. Node before 20.15 lacks crc32.
  if (!zlib || typeof zlib.crc32 !== 'function') return require(entry) as BundledCli;
  const source = fs.readFileSync(entry);
  // dist/cli.cjs's first line names the build: `// wa-upload <version> build <hash of the code files>`.
  const build = /^\/\/ wa-upload (\S+) build ([0-9a-f]+)\n/.exec(source.subarray(0, 200).toString('latin1'));
  if (!build) return require(entry) as BundledCli;
  const dir = path.join(env.XDG_CACHE_HOME && path.isAbsolute(env.XDG_CACHE_HOME) ? env.XDG_CACHE_HOME : path.join(env.HOME || os.homedir(), '.cache'), 'wa-upload', 'code-cache');
  // A folder someone else can write is a place where they can leave code for this user to run: not used, not written.
  if (!isPrivateFolder(dir)) return require(entry) as BundledCli;
  const prefix = `cli-${build[1]}-${build[2]}-`;
  const kind = `${kindOfRun}-node${process.versions.node}-${process.arch}`;
  const file = path.join(dir, `${prefix}${kind}.bin`);
  const code = new CodeLoader(readCacheFile(file, zlib) ?? new Map());
  // The cache holds what a run compiled by its end, so it is written after a whole successful run; but writing it costs
  // more than it saves once (tens of milliseconds), and a fresh machine (CI, npx in a container) often runs once. So the
  // first successful run of a kind only leaves a mark, and the cache is written when that kind runs here again.
  process.once('exit', (exitCode: number) => {
    if (exitCode !== 0 || !code.compiledAnew) return;
    const seen = path.join(dir, `seen-${kind}`);
    if (fs.existsSync(seen)) writeAtomically(dir, file, prefix, code.cachedData(), zlib);
    else markSeen(dir, seen);
  });
  return code.load('cli.cjs', source) as BundledCli;
}

/** The uid of this process (undefined where there is none: Windows, whose folders' rights are not mode bits). */
const uid = typeof process.getuid === 'function' ? process.getuid() : undefined;

/** Owned by this user and not writable by group or others (on Windows: anything Node can stat). */
function isPrivate(stats: fs.Stats): boolean {
  return uid === undefined || (stats.uid === uid && (stats.mode & 0o022) === 0);
}

/** True when the cache folder is this user's own real folder (not a link) that only they can write, or does not exist yet. */
function isPrivateFolder(dir: string): boolean {
  try {
    const stats = fs.lstatSync(dir, { throwIfNoEntry: false });
    // A missing folder is made private when the cache is first written (markSeen, writeAtomically).
    return stats === undefined || (stats.isDirectory() && isPrivate(stats));
  } catch {
    return false;
  }
}

/** One code file's entry in the cache: the exact source its data was compiled from, and the data. */
interface CachedCode {
  source: Buffer;
  data: Buffer;
}

/**
 * Loads the code files of dist/ as Node's require would (each once, CommonJS), each through a vm.Script with its cached
 * data when the cache has data compiled from exactly this source; a require() of `./main.cjs` or `./extras.cjs`
 * (cli.cjs's chunk loader asking for them) comes back here, any other require() (this file's import bridge, Node's
 * modules) goes to Node.
 */
class CodeLoader {
  private readonly modules = new Map<string, { exports: unknown }>();
  private readonly compiled = new Map<string, { script: vm.Script; source: Buffer }>();
  private readonly nodeRequire = Module.createRequire(entry);
  /** Whether a file loaded in this run had no usable cached data, or V8 rejected it: the cache is worth writing again. */
  compiledAnew = false;

  constructor(private readonly cached: Map<string, CachedCode>) {}

  load(name: string, bytes?: Buffer): unknown {
    const loaded = this.modules.get(name);
    if (loaded) return loaded.exports;
    const filename = path.join(__dirname, name);
    const source = bytes ?? fs.readFileSync(filename);
    // Data compiled from other source would run as this file's code (V8 checks only the length): used only for the
    // very source it was made from.
    const entryHere = this.cached.get(name);
    const cachedData = entryHere?.source.equals(source) ? entryHere.data : undefined;
    const script = new vm.Script(Module.wrap(source.toString('utf8')), { filename, cachedData });
    // Rejected data (another V8, other flags, damage V8 notices) costs only the compiling.
    if (!cachedData || script.cachedDataRejected) this.compiledAnew = true;
    this.compiled.set(name, { script, source });
    const mod = { exports: {} };
    // Registered before it runs, as Node does, so that a cycle between files gets the exports made so far.
    this.modules.set(name, mod);
    const requireHere = Object.assign((id: string) => this.require(id), { resolve: this.nodeRequire.resolve, cache: this.nodeRequire.cache });
    (script.runInThisContext() as (...args: unknown[]) => void).call(mod.exports, mod.exports, requireHere, mod, filename, __dirname);
    return mod.exports;
  }

  private require(id: string): unknown {
    const file = /^\.\/(cli|main|extras)\.cjs$/.exec(id);
    return file ? this.load(`${file[1]}.cjs`) : this.nodeRequire(id);
  }

  /** Every file this run loaded (its data compiled as far as the run went), and what the cache held for the others. */
  cachedData(): Map<string, CachedCode> {
    const data = new Map(this.cached);
    for (const [name, { script, source }] of this.compiled) data.set(name, { source, data: script.createCachedData() });
    return data;
  }
}

/** Off when WA_UPLOAD_NO_CACHE is set to anything but an empty string. */
function cacheWanted(env: NodeJS.ProcessEnv): boolean {
  return env.WA_UPLOAD_NO_CACHE === undefined || env.WA_UPLOAD_NO_CACHE === '';
}

/**
 * Each kind of run keeps its own file, so that one never stands in for another's code: an upload's cache holds got and
 * the upload path, and deserializing it would slow --help down; a --dry-run's few functions would leave an upload
 * compiling the rest. 'help' (--help, --version, no arguments) uses none.
 */
function commandKind(argv: string[]): string {
  if (argv.length === 0 || argv.some((a) => ['-h', '--help', 'help', '-V', '--version'].includes(a))) return 'help';
  if (argv.includes('--dry-run')) return 'dry-run';
  return argv.find((a) => ['handle', 'sandbox', 'info', 'download', 'delete', 'completion'].includes(a)) ?? 'upload';
}

/*
 * The cache file: `<crc32><index length><index><source, data, source, data...>`, the lengths 32-bit little-endian, the
 * index JSON `[[file name, source bytes, data bytes], ...]` naming what follows in order, the CRC-32 that of the index
 * length, the index and the data (a source is compared byte for byte with the file's). The CRC-32 catches damage (a
 * cut-short write, a bad disk); it is no defence against someone who can write the file, which is why the file and its
 * folder must be the user's own and private.
 */

/** The cached code by file name when the cache file is private and whole (its CRC-32 matches, its index adds up), else undefined. */
function readCacheFile(file: string, zlib: typeof Zlib): Map<string, CachedCode> | undefined {
  let fd: number | undefined;
  try {
    // Without blocking: a named pipe opened to read would wait for a writer (its fstat then shows no bytes).
    fd = fs.openSync(file, fs.constants.O_RDONLY | (fs.constants.O_NONBLOCK ?? 0));
    // Checked on the open file, so that what is checked is what is read.
    const stats = fs.fstatSync(fd);
    if (!isPrivate(stats) || stats.size <= 8) return undefined;
    const bytes = Buffer.allocUnsafe(stats.size);
    if (fs.readSync(fd, bytes, 0, bytes.length, 0) !== bytes.length) return undefined;
    const indexEnd = 8 + bytes.readUInt32LE(4);
    let crc = zlib.crc32(bytes.subarray(4, indexEnd));
    const index = JSON.parse(bytes.subarray(8, indexEnd).toString('utf8')) as unknown;
    if (!Array.isArray(index)) return undefined;
    const cached = new Map<string, CachedCode>();
    let at = indexEnd;
    for (const item of index as unknown[]) {
      if (!Array.isArray(item) || typeof item[0] !== 'string' || !isLength(item[1]) || !isLength(item[2])) return undefined;
      const source = bytes.subarray(at, at + item[1]);
      at += item[1];
      const data = bytes.subarray(at, at + item[2]);
      at += item[2];
      crc = zlib.crc32(data, crc);
      cached.set(item[0], { source, data });
    }
    return at === bytes.length && crc === bytes.readUInt32LE(0) ? cached : undefined;
  } catch {
    return undefined;
  } finally {
    if (fd !== undefined) {
      try {
        fs.closeSync(fd);
      } catch {
        // Nothing to do: the file was only read.
      }
    }
  }
}

function isLength(value: unknown): value is number {
  return Number.isSafeInteger(value) && (value as number) > 0;
}

/** The cache file's bytes for these code files' sources and cached data. */
function cacheFileBytes(cached: Map<string, CachedCode>, zlib: typeof Zlib): Buffer {
  const index = Buffer.from(JSON.stringify([...cached].map(([name, { source, data }]) => [name, source.length, data.length])));
  const indexLength = Buffer.alloc(4);
  indexLength.writeUInt32LE(index.length, 0);
  let crc = zlib.crc32(Buffer.concat([indexLength, index]));
  const parts: Buffer[] = [Buffer.alloc(4), indexLength, index];
  for (const { source, data } of cached.values()) {
    parts.push(source, data);
    crc = zlib.crc32(data, crc);
  }
  parts[0]!.writeUInt32LE(crc, 0);
  return Buffer.concat(parts);
}

/** Leaves the empty mark that says this kind of run happened here before (never an error). */
function markSeen(dir: string, seen: string): void {
  try {
    fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
    fs.writeFileSync(seen, '', { mode: 0o600 });
  } catch {
    // The cache is optional.
  }
}

/** How many other builds keep their files: two versions in use on one machine (a global install, an npx of another) must
 * not delete each other's cache at every run, and builds no longer run must not pile up. */
const OTHER_BUILDS_KEPT = 2;

/** Removes the files of builds other than this one, except those of the OTHER_BUILDS_KEPT most recently written. */
function removeOldBuilds(dir: string, prefix: string): void {
  const newestWrite = new Map<string, number>();
  const names = fs.readdirSync(dir).filter((name) => name.startsWith('cli-') && name.endsWith('.bin') && !name.startsWith(prefix));
  for (const name of names) {
    const build = buildOf(name);
    const written = fs.statSync(path.join(dir, name), { throwIfNoEntry: false })?.mtimeMs ?? 0;
    newestWrite.set(build, Math.max(newestWrite.get(build) ?? 0, written));
  }
  const kept = new Set([...newestWrite].sort((a, b) => b[1] - a[1]).slice(0, OTHER_BUILDS_KEPT).map(([build]) => build));
  for (const name of names) {
    if (!kept.has(buildOf(name))) fs.rmSync(path.join(dir, name), { force: true });
  }
}

/** The build a cache file belongs to: cli-<version>-<build>-<kind>.bin names it (a file named otherwise is its own). */
function buildOf(name: string): string {
  return /^cli-\S+?-([0-9a-f]{8,})-/.exec(name)?.[1] ?? name;
}

/** Writes the cache file to a private temp file renamed over the old one, and drops old builds' files. */
function writeAtomically(dir: string, file: string, prefix: string, data: Map<string, CachedCode>, zlib: typeof Zlib): void {
  const temp = `${file}.${process.pid}.tmp`;
  try {
    const bytes = cacheFileBytes(data, zlib);
    fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
    fs.writeFileSync(temp, bytes, { mode: 0o600, flag: 'wx' });
    fs.renameSync(temp, file);
    removeOldBuilds(dir, prefix);
  } catch {
    try {
      fs.rmSync(temp, { force: true });
    } catch {
      // Nothing more to do: the cache is optional.
    }
  }
}
