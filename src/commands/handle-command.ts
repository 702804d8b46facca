// `wa-upload handle`: the upload command's settings, checks, retries and output, sending each file to the Resumable Upload API for a handle.

import type { ProcessContext, UploadFlags } from './context.js';
import { runFilesCommand, usageProblem, type FilesCommand } from './upload-command.js';
import { UsageError } from '../errors.js';
import { HANDLE_TYPES, uploadForHandle } from '../graph/resumable-upload.js';

/** The app ID the built-in sandbox uses when none is given. */
export const SANDBOX_APP_ID = '100000000000002';

const HANDLE: FilesCommand = {
  needs: 'appId',
  resultName: 'handle',
  accepted: HANDLE_TYPES,
  send: async (file, graph, onEvent) => {
    const result = await uploadForHandle(file, graph, onEvent);
    return { id: result.handle, sha256: result.sha256, attempts: result.attempts };
  },
  sandboxSettings: (flags) => ({ appId: flags.appId ?? SANDBOX_APP_ID }),
  usageProblem: (files, flags) => {
    if (files.includes('-')) return new UsageError('handle reads files, not stdin (-)', 'save the bytes to a file with the right extension first');
    return usageProblem(files, flags, 'wa-upload handle header.png');
  },
};

/** Runs `wa-upload handle [options] <file...>` and returns the exit code. */
export function runHandleCommand(files: string[], flags: UploadFlags, context: ProcessContext): Promise<number> {
  return runFilesCommand(files, flags, context, HANDLE);
}
