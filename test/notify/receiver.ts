/**
 * A webhook receiver on loopback for the outbox tests: records every request (raw body,
 * headers) and answers what the test scripts. `waitFor(n)` resolves once n requests have
 * arrived: the tests synchronise on requests, never on time.
 */
import { once } from 'node:events';
import { createServer, type IncomingHttpHeaders, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface Received {
  readonly method: string;
  readonly url: string;
  readonly headers: IncomingHttpHeaders;
  readonly body: string;
}

export interface Answer {
  readonly status: number;
  readonly headers?: Record<string, string>;
}

/** `hang`: keep the request open (the test decides what happens to it). */
export type Script = (index: number, req: Received) => Answer | 'hang';

export interface Receiver {
  readonly url: string;
  readonly port: number;
  readonly received: Received[];
  /** Responses held by `hang`, in arrival order. */
  readonly hung: ServerResponse[];
  script: Script;
  waitFor(count: number): Promise<void>;
  close(): Promise<void>;
}

export async function startReceiver(
  script: Script = () => ({ status: 200 }),
  path = '/hooks',
): Promise<Receiver> {
  const waiters: Array<{ count: number; resolve: () => void }> = [];
  const received: Received[] = [];
  const hung: ServerResponse[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const r: Received = {
        method: req.method ?? '',
        url: req.url ?? '',
        headers: req.headers,
        body: Buffer.concat(chunks).toString('utf8'),
      };
      received.push(r);
      const answer = receiver.script(received.length, r);
      if (answer === 'hang') hung.push(res);
      else res.writeHead(answer.status, answer.headers).end('ok');
      for (let i = waiters.length - 1; i >= 0; i--)
        if (received.length >= waiters[i]!.count) waiters.splice(i, 1)[0]!.resolve();
    });
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const port = (server.address() as AddressInfo).port;
  const receiver: Receiver = {
    url: `http://127.0.0.1:${port}${path}`,
    port,
    received,
    hung,
    script,
    waitFor(count) {
      if (received.length >= count) return Promise.resolve();
      return new Promise((resolve) => waiters.push({ count, resolve }));
    },
    async close() {
      for (const res of hung) res.destroy();
      server.closeAllConnections();
      server.close();
      await once(server, 'close');
    },
  };
  return receiver;
}
