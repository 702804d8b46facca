// URL sources as users meet them: an http(s) operand fetched from a recording host on loopback and uploaded to the sandbox.

import { createHash } from 'node:crypto';
import { mkdir, readdir, readFile, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { sha256Of, useCliSandbox } from '../helpers/cli-sandbox.js';
import { runInProcess } from '../helpers/in-process.js';
import { FIXTURES, TEST_TOKEN, leaksToken, runOnTerminal, sandboxEnv } from '../helpers/run-cli.js';
import { useSourceServer } from '../helpers/source-server.js';
import { startTestProxy } from '../helpers/test-proxy.js';

const APP_ID = '246813579024680';
const cli = useCliSandbox({ appIds: [APP_ID] }, { inProcess: true });
const source = useSourceServer();

const fixture = (name: string) => readFile(join(FIXTURES, name));
const uploads = () => cli.sandbox.requests.filter((r) => r.method === 'POST' && r.path.endsWith('/media'));
/** What the sandbox holds of the one upload it received. */
const uploaded = () => {
  expect(uploads()).toHaveLength(1);
  return uploads()[0]!.file!;
};
const fast = ['--retry-delay', '0'];

describe('type and name', () => {
  it('the Content-Type decides the type; a path without an extension gets the type\'s; the bytes arrive whole', async () => {
    const png = await fixture('valid/image.png');
    source.serve('/download', { headers: { 'content-type': 'image/png' }, body: png });
    const result = await cli.run([`${source.url}/download`]);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/^\d+\n$/);
    expect(uploaded()).toMatchObject({ contentType: 'image/png', filename: 'download.png', sha256: sha256Of(png), size: png.length });
    expect(uploads()[0]!.fields.type).toBe('image/png');
    expect(source.requests).toHaveLength(1);
  });

  it('the Content-Type beats the extension of the URL (a .jpg path serving PNG as image/png is sent as image/png, named .png)', async () => {
    source.serve('/photos/pic.jpg', { headers: { 'content-type': 'image/png' }, body: await fixture('valid/image.png') });
    const result = await cli.run([`${source.url}/photos/pic.jpg`]);
    expect(result.code).toBe(0);
    expect(result.stderr).toBe('');
    expect(uploaded()).toMatchObject({ contentType: 'image/png', filename: 'pic.png' });
  });

  it('a Content-Type WhatsApp does not take (application/octet-stream) leaves the type to the URL path\'s extension', async () => {
    const pdf = await fixture('valid/document.pdf');
    source.serve('/files/brochure.pdf', { headers: { 'content-type': 'application/octet-stream' }, body: pdf });
    const result = await cli.run(['--json', `${source.url}/files/brochure.pdf`]);
    expect(result.code).toBe(0);
    expect(uploaded()).toMatchObject({ contentType: 'application/pdf', filename: 'brochure.pdf', sha256: sha256Of(pdf) });
    expect(JSON.parse(result.stdout)).toMatchObject({ file: `${source.url}/files/brochure.pdf`, mimeType: 'application/pdf', source: { url: `${source.url}/files/brochure.pdf`, contentType: 'application/octet-stream' } });
  });

  it('neither header nor URL names a type: the bytes\' signature does (PNG), else exit 4 asking for --type, which then decides', async () => {
    source.serve('/blob', { headers: { 'content-type': 'application/octet-stream' }, body: await fixture('valid/image.png') });
    const sniffed = await cli.run([`${source.url}/blob`]);
    expect(sniffed.code).toBe(0);
    expect(uploaded()).toMatchObject({ contentType: 'image/png', filename: 'blob.png' });
    cli.sandbox.reset();
    source.serve('/notes', { headers: { 'content-type': 'application/octet-stream' }, body: await fixture('valid/notes.txt') });
    const unknown = await cli.run([`${source.url}/notes`]);
    expect(unknown.code).toBe(4);
    expect(unknown.stderr).toContain(`error: the source's type is unknown: its content-type is application/octet-stream`);
    expect(unknown.stderr).toContain('hint: pass --type');
    expect(uploads()).toHaveLength(0);
    const typed = await cli.run(['--type', 'text/plain', `${source.url}/notes`]);
    expect(typed.code).toBe(0);
    expect(uploaded()).toMatchObject({ contentType: 'text/plain', filename: 'notes.txt' });
  });

  it('the content check runs as for files: a mismatch within a kind is corrected with a warning; across kinds --strict refuses, nothing sent', async () => {
    source.serve('/shot', { headers: { 'content-type': 'image/jpeg' }, body: await fixture('valid/image.png') });
    const corrected = await cli.run([`${source.url}/shot`]);
    expect(corrected.code).toBe(0);
    expect(corrected.stderr).toMatch(/warning: .*\/shot: content is PNG/);
    expect(uploaded()).toMatchObject({ contentType: 'image/png', filename: 'shot.png' });
    cli.sandbox.reset();
    source.serve('/report.pdf', { headers: { 'content-type': 'application/pdf' }, body: await fixture('problem/text-named.pdf') });
    const strict = await cli.run(['--strict', `${source.url}/report.pdf`]);
    expect(strict.code).toBe(4);
    expect(strict.stderr).toContain('error: refused under --strict');
    expect(uploads()).toHaveLength(0);
  });

  it.each([
    ['attachment; filename="../../etc/Quarterly report.pdf"', 'Quarterly report.pdf'],
    ["attachment; filename*=UTF-8''%E2%82%AC%20rates.pdf; filename=\"rates.pdf\"", '€ rates.pdf'],
    ["attachment; filename*=UTF-8''evil%E2%80%AE%1B%5B31m%0Afdp.pdf", 'evil[31m fdp.pdf'],
    ['attachment; filename="tab\there  too.pdf"', 'tab here too.pdf'],
    ['attachment; filename=plain.pdf', 'plain.pdf'],
    ['attachment; filename="..."', 'doc.pdf'],
  ])('Content-Disposition %j becomes the safe name %j', async (disposition, expected) => {
    source.serve('/get/doc.pdf', { headers: { 'content-type': 'application/pdf', 'content-disposition': disposition }, body: await fixture('valid/document.pdf') });
    const result = await cli.run([`${source.url}/get/doc.pdf`]);
    expect(result.code).toBe(0);
    expect(uploaded().filename).toBe(expected);
  });

  it('without Content-Disposition the path\'s last segment (percent-decoded), at the root media.<ext>, and --filename over both', async () => {
    const pdf = await fixture('valid/document.pdf');
    source.serve('/a/my%20report.pdf', { headers: { 'content-type': 'application/pdf' }, body: pdf });
    source.serve('/', { headers: { 'content-type': 'application/pdf' }, body: pdf });
    expect((await cli.run([`${source.url}/a/my%20report.pdf`])).code).toBe(0);
    expect(uploaded().filename).toBe('my report.pdf');
    cli.sandbox.reset();
    expect((await cli.run([`${source.url}/`])).code).toBe(0);
    expect(uploaded().filename).toBe('media.pdf');
    cli.sandbox.reset();
    expect((await cli.run(['--filename', 'Brochure 2026.pdf', `${source.url}/a/my%20report.pdf`])).code).toBe(0);
    expect(uploaded().filename).toBe('Brochure 2026.pdf');
  });

  it('an HTML page is refused (exit 4, nothing sent): by its Content-Type, and by its bytes under another type', async () => {
    source.serve('/login', { headers: { 'content-type': 'text/html; charset=utf-8' }, body: '<!doctype html><title>Sign in</title>' });
    source.serve('/file.pdf', { headers: { 'content-type': 'application/pdf' }, body: `\n  <!DOCTYPE html><html><body>${'x'.repeat(200)}</body></html>` });
    const byHeader = await cli.run([`${source.url}/login`]);
    expect(byHeader.code).toBe(4);
    expect(byHeader.stderr).toContain(`error: the source sent an HTML page (content-type text/html), not a file (${source.url}/login)`);
    const byBytes = await cli.run([`${source.url}/file.pdf`]);
    expect(byBytes.code).toBe(4);
    expect(byBytes.stderr).toContain('the source sent an HTML page (the bytes begin like HTML)');
    expect(uploads()).toHaveLength(0);
  });
});

