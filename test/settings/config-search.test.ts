// Where the config file is found: each folder from cwd up to HOME, the search places in order, then the user's config folder.

import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { findConfigFile } from '../../src/settings/config.js';

let root: string | undefined;
afterEach(async () => {
  if (root) await rm(root, { recursive: true, force: true });
  root = undefined;
});

/** A tree under a new temp folder: `home/project/sub` exists; each entry path → file text, or null for a folder. */
async function tree(entries: Record<string, string | null>): Promise<{ home: string; cwd: string; at: (p: string) => string }> {
  root = await mkdtemp(join(tmpdir(), 'wa-search-'));
  const at = (p: string) => join(root!, p);
  await mkdir(at('home/project/sub'), { recursive: true });
  for (const [path, text] of Object.entries(entries)) {
    if (text === null) await mkdir(at(path), { recursive: true });
    else {
      await mkdir(join(at(path), '..'), { recursive: true });
      await writeFile(at(path), text);
    }
  }
  return { home: at('home'), cwd: at('home/project/sub'), at };
}

describe('config file search', () => {
  it.each([
    ['in the working folder', { 'home/project/sub/.waupload.json': '{}' }, 'home/project/sub/.waupload.json'],
    ['in a parent folder', { 'home/project/.wauploadrc.yaml': 'a: 1' }, 'home/project/.wauploadrc.yaml'],
    ['the nearer folder first', { 'home/project/.waupload.json': '{}', 'home/project/sub/.wauploadrc': '{}' }, 'home/project/sub/.wauploadrc'],
    ['within a folder, in the places\' order', { 'home/project/.wauploadrc.json': '{}', 'home/project/.waupload.json': '{}' }, 'home/project/.waupload.json'],
    ['a folder named like a config file is passed over', { 'home/project/sub/.waupload.json': null, 'home/project/sub/.wauploadrc.json': '{}' }, 'home/project/sub/.wauploadrc.json'],
    ['under .config/', { 'home/project/.config/wauploadrc.json': '{}' }, 'home/project/.config/wauploadrc.json'],
    ['a package.json without a "waupload" key is passed over', { 'home/project/sub/package.json': '{"name":"x"}', 'home/project/.waupload.json': '{}' }, 'home/project/.waupload.json'],
    ['a package.json with a "waupload" key', { 'home/project/package.json': '{"waupload":{}}' }, 'home/project/package.json'],
    ['the user\'s config folder last', { 'home/.config/waupload/config.json': '{}' }, 'home/.config/waupload/config.json'],
    ['none at all', {}, undefined],
  ])('%s', async (_, entries, expected) => {
    const { home, cwd, at } = await tree(entries);
    expect(await findConfigFile(cwd, { HOME: home })).toBe(expected && at(expected));
  });

  it('stops at the home folder: a config file above it is not read', async () => {
    const { home, cwd } = await tree({ '.waupload.json': '{}' });
    expect(await findConfigFile(cwd, { HOME: home })).toBeUndefined();
  });

  it('asks for each name instead of listing folders: a working folder of 5,000 files changes nothing', async () => {
    const { home, cwd, at } = await tree({ 'home/project/.waupload.json': '{}' });
    await Promise.all(Array.from({ length: 5000 }, (_, i) => writeFile(join(cwd, `IMG_${String(i).padStart(5, '0')}.jpg`), '')));
    expect(await findConfigFile(cwd, { HOME: home })).toBe(at('home/project/.waupload.json'));
  });
});
