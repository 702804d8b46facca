// One run scaffold for every command: its reporter, its abort controller wired to signals and to stdout failing, and the exit code of a stopped run.

import { ExitCode, InterruptedError, WaUploadError } from '../errors.js';
import type { Reporter } from '../output.js';
import { createReporterFor } from './command-support.js';
import type { ConnectionFlags, ProcessContext } from './context.js';

/** Why a run stopped before its work was done: a signal, or stdout failing (the error to report). */
export type StopReason = { kind: 'signal'; signal: 'SIGINT' | 'SIGTERM' } | { kind: 'stdout'; error: WaUploadError };

/** What a command's body gets from the scaffold. */
export interface RunScope {
  reporter: Reporter;
  /** Aborted on a signal or when stdout fails; hand it to everything that waits. */
  signal: AbortSignal;
  /** Why the run stopped, or undefined while it has not. */
  stopReason(): StopReason | undefined;
  /** The error that reports the stop, for what was stopped (`action`), keeping an interruption's own words when they say when. */
  stopError(action: 'upload' | 'download' | 'request', error?: unknown): WaUploadError;
}

/** The stop reason an aborted signal carries (commands abort with a StopReason), or undefined. */
function stopReasonOf(signal: AbortSignal): StopReason | undefined {
  if (!signal.aborted) return undefined;
  const reason: unknown = signal.reason;
  if (reason instanceof WaUploadError) return { kind: 'stdout', error: reason };
  return { kind: 'signal', signal: reason === 'SIGTERM' ? 'SIGTERM' : 'SIGINT' };
}

/** The exit code of a stopped run: the signal's, or that of the stdout failure. */
export function stopExitCode(reason: StopReason): number {
  if (reason.kind === 'stdout') return reason.error.exitCode;
  return reason.signal === 'SIGTERM' ? ExitCode.sigterm : ExitCode.sigint;
}

/**
 * Runs a command's body inside the scaffold: one reporter for its flags, an AbortController aborted by SIGINT/SIGTERM
 * (reason: the signal's name, which the layers below read) or by stdout failing (reason: the error), and the listeners
 * removed whatever happens. Returns the body's exit code.
 */
export async function withRunScope(
  flags: ConnectionFlags,
  context: ProcessContext,
  options: { multiple: boolean; resultName?: 'id' | 'handle'; subjectName?: 'file' | 'id'; stdout?: NodeJS.WritableStream },
  body: (scope: RunScope) => Promise<number>,
): Promise<number> {
  const reporter = await createReporterFor(
    flags,
    options.stdout ? { ...context, stdout: options.stdout } : context,
    options.multiple,
    options.resultName ?? 'id',
    options.subjectName ?? 'file',
  );
  const controller = new AbortController();
  const stopListening = context.onSignal((signal) => controller.abort(signal));
  // stdout gone (closed reader, full disk): stop, since nothing more that is done could be reported.
  const stopWatchingStdout = context.onStdoutFailure?.((failure) => controller.abort(failure));
  const scope: RunScope = {
    reporter,
    signal: controller.signal,
    stopReason: () => stopReasonOf(controller.signal),
    stopError: (action, error) => {
      const reason = stopReasonOf(controller.signal);
      if (reason?.kind === 'stdout') return reason.error;
      const signal = reason?.signal ?? 'SIGINT';
      if (error instanceof InterruptedError && error.saysWhen) return error;
      return new InterruptedError(signal, { action });
    },
  };
  try {
    return await body(scope);
  } finally {
    stopWatchingStdout?.();
    stopListening();
  }
}
