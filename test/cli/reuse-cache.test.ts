// --reuse against broken disks and busy runs: a cache problem is a warning and the IDs print; every upload is
// remembered across concurrent runs under the hash of the bytes sent; IDs are all digits before they are printed or
// cached; the sandbox never touches the real cache; delete forgets; a run rewrites only the shards it touches; an old
// single-file cache is migrated.

import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdir, open, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { sha256Of, useCliSandbox } from '../helpers/cli-sandbox.js';
import { FIXTURES, leaksToken } from '../helpers/run-cli.js';
import { cacheFolder, readAllShards, shardOf } from '../helpers/reuse-shards.js';

const cli = useCliSandbox({}, { inProcess: true });
const photo = join(FIXTURES, 'valid/photo.jpg');

const folder = () => cacheFolder(cli.dirs.home);
const readCache = () => readAllShards(folder());
const idsOf = (stdout: string) => stdout.trim().split('\n').map((line) => line.split('\t')[0]!);

/** `count` small text files with distinct content in this test's folder. */
async function textFiles(count: number, prefix: string): Promise<string[]> {
  const files: string[] = [];
  for (let i = 0; i < count; i++) {
    const path = join(cli.dirs.cwd, `${prefix}-${i}.txt`);
    await writeFile(path, `${prefix} file ${i}\n`);
    files.push(path);
  }
  return files;
}

describe('a cache problem is a warning; the IDs still print', () => {
  it('XDG_CACHE_HOME is a file: exit 0, the ID printed, one warning', async () => {
    const notAFolder = join(cli.dirs.home, 'cache-file');
    await writeFile(notAFolder, 'not a folder');
    const result = await cli.run(['--reuse', photo], { env: { XDG_CACHE_HOME: notAFolder } });
    expect(result.code).toBe(0);
    expect(result.stdout).toBe(`${(cli.sandbox.requests[0]!.responseBody as { id: string }).id}\n`);
    expect(result.stderr).toMatch(/warning: cannot write the reuse cache .*cache-file\/wa-upload\/media-ids\S* \(ENOTDIR\): the media IDs are printed but not remembered/);
    expect(result.stderr.match(/warning: cannot write/g)).toHaveLength(1);
  });

  it('every shard file is a folder (unreadable, unwritable even for root): exit 0, the IDs printed, one warning of each', async () => {
    for (let i = 0; i < 256; i++) await mkdir(join(folder(), `${i.toString(16).padStart(2, '0')}.json`), { recursive: true });
    const files = await textFiles(3, 'folder');
    const result = await cli.run(['--reuse', ...files]);
    expect(result.code).toBe(0);
    expect(idsOf(result.stdout)).toHaveLength(3);
    expect(result.stderr).toMatch(/warning: cannot read the reuse cache .*media-ids\/[0-9a-f]{2}\.json \(EISDIR\): every file is uploaded/);
    expect(result.stderr).toMatch(/warning: cannot write the reuse cache .*media-ids\/[0-9a-f]{2}\.json \(EISDIR\)/);
    expect(result.stderr.match(/warning: cannot read/g)).toHaveLength(1);
    expect(result.stderr.match(/warning: cannot write/g)).toHaveLength(1);
  });

  it('damaged entries (null, a string, an ID with an escape code) are skipped with a warning; good ones still count', async () => {
    const first = await cli.run(['--reuse', photo]);
    const cache = await readCache();
    const [key, good] = Object.entries(cache.entries)[0]!;
    // Damage in the photo's shard, under keys of the same prefix (every key of a shard starts with its digits).
    const damaged = { version: 1, entries: { [key]: good, [`${key}-broken`]: null, [`${key}-text`]: 'not an entry', [`${key}-evil`]: { ...good, id: '123\u001b[31m' } } };
    await writeFile(await shardOf(folder(), photo), JSON.stringify(damaged));
    const files = await textFiles(2, 'damaged');
    const result = await cli.run(['--reuse', photo, ...files]);
    expect(result.code).toBe(0);
    expect(result.stderr).toMatch(/warning: the reuse cache .* holds 3 damaged entries, ignored/);
    expect(idsOf(result.stdout)[0]).toBe(first.stdout.trim());
    expect(result.stdout).not.toContain('\u001b');
    expect(Object.keys((await readCache()).entries).sort()).toHaveLength(3);
  });

  it('a cache entry whose ID is not all digits is never handed back', async () => {
    await cli.run(['--reuse', photo]);
    const cache = await readCache();
    for (const entry of Object.values(cache.entries)) entry.id = '1111\n2222\tEVIL';
    await writeFile(await shardOf(folder(), photo), JSON.stringify({ version: 1, entries: cache.entries }));
    const result = await cli.run(['--reuse', photo]);
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/^\d+\n$/);
    expect(cli.sandbox.requests).toHaveLength(2);
  });
});

