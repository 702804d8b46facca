// Completion works in each shell, for real: bash through its completion function, fish through `complete -C`, zsh typed into a terminal (tmux) with Tab.

import { execFileSync, spawnSync } from 'node:child_process';
import { chmod, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runInProcess } from '../helpers/in-process.js';
import { BIN } from '../helpers/run-cli.js';

let work: string;
const scripts: Record<string, string> = {};
beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'wa-completion-'));
  await writeFile(join(work, 'my photo.jpg'), 'x');
  await writeFile(join(work, 'other.pdf'), 'x');
  for (const shell of ['bash', 'zsh', 'fish']) {
    const run = await runInProcess(['completion', shell]);
    expect(run.code).toBe(0);
    scripts[shell] = join(work, `completion.${shell}`);
    await writeFile(scripts[shell]!, run.stdout);
  }
  // The program on PATH, as `npm install -g` puts it (zsh's file completion runs nothing of it, but a user's shell would find it).
  await mkdir(join(work, 'bin'));
  await writeFile(join(work, 'bin', 'wa-upload'), `#!/bin/sh\nexec '${process.execPath}' '${BIN}' "$@"\n`);
  await chmod(join(work, 'bin', 'wa-upload'), 0o755);
});
afterAll(async () => {
  await rm(work, { recursive: true, force: true });
});

/** What bash's completion function offers for the words typed so far (the last one being completed). */
function bash(words: string[]): string[] {
  const driver = `source "$1"; shift; COMP_WORDS=("$@"); COMP_CWORD=$(( \${#COMP_WORDS[@]} - 1 )); _wa_upload_complete; printf '%s\\n' "\${COMPREPLY[@]}"`;
  const result = spawnSync('bash', ['-c', driver, 'bash', scripts.bash!, ...words], { cwd: work, encoding: 'utf8' });
  expect(result.stderr).toBe('');
  return result.stdout.split('\n').filter(Boolean);
}

/** What fish offers for a command line (words only, descriptions dropped). */
function fish(line: string): string[] {
  const result = spawnSync('fish', ['--no-config', '-c', `source ${scripts.fish}; complete -C ${JSON.stringify(line)}`], { cwd: work, encoding: 'utf8' });
  return result.stdout.split('\n').filter(Boolean).map((l) => l.split('\t')[0]!);
}

describe('bash', () => {
  it.each([
    [['wa-upload', 'my'], ['my photo.jpg']],
    [['wa-upload', '--json', 'inf'], ['info']],
    [['wa-upload', '--retries', '2', 'dow'], ['download']],
    [['wa-upload', '--type', 'image/p'], ['image/png']],
    [['wa-upload', 'completion', ''], ['bash', 'zsh', 'fish']],
    [['wa-upload', 'help', 'd'], ['download', 'delete']],
    [['wa-upload', 'info', '--js'], ['--json']],
    [['wa-upload', '--config', 'oth'], ['other.pdf']],
    [['wa-upload', 'photo.jpg', 'inf'], []],
  ])('%j offers %j', (words, offered) => {
    expect(bash(words).sort()).toEqual([...offered].sort());
  });

  it('a value-taking option that names no file offers nothing (not the files here)', () => {
    expect(bash(['wa-upload', '--retries', ''])).toEqual([]);
  });
});

describe('fish', () => {
  it.each([
    ['wa-upload --json inf', ['info']],
    ['wa-upload completion ', ['bash', 'fish', 'zsh']],
    ['wa-upload help ', ['completion', 'delete', 'download', 'handle', 'info', 'sandbox']],
    ['wa-upload --type image/jp', ['image/jpeg']],
    ['wa-upload my', ['my photo.jpg']],
  ])('%j offers %j', (line, offered) => {
    expect(fish(line).sort()).toEqual([...offered].sort());
  });
});

describe('zsh, typed into a terminal with Tab (no compinit run beforehand)', () => {
  const session = `wa-zsh-${process.pid}`;
  const tmux = (...args: string[]): string => execFileSync('tmux', args, { encoding: 'utf8' });

  beforeAll(async () => {
    tmux('new-session', '-d', '-s', session, '-x', '150', '-y', '40', `env -i PATH=${join(work, 'bin')}:/usr/bin:/bin HOME=${work} TERM=xterm zsh -f`);
    tmux('send-keys', '-t', session, `cd ${work} && source ${scripts.zsh} && clear`, 'Enter');
    await sleep(500);
  });
  afterAll(() => {
    spawnSync('tmux', ['kill-session', '-t', session]);
  });

  /** Types `line`, presses Tab, and waits (up to 10 s) for the screen to show `expected`; returns the screen. */
  async function complete(line: string, expected: RegExp): Promise<string> {
    tmux('send-keys', '-t', session, 'C-u');
    tmux('send-keys', '-t', session, 'clear', 'Enter');
    await sleep(200);
    tmux('send-keys', '-t', session, line, 'Tab');
    let screen = '';
    for (let i = 0; i < 50 && !expected.test(screen); i++) {
      await sleep(200);
      screen = tmux('capture-pane', '-p', '-t', session);
    }
    return screen;
  }

  it.each([
    ['wa-upload completion ', /bash\s+fish\s+zsh/],
    ['wa-upload --json inf', /wa-upload --json info/],
    ['wa-upload my', /wa-upload my\\ photo\.jpg/],
    ['wa-upload --config oth', /wa-upload --config other\.pdf/],
  ])('%j shows %s', async (line, expected) => {
    expect(await complete(line, expected)).toMatch(expected);
  });
});
