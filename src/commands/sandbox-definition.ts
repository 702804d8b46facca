// The sandbox command's definition: `wa-upload sandbox` runs the local stand-in of the API; its implementation is sandbox-command.ts.

import type { CommandDefinition } from './definition.js';

export const sandboxDefinition: CommandDefinition = {
  name: 'sandbox',
  summary: 'run the local stand-in of the media API and print the settings that point wa-upload at it',
  // The faults it can be told to show (every key parseFault knows), and how.
  helpAfter: `
Faults: POST a JSON object to <url>/_sandbox/faults; each applies to the next "times" matching requests.
  status <n>                       HTTP status of the error (default 500; 400 for code 33, 503 for 133004)
  graphCode <n>, graphSubcode <n>  Graph error.code / error_subcode, with the live server's message
  message, details                 error.message / error.error_data.details
  isTransient <bool>               error.is_transient
  retryAfter <text>                a Retry-After header
  estimatedTimeToRegainAccess <m>  minutes, in an X-Business-Use-Case-Usage header
  html <bool>, body <text>         an HTML error page / this text instead of Graph JSON (a proxy's answer)
  dropAfterBytes <n>               cut the connection after n body bytes (0: at once)
  stallAfterBytes <n>              stop reading after n body bytes, keep them, never answer (a timeout mid-file)
  hang <bool>                      read the body, never answer
  delayMs <n>                      answer this much later
  redirectTo <url>                 answer 307 with this Location
  times <n>                        how many requests it applies to (default 1)
  match upload|session|status|any  which requests (default upload: requests carrying file bytes; any: info,
                                   download and delete too)
Codes worth trying: 1, 2, 4, 17, 80007, 130429, 131000, 131016, 133004 (server temporarily unavailable) and
131057 (account in maintenance mode) are temporary; 33 (phone number deleted), 100, 131053, 368 are not;
0, 190, 10, 200 are about the token.
  curl -X POST <url>/_sandbox/faults -d '{"graphCode":131057,"times":2}'
  curl -X POST <url>/_sandbox/faults -d '{"graphCode":33,"match":"any"}'
  curl -X DELETE <url>/_sandbox/faults     forget queued faults
Media a customer sent (an ID from a webhook, tied to no phone number: info and delete refuse phone_number_id for it):
  curl -X POST <url>/_sandbox/webhook-media -d '{"mimeType":"image/jpeg","base64":"<the bytes, base64>"}'
  curl <url>/_sandbox/requests             what it received (token redacted)
`,
  run: async (_operands, flags, context) => (await import('./index.js')).runSandboxCommand(flags, context),
};
