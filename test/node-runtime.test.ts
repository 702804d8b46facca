// The Node running the suite: the one .ci/run chose (WA_UPLOAD_CI_NODE), one package.json's engines admits, and the warning for older ones.

import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { OLDEST_SUPPORTED_NODE, unsupportedNodeWarning } from '../src/cli.js';
import { REPO_ROOT, runCli } from './helpers/run-cli.js';

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

  it('is one package.json engines admits, and the CLI says the same oldest version', () => {
    expect(engines).toBe(`>=${OLDEST_SUPPORTED_NODE}`);
    expect(unsupportedNodeWarning(process.versions.node)).toBeUndefined();
  });
});

describe('the warning for a Node older than engines', () => {
  it.each([
    ['18.20.4', true],
    ['20.0.0', true],
    ['20.18.3', true],
    ['20.19.0', false],
    ['20.20.2', false],
    ['22.0.0', false],
    ['24.22.3', false],
    ['26.12.1', false],
    ['100.0.0', false],
  ])('Node %s: warned %s', (version, warned) => {
    const warning = unsupportedNodeWarning(version);
    if (warned) expect(warning).toBe(`warning: Node ${version} is older than wa-upload supports (20.19.0 or later; 22, 24 and 26 are tested): things may fail\n`);
    else expect(warning).toBeUndefined();
  });

  it('is not printed on this Node', async () => {
    const run = await runCli(['--version']);
    expect(run.code).toBe(0);
    expect(run.stderr).toBe('');
  });
});
