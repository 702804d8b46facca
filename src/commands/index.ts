// Every command's implementation behind one lazy import: `--help` and `--version` load none of it, a command loads it once.

export { runDeleteCommand, runDownloadCommand, runInfoCommand } from './media-commands.js';
export { runSandboxCommand } from './sandbox-command.js';
export { runUploadCommand } from './upload-command.js';
export { runHandleCommand } from './handle-command.js';
