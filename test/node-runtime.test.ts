// The Node running the suite: the one .ci/run chose (WA_UPLOAD_CI_NODE), one package.json's engines admits; and the launcher's refusal of an older Node, with a real Node 18.

import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { beforeAll, describe, expect, it } from 'vitest';
import { OLDEST_SUPPORTED_NODE, isOlderThanSupported, unsupportedNodeMessage } from '../src/node-floor.js';
import { FIXTURES, REPO_ROOT, runCli, sandboxEnv } from './helpers/run-cli.js';

const engines = (JSON.parse(readFileSync(join(REPO_ROOT, 'package.json'), 'utf8')) as { engines: { node: string } }).engines.node;

describe('the Node under test', () => {
  it('is the major .ci/run put first on PATH, in this worker and in the `node` the CLI finds on PATH', async () => {
    const chosen = process.env.WA_UPLOAD_CI_NODE;
    // Printed so each CI section shows which Node actually ran it.
    console.info(`vitest worker on Node ${process.version} (${process.execPath}); .ci/run chose ${chosen ?? '(not run by .ci/run)'}`);
    const run = await runCli(['-p', 'process.version'], { command: 'node' });
    expect(run.stdout.trim()).toBe(process.version);
    if (chosen !== undefined) expect(process.versions.node.split('.')[0]).toBe(chosen);
  });

  it('is one package.json engines admits, and the launcher says the same oldest version', () => {
    expect(engines).toBe(`>=${OLDEST_SUPPORTED_NODE}`);
    expect(isOlderThanSupported(process.versions.node)).toBe(false);
  });
});

describe('a Node older than engines', () => {
  it.each([
    ['16.20.2', true],
    ['18.20.4', true],
    ['20.0.0', true],
    ['20.18.3', true],
    ['20.19.0', false],
    ['20.20.2', false],
    ['22.0.0', false],
    ['24.22.3', false],
    ['26.12.1', false],
    ['100.0.0', false],
  ])('Node %s: refused %s', (version, refused) => {
    expect(isOlderThanSupported(version)).toBe(refused);
  });

  it('gets one error line naming the Node wa-upload needs and this one, and a hint', () => {
    expect(unsupportedNodeMessage('18.20.8')).toMatch(/^error: wa-upload needs Node 20\.19 or later \(this is Node 18\.20\.8\)\nhint: install Node 20\.19 or later, [^\n]*https:\/\/nodejs\.org\/[^\n]*\n$/);
  });

  it('is not refused: this Node runs the CLI with nothing on stderr', async () => {
    const run = await runCli(['--version']);
    expect(run.code).toBe(0);
    expect(run.stderr).toBe('');
  });
});

describe('on a real Node 18 (installed from the npm registry by scripts/install-node.js, cached in ~/.cache/wa-upload)', () => {
  let node18 = '';
  beforeAll(async () => {
    const { stdout } = await promisify(execFile)(process.execPath, [join(REPO_ROOT, 'scripts', 'install-node.js'), '18'], { encoding: 'utf8', timeout: 15 * 60_000 });
    node18 = stdout.trim();
  }, 16 * 60_000);

  it.each([
    ['an upload', [join(FIXTURES, 'valid', 'photo.jpg')]],
    ['--help', ['--help']],
    ['--version', ['--version']],
    ['the sandbox', ['sandbox']],
  ])('%s stops at once: exit 3, the one error line and its hint on stderr, nothing on stdout', async (_label, args) => {
    const version = (await runCli(['-p', 'process.versions.node'], { command: node18 })).stdout.trim();
    expect(version).toMatch(/^18\./);
    // A URL that would fail if anything were sent: nothing is.
    const run = await runCli([join(REPO_ROOT, 'bin', 'wa-upload.cjs'), ...args], { command: node18, env: sandboxEnv('http://127.0.0.1:9') });
    expect({ code: run.code, stdout: run.stdout, stderr: run.stderr }).toEqual({ code: 3, stdout: '', stderr: unsupportedNodeMessage(version) });
    expect(run.stderr).toMatch(/^error: wa-upload needs Node 20\.19 or later \(this is Node 18\.\d+\.\d+\)\n/);
    expect(run.stderr).not.toMatch(/bug/);
  });
});
