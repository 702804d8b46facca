// JavaScript config files through the CLI, run after run: the code cache must never change how they load or what is printed.

import { readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { useCliSandbox } from '../helpers/cli-sandbox.js';
import { FIXTURES } from '../helpers/run-cli.js';

const cli = useCliSandbox();
const photo = join(FIXTURES, 'valid/photo.jpg');
const CONFIG_PHONE_NUMBER_ID = '550011223344';

describe('a JavaScript config file', () => {
  it.each([
    ['waupload.config.cjs', `module.exports = { phoneNumberId: '${CONFIG_PHONE_NUMBER_ID}' };\n`],
    ['waupload.config.mjs', `export default { phoneNumberId: '${CONFIG_PHONE_NUMBER_ID}' };\n`],
    ['.wauploadrc.js', `module.exports = { phoneNumberId: '${CONFIG_PHONE_NUMBER_ID}' };\n`],
  ])('%s is read the same on every run, the code cache written and used in between, with no warning of Node\'s', async (name, source) => {
    await writeFile(join(cli.dirs.cwd, name), source);
    const env = { WA_PHONE_NUMBER_ID: undefined, XDG_CACHE_HOME: join(cli.dirs.home, 'cache') };
    // The first run marks the kind of run as seen, the second writes the cache, the later ones start from it.
    for (let run = 1; run <= 4; run += 1) {
      const result = await cli.run(['--json', photo], { env });
      expect({ run, code: result.code, stderr: result.stderr }).toEqual({ run, code: 0, stderr: '' });
      expect(JSON.parse(result.stdout)).toMatchObject({ file: photo, mimeType: 'image/jpeg' });
      expect(cli.sandbox.requests.at(-1)?.path).toBe(`/v27.0/${CONFIG_PHONE_NUMBER_ID}/media`);
    }
    expect(cli.sandbox.requests).toHaveLength(4);
  });

  it.each([
    ['cfg.ts', `const config: { phoneNumberId: string } = { phoneNumberId: '${CONFIG_PHONE_NUMBER_ID}' };\nexport default config;\n`],
    ['cfg.mjs', `export default { phoneNumberId: '${CONFIG_PHONE_NUMBER_ID}' };\n`],
    ['cfg.cjs', `module.exports = { phoneNumberId: '${CONFIG_PHONE_NUMBER_ID}' };\n`],
    ['cfg.js', `module.exports = { phoneNumberId: '${CONFIG_PHONE_NUMBER_ID}' };\n`],
  ])('--config %s does on every run, the code cache written and used in between, what it does without the cache', async (name, source) => {
    await writeFile(join(cli.dirs.cwd, name), source);
    const args = ['--json', '--config', name, photo];
    const env = { WA_PHONE_NUMBER_ID: undefined, XDG_CACHE_HOME: join(cli.dirs.home, 'cache') };
    const withoutCache = await cli.run(args, { env: { ...env, WA_UPLOAD_NO_CACHE: '1' } });
    // (cosmiconfig reads a .ts config through the typescript package, which this repository has.)
    expect({ code: withoutCache.code, stderr: withoutCache.stderr }).toEqual({ code: 0, stderr: '' });
    expect(cli.sandbox.requests.at(-1)?.path).toBe(`/v27.0/${CONFIG_PHONE_NUMBER_ID}/media`);
    // The first run marks the kind of run as seen, the second writes the cache, the later ones start from it.
    for (let run = 1; run <= 4; run += 1) {
      const result = await cli.run(args, { env });
      expect({ run, code: result.code, stderr: result.stderr }).toEqual({ run, code: withoutCache.code, stderr: withoutCache.stderr });
      expect(JSON.parse(result.stdout)).toMatchObject({ file: photo, mimeType: 'image/jpeg' });
      expect(cli.sandbox.requests.at(-1)?.path).toBe(`/v27.0/${CONFIG_PHONE_NUMBER_ID}/media`);
    }
    expect(cli.sandbox.requests).toHaveLength(5);
    expect((await readdir(join(cli.dirs.home, 'cache', 'wa-upload', 'code-cache'))).filter((f) => f.endsWith('.bin'))).toHaveLength(1);
    // Five runs, each loading typescript for the .ts config.
  }, 60_000);

  it('that throws is named with its error, on every run', async () => {
    await writeFile(join(cli.dirs.cwd, 'waupload.config.mjs'), "throw new Error('no settings today');\n");
    const env = { XDG_CACHE_HOME: join(cli.dirs.home, 'cache') };
    for (let run = 1; run <= 3; run += 1) {
      const result = await cli.run([photo], { env });
      expect(result.code).toBe(3);
      expect(result.stderr).toMatch(/^error: config file .*waupload\.config\.mjs failed when loaded: no settings today\n/);
    }
    expect(cli.sandbox.requests).toHaveLength(0);
  });
});
