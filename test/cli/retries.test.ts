// Reliability through the CLI: which failures are retried, waits honoured, timeouts, redirects, interrupts, and no token in any output.

import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { sha256OfFile, useCliSandbox } from '../helpers/cli-sandbox.js';
import { startSandbox, type SandboxFault } from '../../src/sandbox/server.js';
import { FIXTURES, TEST_TOKEN, leaksToken, runOnTerminal, sandboxEnv, type RunOptions } from '../helpers/run-cli.js';

const cli = useCliSandbox({}, { inProcess: true });
const video = join(FIXTURES, 'valid/video.mp4');
const photo = join(FIXTURES, 'valid/photo.jpg');

const sha256 = sha256OfFile;
const run = (args: string[], options: RunOptions = {}) => cli.run(args, options);

describe('transient failures are retried with a fresh stream, and the bytes arrive whole', () => {
  const table: [name: string, fault: SandboxFault][] = [
    ['HTTP 500, Graph code 1', { status: 500, graphCode: 1 }],
    ['HTTP 503 with code 2', { status: 503, graphCode: 2 }],
    ['throttling as HTTP 400, code 4', { status: 400, graphCode: 4 }],
    ['code 17 (user request limit)', { status: 400, graphCode: 17 }],
    ['code 80007 (rate limit)', { status: 400, graphCode: 80007 }],
    ['code 130429 (throughput)', { status: 400, graphCode: 130429 }],
    ['code 131000 (unknown)', { status: 500, graphCode: 131000 }],
    ['code 131016 (service unavailable)', { status: 503, graphCode: 131016 }],
    ['any code with is_transient: true', { status: 400, graphCode: 9999, isTransient: true }],
    ["a proxy's HTML 502 page", { html: true }],
    ['a connection dropped after 2,000 body bytes', { dropAfterBytes: 2000 }],
    ['a connection dropped before the body', { dropAfterBytes: 0 }],
  ];
  it.each(table)('%s', async (_name, fault) => {
    cli.sandbox.injectFault(fault);
    const result = await run(['--retry-delay', '0', video]);
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/^\d+\n$/);
    const uploads = cli.sandbox.requests;
    expect(uploads).toHaveLength(2);
    expect(uploads[1]!.status).toBe(200);
    expect(uploads[1]!.file?.sha256).toBe(await sha256(video));
    expect(result.stdout).toBe(`${(uploads[1]!.responseBody as { id: string }).id}\n`);
    expect(result.stderr).toMatch(/waiting \d+\.\d s before try 2 of .*video\.mp4/);
    expect(leaksToken(result)).toBe(false);
  });
});

describe('permanent failures are tried exactly once', () => {
  const table: [name: string, fault: SandboxFault, exitCode: number][] = [
    ['invalid parameter (code 100)', { status: 400, graphCode: 100, message: '(#100) Invalid parameter' }, 5],
    ['HTTP 401 (code 190)', { status: 401, graphCode: 190, message: 'Error validating access token' }, 6],
    ['HTTP 403 (code 10)', { status: 403, graphCode: 10, message: '(#10) Application does not have permission' }, 6],
    ['code 3 arriving as HTTP 500', { status: 500, graphCode: 3, message: '(#3) Application does not have the capability' }, 6],
    ['account locked (code 131031)', { status: 400, graphCode: 131031, message: 'Business Account locked' }, 5],
    ['HTTP 404 with a Graph error', { status: 404, graphCode: 803, message: 'Some of the aliases you requested do not exist' }, 5],
  ];
  it.each(table)('%s', async (_name, fault, exitCode) => {
    cli.sandbox.injectFault({ ...fault, times: 5 });
    const result = await run(['--retry-delay', '0', photo]);
    expect(result.code).toBe(exitCode);
    expect(cli.sandbox.requests).toHaveLength(1);
    expect(result.stderr).toContain(fault.message);
    expect(leaksToken(result)).toBe(false);
  });
});