describe('sizes', () => {
  it('a Content-Length over the type\'s limit is refused before a byte is read (exit 4), nothing sent', async () => {
    source.serve('/big.jpg', (_req, res) => {
      res.writeHead(200, { 'content-type': 'image/jpeg', 'content-length': 6_000_000 });
      res.write(Buffer.alloc(1000));
    });
    const result = await cli.run([`${source.url}/big.jpg`]);
    expect(result.code).toBe(4);
    expect(result.stderr).toContain(`error: ${source.url}/big.jpg is 6 MB (Content-Length 6000000), over the 5 MB limit for image/jpeg`);
    expect(uploads()).toHaveLength(0);
  });

  it('without a Content-Length the bytes are counted and the fetch stops at the limit: never an upload of a cut file', async () => {
    const png = await fixture('valid/image.png');
    source.serve('/endless.png', (_req, res) => {
      res.writeHead(200, { 'content-type': 'image/png' });
      let sent = 0;
      const more = (): void => {
        if (res.destroyed || sent > 6_000_000) return void res.end();
        sent += 256 * 1024;
        if (res.write(sent === 256 * 1024 ? Buffer.concat([png, Buffer.alloc(256 * 1024 - png.length)]) : Buffer.alloc(256 * 1024))) setImmediate(more);
        else res.once('drain', more);
      };
      more();
    });
    const result = await cli.run([`${source.url}/endless.png`]);
    expect(result.code).toBe(4);
    expect(result.stderr).toMatch(/error: .*\/endless\.png is over the 5 MB limit for image\/png \(stopped fetching at \d+ bytes\)/);
    expect(uploads()).toHaveLength(0);
  });

  it('a body shorter than its Content-Length (the host lies long) is tried again, then exit 7: never an upload of a cut file', async () => {
    const pdf = await fixture('valid/document.pdf');
    source.serve('/cut.pdf', { headers: { 'content-type': 'application/pdf' }, body: pdf, cutAfter: 100 });
    const result = await cli.run([...fast, '--retries', '1', `${source.url}/cut.pdf`]);
    expect(result.code).toBe(7);
    expect(result.stderr).toContain('error: the source failed after 2 tries: the source closed the connection before the whole file arrived');
    expect(source.requestsTo('/cut.pdf')).toHaveLength(2);
    expect(uploads()).toHaveLength(0);
  });

  it('a cut followed by a whole answer: the second try\'s bytes, exactly, are uploaded', async () => {
    const pdf = await fixture('valid/document.pdf');
    source.serve('/flaky.pdf', [{ headers: { 'content-type': 'application/pdf' }, body: pdf, claimLength: pdf.length + 500 }, { headers: { 'content-type': 'application/pdf' }, body: pdf }]);
    const result = await cli.run([...fast, `${source.url}/flaky.pdf`]);
    expect(result.code).toBe(0);
    expect(result.stderr).toContain('waiting 0.0 s before try 2 of fetching');
    expect(uploaded()).toMatchObject({ sha256: sha256Of(pdf), size: pdf.length });
  });

  it('more bytes than the Content-Length (the host lies short) is a malformed answer: exit 4, nothing sent', async () => {
    const pdf = await fixture('valid/document.pdf');
    source.serve('/short.pdf', { headers: { 'content-type': 'application/pdf' }, body: pdf, claimLength: 50 });
    const result = await cli.run([...fast, `${source.url}/short.pdf`]);
    expect(uploads()).toHaveLength(0);
    expect(result.code).toBe(4);
    expect(result.stderr).toMatch(/error: the source sent a malformed HTTP answer \(HPE_[A-Z_]+: more bytes than its Content-Length, or not HTTP\)/);
  });
});

