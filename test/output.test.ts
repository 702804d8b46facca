// Table tests of what the output module decides: redaction, colour level and whether a spinner is drawn.

import { describe, expect, it } from 'vitest';
import { redactSecrets } from '../src/errors.js';
import { colorLevelFor, progressAllowed } from '../src/output.js';

describe('redaction, colours and progress', () => {
  it.each([
    ['token EAAsecret123 leaked', ['EAAsecret123'], 'token [REDACTED] leaked'],
    ['Authorization: Bearer abc.def-ghi', [], 'Authorization: Bearer [REDACTED]'],
    ['twice EAAx1 EAAx1', ['EAAx1'], 'twice [REDACTED] [REDACTED]'],
    ['short abc stays', ['abc'], 'short abc stays'],
    ['Authorization: OAuth EAAunknowntoken0123456789', [], 'Authorization: OAuth [REDACTED]'],
    ['Invalid OAuth access token - Cannot parse access token', [], 'Invalid OAuth access token - Cannot parse access token'],
  ])('redactSecrets(%j)', (text, secrets, expected) => {
    expect(redactSecrets(text, secrets)).toBe(expected);
  });

  const tty = { isTTY: true, getColorDepth: () => 8, columns: 80 };
  it.each([
    [{}, tty, false, 2],
    [{ NO_COLOR: '1' }, tty, false, 0],
    [{}, tty, true, 0],
    [{ FORCE_COLOR: '1' }, { isTTY: false }, false, 1],
    [{ FORCE_COLOR: '0' }, tty, false, 0],
    [{ TERM: 'dumb' }, tty, false, 0],
    [{}, { isTTY: false }, false, 0],
  ])('colour level for env %j, stream %j, --no-color %s: %d', (env, stream, flag, level) => {
    expect(colorLevelFor(env, stream, flag)).toBe(level);
  });

  it.each([
    [{}, tty, false, true],
    [{ CI: 'true' }, tty, false, false],
    [{}, { isTTY: true, columns: 0 }, false, false],
    [{ TERM: 'dumb' }, tty, false, false],
    [{}, tty, true, false],
    [{}, { isTTY: false }, false, false],
  ])('spinner for env %j, stream %j, quiet/json %s: %s', (env, stream, quiet, expected) => {
    expect(progressAllowed(env, stream, quiet)).toBe(expected);
  });
});
