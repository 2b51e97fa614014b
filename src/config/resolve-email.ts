/**
 * `notify.email`: the SMTP server the outbox sends downtime emails through, and who gets
 * them. The password comes only from the environment (`password_env`), wrapped in a `Secret`
 * at once, so `sloprobe check`, the logs and `/v1/*` can only ever print a placeholder.
 */
import { didYouMean } from './did-you-mean.js';
import type { Problems } from './positions.js';
import { asArray, asObject, asString, type RawObject } from './resolve-common.js';
import { Secret } from './secret.js';
import {
  type EmailConfig,
  type EmailSubscriber,
  type SmtpStartTls,
  WEBHOOK_EVENTS,
  type WebhookEvent,
} from './types.js';

/** What a subscriber gets without `events`: incidents and maintenance, not the SLO flags. */
export const DEFAULT_MAIL_EVENTS: readonly WebhookEvent[] = [
  'payment.downtime.started',
  'payment.downtime.updated',
  'payment.downtime.resolved',
];

const ENV_NAME_RE = /^[A-Za-z_][A-Za-z0-9_]*$/;
/** local@domain, nothing a header could be split on: no spaces, angle brackets, commas or line breaks. */
const ADDRESS_RE =
  /^[^\s@<>,;"]+@([A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)*)$/;
/** `"Display Name" <local@domain>` or `Display Name <local@domain>`. */
const NAMED_RE = /^(?:"[^"\r\n]*"|[^<>"\r\n,;]*)\s*<([^<>]+)>$/;
const METHOD_RE = /^[a-z][a-z0-9_]{0,31}$/;
const PATH = ['notify', 'email'];

/** The bare address and its domain of `from`; throws with what to write instead. */
export function parseFrom(value: string): { address: string; domain: string } {
  const text = value.trim();
  const named = NAMED_RE.exec(text);
  const address = (named?.[1] ?? text).trim();
  const m = ADDRESS_RE.exec(address);
  if (!m?.[1])
    throw new RangeError(
      `"${text}" is not an address such as "sloprobe@example.com" or "Status <status@example.com>"`,
    );
  return { address, domain: m[1].toLowerCase() };
}

function parsePassword(raw: RawObject, env: NodeJS.ProcessEnv, problems: Problems): Secret | undefined {
  const name = asString(raw.password_env);
  const user = asString(raw.user);
  if (name === undefined) {
    if (user !== undefined && !problems.has([...PATH, 'user']))
      problems.add(
        [...PATH, 'user'],
        'a user needs password_env (the name of the environment variable holding the SMTP password)',
      );
    return undefined;
  }
  const at = [...PATH, 'password_env'];
  if (problems.has(at)) return undefined;
  if (user === undefined) {
    problems.add(at, 'password_env needs a user to log in as');
    return undefined;
  }
  if (!ENV_NAME_RE.test(name)) {
    problems.add(
      at,
      `"${name}" is not an environment variable name (letters, digits and _); the password itself never goes in the file`,
    );
    return undefined;
  }
  const value = env[name];
  if (value === undefined || value === '') {
    problems.add(
      at,
      `the environment variable ${name} is ${value === undefined ? 'not set' : 'empty'} (export it with the SMTP password)`,
    );
    return undefined;
  }
  return new Secret(value);
}

