/**
 * Other JSON lines, read through `--field name=key,...` mappings: `time`, `method`, `path`
 * (or `request`, a whole `GET /p HTTP/1.1` line), `status`, and optionally `latency_ms` or
 * `latency_s`, `error`, `digest`. A key may name a nested value with dots (`http.status`).
 * Unmapped names default to sloprobe's own keys.
 */
import type { LineFormat } from './common.js';
import {
  bad,
  requestLine,
  resetRecord,
  secondsToMs,
  setMethod,
  setStatusText,
  setTime,
  targetPath,
} from './common.js';

export const FIELD_NAMES = [
  'time',
  'method',
  'path',
  'request',
  'status',
  'latency_ms',
  'latency_s',
  'error',
  'digest',
];

/** `time=ts,status=code` to a map; throws Error naming the bad part. */
export function parseFieldMappings(text: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const part of text.split(',')) {
    if (part.trim() === '') continue;
    const eq = part.indexOf('=');
    const name = part.slice(0, eq).trim();
    const key = part.slice(eq + 1).trim();
    if (eq <= 0 || key === '') throw new Error(`--field "${part}" is not NAME=KEY`);
    if (!FIELD_NAMES.includes(name))
      throw new Error(`--field name "${name}" is not one of ${FIELD_NAMES.join(', ')}`);
    out.set(name, key);
  }
  return out;
}

function getter(key: string): (o: Record<string, unknown>) => unknown {
  if (!key.includes('.')) return (o) => o[key];
  const parts = key.split('.');
  return (o) => {
    let v: unknown = o;
    for (const p of parts) {
      if (typeof v !== 'object' || v === null) return undefined;
      v = (v as Record<string, unknown>)[p];
    }
    return v;
  };
}

export const JSONL_LATENCY_SOURCES = ['the mapped latency field'];

export function jsonlFormat(mapping: ReadonlyMap<string, string>, zone: string): LineFormat {
  const g = (name: string, dflt: string) => getter(mapping.get(name) ?? dflt);
  const time = g('time', 'time');
  const method = g('method', 'method');
  const path = g('path', 'path');
  const request = mapping.has('request') ? g('request', 'request') : undefined;
  const status = g('status', 'status');
  const latencyS = mapping.has('latency_s') ? g('latency_s', 'latency_s') : undefined;
  const latencyMs = g('latency_ms', 'latency_ms');
  const error = g('error', 'error');
  const digest = g('digest', 'digest');
  const str = (v: unknown) => (v === undefined || v === null ? '' : String(v));
  return {
    name: 'jsonl',
    latencySources: JSONL_LATENCY_SOURCES,
    parse(line, start, end, out) {
      let o: Record<string, unknown>;
      try {
        o = JSON.parse(line.slice(start, end));
      } catch {
        return bad(out, 'not valid JSON');
      }
      if (typeof o !== 'object' || o === null || Array.isArray(o)) return bad(out, 'not a JSON object');
      resetRecord(out);
      if (!setTime(str(time(o)), zone, out, `"${mapping.get('time') ?? 'time'}"`)) return false;
      if (request) {
        if (!requestLine(str(request(o)), out)) return false;
      } else {
        const m = str(method(o));
        const p = targetPath(str(path(o)));
        if (m === '') return bad(out, `no "${mapping.get('method') ?? 'method'}"`);
        if (p === undefined) return bad(out, `"${mapping.get('path') ?? 'path'}" is not a path or URL`);
        setMethod(m, out);
        out.path = p;
      }
      const sv = status(o);
      if (sv === undefined) return bad(out, `no "${mapping.get('status') ?? 'status'}"`);
      if (!setStatusText(str(sv), out, `"${mapping.get('status') ?? 'status'}"`)) return false;
      const ms = latencyS ? secondsToMs(str(latencyS(o))) : Number(latencyMs(o) ?? Number.NaN);
      if (ms >= 0 && Number.isFinite(ms)) {
        out.latencyMs = ms;
        out.source = 0;
      }
      const e = error(o);
      if (typeof e === 'string' && e !== '') out.error = e;
      const d = digest(o);
      if (typeof d === 'string' && d !== '') out.digest = d;
      return true;
    },
  };
}
