/**
 * A deterministic month of access log (April 2025, UTC: 30 x 1440 = 43,200 minutes) whose
 * SLA numbers can be worked out by hand; month.test.ts does that arithmetic. Imported by
 * the tests, does nothing on its own.
 *
 * Every minute: 5 `POST /api/v1/transactions` (route transaction-create, p99 <= 300 ms) and
 * 5 `GET /api/v1/transactions/{id}` (transaction-read), all 200 except the first read, a
 * 404 (4xx noise). Each request has its own digest; latency 20-250 ms. On top of that:
 *
 * | what                  | minutes (UTC)                 | per minute                                          |
 * | --------------------- | ----------------------------- | --------------------------------------------------- |
 * | outage A              | 04-10 14:00, 12 minutes       | creates 0,1 -> 500, each retried twice identically  |
 * | outage B              | 04-20 08:00, 9 minutes        | create 0 -> 500                                     |
 * | outage C              | 04-15 02:00, 240 minutes      | creates 0,1,2 -> 500                                |
 * | exactly 5%            | 04-05 00:00, 15 minutes       | +10 reads (200); create 0 -> 500                    |
 * | duplicates            | 04-25 12:00, 15 minutes       | +10 reads (200); create 0 -> 500, retried twice     |
 * | proxy failures        | 04-22 10:00, 30 minutes       | creates 0,1,2 -> 502 error "refused", 5 ms          |
 * | client went away      | every minute :30 (720)        | +1 read, status 0, no latency                       |
 * | slow                  | minute index % 100 == 7 (432) | create 0 takes 450 ms                               |
 *
 * Lines within a minute are in time order; five malformed lines and one blank line are
 * inserted at recorded line numbers.
 */
import { mulberry32 } from '../../src/demo/random.js';

export const MONTH = '2025-04';
export const MONTH_START_MS = Date.UTC(2025, 3, 1);
export const MINUTES_IN_MONTH = 30 * 1440;

const at = (day: number, hour: number, minute: number) => (day - 1) * 1440 + hour * 60 + minute;

export const OUTAGE_A = { start: at(10, 14, 0), minutes: 12 };
export const OUTAGE_B = { start: at(20, 8, 0), minutes: 9 };
export const OUTAGE_C = { start: at(15, 2, 0), minutes: 240 };
export const EXACTLY_5 = { start: at(5, 0, 0), minutes: 15 };
export const DUPLICATES = { start: at(25, 12, 0), minutes: 15 };
export const PROXY_FAILURES = { start: at(22, 10, 0), minutes: 30 };

function within(m: number, span: { start: number; minutes: number }): boolean {
  return m >= span.start && m < span.start + span.minutes;
}

export interface GeneratedLog {
  readonly text: string;
  /** 1-based line numbers of the malformed lines, with the problem each has. */
  readonly malformed: readonly { line: number; kind: string }[];
  readonly blankLine: number;
  /** SLI latency of every create, in ms (the latency SLO's population). */
  readonly createLatenciesMs: readonly number[];
}

interface Req {
  t: number;
  method: string;
  path: string;
  status: number;
  latency: number | null;
  digest: string;
  error?: string;
}

export const CONFIG_YAML = `
upstream: http://127.0.0.1:9000
period: calendar-month
time_zone: UTC
timeslices: { slice: 1m, error_statuses: [500], threshold: 5%, min_consecutive: 10, distinct: true }
fees: { monthly: 25000, currency: USD }
classes:
  transaction-services: { availability: 99.5% }
categories:
  transactions: { class: transaction-services }
routes:
  - name: transaction-create
    method: POST
    path: /api/v1/transactions
    category: transactions
    latency: { p99: 300ms }
  - name: transaction-read
    method: GET
    path: /api/v1/transactions/{id}
    category: transactions
slos:
  - name: uptime
    sli: availability
    method: timeslices
    objective: 99.5%
    over: { class: transaction-services }
`;

