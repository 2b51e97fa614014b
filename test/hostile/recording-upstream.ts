/**
 * The upstream of the hostile-input tests: a real HTTP server (it answers every request
 * it reads with `200 {}`) behind a TCP relay that keeps every byte the sidecar sends, on
 * every connection, before any parser sees it. What the relay holds is what reached the
 * upstream, so a request smuggled inside another one shows there even if the server
 * would have read it as a body.
 */
import http from 'node:http';
import net from 'node:net';

export interface RecordingUpstream {
  readonly url: string;
  /** Everything received so far, all connections in arrival order, latin1. */
  received(): string;
  /** `METHOD url` of each request the HTTP server read to its end, in order. */
  readonly completed: string[];
  close(): Promise<void>;
}

export async function startRecordingUpstream(): Promise<RecordingUpstream> {
  const chunks: string[] = [];
  const completed: string[] = [];
  const origin = http.createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      completed.push(`${req.method} ${req.url}`);
      res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
    });
  });
  await new Promise<void>((resolve) => origin.listen(0, '127.0.0.1', resolve));
  const originPort = (origin.address() as net.AddressInfo).port;
  const sockets = new Set<net.Socket>();
  const relay = net.createServer((inbound) => {
    const outbound = net.connect(originPort, '127.0.0.1');
    for (const s of [inbound, outbound]) {
      sockets.add(s);
      s.on('close', () => sockets.delete(s));
      s.on('error', () => {});
    }
    inbound.on('data', (d: Buffer) => {
      chunks.push(d.toString('latin1'));
      outbound.write(d);
    });
    inbound.on('close', () => outbound.destroy());
    outbound.on('close', () => inbound.destroy());
    outbound.pipe(inbound);
  });
  await new Promise<void>((resolve) => relay.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(relay.address() as net.AddressInfo).port}`,
    received: () => chunks.join(''),
    completed,
    close: async () => {
      for (const s of sockets) s.destroy();
      origin.closeAllConnections();
      await Promise.all([
        new Promise<void>((resolve) => relay.close(() => resolve())),
        new Promise<void>((resolve) => origin.close(() => resolve())),
      ]);
    },
  };
}