describe('answers of the source', () => {
  it.each([
    [404, 'the source answered HTTP 404: not found'],
    [410, 'the source answered HTTP 410: gone'],
    [401, 'the source refused: it needs its own credentials (HTTP 401)'],
    [403, 'the source refused: it needs its own credentials (HTTP 403)'],
    [400, 'the source answered HTTP 400'],
  ])('HTTP %i: exit 4 naming the URL, tried once, nothing sent', async (status, message) => {
    source.serve('/x.pdf', { status, body: 'nope' });
    const result = await cli.run([`${source.url}/x.pdf`]);
    expect(result.code).toBe(4);
    expect(result.stderr).toContain(`error: ${message} (${source.url}/x.pdf)`);
    expect(source.requests).toHaveLength(1);
    expect(uploads()).toHaveLength(0);
  });

  it('5xx is retried with the same policy as the API (--retries, Retry-After), then exit 7', async () => {
    source.serve('/busy.pdf', { status: 503, headers: { 'retry-after': '0' }, body: 'busy' });
    const result = await cli.run([...fast, '--retries', '2', `${source.url}/busy.pdf`]);
    expect(result.code).toBe(7);
    expect(result.stderr).toContain(`error: the source failed after 3 tries: the source answered HTTP 503 (${source.url}/busy.pdf)`);
    expect(source.requests).toHaveLength(3);
    expect(uploads()).toHaveLength(0);
  });

  it('a 500 then the file: uploaded after one wait', async () => {
    const pdf = await fixture('valid/document.pdf');
    source.serve('/once.pdf', [{ status: 500 }, { headers: { 'content-type': 'application/pdf' }, body: pdf }]);
    const result = await cli.run([...fast, `${source.url}/once.pdf`]);
    expect(result.code).toBe(0);
    expect(source.requests).toHaveLength(2);
    expect(uploaded().sha256).toBe(sha256Of(pdf));
  });

  it('a source that stalls mid-body times out, is tried again, then exit 7; the spool is 0600 while it exists and gone after', async () => {
    const before = new Set((await readdir(tmpdir())).filter((n) => n.startsWith('wa-upload-url-')));
    const modes: number[] = [];
    source.serve('/stall.pdf', (_req, res) => {
      res.writeHead(200, { 'content-type': 'application/pdf', 'content-length': 5000 });
      res.write(Buffer.from('%PDF-1.4\n'.padEnd(2000, ' ')), async () => {
        await new Promise((r) => setTimeout(r, 50));
        for (const name of (await readdir(tmpdir())).filter((n) => n.startsWith('wa-upload-url-') && !before.has(n))) {
          modes.push((await stat(join(tmpdir(), name, 'source')).catch(() => ({ mode: -1 }))).mode & 0o777);
          modes.push((await stat(join(tmpdir(), name))).mode & 0o777);
        }
      });
    });
    const result = await cli.run([...fast, '--timeout', '0.5', '--retries', '1', `${source.url}/stall.pdf`]);
    expect(result.code).toBe(7);
    expect(result.stderr).toMatch(/error: the source failed after 2 tries: no answer within 0\.5 s \(socket timeout\)/);
    expect(source.requests.map((r) => r.url)).toEqual(['/stall.pdf', '/stall.pdf']);
    expect(uploads()).toHaveLength(0);
    expect(modes.length).toBeGreaterThanOrEqual(2);
    for (let i = 0; i < modes.length; i += 2) {
      expect(modes[i]).toBe(0o600);
      expect(modes[i + 1]).toBe(0o700);
    }
    expect((await readdir(tmpdir())).filter((n) => n.startsWith('wa-upload-url-') && !before.has(n))).toEqual([]);
  });

  it('Ctrl-C while fetching: exit 130, nothing sent, the spool removed', async () => {
    const before = new Set((await readdir(tmpdir())).filter((n) => n.startsWith('wa-upload-url-')));
    let interrupt: (() => void) | undefined;
    source.serve('/slow.pdf', (_req, res) => {
      res.writeHead(200, { 'content-type': 'application/pdf', 'content-length': 5000 });
      res.write(Buffer.from('%PDF-1.4\n'), () => setTimeout(() => interrupt?.(), 50));
    });
    const result = await runInProcess([`${source.url}/slow.pdf`], {
      cwd: cli.dirs.cwd,
      env: { HOME: cli.dirs.home, ...sandboxEnv(cli.sandbox.url) },
      onStart: (control) => (interrupt = () => control.signal('SIGINT')),
    });
    expect(result.code).toBe(130);
    expect(uploads()).toHaveLength(0);
    expect((await readdir(tmpdir())).filter((n) => n.startsWith('wa-upload-url-') && !before.has(n))).toEqual([]);
  });
});

