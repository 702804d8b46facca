// The Node running the suite: the one .ci/run chose (WA_UPLOAD_CI_NODE), and one that package.json's engines admits.

import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { REPO_ROOT, runCli } from './helpers/run-cli.js';

const engines = (JSON.parse(readFileSync(join(REPO_ROOT, 'package.json'), 'utf8')) as { engines: { node: string } }).engines.node;

describe('the Node under test', () => {
  it('is the major .ci/run put first on PATH, in this worker and in the CLI it spawns', async () => {
    const chosen = process.env.WA_UPLOAD_CI_NODE;
    // Printed so each CI section shows which Node actually ran it.
    console.info(`vitest worker on Node ${process.version} (${process.execPath}); .ci/run chose ${chosen ?? '(not run by .ci/run)'}`);
    const run = await runCli(['-p', 'process.version'], { command: 'node' });
    expect(run.stdout.trim()).toBe(process.version);
    if (chosen !== undefined) expect(process.versions.node.split('.')[0]).toBe(chosen);
  });

  it('is one package.json engines admits (a plain ">=major.minor.patch" range)', () => {
    const minimum = /^>=(\d+)\.(\d+)\.(\d+)$/.exec(engines);
    expect(minimum, `engines.node "${engines}" is not of the form >=X.Y.Z`).not.toBeNull();
    const have = process.versions.node.split('.').map(Number);
    const need = minimum!.slice(1).map(Number);
    const order = have[0]! - need[0]! || have[1]! - need[1]! || have[2]! - need[2]!;
    expect(order, `Node ${process.version} is below engines ${engines}`).toBeGreaterThanOrEqual(0);
  });
});
