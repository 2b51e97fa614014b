/**
 * `webhooks:`: where the outbox delivers events, and the secret each endpoint's signatures
 * are made with (docs/sla-definitions.md#downtime-webhooks, #webhook-signatures).
 *
 * The secret is either inline (`secret`) or read from the environment (`secret_env`), never
 * both; it is wrapped in a `Secret` at once so nothing downstream can print it. A URL must be
 * http or https without credentials: the outbox contacts exactly these URLs and nothing else
 * (it follows no redirect).
 */
import { didYouMean } from './did-you-mean.js';
import type { Problems } from './positions.js';
import { asArray, asObject, asString } from './resolve-common.js';
import { Secret } from './secret.js';
import { WEBHOOK_EVENTS, type WebhookEndpoint, type WebhookEvent } from './types.js';

const ENV_NAME_RE = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** `http(s)://host[:port]/path[?query]`; returns the URL and the metric label (no query: it may hold a token). */
export function parseWebhookUrl(value: unknown): { url: string; label: string } {
  if (typeof value !== 'string' || value.trim() === '')
    throw new RangeError('expected an http or https URL such as "https://example.com/hooks/sloprobe"');
  const text = value.trim();
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new RangeError(`"${text}" is not a URL (e.g. "https://example.com/hooks/sloprobe")`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:')
    throw new RangeError(`only http and https webhook URLs are supported, not ${url.protocol.slice(0, -1)}`);
  if (url.username || url.password)
    throw new RangeError(
      'credentials do not belong in the webhook URL (the signatures authenticate sloprobe)',
    );
  if (url.hash) throw new RangeError(`"${text}": a URL fragment is never sent; remove "${url.hash}"`);
  return { url: url.href, label: url.origin + url.pathname };
}

function parseEvents(value: unknown, path: (string | number)[], problems: Problems): WebhookEvent[] {
  const out: WebhookEvent[] = [];
  asArray(value).forEach((e, i) => {
    if (problems.has([...path, i])) return;
    if (typeof e === 'string' && (WEBHOOK_EVENTS as readonly string[]).includes(e)) {
      out.push(e as WebhookEvent);
      return;
    }
    const name = String(e);
    const hint = didYouMean(name, WEBHOOK_EVENTS) || ` (one of ${WEBHOOK_EVENTS.join(', ')})`;
    problems.add([...path, i], `unknown event "${name}"${hint}`);
  });
  return out;
}

function parseSecret(
  raw: Readonly<Record<string, unknown>>,
  path: (string | number)[],
  env: NodeJS.ProcessEnv,
  problems: Problems,
): Secret {
  const inline = asString(raw.secret);
  const fromEnv = asString(raw.secret_env);
  if (inline !== undefined && fromEnv !== undefined) {
    problems.add([...path, 'secret_env'], 'give either secret or secret_env, not both');
    return new Secret('');
  }
  if (fromEnv !== undefined) {
    if (!ENV_NAME_RE.test(fromEnv)) {
      problems.add(
        [...path, 'secret_env'],
        `"${fromEnv}" is not an environment variable name (letters, digits and _)`,
      );
      return new Secret('');
    }
    const value = env[fromEnv];
    if (value === undefined || value === '') {
      problems.add(
        [...path, 'secret_env'],
        `the environment variable ${fromEnv} is ${value === undefined ? 'not set' : 'empty'} (export it with the webhook secret)`,
      );
      return new Secret('');
    }
    return new Secret(value);
  }
  if (inline === undefined) {
    if (!problems.has(path) && !problems.has([...path, 'secret']))
      problems.add(path, 'a webhook needs secret or secret_env (the key its signatures are made with)');
    return new Secret('');
  }
  if (inline === '')
    problems.add([...path, 'secret'], 'the secret is empty (use at least 16 random characters)');
  return new Secret(inline);
}

export function resolveWebhooks(
  value: unknown,
  problems: Problems,
  env: NodeJS.ProcessEnv,
): WebhookEndpoint[] {
  const out: WebhookEndpoint[] = [];
  const seen = new Set<string>();
  asArray(value).forEach((item, i) => {
    const path = ['webhooks', i];
    const raw = asObject(item);
    if (!raw) return;
    let parsed: { url: string; label: string } | undefined;
    if (raw.url !== undefined && !problems.has([...path, 'url'])) {
      try {
        parsed = parseWebhookUrl(raw.url);
      } catch (err) {
        problems.add([...path, 'url'], (err as Error).message);
      }
    }
    if (parsed && seen.has(parsed.url)) {
      problems.add([...path, 'url'], 'this URL is already configured above (one entry per endpoint)');
      parsed = undefined;
    }
    if (parsed) seen.add(parsed.url);
    const secret = parseSecret(raw, path, env, problems);
    const events = parseEvents(raw.events, [...path, 'events'], problems);
    const accountId = asString(raw.account_id) ?? null;
    if (parsed) out.push({ url: parsed.url, label: parsed.label, secret, events, accountId });
  });
  return out;
}
