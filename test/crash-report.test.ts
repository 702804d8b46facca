// What src/cli.ts prints when something escapes every handler: one redacted line, never the error's properties.

import { describe, expect, it } from 'vitest';
import { crashReport } from '../src/cli.js';
import { ConfigError, rememberSecret } from '../src/errors.js';

describe('crash reports', () => {
  it('print one redacted line and a hint, never the error object (got errors carry the Authorization header)', () => {
    rememberSecret('EAAcrashTOKEN123456');
    const gotLike = Object.assign(new Error('socket exploded while sending EAAcrashTOKEN123456\n    at Request.stack (got)'), {
      options: { headers: { authorization: 'Bearer EAAcrashTOKEN123456' } },
      request: { headers: { authorization: 'Bearer EAAcrashTOKEN123456' } },
    });
    const report = crashReport(gotLike);
    expect(report.exitCode).toBe(1);
    expect(report.text).toBe('error: internal error: socket exploded while sending [REDACTED]\nhint: this is a bug in wa-upload: please report it with --verbose output\n');
  });

  it('keep the exit code and hint of our own errors, redacted', () => {
    const report = crashReport(new ConfigError('token Bearer abc.def.ghi refused', 'set WA_TOKEN'));
    expect(report).toEqual({ text: 'error: token Bearer [REDACTED] refused\nhint: set WA_TOKEN\n', exitCode: 3 });
  });
});