describe('redirects', () => {
  it('followed up to 5 times (relative and absolute Locations); a sixth is refused with exit 4', async () => {
    const pdf = await fixture('valid/document.pdf');
    for (let i = 1; i <= 6; i++) source.serve(`/hop${i}`, { status: i % 2 ? 302 : 301, headers: { location: i % 2 ? `/hop${i + 1}` : `${source.url}/hop${i + 1}` } });
    source.serve('/hop7', { headers: { 'content-type': 'application/pdf' }, body: pdf });
    const five = await cli.run([`${source.url}/hop2`]);
    expect(five.code).toBe(0);
    expect(uploaded().sha256).toBe(sha256Of(pdf));
    // The name comes from the URL that answered, not the one given.
    expect(uploaded().filename).toBe('hop7.pdf');
    cli.sandbox.reset();
    const six = await cli.run([`${source.url}/hop1`]);
    expect(six.code).toBe(4);
    expect(six.stderr).toContain('error: the source redirected more than 5 times');
    expect(uploads()).toHaveLength(0);
  });
});

describe('what the source host receives', () => {
  it('no token, no Authorization, no header of wa-upload\'s but a User-Agent naming it; the API still gets its token', async () => {
    source.serve('/photo.jpg', { headers: { 'content-type': 'image/jpeg' }, body: await fixture('valid/photo.jpg') });
    const result = await cli.run(['--verbose', `${source.url}/photo.jpg`]);
    expect(result.code).toBe(0);
    const [seen] = source.requests;
    expect(source.requests).toHaveLength(1);
    expect(seen!.method).toBe('GET');
    expect(Object.keys(seen!.headers).sort()).toEqual(['accept', 'connection', 'host', 'user-agent']);
    expect(seen!.headers['user-agent']).toMatch(/^wa-upload\/\d+\.\d+\.\d+/);
    expect(seen!.rawHeaders.join('\n')).not.toContain(TEST_TOKEN);
    expect(seen!.rawHeaders.join('\n')).not.toMatch(/bearer|oauth|authorization|x-wa|wa-upload-/i);
    expect(uploads()[0]!.bearerToken).toBe(TEST_TOKEN);
    expect(result.stderr).toContain('(no credentials sent)');
    expect(leaksToken(result)).toBe(false);
  });

  it('a URL\'s user name and password and its query string appear in no message, no JSON and no stdout line', async () => {
    source.serve('/secret.pdf', { status: 404 });
    source.serve('/signed.jpg', { headers: { 'content-type': 'image/jpeg' }, body: await fixture('valid/photo.jpg') });
    const base = source.url.replace('http://', 'http://alice:hunter2pass@');
    const signed = `${source.url}/signed.jpg?X-Amz-Signature=0123456789abcdefsig&X-Amz-Expires=300`;
    const result = await cli.run(['--json', '--verbose', `${base}/secret.pdf?token=s3cr3t-query-value`, signed]);
    expect(result.code).toBe(4);
    const text = `${result.stdout}\n${result.stderr}`;
    for (const secret of ['alice', 'hunter2pass', 's3cr3t-query-value', '0123456789abcdefsig', 'X-Amz-Signature']) expect(text).not.toContain(secret);
    const [failed, ok] = result.stdout.trimEnd().split('\n').map((line) => JSON.parse(line) as Record<string, unknown>);
    expect(failed).toMatchObject({ file: `${source.url}/secret.pdf?…`, error: { kind: 'input', exitCode: 4 }, source: { url: `${source.url}/secret.pdf?…` } });
    expect(ok).toMatchObject({ file: `${source.url}/signed.jpg?…`, source: { url: `${source.url}/signed.jpg?…`, contentType: 'image/jpeg' } });
    // The query went to the source as given: only what is shown is redacted.
    expect(source.requestsTo('/signed.jpg')[0]!.url).toBe('/signed.jpg?X-Amz-Signature=0123456789abcdefsig&X-Amz-Expires=300');
    expect(result.stderr).toContain(`error: the source answered HTTP 404: not found (${source.url}/secret.pdf?…)`);
  });

  it('--json: source {url, contentType, etag} beside the usual fields', async () => {
    const jpeg = await fixture('valid/photo.jpg');
    source.serve('/p.jpg', { headers: { 'content-type': 'image/jpeg', etag: '"v1-abc"' }, body: jpeg });
    const result = await cli.run(['--json', `${source.url}/p.jpg`]);
    expect(result.code).toBe(0);
    const line = JSON.parse(result.stdout) as Record<string, unknown>;
    expect(line).toEqual({
      file: `${source.url}/p.jpg`,
      id: uploads()[0]!.responseBody && (uploads()[0]!.responseBody as { id: string }).id,
      filename: 'p.jpg',
      mimeType: 'image/jpeg',
      category: 'image',
      bytes: jpeg.length,
      sha256: sha256Of(jpeg),
      warnings: [],
      source: { url: `${source.url}/p.jpg`, contentType: 'image/jpeg', etag: '"v1-abc"' },
    });
  });
});

