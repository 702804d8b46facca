// What a command needs from the program: its parsed flags and the process (below both cli.ts and the commands).

import type { WaUploadError } from '../errors.js';
import type { MediaType } from '../media/media-types.js';
import type { FlagsOf } from '../settings/schema.js';

/** The parsed flags of a command, keyed by the settings schema (src/settings/schema.ts): one type for every command. */
export type Flags = FlagsOf<MediaType>;

/** The flags of the commands that send files, of the API commands, and of each command: all the schema's. */
export type UploadFlags = Flags;
export type ConnectionFlags = Flags;
export type DownloadFlags = Flags;
export type DeleteFlags = Flags;
export type SandboxFlags = Flags;

/** What commands need from the process, in one place so that tests and the API can supply their own. */
export interface ProcessContext {
  env: NodeJS.ProcessEnv;
  cwd: string;
  stdin: NodeJS.ReadableStream & { isTTY?: boolean };
  stdout: NodeJS.WritableStream & { isTTY?: boolean };
  stderr: NodeJS.WritableStream & { isTTY?: boolean; columns?: number; getColorDepth?: () => number };
  /** Calls back on SIGINT/SIGTERM; returns a function that stops listening. */
  onSignal: (handler: (signal: 'SIGINT' | 'SIGTERM') => void) => () => void;
  /**
   * Calls back once when stdout cannot be written (its reader went away, the disk is full) with the error to report;
   * returns a function that stops listening. A command stops its work: nothing more is sent that nobody can see.
   */
  onStdoutFailure?: (handler: (failure: WaUploadError) => void) => () => void;
  /** Registers a temp file or folder to remove even when the process exits at once (a second Ctrl-C); returns the unregister. */
  removeOnExit?: (path: string) => () => void;
}
