// The published package as a new user gets it: packed, installed from the tarball into an empty project, run and imported.

import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { copyFile, mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSandbox, type Sandbox } from '../../src/sandbox/server.js';
import { FIXTURES, REPO_ROOT, TEST_TOKEN } from '../helpers/run-cli.js';

interface Ran {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs a command asynchronously (the sandbox answers from this process) with a clean environment. */
function sh(command: string, args: string[], cwd: string, env: Record<string, string> = {}): Promise<Ran> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, {
      cwd,
      // npm's cache and HOME live in the test's own temp folder, never in the repository.
      env: { PATH: process.env.PATH ?? '', HOME: work, npm_config_cache: join(work, '.npm-cache'), npm_config_update_notifier: 'false', ...env },
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

let work: string;
let project: string;
let tarball: string;
let packedFiles: string[];
let sandbox: Sandbox;
let installWarnings = '';

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'wa-pack-'));
  project = join(work, 'project');
  // dist/ is already built by `npm test`; --ignore-scripts keeps pack from rebuilding it under the other test files.
  const packed = await sh('npm', ['pack', '--ignore-scripts', '--json', '--pack-destination', work], REPO_ROOT);
  expect(packed.code, packed.stderr).toBe(0);
  const info = JSON.parse(packed.stdout) as { filename: string; files: { path: string }[] }[];
  tarball = join(work, info[0]!.filename);
  packedFiles = info[0]!.files.map((f) => f.path);
  await sh('mkdir', ['-p', project], work);
  await writeFile(join(project, 'package.json'), JSON.stringify({ name: 'consumer', version: '1.0.0', private: true, type: 'module' }));
  // A zero-dependency package installs from the tarball alone: no registry needed.
  const installed = await sh('npm', ['install', '--offline', '--no-audit', '--no-fund', tarball], project);
  expect(installed.code, installed.stderr).toBe(0);
  installWarnings = installed.stderr;
  sandbox = await startSandbox({ token: TEST_TOKEN });
}, 120_000);

afterAll(async () => {
  await sandbox?.close();
  await rm(work, { recursive: true, force: true });
});

describe('npm pack', () => {
  it('ships the bin, dist/ (the code, the API front and its types), the source maps, the man page, README, LICENSE and package.json, and nothing else: 14 files (npx pays for each)', () => {
    const expected = ['bin/wa-upload.cjs', 'dist/launch.cjs', 'dist/cli.cjs', 'dist/main.cjs', 'dist/extras.cjs', 'dist/cli.cjs.map', 'dist/main.cjs.map', 'dist/extras.cjs.map', 'dist/index.cjs', 'dist/index.d.cts', 'docs/wa-upload.1', 'README.md', 'LICENSE', 'package.json'];
    expect([...packedFiles].sort()).toEqual([...expected].sort());
  });

  it('ships every chunk the code loads (dist/cli.cjs and the chunk-*.cjs files require one another)', async () => {
    const dist = join(project, 'node_modules', 'wa-upload', 'dist');
    const code = packedFiles.filter((p) => /^dist\/.*\.cjs$/.test(p));
    expect(code.length).toBeGreaterThan(2);
    for (const file of code) {
      const text = await readFile(join(dist, file.slice('dist/'.length)), 'utf8');
      for (const [, chunk] of text.matchAll(/require\("\.\/(chunk-[\w-]+\.cjs)"\)/g)) expect(packedFiles, `${file} requires ${chunk}`).toContain(`dist/${chunk}`);
    }
  });

  it('says Node >= 20.19 and has no runtime dependencies (everything is bundled)', async () => {
    const manifest = JSON.parse(await readFile(join(project, 'node_modules', 'wa-upload', 'package.json'), 'utf8')) as Record<string, unknown>;
    expect(manifest.engines).toEqual({ node: '>=20.19.0' });
    expect(manifest.dependencies).toBeUndefined();
    // The bundled packages' licences close dist/extras.cjs, as comments.
    const extras = await readFile(join(project, 'node_modules', 'wa-upload', 'dist', 'extras.cjs'), 'utf8');
    const notices = extras.slice(extras.indexOf('// THIRD-PARTY NOTICES'));
    expect(notices.length).toBeGreaterThan(10_000);
    expect(notices.split('\n').filter((line) => line !== '' && !line.startsWith('//'))).toEqual([]);
    for (const name of ['got@', 'commander@', 'form-data@', 'cosmiconfig@', 'chalk@', 'ora@', 'mime-types@', 'js-yaml@']) expect(notices).toContain(`// ${name}`);
  });
});

