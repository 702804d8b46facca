// One measured --reuse cache run in its own process (bench/reuse-cache.js starts it): seed, add one entry, or look one up.

import { createHash, randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';

const [modulePath, mode, home, countText, work] = process.argv.slice(2);
const { openReuseCache } = await import(pathToFileURL(modulePath).href);
const env = { HOME: home };
const config = { phoneNumberId: '100000000000001', baseUrl: 'http://127.0.0.1:9' };
const warnings = [];
const prepared = (path, size) => ({ file: path, path, filename: 'f.txt', mimeType: 'text/plain', category: 'document', size, warnings: [] });
const known = join(work, 'known.txt');

const started = process.hrtime.bigint();
const cache = openReuseCache(env, config, (w) => warnings.push(w));
let outcome;
if (mode === 'seed') {
  // N entries of made-up content, plus the one of known.txt that the lookup runs find.
  writeFileSync(known, 'the file every lookup-only run finds\n');
  const count = Number(countText);
  for (let i = 0; i < count - 1; i++) cache.remember(prepared(known, 1000), String(1_000_000_000 + i), randomBytes(32).toString('hex'));
  const sha = createHash('sha256').update('the file every lookup-only run finds\n').digest('hex');
  cache.remember(prepared(known, 37), '999999999', sha);
  outcome = 'seeded';
} else if (mode === 'add') {
  const path = join(work, `new-${process.pid}-${Date.now()}.txt`);
  const content = `a file never seen ${randomBytes(8).toString('hex')}\n`;
  writeFileSync(path, content);
  const { sha256, remembered } = await cache.lookup(prepared(path, content.length));
  if (remembered) throw new Error('a new file was found in the cache');
  cache.remember(prepared(path, content.length), String(2_000_000_000 + Math.floor(Math.random() * 1e6)), sha256);
  outcome = 'added';
} else {
  const { remembered } = await cache.lookup(prepared(known, 37));
  if (remembered !== '999999999') throw new Error(`lookup missed: ${remembered}`);
  outcome = 'found';
}
await cache.close();
const ms = Number(process.hrtime.bigint() - started) / 1e6;
process.stdout.write(`${JSON.stringify({ outcome, ms, maxRssKb: process.resourceUsage().maxRSS, warnings })}\n`);
