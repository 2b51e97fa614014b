/**
 * The email for one downtime event (docs/sla-definitions.md#downtime-entity) or SLO flag
 * (docs/sla-definitions.md#burn-rate-alerts): a subject that says what happened at a glance
 * ("[sloprobe] card downtime started (high)"), the same facts
 * as plain text and as HTML, and headers that make duplicates and threads recognisable:
 *
 * - `Message-ID: <evt_…@from-domain>`: derived from the event id alone, so a resend after a
 *   crash (at-least-once) carries the same id and mail clients and archives fold it.
 * - `References: <down_…@from-domain>`: every message of one downtime (or alert) names it, so
 *   started, updated and resolved read as one thread.
 *
 * Built once per (event, subscriber) at enqueue and kept in the outbox row as JSON: every
 * retry sends the same message. Nothing from a request is in it: only the event's entity.
 */
import type { OutboxEvent } from './event.js';

export interface MailMessage {
  readonly to: string;
  readonly subject: string;
  readonly text: string;
  readonly html: string;
  readonly messageId: string;
  readonly references: string;
  /** RFC 3339: the event's time, not the attempt's (the same on every retry). */
  readonly date: string;
  readonly event: string;
  readonly eventId: string;
}

const str = (v: unknown): string | undefined => (typeof v === 'string' && v !== '' ? v : undefined);

/** Unix seconds as `2026-01-05 10:00:00 UTC`; undefined for anything else. */
function when(v: unknown): string | undefined {
  if (typeof v !== 'number' || !Number.isFinite(v)) return undefined;
  return `${new Date(v * 1000).toISOString().slice(0, 19).replace('T', ' ')} UTC`;
}

function instrumentText(v: unknown): string | undefined {
  if (!v || typeof v !== 'object') return undefined;
  const parts = Object.entries(v as Record<string, unknown>)
    .filter(([, x]) => x !== null && x !== undefined && x !== '')
    .map(([k, x]) => `${k} ${String(x)}`);
  return parts.length > 0 ? parts.join(', ') : undefined;
}

/**
 * What happened, in a word: a maintenance (scheduled downtime) is "scheduled" when announced,
 * then "started", "resolved" or "cancelled"; an `updated` event of an open downtime is
 * "updated" (a severity change, an instrument added).
 */
function happened(event: string, status: string): string {
  if (event.endsWith('.updated') && (status === 'started' || status === 'scheduled')) return 'updated';
  return status;
}

/** `20.1x over 6h, 31.5x over 30m` from an alert's burn rates and windows. */
function burnText(e: Readonly<Record<string, unknown>>): string | undefined {
  const b = e.burn_rates as { long?: unknown; short?: unknown } | null | undefined;
  const w = e.windows as { long?: unknown; short?: unknown } | null | undefined;
  if (!b || !w || typeof b.long !== 'number' || typeof b.short !== 'number') return undefined;
  const x = (v: number) => `${Math.round(v * 10) / 10}x`;
  return `${x(b.long)} over ${String(w.long)}, ${x(b.short)} over ${String(w.short)}`;
}

/** An SLO flag (docs/sla-definitions.md#burn-rate-alerts): "[sloprobe] SLO pay-availability: page raised". */
function alertSubject(event: OutboxEvent): string {
  const e = event.entity;
  const status = str(e.status) ?? event.event.split('.').pop() ?? 'raised';
  return `[sloprobe] SLO ${str(e.slo) ?? 'unknown'}: ${str(e.severity) ?? 'flag'} ${status}`;
}

function alertFacts(event: OutboxEvent): [string, string | undefined][] {
  const e = event.entity;
  const threshold = typeof e.burn_rate_threshold === 'number' ? `${e.burn_rate_threshold}x` : undefined;
  const objective = typeof e.objective === 'number' ? `${Math.round(e.objective * 1e6) / 1e4}%` : undefined;
  return [
    ['SLO', str(e.slo)],
    ['Category', str(e.category)],
    ['Class', str(e.class)],
    ['Route', str(e.route)],
    ['Objective', objective],
    ['Severity', str(e.severity)],
    ['Status', str(e.status)],
    ['Rule', str(e.rule)],
    ['Burn rates', burnText(e)],
    ['Threshold', threshold],
    ['Raised', when(e.raised_at)],
    ['Cleared', when(e.cleared_at) ?? (e.status === 'cleared' ? undefined : 'not yet')],
    ['Alert id', str(e.id)],
  ];
}

