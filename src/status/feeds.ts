/**
 * The history as feeds: `GET /status/history.atom` (RFC 4287) and `/status/history.rss`
 * (RSS 2.0). One entry per downtime or maintenance, newest change first, its updates in the
 * content; the entry id is a URN of the downtime id, so a reader sees an update as the same
 * entry changed (Atom `updated`), not as a new one.
 */
import { esc } from './html.js';
import type { StatusModel } from './model.js';
import type { DowntimeView } from './sources.js';
import { statuspageId } from './statuspage-api.js';

const iso = (sec: number) => new Date(sec * 1000).toISOString().replace('.000Z', 'Z');

/** The entry id: stable across updates of the same downtime. */
export function entryId(d: DowntimeView): string {
  return `urn:sloprobe:downtime:${encodeURIComponent(d.id)}`;
}

function entries(m: StatusModel): DowntimeView[] {
  return m.downtimes
    .filter((d) => d.updates.length > 0 && d.created_at * 1000 <= m.nowMs)
    .sort((a, b) => b.updated_at - a.updated_at || (a.id < b.id ? -1 : 1));
}

function summary(d: DowntimeView): string {
  const kind = d.scheduled ? 'Maintenance' : 'Incident';
  const scope = d.categories.length === 0 ? 'all categories' : d.categories.join(', ');
  const end = d.end === null ? 'ongoing' : iso(d.end);
  let html = `<p>${kind}, ${d.status}, ${d.severity} severity; ${esc(scope)}; ${iso(d.begin)} to ${end}.</p>`;
  if (d.policy)
    html += d.policy.accepted
      ? '<p>Meets the maintenance policy: excluded from the SLIs.</p>'
      : `<p>Breaks the maintenance policy (${esc(d.policy.rule ?? '')}): ${esc(d.policy.reason ?? '')}</p>`;
  html += '<ul>';
  for (const u of [...d.updates].reverse())
    html += `<li>${iso(u.at)} <b>${u.status}</b>: ${esc(u.message)}</li>`;
  return `${html}</ul>`;
}

function link(base: string, d: DowntimeView): string {
  return `${base}/status#downtime-${encodeURIComponent(d.id)}`;
}

export function renderAtom(m: StatusModel, baseUrl: string): string {
  const list = entries(m);
  const updated = list[0]?.updated_at ?? Math.floor(m.nowMs / 1000);
  const out = [
    '<?xml version="1.0" encoding="utf-8"?>',
    '<feed xmlns="http://www.w3.org/2005/Atom" xml:lang="en">',
    `<id>urn:sloprobe:status:${statuspageId('page', m.config.source)}</id>`,
    '<title>sloprobe status history</title>',
    '<subtitle>Downtimes and maintenance, with their updates</subtitle>',
    `<updated>${iso(updated)}</updated>`,
    `<link rel="self" type="application/atom+xml" href="${esc(baseUrl)}/status/history.atom"/>`,
    `<link rel="alternate" type="text/html" href="${esc(baseUrl)}/status"/>`,
    '<author><name>sloprobe</name></author>',
  ];
  for (const d of list) {
    out.push(
      '<entry>',
      `<id>${esc(entryId(d))}</id>`,
      `<title>${esc(`${d.title} (${d.status})`)}</title>`,
      `<published>${iso(d.created_at)}</published>`,
      `<updated>${iso(d.updated_at)}</updated>`,
      `<link rel="alternate" type="text/html" href="${esc(link(baseUrl, d))}"/>`,
      `<category term="${d.scheduled ? 'maintenance' : 'incident'}"/>`,
      `<content type="html">${esc(summary(d))}</content>`,
      '</entry>',
    );
  }
  out.push('</feed>', '');
  return out.join('\n');
}

export function renderRss(m: StatusModel, baseUrl: string): string {
  const list = entries(m);
  const updated = list[0]?.updated_at ?? Math.floor(m.nowMs / 1000);
  const rfc822 = (sec: number) => new Date(sec * 1000).toUTCString();
  const out = [
    '<?xml version="1.0" encoding="utf-8"?>',
    '<rss version="2.0" xmlns:atom="http://www.w3.org/2005/Atom">',
    '<channel>',
    '<title>sloprobe status history</title>',
    `<link>${esc(baseUrl)}/status</link>`,
    '<description>Downtimes and maintenance, with their updates</description>',
    '<language>en</language>',
    `<lastBuildDate>${rfc822(updated)}</lastBuildDate>`,
    `<atom:link href="${esc(baseUrl)}/status/history.rss" rel="self" type="application/rss+xml"/>`,
  ];
  for (const d of list) {
    out.push(
      '<item>',
      `<title>${esc(`${d.title} (${d.status})`)}</title>`,
      `<link>${esc(link(baseUrl, d))}</link>`,
      `<guid isPermaLink="false">${esc(entryId(d))}</guid>`,
      `<pubDate>${rfc822(d.updated_at)}</pubDate>`,
      `<category>${d.scheduled ? 'maintenance' : 'incident'}</category>`,
      `<description>${esc(summary(d))}</description>`,
      '</item>',
    );
  }
  out.push('</channel>', '</rss>', '');
  return out.join('\n');
}
