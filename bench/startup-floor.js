// The start-up floor of the design card's HTTP stack: a bundled got + form-data POST of 20 KB and nothing else,
// beside `node -e 0`, `wa-upload --version` and a wa-upload 20 KB upload (`node bench/startup-floor.js`, after a build).

import { spawn, spawnSync } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { startupShims } from '../scripts/startup-shims.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const runs = Number(process.env.BENCH_RUNS ?? 15);
const work = await mkdtemp(join(tmpdir(), 'wa-floor-'));
const env = { ...process.env };
delete env.NODE_EXTRA_CA_CERTS; // adds ~50-80 ms to every Node start on this machine; the bench unsets it too

const sandbox = spawn(process.execPath, [join(root, 'bin', 'wa-upload.js'), 'sandbox', '--port', '0', '--no-store'], { env, stdio: ['ignore', 'pipe', 'ignore'] });
try {
  const url = await new Promise((resolve, reject) => {
    let out = '';
    const timer = setTimeout(() => reject(new Error('the sandbox did not start')), 10_000);
    sandbox.stdout.on('data', (chunk) => {
      out += chunk;
      const match = /WA_BASE_URL=(\S+)/.exec(out);
      if (match) {
        clearTimeout(timer);
        resolve(match[1]);
      }
    });
  });
  const file = join(work, 'small.pdf');
  await writeFile(file, Buffer.concat([Buffer.from('%PDF-1.7\n'), Buffer.alloc(19_991, 1)]));
  const probe = join(work, 'got-post.mjs');
  // The same bundling (esbuild, ESM, minified, the same trims) as dist/, so only the stack around got differs.
  await build({
    stdin: {
      contents: `import got from 'got'; import FormData from 'form-data'; import { readFileSync } from 'node:fs';
const form = new FormData(); form.append('messaging_product', 'whatsapp'); form.append('type', 'application/pdf');
form.append('file', readFileSync(${JSON.stringify(file)}), { filename: 'small.pdf', contentType: 'application/pdf' });
const answer = await got.post(${JSON.stringify(`${url}/v27.0/100000000000001/media`)}, { body: form.getBuffer(), headers: { ...form.getHeaders(), authorization: 'Bearer x' }, retry: { limit: 0 } }).json();
if (!answer.id) process.exit(1);`,
      resolveDir: root,
      loader: 'js',
    },
    outfile: probe,
    bundle: true,
    format: 'esm',
    platform: 'node',
    target: 'node20',
    minify: true,
    logLevel: 'error',
    plugins: [startupShims],
    banner: { js: "import { createRequire as __c } from 'node:module'; const require = __c(import.meta.url);" },
  });
  const cases = {
    'node -e 0': ['-e', '0'],
    'got + form-data POST, nothing else': [probe],
    'wa-upload --version': [join(root, 'bin', 'wa-upload.js'), '--version'],
    'wa-upload 20 KB upload': [join(root, 'bin', 'wa-upload.js'), file],
  };
  const uploadEnv = { ...env, WA_BASE_URL: url, WA_TOKEN: 'x', WA_PHONE_NUMBER_ID: '100000000000001' };
  const times = Object.fromEntries(Object.keys(cases).map((name) => [name, []]));
  for (let i = 0; i < runs; i++) {
    for (const [name, args] of Object.entries(cases)) {
      const started = process.hrtime.bigint();
      const result = spawnSync(process.execPath, args, { env: uploadEnv, timeout: 20_000 });
      if (result.status !== 0) throw new Error(`${name} failed: ${result.stderr}`);
      times[name].push(Number(process.hrtime.bigint() - started) / 1e6);
    }
  }
  const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];
  const base = median(times['node -e 0']);
  console.log(`median of ${runs} alternated runs (ms, and × node -e 0):`);
  for (const [name, values] of Object.entries(times)) console.log(`  ${name.padEnd(36)} ${median(values).toFixed(1).padStart(6)}  ${(median(values) / base).toFixed(2)}×`);
} finally {
  sandbox.kill('SIGINT');
  await rm(work, { recursive: true, force: true });
}
