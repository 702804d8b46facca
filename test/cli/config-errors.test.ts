// A config file that cannot be read says which file, where (line and column) and why, and never quotes the file.

import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { useCliSandbox } from '../helpers/cli-sandbox.js';
import { FIXTURES, TEST_TOKEN } from '../helpers/run-cli.js';

const cli = useCliSandbox({}, { inProcess: true });
const photo = join(FIXTURES, 'valid/photo.jpg');

describe('a malformed config file', () => {
  it.each([
    ['.waupload.json', '{"phoneNumberId": "1",\n  "retries": 2,,\n}', /^error: config file \S+\/\.waupload\.json is not valid JSON: line 2, column 16: Expected double-quoted property name\n/],
    ['.waupload.json', '{"retries": 2}\n{"timeout": 3}', /^error: config file \S+\/\.waupload\.json is not valid JSON: line 2, column 1: Unexpected non-whitespace character after JSON\n/],
    // The token unquoted: the parser's message would quote it; it must not reach the terminal.
    ['.waupload.json', `{"token": ${TEST_TOKEN}}`, /^error: config file \S+\/\.waupload\.json is not valid JSON: Unexpected token 'E'\n/],
    ['.wauploadrc.yaml', 'retries: 2\nphoneNumberId: [1, 2\n  bad: : :', /^error: config file \S+\/\.wauploadrc\.yaml is not valid YAML: line 3, column 6: missed comma between flow collection entries\n/],
    ['waupload.config.cjs', 'module.exports = {\n  retries: 2, ;\n};', /^error: config file \S+\/waupload\.config\.cjs is not valid JavaScript: line 2: Unexpected token ';'\n/],
    ['waupload.config.cjs', 'throw new Error("no settings here");', /^error: config file \S+\/waupload\.config\.cjs failed when loaded: no settings here\n/],
  ])('%s: %j', async (name, content, message) => {
    await writeFile(join(cli.dirs.cwd, name), content);
    // A JavaScript config's syntax error is Node's own loader's word: only the real program, loaded by Node, shows it.
    const run = await cli.run([photo], { realProcess: name.endsWith('.cjs') });
    expect(run.code).toBe(3);
    // (m: on Node 20 a JavaScript config may be preceded by Node's ExperimentalWarning about the code cache's loader.)
    expect(run.stderr).toMatch(new RegExp(message.source, 'm'));
    expect(run.stderr).toContain('hint: fix it or remove it');
    expect(run.stderr).not.toContain(TEST_TOKEN.slice(0, 12));
    expect(cli.sandbox.requests).toHaveLength(0);
  });
});