describe('installed from the tarball into an empty project', () => {
  it('npx wa-upload --sandbox uploads a file and prints its ID', async () => {
    const result = await sh('npx', ['--offline', 'wa-upload', '--sandbox', join(FIXTURES, 'valid/photo.jpg')], project);
    expect(result.stderr).toContain('sandbox: uploading to a local stand-in');
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/^\d+\n$/);
  });

  it('keeps its V8 code cache in the user\'s cache folder: neither the tarball nor the installed package holds one', async () => {
    const xdg = join(work, 'xdg-cache');
    for (let i = 0; i < 2; i++) {
      const result = await sh('npx', ['--offline', 'wa-upload', '--sandbox', join(FIXTURES, 'valid/photo.jpg')], project, { XDG_CACHE_HOME: xdg });
      expect(result.code).toBe(0);
      expect(result.stdout).toMatch(/^\d+\n$/);
    }
    expect((await readdir(join(xdg, 'wa-upload', 'code-cache'))).filter((f) => f.endsWith('.bin'))).toEqual([expect.stringMatching(/^cli-.*-upload-node.*\.bin$/)]);
    const installed = (await readdir(join(project, 'node_modules', 'wa-upload'), { recursive: true, withFileTypes: true }))
      .filter((entry) => entry.isFile())
      .map((entry) => join(entry.parentPath ?? entry.path, entry.name).slice(join(project, 'node_modules', 'wa-upload').length + 1));
    expect(installed.sort()).toEqual([...packedFiles].sort());
    expect(packedFiles.filter((p) => /\.bin$|cache/i.test(p))).toEqual([]);
  });

  it('npx wa-upload --version and --help work', async () => {
    const version = await sh('npx', ['--offline', 'wa-upload', '--version'], project);
    const pkg = JSON.parse(await readFile(join(REPO_ROOT, 'package.json'), 'utf8')) as { version: string };
    expect(version.stdout.trim()).toBe(pkg.version);
    const help = await sh('npx', ['--offline', 'wa-upload', '--help'], project);
    expect(help.code).toBe(0);
    expect(help.stdout).toContain('Exit codes');
  });

  it('import { uploadMedia, getMediaInfo, downloadMedia, deleteMedia } works, with typed errors', async () => {
    const script = `
      import { uploadMedia, getMediaInfo, downloadMedia, deleteMedia, InputError, ApiError, ExitCode } from 'wa-upload';
      import { readFile } from 'node:fs/promises';
      const options = { token: ${JSON.stringify(TEST_TOKEN)}, phoneNumberId: '100000000000001', baseUrl: ${JSON.stringify(sandbox.url)}, configFile: false, env: {} };
      const uploaded = await uploadMedia(${JSON.stringify(join(FIXTURES, 'valid/document.pdf'))}, options);
      const info = await getMediaInfo(uploaded.id, options);
      const saved = await downloadMedia(uploaded.id, 'copy.pdf', options);
      const same = (await readFile('copy.pdf')).length === uploaded.bytes;
      await deleteMedia(uploaded.id, options);
      let missing, gone;
      try { await uploadMedia('missing.pdf', options); } catch (error) { missing = error; }
      try { await getMediaInfo(uploaded.id, options); } catch (error) { gone = error; }
      console.log(JSON.stringify({
        id: uploaded.id, mimeType: uploaded.mimeType, sha256: uploaded.sha256, infoSha: info.sha256, savedSha: saved.sha256, same,
        missing: [missing instanceof InputError, missing.exitCode, missing.kind],
        gone: [gone instanceof ApiError, gone.exitCode, gone.graph.code, gone.graph.subcode],
        exitCodes: ExitCode,
      }));
    `;
    const result = await sh(process.execPath, ['--input-type=module', '-e', script], project);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    const out = JSON.parse(result.stdout) as Record<string, unknown>;
    expect(out.id).toMatch(/^\d+$/);
    expect(out.mimeType).toBe('application/pdf');
    expect(out.infoSha).toBe(out.sha256);
    expect(out.savedSha).toBe(out.sha256);
    expect(out.same).toBe(true);
    expect(out.missing).toEqual([true, 4, 'input']);
    expect(out.gone).toEqual([true, 5, 100, 33]);
    expect(out.exitCodes).toMatchObject({ ok: 0, config: 3, input: 4, temporary: 7 });
    // The upload, the info, the download's own info and bytes, the delete, and the info that failed.
    expect(sandbox.requests.map((r) => r.method)).toEqual(['POST', 'GET', 'GET', 'GET', 'DELETE', 'GET']);
  });

  it('import { createHandle } works: a handle from the Resumable Upload API, no phone number ID, typed errors', async () => {
    sandbox.reset();
    const script = `
      import { createHandle, InputError, ConfigError } from 'wa-upload';
      const options = { token: ${JSON.stringify(TEST_TOKEN)}, appId: '100000000000002', baseUrl: ${JSON.stringify(sandbox.url)}, configFile: false, env: {} };
      const made = await createHandle(${JSON.stringify(join(FIXTURES, 'valid/image.png'))}, options);
      let webp, noApp;
      try { await createHandle(${JSON.stringify(join(FIXTURES, 'valid/sticker.webp'))}, options); } catch (error) { webp = error; }
      try { await createHandle(${JSON.stringify(join(FIXTURES, 'valid/image.png'))}, { ...options, appId: undefined }); } catch (error) { noApp = error; }
      console.log(JSON.stringify({ made, webp: [webp instanceof InputError, webp.exitCode], noApp: [noApp instanceof ConfigError, noApp.message] }));
    `;
    const result = await sh(process.execPath, ['--input-type=module', '-e', script], project);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    const out = JSON.parse(result.stdout) as { made: Record<string, unknown>; webp: unknown; noApp: unknown };
    expect(sandbox.handles).toHaveLength(1);
    expect(out.made).toMatchObject({ handle: sandbox.handles[0]!.handle, filename: 'image.png', mimeType: 'image/png', sha256: sandbox.handles[0]!.sha256, attempts: 1 });
    expect(out.webp).toEqual([true, 4]);
    expect(out.noApp).toEqual([true, 'no app ID']);
  });

  it('require(\'wa-upload\') from a .cjs script and import from a .mjs script both upload a fixture and print its ID, with the same classes', async () => {
    sandbox.reset();
    const settings = `{ token: ${JSON.stringify(TEST_TOKEN)}, phoneNumberId: '100000000000001', baseUrl: ${JSON.stringify(sandbox.url)}, configFile: false, env: {} }`;
    const fixture = JSON.stringify(join(FIXTURES, 'valid/photo.jpg'));
    await writeFile(
      join(project, 'upload.cjs'),
      `const { uploadMedia, InputError, WaUploadError } = require('wa-upload');
uploadMedia(${fixture}, ${settings}).then(async (media) => {
  let missing;
  try { await uploadMedia('missing.jpg', ${settings}); } catch (error) { missing = error; }
  console.log(media.id);
  console.error(JSON.stringify([missing instanceof InputError, missing instanceof WaUploadError, missing.exitCode, missing.name]));
});
`,
    );
    await writeFile(
      join(project, 'upload.mjs'),
      `import { createRequire } from 'node:module';
import * as esm from 'wa-upload';
import { uploadMedia } from 'wa-upload';
const media = await uploadMedia(${fixture}, ${settings});
console.log(media.id);
// One module for both: the classes import gives are the ones require gives (instanceof works across the two).
const cjs = createRequire(import.meta.url)('wa-upload');
const names = Object.keys(cjs).sort();
console.error(JSON.stringify([names.every((name) => esm[name] === cjs[name]), names.length, esm.default === cjs]));
`,
    );
    const required = await sh(process.execPath, ['upload.cjs'], project);
    const imported = await sh(process.execPath, ['upload.mjs'], project);
    for (const ran of [required, imported]) {
      expect(ran.code, ran.stderr).toBe(0);
      expect(ran.stdout).toMatch(/^\d+\n$/);
    }
    expect(JSON.parse(required.stderr)).toEqual([true, true, 4, 'InputError']);
    expect(JSON.parse(imported.stderr)).toEqual([true, 18, true]);
    // Two uploads, the fixture's bytes each time; each script printed the ID its upload got.
    const posts = sandbox.requests.filter((r) => r.method === 'POST');
    expect(posts).toHaveLength(2);
    const sha = createHash('sha256').update(await readFile(join(FIXTURES, 'valid/photo.jpg'))).digest('hex');
    for (const post of posts) expect(post.file?.sha256).toBe(sha);
    expect([required.stdout, imported.stdout]).toEqual(posts.map((post) => `${(post.responseBody as { id: string }).id}\n`));
  });

  it('its types compile in a strict .mts and a .cts consumer with neither @types/node nor the DOM library', async () => {
    // The consumer project has no @types/node: only wa-upload is installed (and nothing above it in the temp folder).
    expect((await readdir(join(project, 'node_modules'))).filter((name) => !name.startsWith('.'))).toEqual(['wa-upload']);
    const body = `const options: HandleOptions & DownloadOptions = { appId: '1', retries: 1, env: { WA_TOKEN: 't' }, overwrite: true, onEvent: (e: GraphEvent) => void e.type };
export async function run(path: string, signal: AbortSignalLike): Promise<string> {
  try {
    const media: UploadedMedia = await uploadMedia(path, { ...options, signal, type: 'image/png', strict: true });
    const made: CreatedHandle = await createHandle(path, options);
    const info: MediaInfo = await getMediaInfo(media.id, options);
    const saved: DownloadedMedia = await downloadMedia(info.id, 'copy.png', options);
    await deleteMedia(media.id);
    return made.handle + (saved.path ?? '') + String(ExitCode.input);
  } catch (error) {
    if (error instanceof AbortError) return error.reason;
    if (error instanceof InputError) return String(error.file);
    if (error instanceof WaUploadError) return \`\${error.kind} \${error.exitCode} \${error.hint ?? ''}\`;
    throw error;
  }
}
`;
    const names = 'AbortError, ExitCode, InputError, WaUploadError, createHandle, deleteMedia, downloadMedia, getMediaInfo, uploadMedia, type AbortSignalLike, type CreatedHandle, type DownloadOptions, type DownloadedMedia, type GraphEvent, type HandleOptions, type MediaInfo, type UploadedMedia';
    await writeFile(join(project, 'consumer-esm.mts'), `import { ${names} } from 'wa-upload';\n${body}`);
    await writeFile(join(project, 'consumer-cjs.cts'), `import { ${names} } from 'wa-upload';\nimport wa = require('wa-upload');\nexport const upload: typeof uploadMedia = wa.uploadMedia;\n${body}`);
    await writeFile(
      join(project, 'tsconfig.no-node.json'),
      JSON.stringify({
        compilerOptions: { strict: true, noEmit: true, module: 'nodenext', moduleResolution: 'nodenext', target: 'es2022', lib: ['es2022'], types: [] },
        files: ['consumer-esm.mts', 'consumer-cjs.cts'],
      }),
    );
    const tsc = join(REPO_ROOT, 'node_modules', 'typescript', 'bin', 'tsc');
    const result = await sh(process.execPath, [tsc, '-p', 'tsconfig.no-node.json'], project);
    expect(result.stdout + result.stderr).toBe('');
    expect(result.code).toBe(0);
    // The check checks: a wrong type in the same consumer is an error.
    await writeFile(join(project, 'consumer-cjs.cts'), `import { uploadMedia } from 'wa-upload';\nexport const id: number = (await uploadMedia('x.jpg')).id;\n`);
    const wrong = await sh(process.execPath, [tsc, '-p', 'tsconfig.no-node.json'], project);
    expect(wrong.code).not.toBe(0);
    expect(wrong.stdout).toMatch(/consumer-cjs\.cts.*error TS/);
  }, 120_000);

  it('ships TypeScript types a strict consumer compiles against', async () => {
    await writeFile(
      join(project, 'consumer.ts'),
      `import { createHandle, downloadMedia, uploadMedia, type CreatedHandle, type HandleOptions, type UploadedMedia, type ClientOptions, WaUploadError } from 'wa-upload';
export async function header(path: string, appId: string): Promise<string> {
  const options: HandleOptions = { appId, retries: 1 };
  const made: CreatedHandle = await createHandle(path, options);
  return made.handle;
}
const options: ClientOptions = { phoneNumberId: '1', retries: 2, env: process.env };
export async function send(path: string): Promise<string> {
  try {
    // Node's own AbortSignal and streams fit the API's types.
    const media: UploadedMedia = await uploadMedia(path, { ...options, signal: AbortSignal.timeout(1000) });
    await downloadMedia(media.id, process.stdout, { signal: new AbortController().signal });
    return media.id;
  } catch (error) {
    if (error instanceof WaUploadError) return String(error.exitCode);
    throw error;
  }
}
`,
    );
    const tsc = join(REPO_ROOT, 'node_modules', 'typescript', 'bin', 'tsc');
    const result = await sh(
      process.execPath,
      [tsc, '--noEmit', '--strict', '--module', 'nodenext', '--moduleResolution', 'nodenext', '--target', 'es2022', '--types', 'node', '--typeRoots', join(REPO_ROOT, 'node_modules', '@types'), 'consumer.ts'],
      project,
    );
    expect(result.stdout + result.stderr).toBe('');
    expect(result.code).toBe(0);
  }, 120_000);

  it('installs without an npm warning about install scripts (no prepare or install script in the published package.json)', async () => {
    expect(installWarnings).not.toMatch(/install-scripts|prepare/);
    const published = JSON.parse(await readFile(join(project, 'node_modules', 'wa-upload', 'package.json'), 'utf8')) as { scripts?: Record<string, string> };
    for (const name of ['preinstall', 'install', 'postinstall', 'prepare']) expect(published.scripts?.[name]).toBeUndefined();
  });

  it('the README\'s API snippet runs as written (against the sandbox), and errors keep their names and their file', async () => {
    sandbox.reset();
    const readme = await readFile(join(REPO_ROOT, 'README.md'), 'utf8');
    const snippet = /```ts\n(import \{[^`]*?\} from 'wa-upload';[\s\S]*?)```/.exec(readme)?.[1];
    expect(snippet).toBeDefined();
    await copyFile(join(FIXTURES, 'valid/photo.jpg'), join(project, 'photo.jpg'));
    await copyFile(join(FIXTURES, 'valid/image.png'), join(project, 'header.png'));
    const env = { WA_TOKEN: TEST_TOKEN, WA_BASE_URL: sandbox.url };
    const ran = await sh(process.execPath, ['--input-type=module', '-e', snippet!], project, env);
    expect(ran.stderr).toBe('');
    expect(ran.code).toBe(0);
    expect(ran.stdout).toMatch(/^\d+ image\/jpeg [0-9a-f]{64} \[\]\n/);
    expect(sandbox.requests.filter((r) => r.method === 'DELETE')).toHaveLength(1);
    const names = await sh(process.execPath, ['--input-type=module', '-e', `
      import { uploadMedia, InputError } from 'wa-upload';
      try { await uploadMedia('missing.jpg', { token: ${JSON.stringify(TEST_TOKEN)}, phoneNumberId: '1', baseUrl: ${JSON.stringify(sandbox.url)}, configFile: false, env: {} }); }
      catch (e) { console.log(JSON.stringify([e.name, e instanceof InputError, e.file, e.message])); }
    `], project);
    expect(JSON.parse(names.stdout)).toEqual(['InputError', true, 'missing.jpg', 'no such file (missing.jpg)']);
  });

  it('an uncaught error from the API prints no line of the minified bundle, only the readable stack', async () => {
    const script = `
      import { uploadMedia } from 'wa-upload';
      await uploadMedia('missing.jpg', { token: ${JSON.stringify(TEST_TOKEN)}, phoneNumberId: '1', baseUrl: ${JSON.stringify(sandbox.url)}, configFile: false, env: {} });
    `;
    const ran = await sh(process.execPath, ['--input-type=module', '-e', script], project);
    expect(ran.code).toBe(1);
    expect(ran.stderr).toMatch(/\bInputError\b.*: no such file \(missing\.jpg\)/);
    expect(ran.stderr).not.toMatch(/cli\.cjs:\d+\n/);
    expect(Math.max(...ran.stderr.split('\n').map((l) => l.length))).toBeLessThan(300);
  });
});
