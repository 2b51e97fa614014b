/**
 * The misbehaving upstream of the fault suite: a bare TCP server that reads request heads
 * itself and hands each one to the case's behaviour, which answers (or fails to) by writing
 * raw bytes. A node:http server would refuse to send most of these faults (a bad status
 * line, a header it cannot serialise, a truncated chunked body).
 *
 * It counts what a case asserts on: request heads received, sockets open, sockets with a
 * response in progress, and the response bytes the kernel accepted (for a client that
 * never reads).
 */
import net from 'node:net';

/** One request head as received, and the connection it came on. */
export interface UpstreamRequest {
  readonly method: string;
  readonly target: string;
  /** Lower-case names; the last value of a repeated field. */
  readonly headers: ReadonlyMap<string, string>;
  readonly socket: net.Socket;
  /** 1 for the first request on its connection, 2 for the next, ... */
  readonly nth: number;
  /** The behaviour is done with this request (answered, or gave up on it on purpose). */
  done(): void;
}

export type Behaviour = (req: UpstreamRequest, up: FaultUpstream) => void;

interface Conn {
  buffered: string;
  /** Request body bytes still to skip before the next head. */
  bodyLeft: number;
  requests: number;
  busy: boolean;
}

export class FaultUpstream {
  url = '';
  /** Request heads received, all connections. */
  requests = 0;
  /** Connections accepted. */
  connections = 0;
  /** Response bytes the kernel accepted (write callbacks), for `writeCounted`. */
  flushed = 0;
  /** A `writeCounted` loop is waiting for 'drain'. */
  blocked = false;
  private readonly server: net.Server;
  private readonly conns = new Map<net.Socket, Conn>();

  constructor(private readonly behaviour: Behaviour) {
    this.server = net.createServer((socket) => this.accept(socket));
  }

  async listen(): Promise<void> {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(this.server.address() as net.AddressInfo).port}`;
  }

  /** Connections still open. */
  get open(): number {
    return this.conns.size;
  }

  /** Connections whose request the behaviour has not finished with. */
  get busy(): number {
    let n = 0;
    for (const c of this.conns.values()) if (c.busy) n++;
    return n;
  }

  /** Closes the connections that carry no request in progress (kept alive by the pool). */
  closeIdle(): void {
    for (const [socket, c] of this.conns) if (!c.busy) socket.destroy();
  }

  async close(): Promise<void> {
    for (const socket of this.conns.keys()) socket.destroy();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  /**
   * Writes `chunk` until `total` bytes, waiting for 'drain' whenever the socket's buffer is
   * full, and counts in `flushed` what the kernel took: what the upstream "managed to write".
   */
  writeCounted(socket: net.Socket, chunk: Buffer, total: number): void {
    let sent = 0;
    const counted = (): void => {
      this.flushed += chunk.length;
    };
    const pump = (): void => {
      this.blocked = false;
      while (sent < total && !socket.destroyed) {
        sent += chunk.length;
        if (!socket.write(chunk, counted)) {
          this.blocked = true;
          socket.once('drain', pump);
          return;
        }
      }
    };
    pump();
  }

  private accept(socket: net.Socket): void {
    this.connections++;
    const conn: Conn = { buffered: '', bodyLeft: 0, requests: 0, busy: false };
    this.conns.set(socket, conn);
    socket.on('error', () => {});
    socket.on('close', () => this.conns.delete(socket));
    socket.on('data', (d: Buffer) => this.read(socket, conn, d.toString('latin1')));
  }

  private read(socket: net.Socket, conn: Conn, text: string): void {
    conn.buffered += text;
    for (;;) {
      if (conn.bodyLeft > 0) {
        const skip = Math.min(conn.bodyLeft, conn.buffered.length);
        conn.bodyLeft -= skip;
        conn.buffered = conn.buffered.slice(skip);
        if (conn.bodyLeft > 0) return;
      }
      const end = conn.buffered.indexOf('\r\n\r\n');
      if (end === -1) return;
      const head = conn.buffered.slice(0, end);
      conn.buffered = conn.buffered.slice(end + 4);
      const [line = '', ...fields] = head.split('\r\n');
      const [method = '', target = ''] = line.split(' ');
      const headers = new Map<string, string>();
      for (const f of fields) {
        const i = f.indexOf(':');
        if (i > 0) headers.set(f.slice(0, i).toLowerCase(), f.slice(i + 1).trim());
      }
      // The sidecar frames request bodies by Content-Length or chunked; the cases send
      // Content-Length only, which is all this reader skips.
      conn.bodyLeft = Number(headers.get('content-length') ?? 0);
      conn.requests++;
      conn.busy = true;
      this.requests++;
      this.behaviour(
        {
          method,
          target,
          headers,
          socket,
          nth: conn.requests,
          done: () => {
            conn.busy = false;
          },
        },
        this,
      );
    }
  }
}

/** A complete response with a Content-Length body, kept alive (no `Connection: close`). */
export function response(status: number, body: string, extra = ''): string {
  return `HTTP/1.1 ${status} X\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\n${extra}\r\n${body}`;
}
