// The upload command's definition (the program's root: `wa-upload [options] <file...>`); its implementation is upload-command.ts.

import type { CommandDefinition } from './definition.js';

export const uploadDefinition: CommandDefinition = {
  name: 'upload',
  summary: 'Upload files to the WhatsApp Cloud API and print their media IDs.',
  operand: { syntax: '[files...]', description: 'files to upload (- reads stdin; needs --type), or http(s) URLs to fetch and upload' },
  usage: '[options] <file...>\n       wa-upload <command> [options] <media-id>',
  helpAfter: `
Examples:
  wa-upload --sandbox photo.jpg              try it with no account (local stand-in API)
  ID=$(wa-upload photo.jpg)                  one file: stdout is just the media ID
  wa-upload --json *.pdf | jq -r .id         one JSON object per file
  wa-upload https://cdn.example.com/a.pdf    a hosted file: fetched (no token sent there), then uploaded
  H=$(wa-upload handle header.png)           a handle for a template header (needs WA_APP_ID)
`,
  run: async (files, flags, context) => (await import('./index.js')).runUploadCommand(files, flags, context),
};
