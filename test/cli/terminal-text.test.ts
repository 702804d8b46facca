// What reaches the terminal: errors name their subject the same way everywhere, and no file name or server text
// carries a raw control character (no fake lines in `<id>\t<path>`, no escape sequences, a valid multipart header).

import { copyFile, stat, writeFile } from 'node:fs/promises';
import { PassThrough } from 'node:stream';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { headerSafeFilename } from '../../src/graph/multipart-body.js';
import { createReporter, errorText, printable, progressLine } from '../../src/output.js';
import { useCliSandbox } from '../helpers/cli-sandbox.js';
import { FIXTURES, runOnTerminal, sandboxEnv } from '../helpers/run-cli.js';

const cli = useCliSandbox({}, { inProcess: true });
const photo = join(FIXTURES, 'valid/photo.jpg');
const RAW_CONTROL = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/;

describe('escaping, as tables', () => {
  it.each([
    ['photo.jpg', 'photo.jpg'],
    ['a\nb.jpg', 'a\\nb.jpg'],
    ['tab\there', 'tab\\there'],
    ['\u001b[2Jclear', '\\x1b[2Jclear'],
    ['cr\rback', 'cr\\rback'],
    ['c1\u009bcsi', 'c1\\x9bcsi'],
    ['evil\u202egpj.exe', 'evil\\u202egpj.exe'],
    ['naïve café.jpg', 'naïve café.jpg'],
  ])('printable(%j) = %j', (text, shown) => {
    expect(printable(text)).toBe(shown);
  });

  it.each([
    ['is empty (0 bytes)', 'photo.jpg', 'photo.jpg is empty (0 bytes)'],
    ['has no extension, so its type is unknown', 'scan', 'scan has no extension, so its type is unknown'],
    ['no such file', 'gone.jpg', 'no such file (gone.jpg)'],
    ['gave up after 4 tries', undefined, 'gave up after 4 tries'],
    ['is empty (0 bytes)', 'bad\nname', 'bad\\nname is empty (0 bytes)'],
  ])('errorText(%j, %j) = %j', (message, subject, text) => {
    expect(errorText(message, subject)).toBe(text);
  });

  it.each([
    ['photo.jpg', 'photo.jpg'],
    ['say "cheese".jpg', 'say %22cheese%22.jpg'],
    ['two\r\nlines.jpg', 'two%0D%0Alines.jpg'],
    ['esc\u001b.jpg', 'esc%1B.jpg'],
    ['naïve.jpg', 'naïve.jpg'],
  ])('headerSafeFilename(%j) = %j', (name, safe) => {
    expect(headerSafeFilename(name)).toBe(safe);
  });
});

describe('errors name their subject', () => {
  it('error: photo.jpg is empty; error: no such file (gone.jpg)', async () => {
    await writeFile(join(cli.dirs.cwd, 'photo.jpg'), '');
    const run = await cli.run(['photo.jpg', 'gone.jpg']);
    expect(run.code).toBe(4);
    expect(run.stderr).toContain('error: photo.jpg is empty (0 bytes)\n');
    expect(run.stderr).toContain('error: no such file (gone.jpg)\n');
  });
});

