/**
 * The downtime tracker: turns per-method evidence, maintenance windows and operator requests
 * into Curlec downtime records (docs/sla-definitions.md#downtime-entity), and every change
 * into an outbox event written in the same store transaction (src/notify/event.ts).
 *
 * Unscheduled (docs/sla-definitions.md#downtime-detection): a method (+ instrument) series
 * starts a downtime when its availability burn raises a `page` flag, or after
 * `downtime.start_after` consecutive Downtime minutes (latency-only minutes too, as `low`).
 * One ongoing detected downtime per method: a second failing instrument of the same method
 * joins it (its instrument merges, a field that differs reads `ALL`, as Curlec's networks do),
 * which is an update. It is resolved once every series in it has been quiet for
 * `downtime.quiet`: no Downtime minute and no page. `begin` is the first bad minute; `end`
 * stays null until resolved, then is the last evidence (`evidenceAt`): the end of the last bad
 * minute, or the last tick that still saw the page, whichever is later. The page is evidence
 * for as long as it is held, so `end` includes its hold.
 *
 * Scheduled (docs/sla-definitions.md#downtime-period): see scheduled.ts.
 *
 * Restart: open records are read back from the store, so an ongoing downtime continues (its
 * quiet time counts from its stored evidence) and no second `started` is sent.
 */
import type { DowntimeConfig, Instrument, MaintenanceWindow } from '../config/types.js';
import { OTHER_VALUE } from '../config/types.js';
import type { AppLog } from '../log/app-log.js';
import type { EventSink } from '../notify/event.js';
import type { MethodMinute } from '../payments/method-recorder.js';
import type { MethodSeries } from '../payments/method-series.js';
import type { DowntimeStore } from './downtime-store.js';
import {
  DOWNTIME_EVENTS,
  type DowntimeEventName,
  type DowntimeRecord,
  downtimeEvent,
  entityOf,
  isOpen,
  newDowntimeId,
  seconds,
} from './entity.js';
import { SeriesEvidence, worse } from './evidence.js';
import { advanceByTime, reconcileWindows } from './scheduled.js';

export interface TrackerOptions {
  readonly db: DowntimeStore;
  readonly sink: EventSink;
  readonly rules: DowntimeConfig;
  /** The Downtime minute threshold (the timeslice rule's, 5% by default). */
  readonly threshold: number;
  readonly series: readonly MethodSeries[];
  readonly windows: readonly MaintenanceWindow[];
  readonly now: () => number;
  /** Told about every change that sends an event, once it is committed. */
  readonly log?: AppLog;
}

/** What the method engine says about one series at this tick. */
export interface SeriesSignal {
  /** Its availability SLO raises a `page` flag. */
  readonly page: boolean;
  /** Error ratio over the last 5 minutes, the minute in progress included; null without traffic. */
  readonly ratio5m: number | null;
}

/** One change to commit: the record after it, and the event it causes (null: history only). */
export interface Change {
  readonly record: DowntimeRecord;
  readonly event: DowntimeEventName | null;
}

/** Instrument fields of a series, without the `other` placeholder (it names no instrument). */
function knownInstrument(i: Instrument): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(i)) if (v !== OTHER_VALUE) out[k] = v;
  return out;
}

/**
 * The instrument of a downtime two series are in: a field both name with the same value
 * stays, one they name differently reads `ALL` (Curlec's network value for "every network"),
 * and one only one of them names is dropped (the other series covers every value of it).
 */
export function mergeInstrument(a: Instrument, b: Instrument): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(a)) {
    const w = b[k];
    if (w !== undefined) out[k] = w === v ? v : 'ALL';
  }
  return out;
}

function sameInstrument(a: Instrument, b: Instrument): boolean {
  const ka = Object.keys(a);
  return ka.length === Object.keys(b).length && ka.every((k) => a[k] === b[k]);
}

/** How much newer evidence must be before an evidence-only change is written. */
const EVIDENCE_WRITE_S = 60;

export class DowntimeTracker {
  readonly db: DowntimeStore;
  private readonly opts: TrackerOptions;
  private readonly evidence: SeriesEvidence[];
  /** Open records (scheduled, started) by id. */
  private readonly open = new Map<string, DowntimeRecord>();
  private windows: readonly MaintenanceWindow[];

  constructor(opts: TrackerOptions) {
    this.opts = opts;
    this.db = opts.db;
    this.windows = opts.windows;
    const rules = { threshold: opts.threshold, highErrorRatio: opts.rules.highErrorRatio };
    this.evidence = opts.series.map(() => new SeriesEvidence(rules));
    for (const r of this.db.openRecords()) this.open.set(r.id, r);
  }

  /** Open records, oldest first (tests and the demo's banner). */
  openRecords(): DowntimeRecord[] {
    return [...this.open.values()];
  }

  /** Completed minutes of the method series (rows of series the plan does not know are skipped). */
  addMinutes(rows: readonly MethodMinute[]): void {
    const index = new Map(this.opts.series.map((s) => [s.name, s.index]));
    for (const r of rows) {
      const i = index.get(r.route);
      if (i !== undefined) this.evidence[i]!.add(r);
    }
  }

  /** One evaluation: detection from `signals[series]`, then windows and scheduled times. */
  tick(signals: readonly SeriesSignal[]): void {
    const nowMs = this.opts.now();
    const changes: Change[] = [];
    this.detect(nowMs, signals, changes);
    this.commit(changes);
    // Windows and times after detection is committed, so they see its records.
    const known = (key: string) => this.db.hasSource('window', key);
    this.commit(reconcileWindows(this.windows, [...this.open.values()], nowMs, known));
    this.commit(advanceByTime([...this.open.values()], nowMs));
  }