describe('after the last try', () => {
  it('a persistent 500 with --retries 2 is tried exactly three times, then exit 7 naming the error and the tries', async () => {
    cli.sandbox.injectFault({ status: 500, graphCode: 1, message: 'An unknown error occurred', times: 10 });
    const result = await run(['--retries', '2', '--retry-delay', '0', '--verbose', photo]);
    expect(result.code).toBe(7);
    expect(cli.sandbox.requests).toHaveLength(3);
    expect(result.stderr).toContain('error: gave up after 3 tries: An unknown error occurred (HTTP 500, code 1)');
    expect(result.stderr).toContain('hint: this looks temporary: retry later (exit code 7)');
    // --verbose lists each try with its status, Graph code and wait.
    for (const attempt of [1, 2, 3]) expect(result.stderr).toContain(`try ${attempt}: HTTP 500 Graph code 1`);
    expect(result.stderr).toMatch(/waiting \d+ ms \(backoff\) before try 2/);
    expect(result.stderr).toContain('Bearer [REDACTED]');
    expect(leaksToken(result)).toBe(false);
  });

  it('--retries 0 makes one try', async () => {
    cli.sandbox.injectFault({ status: 503, graphCode: 2, times: 10 });
    const result = await run(['--retries', '0', photo]);
    expect(result.code).toBe(7);
    expect(cli.sandbox.requests).toHaveLength(1);
    expect(result.stderr).toContain('gave up after 1 try');
  });

  it('the retries setting comes from the config file too', async () => {
    const { writeFile } = await import('node:fs/promises');
    await writeFile(join(cli.dirs.cwd, '.waupload.json'), JSON.stringify({ retries: 1, retryDelay: 0 }));
    cli.sandbox.injectFault({ status: 503, graphCode: 2, times: 10 });
    const result = await run([photo]);
    expect(result.code).toBe(7);
    expect(cli.sandbox.requests).toHaveLength(2);
  });

  it('--json reports the temporary failure with its Graph details and exit code 7', async () => {
    cli.sandbox.injectFault({ status: 503, graphCode: 131016, message: 'Service unavailable', times: 10 });
    const result = await run(['--json', '--retries', '0', photo]);
    expect(result.code).toBe(7);
    const line = JSON.parse(result.stdout) as { file: string; error: { kind: string; exitCode: number; graph: { code: number; httpStatus: number } } };
    expect(line.file).toBe(photo);
    expect(line.error).toMatchObject({ kind: 'temporary', exitCode: 7, graph: { code: 131016, httpStatus: 503 } });
    expect(JSON.stringify(line)).not.toContain(TEST_TOKEN);
  });
});

describe('waiting as the server asks', () => {
  it('honours Retry-After in seconds', async () => {
    cli.sandbox.injectFault({ status: 429, graphCode: 4, retryAfter: '1' });
    const started = Date.now();
    const result = await run(['--verbose', photo]);
    expect(result.code).toBe(0);
    expect(cli.sandbox.requests).toHaveLength(2);
    expect(result.stderr).toContain('waiting 1000 ms (retry-after) before try 2');
    expect(Date.now() - started).toBeGreaterThanOrEqual(1000);
  });

  it('honours Retry-After as an HTTP date', async () => {
    cli.sandbox.injectFault({ status: 503, graphCode: 2, retryAfter: new Date(Date.now() + 2000).toUTCString() });
    const result = await run(['--verbose', photo]);
    expect(result.code).toBe(0);
    expect(cli.sandbox.requests).toHaveLength(2);
    expect(result.stderr).toMatch(/waiting \d+ ms \(retry-after\) before try 2/);
  });

  it('a wait longer than --max-retry-wait ends the retries with the reason instead of sleeping', async () => {
    cli.sandbox.injectFault({ status: 400, graphCode: 80007, retryAfter: '3600', times: 5 });
    const result = await run(['--max-retry-wait', '30', photo]);
    expect(result.code).toBe(7);
    expect(cli.sandbox.requests).toHaveLength(1);
    expect(result.stderr).toContain('the server asks to wait 3600 s before another try, longer than the 30 s limit');
    expect(result.stderr).toContain('hint: retry later, or raise --max-retry-wait');
  });

  it('reads estimated_time_to_regain_access from X-Business-Use-Case-Usage', async () => {
    cli.sandbox.injectFault({ status: 400, graphCode: 80007, estimatedTimeToRegainAccess: 2, times: 5 });
    const result = await run(['--max-retry-wait', '60', photo]);
    expect(result.code).toBe(7);
    expect(cli.sandbox.requests).toHaveLength(1);
    expect(result.stderr).toContain('the server asks to wait 120 s before another try, longer than the 60 s limit');
  });
});