describe('one fetch per run', () => {
  it('an upload that is retried replays the spool: the source is fetched once, the API gets the same bytes twice', async () => {
    const jpeg = await fixture('valid/photo.jpg');
    source.serve('/once.jpg', { headers: { 'content-type': 'image/jpeg' }, body: jpeg });
    cli.sandbox.injectFault({ status: 503, graphCode: 2, times: 1 });
    const result = await cli.run([...fast, '--json', `${source.url}/once.jpg`]);
    expect(result.code).toBe(0);
    expect(source.requests).toHaveLength(1);
    expect(uploads()).toHaveLength(2);
    expect(uploads()[1]!.file).toMatchObject({ sha256: sha256Of(jpeg), size: jpeg.length });
    expect(JSON.parse(result.stdout)).toMatchObject({ attempts: 2, sha256: sha256Of(jpeg) });
  });

  it('--reuse: an unchanged source (same ETag) answers 304 to a conditional request and nothing is fetched or sent', async () => {
    const jpeg = await fixture('valid/photo.jpg');
    let etag = '"rev-1"';
    source.serve('/logo.jpg', (req, res) => {
      if (req.headers['if-none-match'] === etag) {
        res.writeHead(304, { etag });
        res.end();
        return;
      }
      res.writeHead(200, { 'content-type': 'image/jpeg', 'content-length': jpeg.length, etag });
      res.end(jpeg);
    });
    const first = await cli.run(['--reuse', '--json', `${source.url}/logo.jpg?key=remembered-nowhere-123`]);
    expect(first.code).toBe(0);
    const id = (JSON.parse(first.stdout) as { id: string }).id;
    expect(uploads()).toHaveLength(1);
    // What is remembered: one private file per URL, named by its hash, holding no part of the URL.
    const memory = join(cli.dirs.home, '.cache', 'wa-upload', 'sources');
    const [entry] = await readdir(memory);
    expect(entry).toMatch(/^[0-9a-f]{64}\.json$/);
    expect((await stat(join(memory, entry!))).mode & 0o777).toBe(0o600);
    const remembered = await readFile(join(memory, entry!), 'utf8');
    expect(remembered).toContain('"etag":"\\"rev-1\\""');
    for (const part of ['remembered-nowhere-123', '/logo.jpg', '127.0.0.1', 'key=']) expect(remembered).not.toContain(part);
    const second = await cli.run(['--reuse', '--json', `${source.url}/logo.jpg?key=remembered-nowhere-123`]);
    expect(second.code).toBe(0);
    expect(source.requests[1]!.headers['if-none-match']).toBe('"rev-1"');
    expect(JSON.parse(second.stdout)).toMatchObject({ id, reused: true, filename: 'logo.jpg', mimeType: 'image/jpeg', bytes: jpeg.length, source: { url: `${source.url}/logo.jpg?…`, etag: '"rev-1"' } });
    expect(uploads()).toHaveLength(1);
    // Changed at the source (a new ETag): fetched whole; its bytes are the same, so their remembered ID is found by content.
    etag = '"rev-2"';
    const third = await cli.run(['--reuse', '--json', `${source.url}/logo.jpg?key=remembered-nowhere-123`]);
    expect(third.code).toBe(0);
    expect(source.requests).toHaveLength(3);
    expect(JSON.parse(third.stdout)).toMatchObject({ id, reused: true, source: { etag: '"rev-2"' } });
    expect(uploads()).toHaveLength(1);
  });

  it('--reuse: a remembered entry whose ETag is no header value (CR/LF) or whose name is a path is ignored, never sent or printed', async () => {
    const jpeg = await fixture('valid/photo.jpg');
    source.serve('/planted.jpg', { headers: { 'content-type': 'image/jpeg', etag: '"fresh"' }, body: jpeg });
    const url = `${source.url}/planted.jpg`;
    const memory = join(cli.dirs.home, '.cache', 'wa-upload', 'sources');
    await mkdir(memory, { recursive: true, mode: 0o700 });
    const entry = { version: 1, etag: '"x"\r\nX-Injected: 1', sha256: sha256Of(jpeg), mimeType: 'image/jpeg', category: 'image', filename: '../../etc/passwd', bytes: jpeg.length, contentType: 'image/jpeg' };
    const file = join(memory, `${createHash('sha256').update(new URL(url).href).digest('hex')}.json`);
    await writeFile(file, JSON.stringify(entry), { mode: 0o600 });
    const result = await cli.run(['--reuse', '--json', url]);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(source.requests).toHaveLength(1);
    expect(source.requests[0]!.headers['if-none-match']).toBeUndefined();
    expect(source.requests[0]!.headers['x-injected']).toBeUndefined();
    expect(JSON.parse(result.stdout)).toMatchObject({ filename: 'planted.jpg', sha256: sha256Of(jpeg) });
  });

  it('--reuse with Last-Modified only: If-Modified-Since is sent, 304 reuses the ID', async () => {
    const pdf = await fixture('valid/document.pdf');
    const lastModified = 'Wed, 01 Apr 2026 10:00:00 GMT';
    source.serve('/lm.pdf', (req, res) => {
      if (req.headers['if-modified-since'] === lastModified) {
        res.writeHead(304);
        res.end();
        return;
      }
      res.writeHead(200, { 'content-type': 'application/pdf', 'content-length': pdf.length, 'last-modified': lastModified });
      res.end(pdf);
    });
    expect((await cli.run(['--reuse', `${source.url}/lm.pdf`])).code).toBe(0);
    const again = await cli.run(['--reuse', `${source.url}/lm.pdf`]);
    expect(again.code).toBe(0);
    expect(source.requests[1]!.headers['if-modified-since']).toBe(lastModified);
    expect(source.requests[1]!.headers['if-none-match']).toBeUndefined();
    expect(uploads()).toHaveLength(1);
  });
});

