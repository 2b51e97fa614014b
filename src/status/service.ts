/**
 * The status views on the admin listener: one route hook, `registerStatusRoutes(admin, ...)`,
 * adds the page (`/`, `/status`), the feeds and the Statuspage v2 JSON. Each request builds
 * one StatusModel from the current generation's SLO runtime (a reload swaps it) and renders
 * it; nothing here runs on the proxy's request path.
 */
import type { IncomingMessage } from 'node:http';
import type { AdminReply, AdminServer } from '../admin/server.js';
import type { ResolvedConfig } from '../config/types.js';
import { reportTimeZone } from '../slo/period.js';
import type { SloRuntime } from '../slo/runtime.js';
import { DailyHistory } from './daily.js';
import { renderAtom, renderRss } from './feeds.js';
import { contentSecurityPolicy, newNonce } from './html.js';
import { MethodDays } from './method-daily.js';
import { buildModel, type StatusModel } from './model.js';
import { renderStatusPage } from './page.js';
import { configSources, type StatusSources } from './sources.js';
import type { ComponentStatus } from './state.js';
import { STATUSPAGE_PATHS, StatuspageApi } from './statuspage-api.js';

export interface StatusRoutesOptions {
  /** The current generation's config and SLO runtime (both change on reload). */
  readonly config: () => ResolvedConfig;
  readonly slo: () => SloRuntime | undefined;
  /** Where downtimes come from; default: the config's maintenance windows only. */
  readonly sources?: (config: ResolvedConfig, runtime: SloRuntime) => StatusSources;
  readonly now?: () => number;
  /** Days of bars (default 90). */
  readonly days?: number;
  /** Seconds between reloads of the page (default 60). */
  readonly refreshSeconds?: number;
}

const HTML_TYPE = 'text/html; charset=utf-8';
const JSON_TYPE = 'application/json; charset=utf-8';

/** A Host header is only echoed into links when it is a plain host[:port]. */
const HOST = /^[A-Za-z0-9.-]+(:\d{1,5})?$|^\[[0-9A-Fa-f:.]+\](:\d{1,5})?$/;

function baseUrl(req: IncomingMessage): string {
  const host = req.headers.host;
  return `http://${host && HOST.test(host) ? host : 'localhost'}`;
}

export function registerStatusRoutes(admin: AdminServer, options: StatusRoutesOptions): void {
  const now = options.now ?? Date.now;
  const startedAtMs = now();
  let history: { config: ResolvedConfig; history: DailyHistory; methods: MethodDays } | undefined;
  let sources: { runtime: SloRuntime; sources: StatusSources } | undefined;
  const changes = new Map<string, { status: ComponentStatus; at: number }>();

  const model = async (full: boolean): Promise<StatusModel | undefined> => {
    const runtime = options.slo();
    if (!runtime) return undefined;
    const config = options.config();
    const timeZone = reportTimeZone(config);
    if (history?.config !== config) {
      history = {
        config,
        history: new DailyHistory(config, runtime.engine.bucketBoundsSeconds, timeZone, options.days ?? 90),
        methods: new MethodDays(config, timeZone, options.days ?? 90),
      };
    }
    if (sources?.runtime !== runtime) {
      const make = options.sources ?? ((c, r) => configSources(c, r.engine.maintenance, now));
      sources = { runtime, sources: make(config, runtime) };
    }
    const store = runtime.store;
    const m = await buildModel(
      {
        config,
        engine: runtime.engine,
        statuses: runtime.current(),
        sources: sources.sources,
        history: history.history,
        readRollups: (from, to) => store.readRollups(from, to),
        methods: { days: history.methods, read: (from, to) => store.readMethodRollups(from, to) },
        readHdr: (from, to) => store.readLatencyHistograms(from, to),
        timeZone,
        days: options.days ?? 90,
        nowMs: now(),
      },
      full,
    );
    for (const s of m.states) {
      const seen = changes.get(s.category);
      if (seen?.status !== s.status)
        changes.set(s.category, { status: s.status, at: seen ? m.nowMs : startedAtMs });
    }
    return m;
  };

  const off: AdminReply = { status: 404, json: { error: 'recording is off: there is no status to show' } };

  const page = async (): Promise<AdminReply> => {
    const m = await model(true);
    if (!m) return off;
    const nonce = newNonce();
    return {
      body: renderStatusPage(m, nonce, options.refreshSeconds ?? 60),
      contentType: HTML_TYPE,
      headers: {
        'content-security-policy': contentSecurityPolicy(nonce),
        'x-content-type-options': 'nosniff',
        'referrer-policy': 'no-referrer',
      },
    };
  };
  admin.route('GET', '/', page);
  admin.route('GET', '/status', page);

  const feed =
    (render: (m: StatusModel, base: string) => string, type: string) => async (req: IncomingMessage) => {
      const m = await model(false);
      return m ? { body: render(m, baseUrl(req)), contentType: type } : off;
    };
  admin.route('GET', '/status/history.atom', feed(renderAtom, 'application/atom+xml; charset=utf-8'));
  admin.route('GET', '/status/history.rss', feed(renderRss, 'application/rss+xml; charset=utf-8'));

  for (const path of STATUSPAGE_PATHS) {
    admin.route('GET', path, async (req) => {
      const m = await model(false);
      if (!m) return off;
      const api = new StatuspageApi(m, {
        baseUrl: baseUrl(req),
        startedAtMs,
        changedAtMs: (c) => changes.get(c)?.at ?? startedAtMs,
      });
      // Statuspage serves these to browsers on other origins (status widgets).
      return {
        json: api.documents()[path]!(),
        contentType: JSON_TYPE,
        headers: { 'access-control-allow-origin': '*' },
      };
    });
  }
}
