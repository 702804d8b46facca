// The V8 code cache of the bundled CLI, through the CLI: where it is kept, when it is written, and that nothing wrong with it is ever an error.

import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { chmod, chown, cp, mkdir, readFile, readdir, rm, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { crc32 } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { useCliSandbox } from '../helpers/cli-sandbox.js';
import { FIXTURES, REPO_ROOT } from '../helpers/run-cli.js';

const cli = useCliSandbox();
const photo = join(FIXTURES, 'valid/photo.jpg');
const { version } = JSON.parse(await readFile(join(REPO_ROOT, 'package.json'), 'utf8')) as { version: string };

/** Another user (nobody): the tests run as root, which may give files away. */
const NOBODY = 65534;

const xdg = () => join(cli.dirs.home, 'xdg-cache');
const cacheDir = () => join(xdg(), 'wa-upload', 'code-cache');
const run = (args: string[], env: Record<string, string | undefined> = {}) => cli.run(args, { env: { XDG_CACHE_HOME: xdg(), ...env } });
const everything = async () => (await readdir(cacheDir()).catch(() => [] as string[])).sort();
const cacheFiles = async () => (await everything()).filter((f) => f.endsWith('.bin'));

/** Uploads the photo and checks the run is an ordinary successful one: one media ID, nothing on stderr. */
async function uploadsCleanly(env: Record<string, string | undefined> = {}): Promise<void> {
  const result = await run([photo], env);
  expect(result.stderr).toBe('');
  expect(result.code).toBe(0);
  expect(result.stdout).toMatch(/^\d{10,}\n$/);
}

/** The one cache file the second successful upload leaves (the first only marks the kind as seen), and its bytes. */
async function writtenCache(): Promise<{ path: string; bytes: Buffer }> {
  await uploadsCleanly();
  await uploadsCleanly();
  const files = await cacheFiles();
  expect(files).toHaveLength(1);
  const path = join(cacheDir(), files[0]!);
  return { path, bytes: await readFile(path) };
}

describe('code cache', () => {
  it('the first successful run of a kind only leaves a mark (a fresh machine often runs once); the second writes the cache', async () => {
    await uploadsCleanly();
    expect(await everything()).toEqual([`seen-upload-node${process.versions.node}-${process.arch}`]);
    await uploadsCleanly();
    expect(await cacheFiles()).toHaveLength(1);
  });

  it('a successful upload writes one cache file keyed by package version, build, command and Node version; later runs use it as it is', async () => {
    const { path, bytes } = await writtenCache();
    const name = path.slice(cacheDir().length + 1);
    expect(name).toMatch(new RegExp(`^cli-${version.replace(/\./g, '\\.')}-[0-9a-f]{16}-upload-node${process.versions.node.replace(/\./g, '\\.')}-${process.arch}\\.bin$`));
    expect(bytes.length).toBeGreaterThan(10_000);
    expect((await stat(path)).mode & 0o777).toBe(0o600);
    await uploadsCleanly();
    // Accepted by V8, so not written again.
    expectSameBytes(await readFile(path), bytes);
    expect(await cacheFiles()).toEqual([name]);
  });

  it('--help and --version use no cache (it would cost them more than it saves); --dry-run keeps its own, never the upload\'s', async () => {
    for (const args of [['--help'], ['--version'], ['-h'], ['-V'], ['info', '--help'], ['help'], ['help', 'info'], ['--help'], ['--version']]) {
      const result = await run(args);
      expect(result.code).toBe(0);
    }
    expect(await everything()).toEqual([]);
    for (let i = 0; i < 2; i++) expect((await run(['--dry-run', photo])).code).toBe(0);
    expect(await cacheFiles()).toEqual([expect.stringMatching(/-dry-run-node/)]);
    await uploadsCleanly();
    await uploadsCleanly();
    expect((await cacheFiles()).filter((f) => f.includes('-upload-node'))).toHaveLength(1);
  });

  it('a run that fails writes nothing', async () => {
    const result = await run([join(FIXTURES, 'valid', 'no-such-file.jpg')]);
    expect(result.code).toBe(4);
    expect(await everything()).toEqual([]);
  });

  it('each command keeps its own file: an info run does not replace the upload\'s', async () => {
    const { path, bytes } = await writtenCache();
    const id = (await run([photo])).stdout.trim();
    for (let i = 0; i < 2; i++) expect((await run(['info', id])).code).toBe(0);
    const files = await cacheFiles();
    expect(files).toHaveLength(2);
    expect(files.some((f) => f.includes('-info-node'))).toBe(true);
    expectSameBytes(await readFile(path), bytes);
  });

  it.each([
    ['bytes flipped in the middle (V8 alone would crash on them)', (good: Buffer) => flip(good, Math.floor(good.length / 2))],
    ['bytes flipped near the start', (good: Buffer) => flip(good, 64)],
    ['cut short', (good: Buffer) => good.subarray(0, Math.floor(good.length / 3))],
    ['empty', () => Buffer.alloc(0)],
    ['random bytes', () => Buffer.from(Array.from({ length: 5000 }, (_, i) => (i * 7919) % 251))],
  ])('a damaged cache file (%s) is ignored without a word, and replaced by a good one', async (_label, damage) => {
    const { path, bytes: good } = await writtenCache();
    const damaged = damage(good);
    await writeFile(path, damaged);
    await uploadsCleanly();
    const replaced = await readFile(path);
    expect(replaced.equals(damaged)).toBe(false);
    // The replacement is whole: the next run accepts it and leaves it alone.
    await uploadsCleanly();
    expectSameBytes(await readFile(path), replaced);
  });

  it('a cache file whose only damage is its CRC-32 (everything V8 reads is intact) is not used, and replaced by a good one', async () => {
    const { path, bytes: good } = await writtenCache();
    const damaged = Buffer.from(good);
    damaged[0] = damaged[0]! ^ 1;
    await writeFile(path, damaged);
    await uploadsCleanly();
    // Used, V8 would have accepted the data and the run would have left the file as it was.
    const replaced = await readFile(path);
    expect(replaced.equals(damaged)).toBe(false);
    expectSameBytes(withCrc(replaced), replaced);
  });

  it('a folder where the cache file should be is ignored, and left alone; the failed write leaves no temp file', async () => {
    const { path } = await writtenCache();
    await rm(path);
    await mkdir(path);
    // Each run finds no usable cache and writes one: the temp file is made, and renaming it over the folder fails.
    await uploadsCleanly();
    await uploadsCleanly();
    expect((await stat(path)).isDirectory()).toBe(true);
    expect((await everything()).filter((f) => f.endsWith('.tmp'))).toEqual([]);
  });

  it('a named pipe where the cache file should be does not hold the run up (opened to read, it waits for a writer), and a cache file replaces it', async () => {
    const { path } = await writtenCache();
    await rm(path);
    execFileSync('mkfifo', ['-m', '600', path]);
    const result = await cli.run([photo], { env: { XDG_CACHE_HOME: xdg() }, timeoutMs: 10_000 });
    expect({ code: result.code, stderr: result.stderr }).toEqual({ code: 0, stderr: '' });
    expect(result.stdout).toMatch(/^\d{10,}\n$/);
    expect((await stat(path)).isFile()).toBe(true);
  });

  it.each([
    ['XDG_CACHE_HOME is a file', async () => writeFile(xdg(), 'not a folder')],
    ['the code-cache folder is a file', async () => {
      await mkdir(join(xdg(), 'wa-upload'), { recursive: true });
      await writeFile(cacheDir(), 'not a folder');
    }],
  ])('an unwritable cache folder (%s): uploads work, with no message, and leave no temp file', async (_label, block) => {
    await block();
    await uploadsCleanly();
    await uploadsCleanly();
    const parent = await readdir(join(xdg(), 'wa-upload')).catch(() => [] as string[]);
    expect(parent.filter((f) => f.endsWith('.tmp'))).toEqual([]);
  });

  it('WA_UPLOAD_NO_CACHE set: nothing is written, and a cache present (even a damaged one) is not read', async () => {
    await uploadsCleanly({ WA_UPLOAD_NO_CACHE: '1' });
    await uploadsCleanly({ WA_UPLOAD_NO_CACHE: '1' });
    expect(await everything()).toEqual([]);
    const { path, bytes } = await writtenCache();
    const damaged = flip(bytes, Math.floor(bytes.length / 2));
    await writeFile(path, damaged);
    await uploadsCleanly({ WA_UPLOAD_NO_CACHE: '1' });
    expectSameBytes(await readFile(path), damaged);
    // An empty value does not switch it off (as with NO_COLOR): the damaged file is found and replaced.
    await uploadsCleanly({ WA_UPLOAD_NO_CACHE: '' });
    expect((await readFile(path)).equals(damaged)).toBe(false);
  });

  it('a code file a later run of the same kind loads is added to the cache, and the others stay: runs that alternate do not rewrite it', async () => {
    const { path, bytes: first } = await writtenCache();
    const plainFiles = filesIn(first);
    expect(plainFiles).toEqual(['cli.cjs', 'main.cjs']);
    // A YAML config file loads the config-file code (in extras.cjs), which a run without one never does.
    const config = join(cli.dirs.cwd, '.wauploadrc.yaml');
    await writeFile(config, 'retries: 2\n');
    await uploadsCleanly();
    const merged = await readFile(path);
    expect(filesIn(merged)).toEqual(['cli.cjs', 'main.cjs', 'extras.cjs']);
    for (let i = 0; i < 2; i++) {
      await rm(config);
      await uploadsCleanly();
      await writeFile(config, 'retries: 2\n');
      await uploadsCleanly();
    }
    expectSameBytes(await readFile(path), merged);
  });

  it('a run that compiles afresh and writes the cache keeps the data of the code files it did not load', async () => {
    const config = join(cli.dirs.cwd, '.wauploadrc.yaml');
    await writeFile(config, 'retries: 2\n');
    const { path, bytes } = await writtenCache();
    expect(filesIn(bytes)).toEqual(['cli.cjs', 'main.cjs', 'extras.cjs']);
    const extras = entryBytes(bytes, 'extras.cjs');
    // cli.cjs's data rejected by V8: a run without the config file compiles it afresh and writes the cache, having
    // loaded cli.cjs and main.cjs only.
    await writeFile(path, rejectedByV8(bytes, 'cli.cjs'));
    await rm(config);
    await uploadsCleanly();
    const rewritten = await readFile(path);
    expect(rewritten.equals(rejectedByV8(bytes, 'cli.cjs'))).toBe(false);
    expect(filesIn(rewritten)).toEqual(['cli.cjs', 'main.cjs', 'extras.cjs']);
    expectSameBytes(entryBytes(rewritten, 'extras.cjs'), extras);
    // The next run with the config file finds all it loads in the cache, and leaves it alone.
    await writeFile(config, 'retries: 2\n');
    await uploadsCleanly();
    expectSameBytes(await readFile(path), rewritten);
  });

  it('builds in use side by side (a global install, an npx of another version) keep their own files; only the two newest other builds stay', async () => {
    const runBuild = (bin: string) => cli.run([bin, photo], { command: process.execPath, env: { XDG_CACHE_HOME: xdg() } });
    const builds = await Promise.all(['a', 'b', 'c'].map((letter) => copyOfTheBuild(join(cli.dirs.home, `build-${letter}`), letter.repeat(16))));
    const buildOf = (file: string) => /^cli-[^-]+-([0-9a-f]{16})-/.exec(file)?.[1];
    await writtenCache();
    const ours = buildOf((await cacheFiles())[0]!);
    // Alternating runs of two builds: each writes its file once, and neither deletes the other's.
    for (let i = 0; i < 3; i++) {
      expect((await runBuild(builds[0]!)).code).toBe(0);
      await uploadsCleanly();
    }
    const written = new Map(await Promise.all((await cacheFiles()).map(async (f) => [f, (await stat(join(cacheDir(), f))).mtimeMs] as const)));
    expect(new Set([...written.keys()].map(buildOf))).toEqual(new Set([ours, 'a'.repeat(16)]));
    for (let i = 0; i < 2; i++) expect((await runBuild(builds[0]!)).code).toBe(0);
    for (const [file, mtime] of written) expect((await stat(join(cacheDir(), file))).mtimeMs, file).toBe(mtime);
    // Two more builds: the oldest other build's file goes.
    for (const bin of [builds[1]!, builds[2]!]) for (let i = 0; i < 2; i++) expect((await runBuild(bin)).code).toBe(0);
    expect(new Set((await cacheFiles()).map(buildOf))).toEqual(new Set(['b'.repeat(16), 'c'.repeat(16), 'a'.repeat(16)]));
  });

  it('cached data compiled from other source of the same length (V8 checks only the length) is not used: its code does not run', async () => {
    const marker = join(cli.dirs.home, 'forged-code-ran');
    const forged = await forgedBuild(join(cli.dirs.home, 'forged'));
    // The forged build names itself as this one: its runs write a cache file under this build's name.
    for (let i = 0; i < 2; i++) expect((await cli.run([forged, photo], { command: process.execPath, env: { XDG_CACHE_HOME: xdg(), WA_FORGED_MARKER: marker } })).code).toBe(0);
    expect(await cacheFiles()).toHaveLength(1);
    await rm(marker);
    const result = await run([photo], { WA_FORGED_MARKER: marker });
    expect({ code: result.code, stderr: result.stderr }).toEqual({ code: 0, stderr: '' });
    expect(result.stdout).toMatch(/^\d{10,}\n$/);
    expect(existsSync(marker)).toBe(false);
    // Replaced by this build's own data, which the next run uses without a word.
    await uploadsCleanly({ WA_FORGED_MARKER: marker });
    expect(existsSync(marker)).toBe(false);
  });

  it.each([
    ['the folder is writable by everyone (0777)', 'folder', async () => chmod(cacheDir(), 0o777)],
    ['the folder is writable by its group (0770)', 'folder', async () => chmod(cacheDir(), 0o770)],
    ['the folder belongs to another user', 'folder', async () => chown(cacheDir(), NOBODY, NOBODY)],
    ['the file is writable by everyone (0666)', 'file', async (file: string) => chmod(file, 0o666)],
    ['the file belongs to another user', 'file', async (file: string) => chown(file, NOBODY, NOBODY)],
  ])('a cache someone else can write is not used (%s), even when it names this very source', async (_label, loosened, loosen) => {
    const marker = join(cli.dirs.home, 'forged-code-ran');
    const env = { WA_FORGED_MARKER: marker };
    const forged = await forgedBuild(join(cli.dirs.home, 'forged'));
    for (let i = 0; i < 2; i++) expect((await cli.run([forged, photo], { command: process.execPath, env: { XDG_CACHE_HOME: xdg(), ...env } })).code).toBe(0);
    const [name] = await cacheFiles();
    const file = join(cacheDir(), name!);
    // The forgery a writer of the folder could make: the forged data filed under the real source.
    const real = await readFile(join(REPO_ROOT, 'dist', 'cli.cjs'));
    const copied = await readFile(join(cli.dirs.home, 'forged', 'dist', 'cli.cjs'));
    const planted = withCrc(replaceAll(await readFile(file), copied, real));
    await writeFile(file, planted);
    await rm(marker);
    // Where only this user can write, the folder is trusted like their own files: the planted code runs.
    await run([photo], env);
    expect(existsSync(marker)).toBe(true);
    await rm(marker);
    await writeFile(file, planted);
    await loosen(file);
    const result = await run([photo], env);
    expect({ code: result.code, stderr: result.stderr }).toEqual({ code: 0, stderr: '' });
    expect(result.stdout).toMatch(/^\d{10,}\n$/);
    expect(existsSync(marker)).toBe(false);
    const after = await readFile(file);
    if (loosened === 'folder') {
      // A folder others can write is not written to either: the planted file is as it was.
      expect(after.equals(planted)).toBe(true);
    } else {
      // In the user's own folder, a file others could write is replaced by a private one of this run's.
      expect(after.equals(planted)).toBe(false);
      const stats = await stat(file);
      expect({ mode: stats.mode & 0o777, uid: stats.uid }).toEqual({ mode: 0o600, uid: process.getuid!() });
    }
  });

  it('cached data V8 rejects (made by another V8) means compiling afresh: a normal run, and a good cache written', async () => {
    const { path, bytes } = await writtenCache();
    const rejected = rejectedByV8(bytes, 'cli.cjs');
    await writeFile(path, rejected);
    await uploadsCleanly();
    const replaced = await readFile(path);
    expect(replaced.equals(rejected)).toBe(false);
    await uploadsCleanly();
    expect((await readFile(path)).equals(replaced)).toBe(true);
  });

  it('without XDG_CACHE_HOME it lives in ~/.cache/wa-upload/code-cache, beside the --reuse cache', async () => {
    for (let i = 0; i < 2; i++) expect((await cli.run([photo], { env: { XDG_CACHE_HOME: undefined } })).code).toBe(0);
    const files = await readdir(join(cli.dirs.home, '.cache', 'wa-upload', 'code-cache'));
    expect(files.filter((f) => f.endsWith('.bin'))).toHaveLength(1);
  });
});

/** A copy of bin/ and dist/ in `dir` that names itself build `id` (16 hex digits): another version as far as the cache
 * can tell. Returns the copy's bin. */
async function copyOfTheBuild(dir: string, id: string): Promise<string> {
  await cp(join(REPO_ROOT, 'bin'), join(dir, 'bin'), { recursive: true });
  await cp(join(REPO_ROOT, 'dist'), join(dir, 'dist'), { recursive: true });
  for (const name of await readdir(join(dir, 'dist'))) {
    if (!name.endsWith('.cjs')) continue;
    const text = await readFile(join(dir, 'dist', name), 'utf8');
    await writeFile(join(dir, 'dist', name), text.replace(/^(\/\/ wa-upload \S+ build )[0-9a-f]{16}/, `$1${id}`));
  }
  return join(dir, 'bin', 'wa-upload.cjs');
}

/** A cache file's index: `<crc32><index length><index JSON [[name, source bytes, data bytes]...]><source, data...>`. */
function cacheIndex(bytes: Buffer): [string, number, number][] {
  return JSON.parse(bytes.subarray(8, 8 + bytes.readUInt32LE(4)).toString('utf8')) as [string, number, number][];
}

/** The code files a cache file holds cached data for. */
function filesIn(bytes: Buffer): string[] {
  return cacheIndex(bytes).map(([name]) => name);
}

/** Where each code file's source and data lie in a cache file. */
function entriesOf(bytes: Buffer): Map<string, { source: number; data: number; end: number }> {
  const entries = new Map<string, { source: number; data: number; end: number }>();
  let at = 8 + bytes.readUInt32LE(4);
  for (const [name, sourceBytes, dataBytes] of cacheIndex(bytes)) {
    entries.set(name, { source: at, data: at + sourceBytes, end: at + sourceBytes + dataBytes });
    at += sourceBytes + dataBytes;
  }
  return entries;
}

/** One code file's source and data as a cache file holds them. */
function entryBytes(bytes: Buffer, name: string): Buffer {
  const entry = entriesOf(bytes).get(name)!;
  return bytes.subarray(entry.source, entry.end);
}

/** A whole cache file (its CRC-32 made to match) in which V8 rejects this code file's data: the V8 version hash, 4 bytes
 * into the data, names another V8. */
function rejectedByV8(bytes: Buffer, name: string): Buffer {
  const copy = Buffer.from(bytes);
  const { data } = entriesOf(copy).get(name)!;
  for (let i = data + 4; i < data + 8; i++) copy[i] = copy[i]! ^ 0x5a;
  return withCrc(copy);
}

/** The bytes with their first four set to the CRC-32 a valid cache file has: of the index length, the index and each data. */
function withCrc(bytes: Buffer): Buffer {
  const copy = Buffer.from(bytes);
  let at = 8 + copy.readUInt32LE(4);
  let crc = crc32(copy.subarray(4, at));
  for (const [, sourceBytes, dataBytes] of cacheIndex(copy)) {
    at += sourceBytes;
    crc = crc32(copy.subarray(at, at + dataBytes), crc);
    at += dataBytes;
  }
  copy.writeUInt32LE(crc, 0);
  return copy;
}

/** `bytes` with every occurrence of `from` replaced by `to` (of the same length). */
function replaceAll(bytes: Buffer, from: Buffer, to: Buffer): Buffer {
  const copy = Buffer.from(bytes);
  for (let at = copy.indexOf(from); at !== -1; at = copy.indexOf(from, at + from.length)) to.copy(copy, at);
  return copy;
}

/**
 * A copy of bin/ and dist/ in `dir` that names itself as this build, whose dist/cli.cjs has the same length but code
 * of its own: every run writes "ran" to $WA_FORGED_MARKER (where this build has an option's description). Returns its bin.
 */
async function forgedBuild(dir: string): Promise<string> {
  await cp(join(REPO_ROOT, 'bin'), join(dir, 'bin'), { recursive: true });
  await cp(join(REPO_ROOT, 'dist'), join(dir, 'dist'), { recursive: true });
  const file = join(dir, 'dist', 'cli.cjs');
  const text = await readFile(file, 'utf8');
  // A setting's one-line doc (a long string literal evaluated when the front loads) becomes code of the same length.
  const description = /doc:("[^"\\\n]{90,}")/.exec(text);
  expect(description).not.toBeNull();
  const code = '(process.getBuiltinModule("fs").writeFileSync(process.env.WA_FORGED_MARKER,"ran"),"")';
  const forged = text.replace(description![1]!, `${code.slice(0, -1)}${' '.repeat(description![1]!.length - code.length)})`);
  expect(forged.length).toBe(text.length);
  expect(forged).not.toBe(text);
  await writeFile(file, forged);
  return join(dir, 'bin', 'wa-upload.cjs');
}

/**
 * Asserts two buffers hold the same bytes, by their sha256: toEqual compares a megabyte-sized cache file element by
 * element and takes about a second each time.
 */
function expectSameBytes(actual: Buffer, expected: Buffer): void {
  const digest = (bytes: Buffer) => `${bytes.length} bytes, sha256 ${createHash('sha256').update(bytes).digest('hex')}`;
  expect(digest(actual)).toBe(digest(expected));
}

/** A copy with 64 bytes inverted from `offset`. */
function flip(bytes: Buffer, offset: number): Buffer {
  const copy = Buffer.from(bytes);
  for (let i = offset; i < Math.min(offset + 64, copy.length); i++) copy[i] = copy[i]! ^ 0xff;
  return copy;
}