describe('timeouts', () => {
  it('a server that accepts and never answers ends in the timeout with exit 7, not a hang', async () => {
    cli.sandbox.injectFault({ hang: true, times: 5 });
    const started = Date.now();
    const result = await run(['--timeout', '2', '--retries', '0', photo]);
    expect(result.code).toBe(7);
    expect(result.stderr).toContain('no answer within 2 s');
    expect(Date.now() - started).toBeLessThan(15_000);
    expect(leaksToken(result)).toBe(false);
  });

  it('a hung try is retried and the next one succeeds', async () => {
    cli.sandbox.injectFault({ hang: true });
    const result = await run(['--timeout', '1', '--retry-delay', '0', photo]);
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/^\d+\n$/);
  });

  it('a refused connection is retried, then exit 7', async () => {
    const result = await run(['--retries', '1', '--retry-delay', '0', photo], { env: { WA_BASE_URL: 'http://127.0.0.1:9' } });
    expect(result.code).toBe(7);
    expect(result.stderr).toContain('gave up after 2 tries: connection refused');
  });
});

describe('security', () => {
  it('never follows a redirect, so the Authorization header never reaches another host', async () => {
    const other = await startSandbox();
    try {
      cli.sandbox.injectFault({ redirectTo: `${other.url}/v26.0/100000000000001/media`, status: 307 });
      const result = await run([photo]);
      expect(result.code).toBe(5);
      expect(result.stderr).toContain('wa-upload does not follow redirects');
      expect(other.requests).toHaveLength(0);
      expect(cli.sandbox.requests).toHaveLength(1);
      expect(leaksToken(result)).toBe(false);
    } finally {
      await other.close();
    }
  });

  it('the token appears in no output of any failure, even when the server echoes it', async () => {
    cli.sandbox.injectFault({ status: 400, graphCode: 100, message: `(#100) bad token ${TEST_TOKEN} in request` });
    const text = await run(['--verbose', photo]);
    cli.sandbox.injectFault({ status: 400, graphCode: 100, message: `(#100) bad token ${TEST_TOKEN} in request` });
    const json = await run(['--json', '--verbose', photo]);
    for (const result of [text, json]) {
      expect(result.code).toBe(5);
      expect(leaksToken(result)).toBe(false);
      expect(result.stderr).toContain('[REDACTED]');
    }
  });
});

