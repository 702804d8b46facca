// Where a config file may come from: the bounded upward search, and the checks that a found file (and the folders on its way) belong to this user.

import { lstatSync, statSync, type Stats } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { ConfigError } from '../errors.js';
import { readText } from '../files.js';
import { CONFIG_SEARCH_PLACES } from './config-places.js';

/** Names of the user config folder's file, in order (`~/.config/waupload/…`). */
const GLOBAL_NAMES = ['config', 'config.json', 'config.yaml', 'config.yml', 'config.js', 'config.cjs', 'config.mjs'];

/** What marks a project's root outside the home folder: the search goes no higher. */
const PROJECT_ROOT_MARKS = ['.git', 'package.json'];

/**
 * The folders searched, nearest first: from `cwd` up to the home folder when `cwd` is inside it; otherwise from `cwd`
 * up to the nearest project root (a folder holding `.git` or `package.json`), or `cwd` alone when there is none. A
 * shared parent (`/srv`, `/tmp`, `/`) is never searched: anyone may have put a file there.
 */
function searchFolders(cwd: string, home: string): string[] {
  const start = resolve(cwd);
  const homeDir = resolve(home);
  const insideHome = start === homeDir || (homeDir !== sep && start.startsWith(homeDir + sep));
  const folders: string[] = [];
  for (let dir = start; ; dir = dirname(dir)) {
    folders.push(dir);
    if (insideHome ? dir === homeDir : PROJECT_ROOT_MARKS.some((mark) => exists(join(dir, mark)))) return folders;
    if (dir === dirname(dir)) return insideHome ? folders : [start];
  }
}

/**
 * The first config file in search order (see searchFolders; in each folder the names of CONFIG_SEARCH_PLACES in order,
 * a package.json only when it has a "waupload" key), then the user's config folder. A file found is checked to be
 * this user's (checkTrusted) before anything reads it. Undefined when none.
 */
export async function findConfigFile(cwd: string, env: NodeJS.ProcessEnv): Promise<string | undefined> {
  const home = resolve(env.HOME || homedir());
  // Asked by name (a stat each), not by listing the folder: a folder of 10,000 photos costs the same as an empty one.
  const folders = searchFolders(cwd, home);
  for (const dir of folders) {
    const hasConfigFolder = isFolder(join(dir, '.config'));
    for (const place of CONFIG_SEARCH_PLACES) {
      if (place.startsWith('.config/') && !hasConfigFolder) continue;
      const path = join(dir, place);
      if (!isCandidate(path)) continue;
      // A package.json is a config file only when it names us (reading JSON runs nothing): another user's package.json
      // without our key, say in a checkout owned by the CI's user, is none of our business. Every other name is checked
      // before anything reads it, so a planted JavaScript config never runs.
      if (place === 'package.json' && !(await packageJsonNamesUs(path))) continue;
      checkTrusted(path, foldersBetween(resolve(cwd), dirname(path)));
      return path;
    }
  }
  const globalDir = join(env.XDG_CONFIG_HOME || join(home, '.config'), 'waupload');
  if (!isFolder(globalDir)) return undefined;
  for (const name of GLOBAL_NAMES) {
    const path = join(globalDir, name);
    if (isCandidate(path)) {
      checkTrusted(path, [globalDir]);
      return path;
    }
  }
  return undefined;
}

/** The folders from `from` up to `to` (both included), `to` being `from` or one of its parents. */
function foldersBetween(from: string, to: string): string[] {
  const folders: string[] = [];
  for (let dir = from; ; dir = dirname(dir)) {
    folders.push(dir);
    if (dir === to || dir === dirname(dir) || relative(to, dir).startsWith('..')) return folders;
  }
}

/**
 * Why a file or folder may have been put there by someone else, or undefined: owned by another user (root excepted),
 * or writable by others, or by a group that is not this user's own. Nothing on Windows, which has no such modes.
 */
function untrustedBecause(info: Stats, uid: number, gid: number): string | undefined {
  if (info.uid !== uid && info.uid !== 0) return `is owned by another user (uid ${info.uid})`;
  if ((info.mode & 0o002) !== 0 && !(info.isDirectory() && (info.mode & 0o1000) !== 0 && info.uid === uid)) return 'can be written by any user';
  if ((info.mode & 0o020) !== 0 && info.gid !== gid) return `can be written by group ${info.gid}`;
  return undefined;
}

/**
 * Refuses (exit 3) a config file found by the search that another user owns or can write, or that sits in a folder on
 * the way another user can write: such a file could set the base URL and receive the token, or run code.
 */
function checkTrusted(path: string, folders: string[]): void {
  if (process.platform === 'win32' || typeof process.getuid !== 'function') return;
  const uid = process.getuid();
  const gid = process.getgid?.() ?? -1;
  const fileInfo = lstatSync(path);
  if (fileInfo.isSymbolicLink()) {
    const target = statSync(path, { throwIfNoEntry: false });
    if (!target) return;
    const why = untrustedBecause(fileInfo, uid, gid) ?? untrustedBecause(target, uid, gid);
    if (why) refuse(path, `it ${why}`);
  } else {
    const why = untrustedBecause(fileInfo, uid, gid);
    if (why) refuse(path, `it ${why}`);
  }
  for (const folder of folders) {
    const info = statSync(folder, { throwIfNoEntry: false });
    if (!info) continue;
    const why = untrustedBecause(info, uid, gid);
    if (why) refuse(path, `its folder ${folder} ${why}`);
  }
}

function refuse(path: string, why: string): never {
  throw new ConfigError(
    `config file ${path} is not used: ${why}, so it may not be yours`,
    'a config file can set where the token is sent: chmod go-w it (and its folder), remove it, name one with --config, or pass --no-config',
  );
}

/**
 * Refuses (exit 3) a path that is not a regular file (a FIFO, a device, a socket): reading one could wait for ever.
 * `what` names it for the message ("config file", "token file").
 */
export function requireRegularFile(path: string, what: string, hint: string): void {
  const info = statSync(path, { throwIfNoEntry: false });
  if (!info) return;
  if (info.isDirectory()) throw new ConfigError(`${what} ${path} is a folder`, hint);
  if (!info.isFile()) {
    const kind = info.isFIFO() ? 'a named pipe (FIFO)' : info.isCharacterDevice() || info.isBlockDevice() ? 'a device' : info.isSocket() ? 'a socket' : 'not a regular file';
    throw new ConfigError(`${what} ${path} is ${kind}, not a regular file`, hint);
  }
}

async function packageJsonNamesUs(path: string): Promise<boolean> {
  let text: string;
  try {
    text = await readText(path);
  } catch {
    return false;
  }
  try {
    const parsed = JSON.parse(text) as unknown;
    return typeof parsed === 'object' && parsed !== null && Object.hasOwn(parsed, 'waupload');
  } catch {
    return text.includes('"waupload"');
  }
}

/** Something (a file, a folder, a mark) at `path`; false when absent or unreadable, never an error. */
function exists(path: string): boolean {
  try {
    return lstatSync(path, { throwIfNoEntry: false }) !== undefined;
  } catch {
    return false;
  }
}

/** Anything but a folder at `path` (a FIFO too: it is refused by name, never waited on). */
function isCandidate(path: string): boolean {
  try {
    const info = statSync(path, { throwIfNoEntry: false });
    return info !== undefined && !info.isDirectory();
  } catch {
    return false;
  }
}

function isFolder(path: string): boolean {
  try {
    return statSync(path, { throwIfNoEntry: false })?.isDirectory() ?? false;
  } catch {
    return false;
  }
}
