// The handle command's definition: `wa-upload handle <file...>` prints Resumable Upload handles; its implementation is handle-command.ts.

import type { CommandDefinition } from './definition.js';

export const handleDefinition: CommandDefinition = {
  name: 'handle',
  summary: 'upload files to the Resumable Upload API and print their handles (template header samples, profile pictures)',
  operand: { syntax: '[files...]', description: 'PDF, JPEG, PNG or MP4 files, or http(s) URLs of them' },
  helpAfter: `
A handle is what a message template's IMAGE/VIDEO/DOCUMENT header sample (example.header_handle) and a business
profile picture (profile_picture_handle) take; a media ID or a URL is refused there. It needs the access token and
the app ID: --app-id, then WA_APP_ID, WHATSAPP_APP_ID, M4D_APP_ID, then "appId" in the config file. The phone
number ID is not used. A cut or a timeout mid-file resumes from the offset the server holds, in the same session.
Exit codes are those of uploads (wa-upload --help).
  H=$(wa-upload handle header.png)           one file: stdout is just the handle
  wa-upload handle --json a.png b.pdf        one JSON object per file
  wa-upload handle https://example.com/h.png a hosted file: fetched, then sent for a handle
`,
  run: async (files, flags, context) => (await import('./index.js')).runHandleCommand(files, flags, context),
};
