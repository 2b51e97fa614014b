/**
 * The two Prometheus HTTP API calls sloprobe makes (`/api/v1/query`, `/api/v1/query_range`),
 * with undici. Errors say which query failed and what Prometheus answered; nothing else of
 * the response is logged.
 */
import { request } from 'undici';
import { PrometheusError, UsageError } from '../errors.js';

export interface PromSeries {
  readonly metric: Readonly<Record<string, string>>;
  /** [unix seconds, value] pairs (range queries) */
  readonly values: ReadonlyArray<readonly [number, string]>;
}

export interface PromSample {
  readonly metric: Readonly<Record<string, string>>;
  readonly value: readonly [number, string];
}

interface ApiAnswer {
  status?: string;
  error?: string;
  data?: { resultType?: string; result?: unknown };
}

/** The longest range query Prometheus accepts is 11,000 points; a day of minutes is 1,440. */
export const MAX_RANGE_POINTS = 11_000;

export class PrometheusApi {
  private readonly base: string;
  private readonly authorization: string | undefined;

  constructor(
    url: string,
    private readonly timeoutMs = 30_000,
  ) {
    let parsed: URL | undefined;
    try {
      parsed = new URL(url);
    } catch {
      parsed = undefined;
    }
    // `localhost:9090` parses as a URL of scheme "localhost:": only http(s) is one here.
    if (parsed === undefined || (parsed.protocol !== 'http:' && parsed.protocol !== 'https:')) {
      throw new UsageError(`--prometheus "${url}" is not a URL (write http://prometheus:9090)`);
    }
    // user:password in the URL becomes basic auth, and messages name the server without it.
    if (parsed.username !== '' || parsed.password !== '') {
      const user = decodeURIComponent(parsed.username);
      const pass = decodeURIComponent(parsed.password);
      this.authorization = `Basic ${Buffer.from(`${user}:${pass}`).toString('base64')}`;
      parsed.username = '';
      parsed.password = '';
    }
    this.base = parsed.href.replace(/\/+$/, '');
  }

  private async call(path: string, params: Record<string, string>): Promise<ApiAnswer['data']> {
    const body = new URLSearchParams(params).toString();
    let status = 0;
    let text = '';
    try {
      const res = await request(`${this.base}${path}`, {
        method: 'POST',
        body,
        headers: {
          'content-type': 'application/x-www-form-urlencoded',
          ...(this.authorization ? { authorization: this.authorization } : {}),
        },
        headersTimeout: this.timeoutMs,
        bodyTimeout: this.timeoutMs,
      });
      status = res.statusCode;
      text = await res.body.text();
    } catch (err) {
      throw new PrometheusError(`cannot reach Prometheus at ${this.base}: ${(err as Error).message}`, {
        cause: err,
      });
    }
    let answer: ApiAnswer;
    try {
      answer = JSON.parse(text) as ApiAnswer;
    } catch {
      throw new PrometheusError(
        `${this.base}${path} answered ${status} without a JSON body; is it Prometheus?`,
      );
    }
    if (answer.status !== 'success') {
      throw new PrometheusError(
        `Prometheus refused the query ${params.query} (${status}): ${answer.error ?? 'no error text'}`,
      );
    }
    return answer.data;
  }

  /** An instant query; the vector's samples. */
  async query(query: string, timeSeconds?: number): Promise<PromSample[]> {
    const params: Record<string, string> = { query };
    if (timeSeconds !== undefined) params.time = String(timeSeconds);
    const data = await this.call('/api/v1/query', params);
    if (data?.resultType !== 'vector' || !Array.isArray(data.result)) {
      throw new PrometheusError(`${query} is not an instant vector query (got ${data?.resultType})`);
    }
    return data.result as PromSample[];
  }

  /** A range query from `startS` to `endS` (unix seconds, inclusive) every `stepS`. */
  async queryRange(query: string, startS: number, endS: number, stepS: number): Promise<PromSeries[]> {
    const data = await this.call('/api/v1/query_range', {
      query,
      start: String(startS),
      end: String(endS),
      step: String(stepS),
    });
    if (data?.resultType !== 'matrix' || !Array.isArray(data.result)) {
      throw new PrometheusError(`${query} did not return a range (got ${data?.resultType})`);
    }
    return data.result as PromSeries[];
  }
}
