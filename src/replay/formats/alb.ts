/**
 * AWS Application Load Balancer access logs (Elastic Load Balancing user guide, "Access log
 * entries" for Application Load Balancers): space-separated fields, some quoted, in gzip
 * files, in this order:
 *
 *   type time elb client:port target:port request_processing_time target_processing_time
 *   response_processing_time elb_status_code target_status_code received_bytes sent_bytes
 *   "request" "user_agent" ssl_cipher ssl_protocol target_group_arn "trace_id"
 *   "domain_name" "chosen_cert_arn" matched_rule_priority request_creation_time
 *   "actions_executed" "redirect_url" "error_reason" ... (later fields are appended)
 *
 * - Time: `request_creation_time` (when the request arrived, the instant the sidecar keys
 *   on), else `time` (when the response was sent); both ISO 8601 in UTC with microseconds.
 * - `request` is `METHOD absolute-URL PROTOCOL` (`GET https://host:443/p?q HTTP/1.1`).
 * - `elb_status_code` 460 is the ALB's "client closed the connection": abandoned
 *   (docs/sla-definitions.md#abandoned-requests); `-` means nothing was sent.
 * - Latency: `target_processing_time`, from the request sent to the target until the target
 *   started its response headers: the sidecar's SLI. It is -1 when the target never
 *   answered; such a line counts with no latency (the ALB logs no total time).
 */
import type { LineFormat } from './common.js';
import { bad, requestLine, resetRecord, secondsToMs, setStatusText, setTime } from './common.js';

export const ALB_LATENCY_SOURCES = [
  'ALB target_processing_time (time to the target response headers: the sidecar SLI)',
];

const MIN_FIELDS = 13;

/** Space-separated fields, `"quoted"` ones unquoted; undefined on an unclosed quote. */
function splitFields(s: string, max: number): string[] | undefined {
  const out: string[] = [];
  let i = 0;
  const n = s.length;
  while (i < n && out.length < max) {
    if (s.charCodeAt(i) === 34) {
      const close = s.indexOf('"', i + 1);
      if (close < 0) return undefined;
      out.push(s.slice(i + 1, close));
      i = close + 2;
    } else {
      let sp = s.indexOf(' ', i);
      if (sp < 0) sp = n;
      out.push(s.slice(i, sp));
      i = sp + 1;
    }
  }
  return out;
}

export function albFormat(): LineFormat {
  return {
    name: 'alb',
    latencySources: ALB_LATENCY_SOURCES,
    parse(line, start, end, out) {
      const f = splitFields(line.slice(start, end), 25);
      if (!f || f.length < MIN_FIELDS) return bad(out, 'does not have the ALB access log fields');
      resetRecord(out);
      const created = f[21];
      const time = created && created !== '-' ? created : f[1]!;
      if (!setTime(time, 'UTC', out, created && created !== '-' ? 'request_creation_time' : 'time'))
        return false;
      if (!requestLine(f[12]!, out)) return false;
      if (!setStatusText(f[8]!, out, 'elb_status_code')) return false;
      if (out.status === 460) {
        out.status = 0;
        out.clientAborted = true;
      }
      const target = secondsToMs(f[6]!);
      if (target >= 0) {
        out.latencyMs = target;
        out.source = 0;
      }
      return true;
    },
  };
}
