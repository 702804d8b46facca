// Finds the ffmpeg --fix runs (--ffmpeg, FFMPEG_PATH, config ffmpegPath, then PATH) and checks its version and encoders.

import { execFile } from 'node:child_process';
import { accessSync, constants, fstatSync, lstatSync, mkdirSync, openSync, closeSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { delimiter, dirname, isAbsolute, join, resolve } from 'node:path';
import { ConfigError } from '../errors.js';
import { cacheHome, isOwnUnshared } from '../files.js';
import { ENV_NAMES } from '../settings/config.js';

/** The ffmpeg a run converts with. */
export interface FfmpegTool {
  /** Absolute path of the binary. */
  path: string;
  /** As `ffmpeg -version` says it (`5.1.9-0+deb12u1`, `N-113021-g…`). */
  version: string;
  /** Where the path came from, for --verbose: `--ffmpeg`, `environment FFMPEG_PATH`, `config file …`, `PATH`. */
  source: string;
}

/** The oldest release whose options --fix uses (the libwebp_anim encoder, -update, -progress, -protocol_whitelist). */
const OLDEST_MAJOR = 4;
const OLDEST_MINOR = 4;

/** Encoders --fix may need: Opus for audio, H.264 and AAC for video, WebP for stickers, PNG and JPEG for images. */
const NEEDED_ENCODERS = ['libopus', 'libx264', 'aac', 'libwebp', 'libwebp_anim', 'png', 'mjpeg'] as const;

const HOW_TO_GET =
  'install an ffmpeg built with libopus, libx264 and libwebp: `apt-get install ffmpeg` (Debian/Ubuntu), `brew install ffmpeg` (Homebrew), or `npm install @ffmpeg-installer/ffmpeg` (a package that ships the binary) and pass --ffmpeg with its path';

/** How long the version and encoder queries may take (a wrong binary that hangs must not stop the run). */
const QUERY_TIMEOUT_MS = 15_000;

/**
 * The ffmpeg to use: `configured` (from --ffmpeg, FFMPEG_PATH or the config file, with where it came from), else the
 * first `ffmpeg` on PATH; checked to run, to be 4.4 or later and to have every encoder --fix uses. Throws ConfigError
 * (exit 3) naming what is missing and how to get it.
 */
export async function findFfmpeg(configured: { path: string; source: string } | undefined, env: NodeJS.ProcessEnv, cwd: string): Promise<FfmpegTool> {
  let path: string;
  let source: string;
  if (configured && configured.path !== '') {
    path = resolve(cwd, configured.path);
    source = configured.source;
    const problem = executableProblem(path);
    if (problem) throw new ConfigError(`ffmpeg ${configured.path} from ${source} ${problem}`, HOW_TO_GET);
  } else {
    const found = onPath('ffmpeg', env.PATH ?? '', cwd);
    if (!found) throw new ConfigError('--fix needs ffmpeg, and none is on PATH', `${HOW_TO_GET}; or name one with --ffmpeg, FFMPEG_PATH or "ffmpegPath"`);
    path = found;
    source = 'PATH';
  }
  // One run answers both: the banner on stderr names the version, stdout lists the encoders. Its answer is kept for
  // this very binary (path, size, times), so later runs start no process before the conversion.
  const { version, encoders } = (await rememberedCheck(path, env)) ?? (await checkBinary(path, source, env));
  if (isTooOld(version)) throw new ConfigError(`ffmpeg ${version} (${path}) is too old for --fix: it needs ${OLDEST_MAJOR}.${OLDEST_MINOR} or later`, HOW_TO_GET);
  const missing = NEEDED_ENCODERS.filter((name) => !encoders.has(name));
  if (missing.length > 0) {
    throw new ConfigError(`ffmpeg ${version} (${path}) has no ${missing.join(', ')} encoder${missing.length > 1 ? 's' : ''}, which --fix needs`, HOW_TO_GET);
  }
  return { path, version, source };
}

/** Why a configured path cannot be run, or undefined. */
function executableProblem(path: string): string | undefined {
  try {
    if (!statSync(path).isFile()) return 'is not a file';
    accessSync(path, constants.X_OK);
    return undefined;
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    return code === 'ENOENT' ? 'does not exist' : code === 'EACCES' ? 'is not executable' : `cannot be run (${code ?? 'error'})`;
  }
}

/** The first executable `name` in the PATH's folders (relative folders against cwd), as `which` finds it. */
function onPath(name: string, pathVariable: string, cwd: string): string | undefined {
  for (const folder of pathVariable.split(delimiter)) {
    if (folder === '') continue;
    const candidate = join(isAbsolute(folder) ? folder : resolve(cwd, folder), name);
    if (executableProblem(candidate) === undefined) return candidate;
  }
  return undefined;
}

/** Runs `ffmpeg -encoders` (no shell, no stdin): the version from its banner, the encoder names from its list. */
function checkBinary(path: string, source: string, env: NodeJS.ProcessEnv): Promise<{ version: string; encoders: Set<string> }> {
  return new Promise((resolvePromise, reject) => {
    // Like every ffmpeg run, without the token's variables in its environment.
    const options = { env: withoutSecrets(env), timeout: QUERY_TIMEOUT_MS, killSignal: 'SIGKILL' as const, maxBuffer: 4 * 1024 * 1024, windowsHide: true };
    execFile(path, ['-nostdin', '-encoders'], options, (error, stdout, stderr) => {
      if (error) {
        const why = (error as NodeJS.ErrnoException & { killed?: boolean }).killed
          ? `did not answer -encoders within ${QUERY_TIMEOUT_MS / 1000} s`
          : `failed to run -encoders (${(error as NodeJS.ErrnoException).code ?? error.message.split('\n')[0]})`;
        reject(new ConfigError(`ffmpeg ${path} from ${source} ${why}`, HOW_TO_GET));
        return;
      }
      const version = /^ffmpeg version (\S+)/m.exec(`${stderr}\n${stdout}`)?.[1];
      if (version === undefined) {
        reject(new ConfigError(`${path} from ${source} does not answer as ffmpeg does (no "ffmpeg version" in its banner)`, HOW_TO_GET));
        return;
      }
      const checked = { version, encoders: encoderNames(stdout) };
      remember(path, env, checked);
      resolvePromise(checked);
    });
  });
}

/** The environment ffmpeg runs with: this process's, without the variables that may hold the access token. */
export function withoutSecrets(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  const copy = { ...env };
  for (const name of ENV_NAMES.token) delete copy[name];
  return copy;
}

/** Where checks of ffmpeg binaries are kept: $XDG_CACHE_HOME/wa-upload/ffmpeg or ~/.cache/wa-upload/ffmpeg. */
function checksFolder(env: NodeJS.ProcessEnv): string {
  return join(cacheHome(env), 'ffmpeg');
}

/** The file a binary's check is kept in: named by its path, size, inode and times, so a replaced binary is checked anew. */
function checkFile(path: string, env: NodeJS.ProcessEnv): string | undefined {
  if (env.WA_UPLOAD_NO_CACHE) return undefined;
  try {
    const info = statSync(path);
    const key = `${path}\0${info.size}\0${info.ino}\0${info.mtimeMs}\0${info.ctimeMs}`;
    return join(checksFolder(env), `${process.getBuiltinModule('node:crypto').createHash('sha256').update(key).digest('hex').slice(0, 32)}.json`);
  } catch {
    return undefined;
  }
}

/**
 * The kept check of this binary, if any: only from a folder and file of this user's that no one else can write (a
 * planted answer would pass a binary that is not ffmpeg); anything unreadable or odd is no check (it is asked again).
 */
async function rememberedCheck(path: string, env: NodeJS.ProcessEnv): Promise<{ version: string; encoders: Set<string> } | undefined> {
  const file = checkFile(path, env);
  if (!file) return undefined;
  let fd: number | undefined;
  try {
    if (!isOwnUnshared(lstatSync(dirname(file)), 'folder')) return undefined;
    // Without blocking, and checked on the open file: a named pipe planted there must not hold the run.
    fd = openSync(file, constants.O_RDONLY | (constants.O_NONBLOCK ?? 0));
    if (!isOwnUnshared(fstatSync(fd))) return undefined;
    const kept = JSON.parse(readFileSync(fd, 'utf8')) as { version?: unknown; encoders?: unknown };
    if (typeof kept.version !== 'string' || !Array.isArray(kept.encoders) || !kept.encoders.every((e) => typeof e === 'string')) return undefined;
    return { version: kept.version, encoders: new Set(kept.encoders as string[]) };
  } catch {
    return undefined;
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}

/** Keeps a check (a new private temp file, renamed into place); never fails the run. */
function remember(path: string, env: NodeJS.ProcessEnv, checked: { version: string; encoders: Set<string> }): void {
  const file = checkFile(path, env);
  if (!file) return;
  const temp = `${file}.${process.pid}.${process.getBuiltinModule('node:crypto').randomBytes(4).toString('hex')}.tmp`;
  try {
    mkdirSync(dirname(file), { recursive: true, mode: 0o700 });
    writeFileSync(temp, JSON.stringify({ version: checked.version, encoders: [...checked.encoders] }), { mode: 0o600, flag: 'wx' });
    renameSync(temp, file);
  } catch {
    // Not kept: the next run asks the binary again.
    rmSync(temp, { force: true });
  }
}

/** True for a release older than 4.4; builds from git (`N-…`, `git-…`) and unknown spellings are taken as new enough. */
function isTooOld(version: string): boolean {
  const match = /^n?(\d+)\.(\d+)/.exec(version);
  if (!match) return false;
  const major = Number(match[1]);
  const minor = Number(match[2]);
  return major < OLDEST_MAJOR || (major === OLDEST_MAJOR && minor < OLDEST_MINOR);
}

/** The encoder names of `ffmpeg -encoders` (lines such as ` A..... libopus   libopus Opus`). */
function encoderNames(listing: string): Set<string> {
  const names = new Set<string>();
  for (const line of listing.split('\n')) {
    const match = /^\s[VAS][F.][S.][X.][B.][D.]\s+(\S+)/.exec(line);
    if (match) names.add(match[1]!);
  }
  return names;
}