describe('in a batch, and with other options', () => {
  it('files and URLs mix: output in input order, the good ones uploaded, the first failure\'s exit code', async () => {
    const png = join(FIXTURES, 'valid/image.png');
    const jpeg = await fixture('valid/photo.jpg');
    source.serve('/a.jpg', { headers: { 'content-type': 'image/jpeg' }, body: jpeg, trickle: { bytes: 2000, everyMs: 5 } });
    const result = await cli.run(['--concurrency', '3', png, `${source.url}/a.jpg`, `${source.url}/missing.pdf`, join(FIXTURES, 'valid/document.pdf')]);
    expect(result.code).toBe(4);
    const lines = result.stdout.trimEnd().split('\n');
    expect(lines.map((l) => l.split('\t')[1])).toEqual([png, `${source.url}/a.jpg`, join(FIXTURES, 'valid/document.pdf')]);
    expect(result.stderr).toContain(`error: the source answered HTTP 404: not found (${source.url}/missing.pdf)`);
    expect(uploads().map((u) => u.file!.filename).sort()).toEqual(['a.jpg', 'document.pdf', 'image.png']);
  });

  it('--dry-run fetches nothing and says what it would fetch', async () => {
    source.serve('/d.pdf', { headers: { 'content-type': 'application/pdf' }, body: 'x' });
    const result = await cli.run(['--dry-run', `${source.url}/d.pdf`, `${source.url}/blob`]);
    expect(result.code).toBe(0);
    expect(source.requests).toHaveLength(0);
    expect(cli.sandbox.requests).toHaveLength(0);
    expect(result.stderr).toContain(`would fetch ${source.url}/d.pdf (nothing fetched now) and upload it as application/pdf, filename d.pdf`);
    expect(result.stderr).toContain(`would fetch ${source.url}/blob (nothing fetched now) and upload it as the type its answer names, filename blob`);
    const json = await cli.run(['--dry-run', '--json', `${source.url}/d.pdf`]);
    expect(JSON.parse(json.stdout)).toMatchObject({ file: `${source.url}/d.pdf`, dryRun: true, source: { url: `${source.url}/d.pdf` } });
    expect(source.requests).toHaveLength(0);
  });

  it.each(['ftp://example.com/a.pdf', 'file:///etc/passwd', 'http://[bad'])('%s is refused before anything runs (exit 2)', async (operand) => {
    const result = await cli.run([join(FIXTURES, 'valid/image.png'), operand]);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/^error: .*(URLs are not taken|is not a valid URL)/m);
    expect(cli.sandbox.requests).toHaveLength(0);
  });

  it('handle takes a URL too: the fetched bytes go to a Resumable Upload session', async () => {
    const png = await fixture('valid/image.png');
    source.serve('/header', { headers: { 'content-type': 'image/png' }, body: png });
    const result = await cli.run(['handle', `${source.url}/header`], { env: { WA_APP_ID: APP_ID, WA_PHONE_NUMBER_ID: undefined } });
    expect(result.code).toBe(0);
    expect(cli.sandbox.handles).toEqual([expect.objectContaining({ fileName: 'header.png', fileType: 'image/png', sha256: sha256Of(png), size: png.length })]);
    expect(result.stdout).toBe(`${cli.sandbox.handles[0]!.handle}\n`);
  });
});

