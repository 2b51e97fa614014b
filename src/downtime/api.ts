/**
 * The Downtime API on the admin listener, in Curlec's shapes (docs/sla-definitions.md#downtime-entity):
 *
 *   GET   /v1/payments/downtimes        {"entity":"collection","count":N,"items":[...]}, newest first
 *   GET   /v1/payments/downtimes/{id}   the entity; unknown id: 404 BAD_REQUEST_ERROR
 *   POST  /v1/payments/downtimes        declare a scheduled or ongoing downtime  (bearer token)
 *   PATCH /v1/payments/downtimes/{id}   update, resolve or cancel                (bearer token)
 *
 * Writes need `Authorization: Bearer <admin.token | SLOPROBE_ADMIN_TOKEN>`, compared in
 * constant time. Without a configured token they answer 403 and say how to enable them; a
 * wrong token gets 401 and changes nothing. The token never appears in a reply or a log.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { AdminReply, AdminServer } from '../admin/server.js';
import { ADMIN_TOKEN_ENV } from '../config/resolve-payments.js';
import { DowntimeInputError } from '../errors.js';
import {
  type Declaration,
  ID_RE,
  type Patch,
  parseDeclaration,
  parsePatch,
  parseQuery,
} from './api-input.js';
import { DOWNTIME_EVENTS, type DowntimeRecord, entityOf, isOpen, newDowntimeId, seconds } from './entity.js';
import type { Change, DowntimeTracker } from './tracker.js';

export const DOWNTIMES_PATH = '/v1/payments/downtimes';
const MAX_BODY_BYTES = 64 * 1024;

export interface DowntimeApiOptions {
  /** The current generation's tracker; undefined when recording is off (no store). */
  readonly tracker: () => DowntimeTracker | undefined;
  /** The configured token (`admin.token`); the env variable wins. */
  readonly token: () => string | undefined;
  readonly now: () => number;
}

function error(status: number, description: string, field?: string): AdminReply {
  const reason =
    status === 401 ? 'authentication_failed' : status === 403 ? 'forbidden' : 'input_validation_failed';
  return {
    status,
    json: {
      error: {
        code: 'BAD_REQUEST_ERROR',
        description,
        ...(field !== undefined ? { field } : {}),
        source: 'business',
        reason,
      },
    },
    ...(status === 401 ? { headers: { 'www-authenticate': 'Bearer realm="sloprobe-admin"' } } : {}),
  };
}

function digest(s: string): Buffer {
  return createHash('sha256').update(s).digest();
}

/** Hashing both sides first makes the comparison constant-time whatever their lengths. */
export function tokenMatches(given: string, expected: string): boolean {
  return timingSafeEqual(digest(given), digest(expected));
}

/** The admin listener's write guard (admin/server.ts `authorize`): the bearer token, or 403 when none is set. */
export function checkAuth(req: IncomingMessage, configured: string | undefined): AdminReply | undefined {
  const token = process.env[ADMIN_TOKEN_ENV] || configured;
  if (!token) {
    return error(
      403,
      `downtime writes are disabled: set admin.token in the config (admin: { listen: HOST:PORT, token: SECRET }) or the ${ADMIN_TOKEN_ENV} environment variable, then send Authorization: Bearer SECRET`,
    );
  }
  const header = req.headers.authorization ?? '';
  const m = /^Bearer[ \t]+(\S+)[ \t]*$/i.exec(header);
  if (m === null || !tokenMatches(m[1]!, token)) {
    return error(401, 'authentication failed: send Authorization: Bearer with the admin token');
  }
  return undefined;
}

async function readJson(req: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > MAX_BODY_BYTES)
      throw new DowntimeInputError('body', `the body is larger than ${MAX_BODY_BYTES} bytes`);
    chunks.push(chunk);
  }
  try {
    return JSON.parse(Buffer.concat(chunks).toString('utf8'));
  } catch {
    throw new DowntimeInputError('body', 'the body must be JSON (Content-Type: application/json)');
  }
}