describe('every upload is remembered, across concurrent runs', () => {
  it('16 files at --concurrency 8 leave 16 entries', async () => {
    const files = await textFiles(16, 'pool');
    const result = await cli.run(['--reuse', '--concurrency', '8', ...files]);
    expect(result.code).toBe(0);
    const entries = Object.values((await readCache()).entries);
    expect(entries).toHaveLength(16);
    expect(new Set(entries.map((e) => e.id))).toEqual(new Set(idsOf(result.stdout)));
  });

  it('three runs at once keep all 46 entries, and the file stays valid JSON', async () => {
    const batches = [await textFiles(16, 'a'), await textFiles(15, 'b'), await textFiles(15, 'c')];
    const results = await Promise.all(batches.map((files) => cli.run(['--reuse', '--concurrency', '8', ...files])));
    expect(results.map((r) => r.code)).toEqual([0, 0, 0]);
    const entries = Object.values((await readCache()).entries);
    expect(entries).toHaveLength(46);
    expect(new Set(entries.map((e) => e.id))).toEqual(new Set(results.flatMap((r) => idsOf(r.stdout))));
    // A second pass reuses every one of them: nothing is uploaded again.
    const before = cli.sandbox.requests.length;
    const again = await cli.run(['--reuse', ...batches.flat()]);
    expect(again.code).toBe(0);
    expect(cli.sandbox.requests).toHaveLength(before);
  });
});