export function subjectOf(event: OutboxEvent): string {
  if (event.contains === 'slo.alert') return alertSubject(event);
  const e = event.entity;
  const method = str(e.method) ?? 'payment';
  const status = str(e.status) ?? event.event.split('.').pop() ?? 'updated';
  const what = e.scheduled === true ? 'maintenance' : 'downtime';
  const verb = happened(event.event, status);
  const severity = str(e.severity);
  // The severity matters while it is open; a resolution or cancellation needs none.
  const open = verb === 'started' || verb === 'updated' || verb === 'scheduled';
  const tail = verb === 'scheduled' ? ` from ${when(e.begin) ?? 'a date to be announced'}` : '';
  return `[sloprobe] ${method} ${what} ${verb}${open && severity && verb !== 'scheduled' ? ` (${severity})` : ''}${tail}`;
}

/** The facts, in order, as label/value pairs; both parts render these. */
function facts(event: OutboxEvent): [string, string][] {
  const e = event.entity;
  const rows: [string, string | undefined][] =
    event.contains === 'slo.alert'
      ? [...alertFacts(event), ['Event', `${event.event} (${event.id})`]]
      : [
          ['Payment method', str(e.method)],
          ['Instrument', instrumentText(e.instrument)],
          ['Status', str(e.status)],
          ['Severity', str(e.severity)],
          ['Scheduled', e.scheduled === true ? 'yes (maintenance)' : 'no'],
          [e.scheduled === true && e.status === 'scheduled' ? 'Starts' : 'Began', when(e.begin)],
          [
            e.scheduled === true && e.status !== 'resolved' ? 'Ends' : 'Ended',
            when(e.end) ?? 'not yet (ongoing)',
          ],
          ['Downtime id', str(e.id)],
          ['Event', `${event.event} (${event.id})`],
        ];
  return rows.filter((r): r is [string, string] => r[1] !== undefined);
}

const escapeHtml = (s: string): string => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

export function renderText(event: OutboxEvent, subject: string): string {
  const rows = facts(event);
  const width = Math.max(...rows.map(([k]) => k.length)) + 2;
  const lines = rows.map(([k, v]) => `${`${k}:`.padEnd(width)}${v}`);
  const id = event.contains === 'slo.alert' ? undefined : str(event.entity.id);
  return [
    subject.replace(/^\[sloprobe\] /, ''),
    '',
    ...lines,
    '',
    id ? `The Downtime API on the sidecar's admin listener has it: GET /v1/payments/downtimes/${id}` : '',
    'Sent by sloprobe. You receive this because your address is a subscriber in notify.email.',
    '',
  ].join('\n');
}

export function renderHtml(event: OutboxEvent, subject: string): string {
  const rows = facts(event)
    .map(
      ([k, v]) =>
        `<tr><th scope="row" style="text-align:left;padding:2px 12px 2px 0">${escapeHtml(k)}</th><td>${escapeHtml(v)}</td></tr>`,
    )
    .join('\n');
  const id = event.contains === 'slo.alert' ? undefined : str(event.entity.id);
  const api = id
    ? `<p>The Downtime API on the sidecar's admin listener has it: <code>GET /v1/payments/downtimes/${escapeHtml(id)}</code></p>\n`
    : '';
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>${escapeHtml(subject)}</title></head>
<body style="font-family:system-ui,sans-serif">
<h1 style="font-size:1.2em">${escapeHtml(subject.replace(/^\[sloprobe\] /, ''))}</h1>
<table>
${rows}
</table>
${api}<p style="color:#666">Sent by sloprobe. You receive this because your address is a subscriber in notify.email.</p>
</body></html>
`;
}

export function mailMessage(event: OutboxEvent, to: string, fromDomain: string): MailMessage {
  const subject = subjectOf(event);
  const downtime = str(event.entity.id) ?? event.id;
  return {
    to,
    subject,
    text: renderText(event, subject),
    html: renderHtml(event, subject),
    messageId: `<${event.id}@${fromDomain}>`,
    references: `<${downtime}@${fromDomain}>`,
    date: new Date(event.createdAt * 1000).toISOString(),
    event: event.event,
    eventId: event.id,
  };
}
