/**
 * A real SMTP server on loopback (the `smtp-server` package) that parses every message it
 * is handed with `mailparser`, before it answers: by the time the client's `sendMail`
 * resolves (and the outbox's `deliverDue` with it), the message is in `received`.
 */
import type { AddressInfo } from 'node:net';
import { type ParsedMail, simpleParser } from 'mailparser';
import { SMTPServer } from 'smtp-server';

export interface SmtpOptions {
  /** Answer the first N messages `451` (a temporary failure), then accept. */
  readonly rejectFirst?: number;
  /** Never answer the message of this attempt (1-based): a server that hangs mid-DATA. */
  readonly hangAt?: number;
  /** Require AUTH with these credentials (over plain text: loopback only). */
  readonly auth?: { readonly user: string; readonly pass: string };
}

export interface SmtpReceiver {
  readonly port: number;
  /** Messages accepted (250). */
  readonly received: ParsedMail[];
  /** Every message handed over in DATA, accepted or not, in order. */
  readonly attempts: ParsedMail[];
  /** Failed AUTH commands. */
  authFailures: number;
  /** Resolves once `count` messages were accepted: tests wait on mail, never on time. */
  waitFor(count: number): Promise<void>;
  /** Resolves once `count` messages were handed over in DATA, accepted or not. */
  waitForAttempts(count: number): Promise<void>;
  close(): Promise<void>;
}

export async function startSmtp(options: SmtpOptions = {}): Promise<SmtpReceiver> {
  let rejectLeft = options.rejectFirst ?? 0;
  const waiters: Array<{ count: number; of: 'received' | 'attempts'; resolve: () => void }> = [];
  const wake = () => {
    for (const w of waiters.filter((x) => rx[x.of].length >= x.count)) {
      waiters.splice(waiters.indexOf(w), 1);
      w.resolve();
    }
  };
  const rx: SmtpReceiver = {
    port: 0,
    received: [],
    attempts: [],
    authFailures: 0,
    waitFor(count) {
      if (rx.received.length >= count) return Promise.resolve();
      return new Promise((resolve) => waiters.push({ count, of: 'received', resolve }));
    },
    waitForAttempts(count) {
      if (rx.attempts.length >= count) return Promise.resolve();
      return new Promise((resolve) => waiters.push({ count, of: 'attempts', resolve }));
    },
    close: async () => {},
  };
  const server = new SMTPServer({
    // No TLS on loopback: the client's `starttls: off` never asks for it.
    disabledCommands: options.auth ? ['STARTTLS'] : ['STARTTLS', 'AUTH'],
    authOptional: !options.auth,
    allowInsecureAuth: true,
    logger: false,
    onAuth(auth, _session, cb) {
      const want = options.auth;
      if (want && auth.username === want.user && auth.password === want.pass)
        return cb(null, { user: want.user });
      rx.authFailures++;
      return cb(Object.assign(new Error('Invalid username or password'), { responseCode: 535 }));
    },
    onData(stream, _session, cb) {
      simpleParser(stream)
        .then((mail) => {
          rx.attempts.push(mail);
          wake();
          if (rx.attempts.length === options.hangAt) return;
          if (rejectLeft > 0) {
            rejectLeft--;
            return cb(Object.assign(new Error('Try again later'), { responseCode: 451 }));
          }
          rx.received.push(mail);
          cb();
          wake();
        })
        .catch((err: Error) => cb(err));
    },
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const port = ((server as unknown as { server: { address(): AddressInfo } }).server.address() as AddressInfo)
    .port;
  return Object.assign(rx, {
    port,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  });
}
