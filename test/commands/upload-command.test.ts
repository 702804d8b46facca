// Table tests of the upload command's usage checks (pure: no file is read, nothing is sent).

import { describe, expect, it } from 'vitest';
import type { UploadFlags } from '../../src/commands/context.js';
import { usageProblem } from '../../src/commands/upload-command.js';
import { mediaTypeForExtension } from '../../src/media/media-types.js';

describe('usage problems of the upload command', () => {
  it.each([
    [[], {}, /no file given/],
    [['-', '-'], { type: mediaTypeForExtension('.jpg') }, /named only once/],
    [['-'], { tokenFile: '-' }, /both the token .* and a file/],
    [['a.jpg'], { filename: 'x.jpg' }, /--filename names the part of a stdin upload/],
    [['a.jpg', '-'], { filename: 'x.jpg' }, undefined],
    [['a.jpg'], {}, undefined],
  ] as [string[], UploadFlags, RegExp | undefined][])('%j with %j', (files, flags, message) => {
    const problem = usageProblem(files, flags);
    if (message) expect(problem?.message).toMatch(message);
    else expect(problem).toBeUndefined();
    if (message) expect(problem?.exitCode).toBe(2);
  });
});
