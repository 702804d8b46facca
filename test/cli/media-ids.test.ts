// info, download and delete with several media IDs, and where download writes (-o a folder, a missing folder, permissions).

import { mkdir, readFile, readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { sha256Of, useCliSandbox } from '../helpers/cli-sandbox.js';
import { BIN, FIXTURES } from '../helpers/run-cli.js';

const cli = useCliSandbox({}, { inProcess: true });
const photo = join(FIXTURES, 'valid/photo.jpg');
const voice = join(FIXTURES, 'valid/voice.ogg');

/** Uploads the files through the CLI and returns their IDs, then forgets the requests. */
async function upload(...files: string[]): Promise<string[]> {
  const run = await cli.run(['--json', ...files]);
  expect(run.code).toBe(0);
  cli.sandbox.reset();
  return run.stdout
    .trim()
    .split('\n')
    .map((line) => (JSON.parse(line) as { id: string }).id);
}

const UNKNOWN = '999999999999999';

describe('several media IDs', () => {
  it('info: one block per ID; --json one object per ID; an unknown ID in the middle does not stop the others', async () => {
    const [a, b] = await upload(photo, voice);
    const text = await cli.run(['info', a!, b!]);
    expect(text.code).toBe(0);
    const blocks = text.stdout.trim().split('\n\n');
    expect(blocks).toHaveLength(2);
    expect(blocks[0]).toContain(`id         ${a}`);
    expect(blocks[1]).toContain(`id         ${b}`);
    const json = await cli.run(['info', '--json', a!, UNKNOWN, b!]);
    expect(json.code).toBe(5);
    const objects = json.stdout.trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
    // The failure names the ID it is about, like an upload's names its file.
    expect(objects.map((o) => (o.error ? `error ${o.id}` : o.id))).toEqual([a, `error ${UNKNOWN}`, b]);
    expect(json.stderr).toContain(`(${UNKNOWN})`);
  });

  it('delete: every ID, a confirmation each on stderr; --dry-run deletes none', async () => {
    const ids = await upload(photo, voice, photo);
    const dry = await cli.run(['delete', '--dry-run', ...ids]);
    expect(dry.code).toBe(0);
    expect(dry.stderr).toBe(ids.map((id) => `would delete ${id}\n`).join(''));
    expect(cli.sandbox.requests).toHaveLength(0);
    const run = await cli.run(['delete', ...ids]);
    expect(run.code).toBe(0);
    expect(run.stdout).toBe('');
    expect(run.stderr).toBe(ids.map((id) => `deleted ${id}\n`).join(''));
    expect(cli.sandbox.requests.filter((r) => r.method === 'DELETE').map((r) => r.path.split('/').at(-1))).toEqual(ids);
  });

  it('download: each to <id>.<ext> here, or into the folder -o names', async () => {
    const [a, b] = await upload(photo, voice);
    const here = await cli.run(['download', a!, b!]);
    expect(here.code).toBe(0);
    expect(here.stdout).toBe(`${join(cli.dirs.cwd, `${a}.jpg`)}\n${join(cli.dirs.cwd, `${b}.ogg`)}\n`);
    await mkdir(join(cli.dirs.cwd, 'media'));
    const folder = await cli.run(['download', '-o', 'media', a!, b!]);
    expect(folder.code).toBe(0);
    expect((await readdir(join(cli.dirs.cwd, 'media'))).sort()).toEqual([`${a}.jpg`, `${b}.ogg`].sort());
    expect(sha256Of(await readFile(join(cli.dirs.cwd, 'media', `${b}.ogg`)))).toBe(sha256Of(await readFile(voice)));
  });

  it.each([
    [['-o', 'one.jpg'], /^error: -o one\.jpg names one file, but 2 media IDs were given\nhint: -o an existing folder/],
    [['-o', '-'], /^error: -o - takes one media ID\n/],
  ])('download %j with two IDs: exit 2, nothing fetched', async (options, message) => {
    const [a, b] = await upload(photo, voice);
    const run = await cli.run(['download', ...options, a!, b!]);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(message);
    expect(cli.sandbox.requests).toHaveLength(0);
  });
});

describe('where download writes', () => {
  it('-o an existing folder writes <folder>/<id>.<ext>', async () => {
    const [id] = await upload(photo);
    await mkdir(join(cli.dirs.cwd, 'out'));
    const run = await cli.run(['download', id!, '-o', 'out']);
    expect(run.code).toBe(0);
    expect(run.stdout).toBe(`${join('out', `${id}.jpg`)}\n`);
    expect(sha256Of(await readFile(join(cli.dirs.cwd, 'out', `${id}.jpg`)))).toBe(sha256Of(await readFile(photo)));
  });

  it.each([['missing/copy.jpg', 'folder missing does not exist'], ['missing/', 'folder missing/ does not exist']])(
    '-o %s: exit 4 naming the folder, nothing written',
    async (target, message) => {
      const [id] = await upload(photo);
      const run = await cli.run(['download', id!, '-o', target]);
      expect(run.code).toBe(4);
      expect(run.stderr).toMatch(new RegExp(`^error: ${message.replace(/[./]/g, '\\$&')} \\(${id}\\)\\nhint: create it first`));
      expect(await readdir(cli.dirs.cwd)).toEqual([]);
    },
  );

  it('a downloaded file gets the usual permissions (umask 022 → rw-r--r--), like curl and wget', async () => {
    const [id] = await upload(photo);
    const run = await cli.run(['-c', `umask 022 && exec "${process.execPath}" "${BIN}" "$@"`, 'sh', 'download', id!, '-o', 'copy.jpg'], { command: 'sh' });
    expect(run.code).toBe(0);
    expect((await stat(join(cli.dirs.cwd, 'copy.jpg'))).mode & 0o777).toBe(0o644);
  });
});
