// A forward proxy on loopback for the proxy tests: relays CONNECT tunnels (what hpagent sends) and absolute-URL requests.

import { createServer, request as httpRequest, type IncomingMessage } from 'node:http';
import { connect, type AddressInfo, type Socket } from 'node:net';

/** A running test proxy: its URL, what it relayed (`CONNECT host:port` or `METHOD url`), and how to stop it. */
export interface TestProxy {
  url: string;
  relayed: string[];
  close(): Promise<void>;
}

/** Starts a proxy on 127.0.0.1 that records each request and relays it to its (loopback) target. */
export async function startTestProxy(): Promise<TestProxy> {
  const relayed: string[] = [];
  const server = createServer((req, res) => {
    relayed.push(`${req.method} ${req.url}`);
    const upstream = httpRequest(new URL(req.url ?? '/'), { method: req.method, headers: req.headers }, (answer) => {
      res.writeHead(answer.statusCode ?? 502, answer.headers);
      answer.pipe(res);
    });
    upstream.on('error', () => res.destroy());
    req.pipe(upstream);
  });
  server.on('connect', (req: IncomingMessage, client: Socket, head: Buffer) => {
    relayed.push(`CONNECT ${req.url}`);
    const [host, port] = String(req.url).split(':');
    const upstream = connect(Number(port), host!, () => {
      client.write('HTTP/1.1 200 Connection Established\r\n\r\n');
      upstream.write(head);
      upstream.pipe(client);
      client.pipe(upstream);
    });
    upstream.on('error', () => client.destroy());
    client.on('error', () => upstream.destroy());
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    relayed,
    close: () => new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    }),
  };
}
