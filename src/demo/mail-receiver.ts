/**
 * The demo's mail receiver: a loopback SMTP server (the `smtp-server` package) that the
 * sidecar's `notify.email` sends to, printing one line per message received (its subject
 * and recipients), so `npm start` shows the incident email arrive next to the webhooks.
 *
 * `smtp-server` is a development dependency, loaded only here and only if present: `npm
 * start` in a checkout has it, an installed sloprobe (production dependencies only) does not
 * need an SMTP server to run, and the demo then says why email is off instead of failing.
 * Only the header block of a message is read (the subject); the body is discarded unparsed.
 */
import type { AddressInfo } from 'node:net';
import { DEFAULT_MAIL_EVENTS } from '../config/resolve-email.js';
import type { EmailConfig } from '../config/types.js';

/** Where the demo's email went. */
export interface DemoMail {
  readonly to: readonly string[];
  readonly subject: string;
}

export interface DemoMailReceiver {
  /** `notify.email` pointing at this server. */
  readonly email: EmailConfig;
  /** `127.0.0.1:PORT`. */
  readonly address: string;
  /** Every message accepted, in order. */
  readonly received: readonly DemoMail[];
  close(): Promise<void>;
}

/** The demo's one subscriber: a reserved domain (RFC 2606), nothing leaves the machine. */
export const DEMO_SUBSCRIBER = 'status@merchant.example';
const DEMO_FROM = 'sloprobe demo <sloprobe@sidecar.example>';
/** Headers read per message: a subject is never near this. */
const MAX_HEADER = 64 * 1024;

/** RFC 2047 encoded words (`=?UTF-8?B?...?=`, `=?UTF-8?Q?...?=`) as text. */
export function decodeWords(value: string): string {
  return value
    .replace(/\?=\s+=\?/g, '?==?')
    .replace(/=\?([^?]+)\?([BbQq])\?([^?]*)\?=/g, (_all, _charset: string, enc: string, text: string) => {
      if (enc.toUpperCase() === 'B') return Buffer.from(text, 'base64').toString('utf8');
      const bytes = text
        .replace(/_/g, ' ')
        .replace(/=([0-9A-Fa-f]{2})/g, (_m, h: string) => String.fromCharCode(Number.parseInt(h, 16)));
      return Buffer.from(bytes, 'latin1').toString('utf8');
    });
}

/** The Subject of a message's header block (folded lines joined), '' when it has none. */
export function subjectOfHeaders(head: string): string {
  const end = head.search(/\r?\n\r?\n/);
  const block = (end < 0 ? head : head.slice(0, end)).replace(/\r?\n[ \t]+/g, ' ');
  const line = block.split(/\r?\n/).find((l) => /^subject:/i.test(l));
  return line ? decodeWords(line.slice(line.indexOf(':') + 1).trim()) : '';
}

/**
 * Starts the receiver, or says why it cannot (the package is absent): the caller prints the
 * reason and runs the demo without email.
 */
export async function startMailReceiver(
  print: (line: string) => void,
): Promise<DemoMailReceiver | { readonly off: string }> {
  let SMTPServer: typeof import('smtp-server').SMTPServer;
  try {
    ({ SMTPServer } = await import('smtp-server'));
  } catch {
    return {
      off: 'the smtp-server package is not installed (a development dependency: run `npm start` in a checkout, or `npm install smtp-server`)',
    };
  }
  const received: DemoMail[] = [];
  const server = new SMTPServer({
    // Loopback only, no TLS, no login: `notify.email` below says `starttls: off`.
    disabledCommands: ['STARTTLS', 'AUTH'],
    authOptional: true,
    logger: false,
    onData(stream, session, cb) {
      const head: Buffer[] = [];
      let size = 0;
      stream.on('data', (chunk: Buffer) => {
        if (size < MAX_HEADER) head.push(chunk);
        size += chunk.length;
      });
      stream.on('end', () => {
        const mail = {
          to: session.envelope.rcptTo.map((r) => r.address),
          subject: subjectOfHeaders(Buffer.concat(head).toString('utf8')),
        };
        received.push(mail);
        print(`email received  "${mail.subject}"  to ${mail.to.join(', ')}`);
        cb();
      });
    },
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  // smtp-server keeps its net.Server as `server` (not in its types).
  const port = ((server as unknown as { server: { address(): AddressInfo } }).server.address() as AddressInfo)
    .port;
  return {
    address: `127.0.0.1:${port}`,
    received,
    email: {
      host: '127.0.0.1',
      port,
      secure: false,
      starttls: 'off',
      user: undefined,
      password: undefined,
      passwordEnv: undefined,
      from: DEMO_FROM,
      fromDomain: 'sidecar.example',
      subscribers: [
        {
          address: DEMO_SUBSCRIBER,
          categories: undefined,
          methods: undefined,
          events: DEFAULT_MAIL_EVENTS,
        },
      ],
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