describe('control characters in file names and server text', () => {
  const tricky = 'a\nb\u001b[31m\u202e.jpg';

  it('a newline in a path cannot break the <id>\\t<path> lines; the part header stays valid; stderr gets escapes', async () => {
    await copyFile(photo, join(cli.dirs.cwd, tricky));
    const run = await cli.run([tricky, 'gone\u001b[2J.jpg'], { env: { FORCE_COLOR: '0' } });
    expect(run.code).toBe(4);
    const lines = run.stdout.split('\n').filter(Boolean);
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^\d+\ta\\nb\\x1b\[31m\\u202e\.jpg$/);
    expect(run.stderr).toContain('error: no such file (gone\\x1b[2J.jpg)');
    expect(run.stderr).not.toMatch(RAW_CONTROL);
    const received = cli.sandbox.requests.find((r) => r.method === 'POST');
    expect(received?.status).toBe(200);
    expect(received?.file?.filename).toBe('a%0Ab%1B[31m\u202e.jpg');
    expect(received?.file?.sha256).toBeTruthy();
  });

  it('--json keeps the real name (JSON escapes it)', async () => {
    await copyFile(photo, join(cli.dirs.cwd, tricky));
    const run = await cli.run(['--json', tricky]);
    expect(run.code).toBe(0);
    expect(run.stdout.trim().split('\n')).toHaveLength(1);
    expect((JSON.parse(run.stdout) as { file: string }).file).toBe(tricky);
  });

  it('a server message with escape codes and line breaks is shown escaped', async () => {
    cli.sandbox.injectFault({ status: 400, graphCode: 100, message: 'bad\u001b[2Jthing\nerror: fake line' });
    const run = await cli.run([photo], { env: { FORCE_COLOR: '0' } });
    expect(run.code).toBe(5);
    expect(run.stderr).toContain('bad\\x1b[2Jthing\\nerror: fake line');
    expect(run.stderr).not.toMatch(RAW_CONTROL);
    expect(run.stderr.split('\n').filter((l) => l.startsWith('error:'))).toHaveLength(1);
  });
});

describe('long server messages', () => {
  it('are cut to a readable length', async () => {
    cli.sandbox.injectFault({ status: 400, graphCode: 100, message: `Invalid parameter ${'x'.repeat(5000)}` });
    const run = await cli.run([photo]);
    expect(run.code).toBe(5);
    const line = run.stderr.split('\n').find((l) => l.startsWith('error:'))!;
    expect(line).toContain('Invalid parameter xxx');
    expect(line.length).toBeLessThan(500);
  });
});

