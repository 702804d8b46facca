// The sandbox command: runs the local stand-in of the media API until Ctrl-C and prints how to point wa-upload at it.

import type { ProcessContext, SandboxFlags } from './context.js';
import { isLoopbackHost, resolveLoopback } from '../settings/loopback.js';
import { ExitCode } from '../errors.js';
import { DEFAULT_API_VERSION } from '../settings/config.js';
import { SANDBOX_PHONE_NUMBER_ID } from './upload-command.js';
import { SANDBOX_APP_ID } from './handle-command.js';

/** Runs `wa-upload sandbox [--port N]`; resolves with the exit code once a signal stops it. */
export async function runSandboxCommand(
  flags: SandboxFlags,
  context: ProcessContext,
): Promise<number> {
  const host = flags.host ?? '127.0.0.1';
  if (!isLoopbackHost(host)) {
    context.stderr.write(`error: the sandbox listens on loopback only, not ${host} (--host)\n`);
    return ExitCode.usage;
  }
  // A name is resolved and checked, and the sandbox listens on the very address checked.
  let address: string;
  try {
    address = await resolveLoopback(host);
  } catch (error) {
    context.stderr.write(`error: the sandbox listens on loopback only: ${(error as Error).message.split(':')[0]} (--host)\n`);
    return ExitCode.usage;
  }
  const { startSandbox, SANDBOX_DEFAULT_TOKEN } = await import('../sandbox/server.js');
  let sandbox: Awaited<ReturnType<typeof startSandbox>>;
  try {
    sandbox = await startSandbox({ host: address, port: flags.port ?? 0, storeMedia: flags.store !== false, ...(flags.delay ? { delayMs: flags.delay } : {}), ...(flags.requireToken ? { token: flags.requireToken } : {}) });
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    context.stderr.write(`error: cannot listen on ${host}:${flags.port ?? 0} (${code ?? String(error)})\nhint: pick another --port\n`);
    return ExitCode.usage;
  }
  // Shell lines ready to source or eval: `wa-upload sandbox > sandbox.env &`, then `. ./sandbox.env`.
  context.stdout.write(
    `export WA_BASE_URL=${shellWord(sandbox.url)}\nexport WA_TOKEN=${shellWord(flags.requireToken ?? SANDBOX_DEFAULT_TOKEN)}\n` +
      `export WA_PHONE_NUMBER_ID=${SANDBOX_PHONE_NUMBER_ID}\nexport WA_APP_ID=${SANDBOX_APP_ID}\n`,
  );
  context.stderr.write(
    `sandbox: a local stand-in of the media API is listening at ${sandbox.url} (Ctrl-C stops it)\n` +
      `sandbox: point wa-upload at it with the variables above; make it misbehave with\n` +
      `  curl -X POST ${sandbox.url}/_sandbox/faults -d '{"status":503,"times":2}'\n` +
      `sandbox: it answers any API version in the path (wa-upload sends ${DEFAULT_API_VERSION}, its pinned default); media a customer sent:\n` +
      `  curl -X POST ${sandbox.url}/_sandbox/webhook-media -d '{"mimeType":"image/jpeg"}'    (answers {"id":"..."})\n`,
  );
  const signal = await new Promise<'SIGINT' | 'SIGTERM'>((resolve) => {
    const stop = context.onSignal((s) => {
      stop();
      resolve(s);
    });
  });
  await sandbox.close();
  context.stderr.write(`sandbox: stopped by ${signal}\n`);
  // Stopping a server on request is its normal end.
  return ExitCode.ok;
}

/** A value as one shell word: bare when it is plainly safe, else single-quoted. */
function shellWord(value: string): string {
  return /^[A-Za-z0-9_./:@%+=,-]+$/.test(value) ? value : `'${value.replace(/'/g, `'\\''`)}'`;
}