function parseSubscribers(
  value: unknown,
  categories: ReadonlySet<string>,
  problems: Problems,
): EmailSubscriber[] {
  const out: EmailSubscriber[] = [];
  const seen = new Set<string>();
  asArray(value).forEach((item, i) => {
    const path = [...PATH, 'subscribers', i];
    const raw = asObject(item);
    if (!raw) return;
    const address = asString(raw.address)?.trim();
    let ok = address !== undefined && !problems.has([...path, 'address']);
    if (ok && address !== undefined) {
      if (!ADDRESS_RE.test(address)) {
        problems.add(
          [...path, 'address'],
          `"${address}" is not an email address such as "oncall@example.com"`,
        );
        ok = false;
      } else if (seen.has(address.toLowerCase())) {
        problems.add(
          [...path, 'address'],
          'this address is already a subscriber above (one entry per address)',
        );
        ok = false;
      } else seen.add(address.toLowerCase());
    }
    let cats: string[] | undefined;
    if (Array.isArray(raw.categories)) {
      cats = [];
      raw.categories.forEach((c, j) => {
        if (typeof c !== 'string' || problems.has([...path, 'categories', j])) return;
        if (!categories.has(c)) {
          const hint = didYouMean(c, [...categories]) || " (it must be one of the config's categories)";
          problems.add([...path, 'categories', j], `unknown category "${c}"${hint}`);
          return;
        }
        cats?.push(c);
      });
    }
    let methods: string[] | undefined;
    if (Array.isArray(raw.methods)) {
      methods = [];
      raw.methods.forEach((mth, j) => {
        if (typeof mth !== 'string' || problems.has([...path, 'methods', j])) return;
        if (!METHOD_RE.test(mth)) {
          problems.add(
            [...path, 'methods', j],
            `"${mth}" is not a payment method identifier (lower case letters, digits and _, such as card or upi)`,
          );
          return;
        }
        methods?.push(mth);
      });
    }
    let events: WebhookEvent[] = [...DEFAULT_MAIL_EVENTS];
    if (Array.isArray(raw.events)) {
      events = [];
      raw.events.forEach((e, j) => {
        if (typeof e !== 'string' || problems.has([...path, 'events', j])) return;
        if (!(WEBHOOK_EVENTS as readonly string[]).includes(e)) {
          const hint = didYouMean(e, WEBHOOK_EVENTS) || ` (one of ${WEBHOOK_EVENTS.join(', ')})`;
          problems.add([...path, 'events', j], `unknown event "${e}"${hint}`);
          return;
        }
        events.push(e as WebhookEvent);
      });
    }
    if (ok && address !== undefined) out.push({ address, categories: cats, methods, events });
  });
  return out;
}

export function resolveEmail(
  notify: unknown,
  categories: ReadonlySet<string>,
  problems: Problems,
  env: NodeJS.ProcessEnv,
): EmailConfig | undefined {
  const raw = asObject(asObject(notify)?.email);
  if (!raw) return undefined;
  const host = asString(raw.host)?.trim() ?? '';
  if (
    host !== '' &&
    !problems.has([...PATH, 'host']) &&
    /[/:@\s]/.test(host) &&
    !/^\[?[0-9a-fA-F:]+\]?$/.test(host)
  )
    problems.add(
      [...PATH, 'host'],
      `"${host}" is not a host name: give the name alone (the port goes in port)`,
    );
  const secure = raw.secure === true;
  const starttls = (asString(raw.starttls) ?? 'required') as SmtpStartTls;
  if (secure && raw.starttls !== undefined && !problems.has([...PATH, 'starttls']))
    problems.add(
      [...PATH, 'starttls'],
      'starttls applies only with secure: false (secure: true is TLS from the first byte)',
    );
  const port = typeof raw.port === 'number' ? raw.port : secure ? 465 : 587;
  let from = { address: '', domain: 'localhost' };
  const fromText = asString(raw.from);
  if (fromText !== undefined && !problems.has([...PATH, 'from'])) {
    try {
      from = parseFrom(fromText);
    } catch (err) {
      problems.add([...PATH, 'from'], (err as Error).message);
    }
  }
  const password = parsePassword(raw, env, problems);
  const subscribers = parseSubscribers(raw.subscribers, categories, problems);
  return {
    host,
    port,
    secure,
    starttls,
    user: asString(raw.user),
    password,
    passwordEnv: password ? asString(raw.password_env) : undefined,
    from: fromText?.trim() ?? '',
    fromDomain: from.domain,
    subscribers,
  };
}
