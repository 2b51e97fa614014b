/**
 * HAProxy's HTTP log format (`option httplog`; HAProxy configuration manual, 8.2.3 "HTTP log
 * format"):
 *
 *   log-format "%ci:%cp [%tr] %ft %b/%s %TR/%Tw/%Tc/%Tr/%Ta %ST %B %CC %CS %tsc %ac/%fc/%bc/%sc/%rc %sq/%bq %hr %hs %{+Q}r"
 *
 * with or without the syslog prefix (`Feb  6 12:14:14 localhost haproxy[14389]: `), and
 * the header captures `{...}` optional.
 *
 * - `%tr` (`06/Feb/2009:12:14:14.655`) is when the request's first byte arrived, in the
 *   host's local time without a zone: read in --log-time-zone (default UTC).
 * - `%ST` -1 or a termination state starting with `C`/`c` (client abort or client
 *   timeout) before any response: abandoned (docs/sla-definitions.md#abandoned-requests).
 * - Latency: `%Tr` (time to the server's response headers: the sidecar's SLI); when it is
 *   -1 (no server answer: HAProxy's own 503/504), `%Ta`, the total active time.
 */
import type { LineFormat } from './common.js';
import { bad, clfTime, millis, requestLine, resetRecord, setStatusText } from './common.js';

export const HAPROXY_LATENCY_SOURCES = [
  'HAProxy %Tr (time to the server response headers: the sidecar SLI)',
  'HAProxy %Ta (total active time; HAProxy answered itself)',
];

const LINE =
  /(?:^|\s)\S+:\d+ \[([^\]]+)\] \S+ \S+ (-?\d+)\/(-?\d+)\/(-?\d+)\/(-?\d+)\/\+?(-?\d+) (-?\d+) \+?\d+ \S+ \S+ (\S{2,4}) \d+\/\d+\/\d+\/\d+\/\+?\d+ \d+\/\d+ (?:\{[^}]*\} )*"(.*)"\s*$/;

export function haproxyFormat(zone: string): LineFormat {
  return {
    name: 'haproxy',
    latencySources: HAPROXY_LATENCY_SOURCES,
    parse(line, start, end, out) {
      const m = LINE.exec(line.slice(start, end));
      if (!m) return bad(out, 'does not match the HAProxy HTTP log format');
      resetRecord(out);
      const t = clfTime(m[1]!, zone);
      if (Number.isNaN(t)) return bad(out, `%tr "${m[1]}" is not dd/Mon/yyyy:HH:MM:SS.mmm`);
      out.timeMs = t;
      if (!requestLine(m[9]!, out)) return false;
      if (!setStatusText(m[7]!, out, '%ST')) return false;
      const term = m[8]!.charCodeAt(0);
      if (out.status === 0) out.clientAborted = term === 67 || term === 99;
      const tr = millis(m[5]!);
      const ta = millis(m[6]!);
      if (tr >= 0) {
        out.latencyMs = tr;
        out.source = 0;
      } else if (ta >= 0 && out.clientAborted !== true) {
        out.latencyMs = ta;
        out.source = 1;
      }
      return true;
    },
  };
}