describe('the hash remembered is the one of the bytes sent', () => {
  it('a file rewritten in place during the upload is cached under what the server received', async () => {
    const size = 32 * 1024 * 1024;
    const path = join(cli.dirs.cwd, 'growing.txt');
    await writeFile(path, Buffer.alloc(size, 'a'));
    let received: Buffer | undefined;
    // A server that stops reading after the first bytes until the file has been rewritten, then answers an ID.
    const server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      let paused = false;
      req.on('data', (chunk: Buffer) => {
        chunks.push(chunk);
        if (paused) return;
        paused = true;
        req.pause();
        void (async () => {
          const handle = await open(path, 'r+');
          await handle.write(Buffer.alloc(size, 'b'), 0, size, 0);
          await handle.close();
          req.resume();
        })();
      });
      req.on('end', () => {
        const body = Buffer.concat(chunks);
        const boundary = /boundary=(\S+)/.exec(String(req.headers['content-type']))![1]!;
        const closing = `\r\n--${boundary}--\r\n`.length;
        received = body.subarray(body.length - closing - size, body.length - closing);
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end('{"id":"4242424242"}');
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
      const result = await cli.run(['--reuse', '--json', path], { env: { WA_BASE_URL: base } });
      expect(result.code).toBe(0);
      const sent = sha256Of(received!);
      // The rewrite landed mid-body: what the server holds is neither the old nor the new file.
      expect(sent).not.toBe(sha256Of(Buffer.alloc(size, 'a')));
      expect((JSON.parse(result.stdout) as { sha256: string }).sha256).toBe(sent);
      expect(Object.values((await readCache()).entries).map((e) => [e.id, e.sha256])).toEqual([['4242424242', sent]]);
    } finally {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  });
});

describe('media IDs are all digits before they are printed or cached', () => {
  it.each([
    ['a newline and a tab', '{"id":"1111\\n2222\\tEVIL"}', '2222\tEVIL'],
    ['a number too big to be exact', '{"id":1e21}', undefined],
    ['an escape code', '{"id":"\\u001b]0;pwned\\u0007123"}', '\u001b]0;'],
    ['an object', '{"id":{"nested":"1"}}', undefined],
  ] as [string, string, string | undefined][])('%s: exit 5, nothing on stdout, nothing cached, the raw value never printed', async (_name, body, raw) => {
    cli.sandbox.injectFault({ status: 200, body, times: 5 });
    const result = await cli.run(['--reuse', '--retry-delay', '0', photo]);
    expect(result.code).toBe(5);
    expect(result.stdout).toBe('');
    expect(result.stderr).toContain('error: the server answered with a media ID that is not all digits');
    if (raw !== undefined) expect(result.stderr).not.toContain(raw);
    expect(cli.sandbox.requests).toHaveLength(1);
    await expect(stat(folder())).rejects.toThrow();
    expect(leaksToken(result)).toBe(false);
  });
});

describe('--sandbox --reuse never touches the real cache', () => {
  it('no cache file is created, and an existing one is left byte for byte', async () => {
    const first = await cli.run(['--sandbox', '--reuse', photo], { env: { WA_TOKEN: undefined, WA_BASE_URL: undefined, WA_PHONE_NUMBER_ID: undefined } });
    expect(first.code).toBe(0);
    await expect(stat(folder())).rejects.toThrow();
    await cli.run(['--reuse', photo]);
    const before = await readFile(await shardOf(folder(), photo), 'utf8');
    const second = await cli.run(['--sandbox', '--reuse', photo], { env: { WA_TOKEN: undefined, WA_BASE_URL: undefined, WA_PHONE_NUMBER_ID: undefined } });
    expect(second.code).toBe(0);
    expect(await readFile(await shardOf(folder(), photo), 'utf8')).toBe(before);
    expect((await readCache()).shards).toHaveLength(1);
  });
});

describe('delete forgets the ID in the --reuse cache', () => {
  it('after delete, --reuse uploads again instead of handing back the deleted ID', async () => {
    const first = await cli.run(['--reuse', photo]);
    const id = first.stdout.trim();
    const deleted = await cli.run(['delete', id]);
    expect(deleted.code).toBe(0);
    expect(Object.values((await readCache()).entries).map((e) => e.id)).not.toContain(id);
    const again = await cli.run(['--reuse', photo]);
    expect(again.code).toBe(0);
    expect(again.stdout.trim()).not.toBe(id);
    expect(cli.sandbox.requests.filter((r) => r.method === 'POST')).toHaveLength(2);
  });

  it('delete with no cache file creates none', async () => {
    const id = (await cli.run([photo])).stdout.trim();
    await mkdir(join(cli.dirs.home, '.cache'), { recursive: true });
    expect((await cli.run(['delete', id])).code).toBe(0);
    await expect(stat(folder())).rejects.toThrow();
    await expect(stat(join(cli.dirs.home, '.cache', 'wa-upload', 'media-ids.json'))).rejects.toThrow();
  });
});

describe('a run reads and rewrites only the shards of the files it touches', () => {
  const inodes = async () => {
    const { shards } = await readCache();
    return new Map(await Promise.all(shards.map(async (name) => [name, (await stat(join(folder(), name))).ino] as const)));
  };

  it('adding one file rewrites its shard only; a lookup-only run rewrites none', async () => {
    const seeded = await textFiles(24, 'seed');
    expect((await cli.run(['--reuse', ...seeded])).code).toBe(0);
    const before = await inodes();
    expect(before.size).toBeGreaterThan(1);
    const [extra] = await textFiles(1, 'extra');
    const added = await cli.run(['--reuse', extra!]);
    expect(added.code).toBe(0);
    const extraShard = (await shardOf(folder(), extra!)).split('/').pop()!;
    const after = await inodes();
    for (const [name, ino] of before) if (name !== extraShard) expect([name, after.get(name)]).toEqual([name, ino]);
    expect(after.get(extraShard)).not.toBe(before.get(extraShard));
    expect(Object.values((await readCache()).entries)).toHaveLength(25);
    // Everything known: nothing is uploaded and nothing is written.
    const posts = cli.sandbox.requests.length;
    const lookup = await cli.run(['--reuse', ...seeded, extra!]);
    expect(lookup.code).toBe(0);
    expect(lookup.stderr).toBe('');
    expect(cli.sandbox.requests).toHaveLength(posts);
    expect(await inodes()).toEqual(after);
  });
});

describe('an old single-file cache (media-ids.json) is migrated into the shards', () => {
  const legacy = () => join(cli.dirs.home, '.cache', 'wa-upload', 'media-ids.json');

  it('its entries are used and moved into their shards, and the old file is removed, with no warning', async () => {
    const first = await cli.run(['--reuse', photo]);
    const { entries } = await readCache();
    const [key, entry] = Object.entries(entries)[0]!;
    const other = { ...entry, id: '7777777777', sha256: 'ab'.repeat(32) };
    await rm(folder(), { recursive: true });
    // The layout the single-file cache had: every entry in one file.
    await writeFile(legacy(), JSON.stringify({ version: 1, entries: { [key]: entry, [`${other.sha256}|text/plain|1|http://x`]: other } }));
    const result = await cli.run(['--reuse', photo]);
    expect(result.code).toBe(0);
    expect(result.stderr).toBe('');
    expect(result.stdout).toBe(first.stdout);
    expect(cli.sandbox.requests).toHaveLength(1);
    await expect(stat(legacy())).rejects.toThrow();
    const migrated = await readCache();
    expect(Object.values(migrated.entries).map((e) => e.id).sort()).toEqual([first.stdout.trim(), '7777777777'].sort());
    expect(migrated.shards).toContain('ab.json');
  });

  it('a damaged old file is one warning, removed, and the file is uploaded', async () => {
    await mkdir(join(cli.dirs.home, '.cache', 'wa-upload'), { recursive: true });
    await writeFile(legacy(), '{"version":1,"entries":{"trunc');
    const result = await cli.run(['--reuse', photo]);
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/^\d+\n$/);
    expect(result.stderr.match(/warning:/g)).toHaveLength(1);
    expect(result.stderr).toMatch(/warning: the reuse cache .*media-ids\.json is damaged and is ignored/);
    expect(cli.sandbox.requests).toHaveLength(1);
    await expect(stat(legacy())).rejects.toThrow();
    expect(Object.values((await readCache()).entries).map((e) => e.id)).toEqual([result.stdout.trim()]);
  });

  it('delete finds an ID still in an old file', async () => {
    const first = await cli.run(['--reuse', photo]);
    const { entries } = await readCache();
    await rm(folder(), { recursive: true });
    await writeFile(legacy(), JSON.stringify({ version: 1, entries }));
    expect((await cli.run(['delete', first.stdout.trim()])).code).toBe(0);
    await expect(stat(legacy())).rejects.toThrow();
    expect(Object.values((await readCache()).entries)).toEqual([]);
  });
});