function declared(d: Declaration, now: number): Change[] {
  const started = d.begin <= now;
  const record: DowntimeRecord = {
    id: newDowntimeId(),
    method: d.method,
    begin: d.begin,
    end: d.end,
    status: started ? 'started' : 'scheduled',
    scheduled: d.scheduled,
    severity: d.severity,
    instrument: { ...d.instrument },
    createdAt: now,
    updatedAt: now,
    source: 'api',
    sourceKey: null,
    series: [],
    evidenceAt: null,
  };
  return [{ record, event: started ? DOWNTIME_EVENTS.started : DOWNTIME_EVENTS.updated }];
}

function patched(r: DowntimeRecord, p: Patch, now: number): Change {
  if (!isOpen(r.status)) throw new DowntimeInputError('status', `the downtime is already ${r.status}`);
  if (p.status === 'cancelled' && r.status !== 'scheduled') {
    throw new DowntimeInputError(
      'status',
      'only a scheduled downtime can be cancelled; resolve a started one',
    );
  }
  if (p.begin !== undefined && r.status !== 'scheduled') {
    throw new DowntimeInputError('begin', 'begin can change only before the downtime starts');
  }
  const next: DowntimeRecord = { ...r, updatedAt: now };
  if (p.begin !== undefined) next.begin = p.begin;
  if (p.end !== undefined) next.end = p.end;
  if (p.severity !== undefined) next.severity = p.severity;
  if (p.instrument !== undefined) next.instrument = { ...p.instrument };
  if (next.end !== null && next.end <= next.begin)
    throw new DowntimeInputError('end', 'end must be after begin');
  if (p.status === 'resolved') {
    next.status = 'resolved';
    if (next.end === null || next.end > now) next.end = Math.max(now, next.begin);
    return { record: next, event: DOWNTIME_EVENTS.resolved };
  }
  if (p.status === 'cancelled') next.status = 'cancelled';
  return { record: next, event: DOWNTIME_EVENTS.updated };
}

export function registerDowntimeApi(admin: AdminServer, opts: DowntimeApiOptions): void {
  const run = async (fn: (t: DowntimeTracker) => Promise<AdminReply> | AdminReply): Promise<AdminReply> => {
    const t = opts.tracker();
    if (!t) return error(404, 'recording is off: no downtimes are tracked');
    try {
      return await fn(t);
    } catch (err) {
      if (err instanceof DowntimeInputError) return error(400, err.message, err.field);
      throw err;
    }
  };
  // Ids are base62: no escape is ever needed, so the raw segment is compared as is.
  const idOf = (url: URL) => url.pathname.slice(DOWNTIMES_PATH.length + 1);
  const find = (t: DowntimeTracker, id: string) => (ID_RE.test(id) ? t.db.get(id) : undefined);
  const notFound = (id: string) => error(404, `no downtime with id ${JSON.stringify(id.slice(0, 40))}`, 'id');

  admin.route('GET', DOWNTIMES_PATH, (_req, url) =>
    run((t) => {
      const items = t.db.list(parseQuery(url.searchParams)).map(entityOf);
      return { json: { entity: 'collection', count: items.length, items } };
    }),
  );
  admin.routePrefix('GET', `${DOWNTIMES_PATH}/`, (_req, url) =>
    run((t) => {
      const id = idOf(url);
      const r = find(t, id);
      return r ? { json: entityOf(r) } : notFound(id);
    }),
  );
  admin.route('POST', DOWNTIMES_PATH, (req) =>
    run(async (t) => {
      const denied = checkAuth(req, opts.token());
      if (denied) return denied;
      const now = seconds(opts.now());
      const changes = declared(parseDeclaration(await readJson(req), now), now);
      t.commit(changes);
      return { json: entityOf(changes[0]!.record) };
    }),
  );
  admin.routePrefix('PATCH', `${DOWNTIMES_PATH}/`, (req, url) =>
    run(async (t) => {
      const denied = checkAuth(req, opts.token());
      if (denied) return denied;
      const body = await readJson(req);
      const id = idOf(url);
      const r = find(t, id);
      if (!r) return notFound(id);
      const change = patched(r, parsePatch(body), seconds(opts.now()));
      t.commit([change]);
      return { json: entityOf(change.record) };
    }),
  );
}
