/**
 * A real upstream on loopback for integration tests: reads each request body, then answers
 * 201 `{}`, or 500 `{}` for the next `failNext` requests.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface TestUpstream {
  readonly server: Server;
  /** `http://127.0.0.1:PORT` */
  readonly url: string;
  /** Requests still to be answered with 500. */
  failNext: number;
  close(): Promise<void>;
}

export async function startTestUpstream(): Promise<TestUpstream> {
  const server = createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      if (up.failNext > 0) {
        up.failNext--;
        res.writeHead(500).end('{}');
      } else res.writeHead(201).end('{}');
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const up: TestUpstream = {
    server,
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    failNext: 0,
    close: () => new Promise<void>((r) => server.close(() => r())),
  };
  return up;
}