describe('interrupts', () => {
  const interrupt = async (signal: 'SIGINT' | 'SIGTERM', extraArgs: string[]) => {
    // The first upload is answered, the second hangs until the signal arrives.
    cli.sandbox.injectFault({ delayMs: 0 });
    cli.sandbox.injectFault({ hang: true });
    return run(['--concurrency', '1', '--verbose', ...extraArgs, photo, video], {
      onStderr: (() => {
        let seen = '';
        let sent = false;
        return (chunk: string) => {
          seen += chunk;
          if (!sent && seen.includes(`${video}: try 1: POST`)) {
            sent = true;
            child?.kill(signal);
          }
        };
      })(),
      onSpawn: (c) => (child = c),
    });
  };
  let child: import('node:child_process').ChildProcess | undefined;

  it('Ctrl-C stops the in-flight upload, keeps the finished line whole, and exits 130', async () => {
    const result = await interrupt('SIGINT', []);
    expect(result.code).toBe(130);
    const lines = result.stdout.split('\n');
    expect(lines).toHaveLength(2);
    expect(lines[0]).toMatch(new RegExp(`^\\d+\\t${photo}$`));
    expect(lines[1]).toBe('');
    // The small video may be all on the wire when the signal lands: then it is sent but unconfirmed.
    expect(result.stderr).toContain(`interrupted by SIGINT: 1 of 2 file(s) finished; `);
    expect(result.stderr).toMatch(/; (not sent|sent but not confirmed \(the server may hold them\)): \S*video\.mp4/);
    expect(leaksToken(result)).toBe(false);
  });

  it('SIGTERM exits 143 and --json reports what finished and what did not', async () => {
    const result = await interrupt('SIGTERM', ['--json']);
    expect(result.code).toBe(143);
    const lines = result.stdout.trimEnd().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(lines[0]).toMatchObject({ file: photo, mimeType: 'image/jpeg' });
    expect(lines[0]?.id).toMatch(/^\d+$/);
    expect(lines[1]).toMatchObject({ file: video, error: { kind: 'interrupted', exitCode: 143 } });
  });
});

describe('progress on a terminal', () => {
  const onTerminal = (args: string[], columns = 100) =>
    runOnTerminal(args, { columns, cwd: cli.dirs.cwd, env: { HOME: cli.dirs.home, ...sandboxEnv(cli.sandbox.url) } });

  it('a spinner shows bytes and percent, and says when it is waiting for a retry and why', async () => {
    cli.sandbox.injectFault({ status: 503, graphCode: 2, message: 'Service temporarily unavailable', retryAfter: '1' });
    const result = await onTerminal([video]);
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/uploading [\d.]+ KB of [\d.]+ KB \(100 %\)/);
    expect(result.stdout).toMatch(/uploading .* · waiting 1\.0 s before try 2 of .*video\.mp4: Service temporarily unavailable \(HTTP 503, code 2\)/);
    expect(result.stdout).toMatch(/\n?\d{10,}\r?\n/);
    expect(leaksToken(result)).toBe(false);
  });

  it('no spinner on a terminal that reports 0 columns (ora would spin forever there), and the run ends', async () => {
    const result = await onTerminal([photo], 0);
    expect(result.code).toBe(0);
    expect(result.stdout).not.toContain('uploading');
    expect(result.stdout).toMatch(/\d{10,}/);
  });

  it('no spinner when stderr is not a terminal, or with --quiet or --json', async () => {
    const piped = await run([photo]);
    expect(piped.stderr).toBe('');
    for (const flag of ['--quiet', '--json']) {
      const result = await onTerminal([flag, photo]);
      expect(result.code).toBe(0);
      expect(result.stdout).not.toContain('uploading');
    }
  });
});

describe('a file of many chunks', () => {
  it('arrives whole, also when the first try is cut in the middle', async () => {
    const path = join(cli.dirs.cwd, 'big.pdf');
    const bytes = Buffer.alloc(12_345_678);
    bytes.write('%PDF-1.7\n', 0, 'latin1');
    for (let i = 64; i < bytes.length; i += 512) bytes.writeUInt32LE((i * 2654435761) >>> 0, i);
    await writeFile(path, bytes);
    cli.sandbox.injectFault({ dropAfterBytes: 5_000_000 });
    const result = await run(['--retry-delay', '0', '--json', path]);
    expect(result.stderr).toMatch(/^waiting 0\.0 s before try 2 of .*big\.pdf: connection/);
    expect(result.code).toBe(0);
    expect(cli.sandbox.requests).toHaveLength(2);
    expect(cli.sandbox.requests[0]!.status).toBe('dropped');
    const expected = await sha256OfFile(path);
    expect(cli.sandbox.requests[1]!.file?.sha256).toBe(expected);
    expect(cli.sandbox.requests[1]!.file?.size).toBe(12_345_678);
    expect((JSON.parse(result.stdout) as { sha256: string }).sha256).toBe(expected);
  });
});
