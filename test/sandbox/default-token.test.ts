// The token the sandbox prints for its users: long and shaped like a real one, so the CLI's short-token warning stays quiet.

import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parameterSchema, problems, UPLOAD_PATH } from '../helpers/meta-openapi.js';
import { runInProcess } from '../helpers/in-process.js';
import { FIXTURES, TEST_PHONE_NUMBER_ID, isolatedDirs, leaksToken, sandboxEnv } from '../helpers/run-cli.js';
import { SANDBOX_DEFAULT_TOKEN, startSandbox, type Sandbox } from '../../src/sandbox/server.js';
import { DEFAULT_API_VERSION } from '../../src/settings/config.js';

let sandbox: Sandbox;
let dirs: Awaited<ReturnType<typeof isolatedDirs>>;
beforeAll(async () => {
  // As `wa-upload sandbox` starts it: no token of its own, so any token is accepted.
  sandbox = await startSandbox({ storeMedia: false });
  dirs = await isolatedDirs();
});
afterAll(async () => {
  await sandbox.close();
  await dirs.cleanup();
});

const run = (token: string) =>
  runInProcess([join(FIXTURES, 'valid/photo.jpg')], { cwd: dirs.cwd, env: { HOME: dirs.home, ...sandboxEnv(sandbox.url, { WA_TOKEN: token }) } });

describe("the sandbox's default token", () => {
  it('is 40 characters or more, looks like an access token and fits the Authorization header Meta describes', () => {
    expect(SANDBOX_DEFAULT_TOKEN.length).toBeGreaterThanOrEqual(40);
    expect(SANDBOX_DEFAULT_TOKEN).toMatch(/^EAA[A-Za-z0-9]+$/);
    expect(problems(parameterSchema(UPLOAD_PATH, 'post', 'Authorization'), `Bearer ${SANDBOX_DEFAULT_TOKEN}`)).toBe('');
  });

  it('uploads with no warning (the old 13-character `sandbox-token` got "too short"), and never shows up in the output', async () => {
    const result = await run(SANDBOX_DEFAULT_TOKEN);
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/^\d+\n$/);
    expect(result.stderr).toBe('');
    expect(leaksToken(result, SANDBOX_DEFAULT_TOKEN)).toBe(false);
    const [recorded] = await sandbox.waitForRequests(1);
    expect(recorded).toMatchObject({ path: `/${DEFAULT_API_VERSION}/${TEST_PHONE_NUMBER_ID}/media`, bearerToken: SANDBOX_DEFAULT_TOKEN, status: 200 });

    const old = await run('sandbox-token');
    expect(old.code).toBe(0);
    expect(old.stderr).toContain('too short');
  });
});