  /** A reload's new windows: those removed before they started are cancelled at the next tick. */
  setWindows(windows: readonly MaintenanceWindow[]): void {
    this.windows = windows;
  }

  /** Writes the changes and their events in one transaction; keeps `open` in step. */
  commit(changes: readonly Change[]): void {
    if (changes.length === 0) return;
    this.db.store.transaction(() => {
      for (const c of changes) {
        if (c.event === null) this.db.put(c.record);
        else this.db.save(c.record, c.event);
        if (c.event !== null) this.opts.sink.enqueue(downtimeEvent(c.event, c.record));
      }
    });
    for (const c of changes) {
      if (isOpen(c.record.status)) this.open.set(c.record.id, c.record);
      else this.open.delete(c.record.id);
      if (c.event !== null) {
        const r = c.record;
        this.opts.log?.info(
          { event: c.event, downtime: entityOf(r) },
          `${c.event}: ${r.method} ${r.status} (${r.id}, severity ${r.severity})`,
        );
      }
    }
  }

  private detectedFor(method: string): DowntimeRecord | undefined {
    for (const r of this.open.values())
      if (r.source === 'detected' && r.status === 'started' && r.method === method) return r;
    return undefined;
  }

  private detect(nowMs: number, signals: readonly SeriesSignal[], changes: Change[]): void {
    const { startAfterMinutes, quietMs } = this.opts.rules;
    const now = seconds(nowMs);
    const touched = new Map<string, { record: DowntimeRecord; event: DowntimeEventName | null }>();
    const current = (method: string) => touched.get(method)?.record ?? this.detectedFor(method);
    for (const s of this.opts.series) {
      if (s.method === OTHER_VALUE) continue; // "other" names no method a client could avoid
      const ev = this.evidence[s.index]!;
      const page = signals[s.index]?.page === true;
      const ratio = signals[s.index]?.ratio5m ?? null;
      const starting = page || ev.run >= startAfterMinutes || ev.slowRun >= startAfterMinutes;
      let rec = current(s.method);
      if (!rec && !starting) continue;
      if (!rec) {
        const first = ev.firstBadMinute();
        rec = {
          id: newDowntimeId(),
          method: s.method,
          // Failures only in the minute in progress (a page within it): that minute is the first.
          begin: (first >= 0 ? first : Math.floor(nowMs / 60_000)) * 60,
          end: null,
          status: 'started',
          scheduled: false,
          severity: ev.severity(page, ratio) ?? 'medium',
          instrument: knownInstrument(s.instrument),
          createdAt: now,
          updatedAt: now,
          source: 'detected',
          sourceKey: null,
          series: [s.name],
          evidenceAt: page ? now : seconds(ev.lastBadEndMs),
        };
        touched.set(s.method, { record: rec, event: DOWNTIME_EVENTS.started });
        continue;
      }
      const next = { ...rec };
      if (!next.series.includes(s.name)) {
        if (!starting) continue;
        next.series = [...next.series, s.name];
        next.instrument = mergeInstrument(next.instrument, knownInstrument(s.instrument));
      }
      const evidenceAt = page ? now : seconds(ev.lastBadEndMs);
      if (evidenceAt > (next.evidenceAt ?? 0)) next.evidenceAt = evidenceAt;
      const prior = touched.get(s.method);
      const changed = !sameInstrument(next.instrument, rec.instrument);
      touched.set(s.method, {
        record: next,
        event: prior?.event ?? (changed ? DOWNTIME_EVENTS.updated : null),
      });
    }
    for (const [method, t] of touched) {
      const rec = t.record;
      if (t.event === DOWNTIME_EVENTS.started) {
        changes.push(t);
        continue;
      }
      // Severity: the worst of the series in it; resolution: all of them quiet.
      let severity: ReturnType<typeof worse>;
      let quiet = true;
      for (const s of this.opts.series) {
        if (!rec.series.includes(s.name)) continue;
        const ev = this.evidence[s.index]!;
        const page = signals[s.index]?.page === true;
        const ratio = signals[s.index]?.ratio5m ?? null;
        severity = worse(severity, ev.severity(page, ratio));
        if (page || ev.run > 0 || ev.slowRun > 0) quiet = false;
      }
      const evidenceMs = (rec.evidenceAt ?? rec.begin) * 1000;
      if (quiet && nowMs - evidenceMs >= quietMs) {
        changes.push({
          record: { ...rec, status: 'resolved', end: rec.evidenceAt ?? now, updatedAt: now },
          event: DOWNTIME_EVENTS.resolved,
        });
        continue;
      }
      const before = this.detectedFor(method);
      let event = t.event;
      if (severity !== undefined && severity !== rec.severity) {
        rec.severity = severity;
        event = DOWNTIME_EVENTS.updated;
      }
      if (event !== null) rec.updatedAt = now;
      // Evidence moved on without anything a client sees: stored (no event, no history row, no
      // updated_at) at most once a minute, so a page held for an hour is 60 writes, not 3600.
      // A restart may so resume up to a minute early into the quiet time.
      const stale = (rec.evidenceAt ?? 0) - (before?.evidenceAt ?? 0) >= EVIDENCE_WRITE_S;
      if (event !== null || stale) changes.push({ record: rec, event });
    }
    // Detected downtimes with no series in this tick's plan (a reload removed the method).
    for (const r of this.open.values()) {
      if (r.source !== 'detected' || touched.has(r.method)) continue;
      const live = this.opts.series.some((s) => r.series.includes(s.name));
      if (!live && nowMs - (r.evidenceAt ?? r.begin) * 1000 >= quietMs) {
        changes.push({
          record: { ...r, status: 'resolved', end: r.evidenceAt ?? now, updatedAt: now },
          event: DOWNTIME_EVENTS.resolved,
        });
      }
    }
  }
}
