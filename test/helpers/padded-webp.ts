// Stickers of an exact size for limit tests: a real WebP fixture grown by a RIFF JUNK chunk that decoders ignore.

import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { FIXTURES } from './run-cli.js';

/** A copy of a WebP fixture grown to `size` bytes by a RIFF JUNK chunk (ignored by decoders), written into `dir`. */
export async function paddedWebp(fixture: string, size: number, dir: string, name: string): Promise<string> {
  const original = await readFile(join(FIXTURES, fixture));
  const padding = size - original.length - 8;
  if (padding < 0 || padding % 2 !== 0 || size % 2 !== 0) throw new Error(`cannot pad ${fixture} to ${size}`);
  const junk = Buffer.alloc(8 + padding);
  junk.write('JUNK', 0, 'latin1');
  junk.writeUInt32LE(padding, 4);
  const file = Buffer.concat([original, junk]);
  file.writeUInt32LE(file.length - 8, 4);
  const path = join(dir, name);
  await writeFile(path, file);
  return path;
}