describe('NO_COLOR on a terminal', () => {
  const video = join(FIXTURES, 'valid/video.mp4');
  const SGR = /\u001b\[[0-9;]*m/;
  // A wait for a retry keeps the spinner up long enough to be drawn.
  const withSpinner = async (env: Record<string, string | undefined>) => {
    cli.sandbox.injectFault({ status: 503, graphCode: 2, message: 'Service temporarily unavailable', retryAfter: '1' });
    return runOnTerminal([video, 'gone.jpg'], { cwd: cli.dirs.cwd, env: { HOME: cli.dirs.home, ...sandboxEnv(cli.sandbox.url), ...env } });
  };

  it('removes every colour code, the spinner\'s included', async () => {
    const plain = await withSpinner({ NO_COLOR: '1' });
    expect(plain.stdout).toMatch(/uploading .* · waiting 1\.0 s before try 2/);
    expect(plain.stdout).toContain('error: no such file (gone.jpg)');
    expect(plain.stdout).not.toMatch(SGR);
  });

  it('(without NO_COLOR the same run is coloured: the check above can fail)', async () => {
    const coloured = await withSpinner({});
    expect(coloured.stdout).toMatch(/uploading .* · waiting 1\.0 s before try 2/);
    expect(coloured.stdout).toMatch(SGR);
  });
});

describe('batch progress on a terminal', () => {
  const base = { done: 0, total: 3, bytesSent: 0, bytesTotal: 3_000_000, waiting: '', startedAt: 0 };
  it.each([
    [{ ...base }, 100, 'uploading 0/3 files, 0 bytes of 3 MB (0 %)'],
    [{ ...base, bytesSent: 1_000_000 }, 2000, 'uploading 0/3 files, 1 MB of 3 MB (33 %) · 500 KB/s, 4 s left'],
    [{ ...base, bytesSent: 100_000 }, 10_000, 'uploading 0/3 files, 100 KB of 3 MB (3 %) · 10 KB/s, 5 min left'],
    [{ ...base, bytesSent: 3_000_000, done: 2 }, 5000, 'uploading 2/3 files, 3 MB of 3 MB (100 %) · waiting for the server'],
    [{ ...base, bytesSent: 10, waiting: 'waiting 1.0 s before try 2 of a.jpg' }, 5000, 'uploading 0/3 files, 10 bytes of 3 MB (0 %) · waiting 1.0 s before try 2 of a.jpg'],
  ])('progressLine(%j at %d ms) = %j', (state, now, line) => {
    expect(progressLine(state, now)).toBe(line);
  });

  it('a line per finished file (path, ID, size), "waiting for the server", and a closing summary', async () => {
    const voice = join(FIXTURES, 'valid/voice.ogg');
    // Every answer comes late: the spinner is up while the bytes are sent and the server has not answered.
    cli.sandbox.injectFault({ delayMs: 800, times: 2 });
    const run = await runOnTerminal([photo, voice, 'gone.jpg'], { cwd: cli.dirs.cwd, env: { HOME: cli.dirs.home, NO_COLOR: '1', ...sandboxEnv(cli.sandbox.url) } });
    expect(run.code).toBe(4);
    const ids = cli.sandbox.requests.map((r) => (r.responseBody as { id: string }).id);
    expect(run.stdout).toMatch(new RegExp(`uploaded ${photo.replace(/[.]/g, '\\.')} → (${ids.join('|')}) \\(11\\.5 KB\\)`));
    expect(run.stdout).toMatch(/uploaded .*voice\.ogg → \d+ \([\d.]+ KB\)/);
    expect(run.stdout).toContain('· waiting for the server');
    expect(run.stdout).toMatch(/2 uploaded, 1 failed, [\d.]+ KB in \d+\.\d s/);
  });
});

describe('progress adds up over the whole batch', () => {
  it('from the first frame, the total is every file of the batch, not only those started', async () => {
    const files = ['valid/photo.jpg', 'valid/voice.ogg', 'valid/image.png', 'valid/document.pdf'].map((f) => join(FIXTURES, f));
    const total = (await Promise.all(files.map((f) => stat(f)))).reduce((sum, s) => sum + s.size, 0);
    // One at a time, each answer late: the spinner shows while most files are not started.
    cli.sandbox.injectFault({ delayMs: 700, times: 4 });
    const run = await runOnTerminal(['--concurrency', '1', ...files], { cwd: cli.dirs.cwd, env: { HOME: cli.dirs.home, NO_COLOR: '1', ...sandboxEnv(cli.sandbox.url) } });
    expect(run.code).toBe(0);
    const totals = [...run.stdout.matchAll(/uploading \d\/4 files, .*? of ([\d.]+ [KMG]?B|\d+ bytes) \(/g)].map((m) => m[1]);
    expect(totals.length).toBeGreaterThan(1);
    // Each frame's total is at least the files' bytes (the multipart bodies add a little once they are sent).
    for (const shown of totals) expect(bytesOf(shown!)).toBeGreaterThanOrEqual(total * 0.99);
  });

  it('an interrupted batch\'s closing line counts the files interrupted, not "0 failed" alone', async () => {
    const stderr = Object.assign(new PassThrough(), { isTTY: true, columns: 100 });
    let text = '';
    stderr.on('data', (chunk: Buffer) => (text += chunk.toString()));
    const reporter = await createReporter({ json: false, quiet: false, verbose: false, multiple: true, colorLevel: 0, progress: true, stdout: new PassThrough(), stderr });
    reporter.startProgress(5);
    reporter.outcome({ ok: true, file: 'a.jpg', id: '1', filename: 'a.jpg', mimeType: 'image/jpeg', category: 'image', bytes: 10, sha256: '', warnings: [] } as never);
    await reporter.stopProgress();
    expect(text).toMatch(/1 uploaded, 0 failed, 4 interrupted, 10 bytes in \d+\.\d s/);
  });
});

/** "1.2 MB" → 1,200,000 (the progress line's units are powers of 1000). */
function bytesOf(shown: string): number {
  const [value, unit] = shown.split(' ');
  return Number(value) * ({ bytes: 1, B: 1, KB: 1e3, MB: 1e6, GB: 1e9 } as Record<string, number>)[unit!]!;
}
