// Misbehaving servers on loopback for the CLI tests: each is started for one test and closed after it.

import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach } from 'vitest';

/** Handles one request; `base` is the server's own URL (for answers that point back at it). */
export type HostileHandler = (req: IncomingMessage, res: ServerResponse, base: string) => void;

/** Registers the cleanup hook; `start` runs an http server with the handler and resolves with its URL. */
export function useHostileServers(): {
  start(handler: HostileHandler): Promise<string>;
  /** Runs `stop` after the test (for servers of other kinds started by the test). */
  onCleanup(stop: () => Promise<void>): void;
  /** Closes everything started so far, now. */
  closeAll(): Promise<void>;
} {
  const stops: (() => Promise<void>)[] = [];
  const closeAll = async (): Promise<void> => {
    for (const stop of stops.splice(0)) await stop();
  };
  afterEach(closeAll);
  return {
    async start(handler) {
      let base = '';
      const server = createServer((req, res) => handler(req, res, base));
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
      stops.push(
        () =>
          new Promise<void>((resolve) => {
            server.closeAllConnections();
            server.close(() => resolve());
          }),
      );
      return base;
    },
    onCleanup: (stop) => void stops.push(stop),
    closeAll,
  };
}
