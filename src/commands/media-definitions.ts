// The definitions of the media ID commands (info, download, delete); their implementation is media-commands.ts.

import type { CommandDefinition } from './definition.js';

const MEDIA_IDS = { syntax: '<media-id...>', description: 'one or more media IDs (digits), as wa-upload or a webhook gave them' };

export const infoDefinition: CommandDefinition = {
  name: 'info',
  summary: 'show a media ID\'s URL, MIME type, sha256 and size',
  operand: MEDIA_IDS,
  helpAfter: `
Examples:
  wa-upload info 1234567890                  the media's URL, type, size and sha256
  wa-upload info --json 123 456 | jq .bytes  one JSON object per ID
`,
  run: async (ids, flags, context) => (await import('./index.js')).runInfoCommand(ids, flags, context),
};

export const downloadDefinition: CommandDefinition = {
  name: 'download',
  summary: 'download a media ID\'s bytes, checked against its sha256 (no partial file is left behind)',
  operand: MEDIA_IDS,
  helpAfter: `
Examples:
  wa-upload download 1234567890              writes 1234567890.<ext> here
  wa-upload download -o - 1234567890 > x.jpg the bytes on stdout
`,
  run: async (ids, flags, context) => (await import('./index.js')).runDownloadCommand(ids, flags, context),
};

export const deleteDefinition: CommandDefinition = {
  name: 'delete',
  summary: 'delete a media ID',
  operand: MEDIA_IDS,
  helpAfter: `
Examples:
  wa-upload delete 1234567890
  wa-upload delete --dry-run 123 456         says what it would delete; sends nothing
`,
  run: async (ids, flags, context) => (await import('./index.js')).runDeleteCommand(ids, flags, context),
};