export function generateMonth(seed = 20250401): GeneratedLog {
  const rng = mulberry32(seed);
  let digestSeq = 0;
  const digest = () =>
    `${(++digestSeq).toString(16).padStart(8, '0')}${Math.floor(rng() * 0xffffffff)
      .toString(16)
      .padStart(8, '0')}`;
  const latency = () => Math.round((20 + rng() * 230) * 1000) / 1000;
  const lines: string[] = [];
  const createLatenciesMs: number[] = [];
  const malformed: { line: number; kind: string }[] = [];
  let blankLine = 0;
  const badLines: Record<number, [string, string]> = {
    1000: [
      '{"time":"2025-04-01T01:40:00Z","method":"GET","path":"/api/v1/transactions/x","status":200',
      'cut off',
    ],
    90000: ['this is not json', 'not json'],
    180000: ['{"time":"2025-04-13T00:00:00Z","method":"GET","path":"/x","status":"abc"}', 'status'],
    270000: ['{"method":"GET","path":"/x","status":200}', 'no time'],
    360000: ['{"time":1744000000,"method":"GET","path":"/x","status":200}', 'seconds'],
  };

  for (let m = 0; m < MINUTES_IN_MONTH; m++) {
    const base = MONTH_START_MS + m * 60_000;
    const reqs: Req[] = [];
    for (let i = 0; i < 5; i++) {
      let status = 200;
      let error: string | undefined;
      let lat: number = i === 0 && m % 100 === 7 ? 450 : latency();
      let retries = 0;
      if (within(m, OUTAGE_A) && i < 2) {
        status = 500;
        retries = 2;
      } else if (within(m, OUTAGE_B) && i === 0) status = 500;
      else if (within(m, OUTAGE_C) && i < 3) status = 500;
      else if (within(m, EXACTLY_5) && i === 0) status = 500;
      else if (within(m, DUPLICATES) && i === 0) {
        status = 500;
        retries = 2;
      } else if (within(m, PROXY_FAILURES) && i < 3) {
        status = 502;
        error = 'refused';
        lat = 5;
      }
      const d = digest();
      const t = base + Math.floor(rng() * 50_000);
      reqs.push({ t, method: 'POST', path: '/api/v1/transactions', status, latency: lat, digest: d, error });
      createLatenciesMs.push(lat);
      for (let r = 1; r <= retries; r++) {
        const retryLat = latency();
        reqs.push({
          t: t + r * 1000,
          method: 'POST',
          path: '/api/v1/transactions',
          status,
          latency: retryLat,
          digest: d,
        });
        createLatenciesMs.push(retryLat);
      }
    }
    const reads = within(m, EXACTLY_5) || within(m, DUPLICATES) ? 15 : 5;
    for (let i = 0; i < reads; i++) {
      const id = digest();
      reqs.push({
        t: base + Math.floor(rng() * 59_000),
        method: 'GET',
        path: `/api/v1/transactions/${id}?expand=refunds`,
        status: i === 0 ? 404 : 200,
        latency: latency(),
        digest: id,
      });
    }
    if (m % 60 === 30) {
      reqs.push({
        t: base + 59_500,
        method: 'GET',
        path: '/api/v1/transactions/gone',
        status: 0,
        latency: null,
        digest: digest(),
      });
    }
    reqs.sort((a, b) => a.t - b.t);
    for (const r of reqs) {
      const bad = badLines[lines.length + 1];
      if (bad) {
        lines.push(bad[0]);
        malformed.push({ line: lines.length, kind: bad[1] });
      }
      if (lines.length + 1 === 200_000) {
        lines.push('');
        blankLine = lines.length;
      }
      const error = r.error === undefined ? '' : `,"error":"${r.error}"`;
      lines.push(
        `{"level":30,"time":"${new Date(r.t).toISOString()}","method":"${r.method}","path":"${r.path}","route":"x","status":${r.status},"outcome":"ignored","latency_ms":${r.latency === null ? 'null' : r.latency},"duration_ms":1,"request_id":"${r.digest}","digest":"${r.digest}"${error}}`,
      );
    }
  }
  return { text: `${lines.join('\n')}\n`, malformed, blankLine, createLatenciesMs };
}

/**
 * A concrete path for a route template: each `{param}` becomes `id<n>`, and a trailing `/*`
 * a two-segment tail, so that every request of a generated log is its own path.
 */
export function pathOf(template: string, n: number): string {
  let p = template.replace(/\{[^}]+\}/g, () => `id${n}`);
  if (p.endsWith('/*')) p = `${p.slice(0, -1)}deep/item-${n}`;
  return p;
}
