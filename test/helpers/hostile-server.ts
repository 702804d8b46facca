// Misbehaving servers on loopback for the CLI tests: each is started for one test and closed after it.

import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { afterEach } from 'vitest';

/** Handles one request; `base` is the server's own URL (for answers that point back at it). */
export type HostileHandler = (req: IncomingMessage, res: ServerResponse, base: string) => void;

/** Registers the cleanup hook; `start` runs an http server with the handler and resolves with its URL. */
export function useHostileServers(): {
  start(handler: HostileHandler, options?: { tls?: { key: string | Buffer; cert: string | Buffer } }): Promise<string>;
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
    async start(handler, options = {}) {
      let base = '';
      const listener = (req: IncomingMessage, res: ServerResponse): void => handler(req, res, base);
      // With `tls` it serves https (the fixture certificate is for 127.0.0.1 and localhost).
      const server = options.tls ? createHttpsServer(options.tls, listener) : createServer(listener);
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      const port = (server.address() as AddressInfo).port;
      base = `${options.tls ? 'https' : 'http'}://127.0.0.1:${port}`;
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