describe('through a proxy (a real process: proxy variables are process-wide)', () => {
  it('HTTP_PROXY carries the source fetch too, and NO_PROXY bypasses it', async () => {
    const proxy = await startTestProxy();
    try {
      source.serve('/via.jpg', { headers: { 'content-type': 'image/jpeg' }, body: await fixture('valid/photo.jpg') });
      const through = await cli.run([`${source.url}/via.jpg`], { env: { HTTP_PROXY: proxy.url } });
      expect(through.code).toBe(0);
      expect(proxy.relayed).toContain(`CONNECT ${new URL(source.url).host}`);
      expect(source.requests).toHaveLength(1);
      const relayedBefore = proxy.relayed.length;
      const bypass = await cli.run([`${source.url}/via.jpg`], { env: { HTTP_PROXY: proxy.url, NO_PROXY: '127.0.0.1' } });
      expect(bypass.code).toBe(0);
      expect(proxy.relayed).toHaveLength(relayedBefore);
      expect(source.requests).toHaveLength(2);
    } finally {
      await proxy.close();
    }
  });
});

describe('https sources', () => {
  const secure = useSourceServer({ tls: true });
  // The fixture certificate trusted as a user trusts a private CA: only a real process reads NODE_EXTRA_CA_CERTS.
  const trusted = { NODE_EXTRA_CA_CERTS: join(FIXTURES, 'tls', 'localhost-cert.pem') };

  it('https → https redirects are followed; https → http is refused (exit 4) and the http URL is never asked', async () => {
    const jpeg = await fixture('valid/photo.jpg');
    secure.serve('/start.jpg', { status: 302, headers: { location: '/final.jpg' } });
    secure.serve('/final.jpg', { headers: { 'content-type': 'image/jpeg' }, body: jpeg });
    secure.serve('/down.jpg', { status: 301, headers: { location: `${source.url}/plain.jpg` } });
    source.serve('/plain.jpg', { headers: { 'content-type': 'image/jpeg' }, body: jpeg });
    const followed = await cli.run([`${secure.url}/start.jpg`], { env: trusted });
    expect(followed.code).toBe(0);
    expect(uploaded().sha256).toBe(sha256Of(jpeg));
    cli.sandbox.reset();
    const refused = await cli.run([`${secure.url}/down.jpg`], { env: trusted });
    expect(refused.code).toBe(4);
    expect(refused.stderr).toContain(`error: the source redirected from https to plain http (${source.url}/plain.jpg); refusing to follow (${secure.url}/down.jpg)`);
    expect(source.requests).toHaveLength(0);
    expect(uploads()).toHaveLength(0);
  });

  it('a certificate that is not trusted is named (exit 4), tried once', async () => {
    secure.serve('/x.jpg', { headers: { 'content-type': 'image/jpeg' }, body: await fixture('valid/photo.jpg') });
    const result = await cli.run([`${secure.url}/x.jpg`]);
    expect(result.code).toBe(4);
    expect(result.stderr).toMatch(new RegExp(`error: the TLS certificate of ${new URL(secure.url).host} is not trusted: .+ \\([A-Z_]+\\)`));
    expect(result.stderr).toContain('NODE_EXTRA_CA_CERTS');
    expect(secure.requests).toHaveLength(0);
    expect(uploads()).toHaveLength(0);
  });
});

describe('on a terminal', () => {
  it('the progress line says what is being fetched, then sending', async () => {
    const pdf = Buffer.concat([await fixture('valid/document.pdf'), Buffer.from(`\n%${'p'.repeat(400_000)}\n`)]);
    source.serve('/slow-brochure.pdf', { headers: { 'content-type': 'application/pdf' }, body: pdf, trickle: { bytes: 20_000, everyMs: 60 } });
    const result = await runOnTerminal([`${source.url}/slow-brochure.pdf`], { cwd: cli.dirs.cwd, env: { HOME: cli.dirs.home, ...sandboxEnv(cli.sandbox.url) } });
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/fetching http:\/\/127\.0\.0\.1:\d+\/slow-brochure\.pdf: [\d.]+ KB of [\d.]+ KB/);
    expect(uploaded().sha256).toBe(sha256Of(pdf));
  });
});
