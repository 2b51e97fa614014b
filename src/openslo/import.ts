/**
 * OpenSLO v1 documents -> `slos:` entries of a sloprobe config, where they map.
 *
 * An SLO maps when its SLI is a `ratioMetric` whose queries select sloprobe's own metrics
 * (the shapes src/openslo/queries.ts writes): the metric says which SLI it is
 * (`sloprobe_requests_total` availability, the SLI latency histogram latency), the route,
 * category or class matcher its target, `le` the latency threshold, `code` the timeslice
 * error statuses, a `synthetic!="true"` matcher on both queries an SLO without
 * `include_synthetic` (its absence one with it). Everything else (other metrics or sources, `thresholdMetric`, composite
 * SLOs, `RatioTimeslices`) is skipped with the reason, never guessed. SLOs exported from a
 * route map (`sloprobe/generated: "true"`) are skipped too: the route map already implies them.
 */
import { formatDuration, formatPercentile } from '../config/units.js';
import { importError, isObject, type Json } from '../import/input.js';
import { type Matcher, parseSelector, REQUESTS, SLI_LATENCY_BUCKET, SLI_LATENCY_COUNT } from './queries.js';
import { ANNOTATION, API_VERSION, round12, shorthandMs } from './spec.js';

/** One `slos:` entry, as the config schema spells it. */
export type SloEntry = Record<string, unknown>;

export interface ImportResult {
  readonly slos: SloEntry[];
  /** One line per SLO not imported, with why. */
  readonly skipped: string[];
}

interface Located {
  readonly doc: Json;
  /** `FILE: document N (kind name)`, for messages. */
  readonly where: string;
}

export interface ImportContext {
  /** The `time_zone` of the config the SLOs go into; a calendar window in another zone does not map. */
  readonly timeZone?: string | undefined;
}

export function importOpenSlo(
  documents: readonly unknown[],
  file: string,
  ctx: ImportContext = {},
): ImportResult {
  const located: Located[] = [];
  documents.forEach((doc, i) => {
    if (doc === null || doc === undefined) return; // an empty document in the stream
    if (!isObject(doc) || doc.apiVersion !== API_VERSION || typeof doc.kind !== 'string') {
      throw importError(
        `${file}: document ${i + 1} is not an OpenSLO v1 object (apiVersion: ${API_VERSION}, kind, metadata, spec)`,
      );
    }
    const name = isObject(doc.metadata) ? doc.metadata.name : undefined;
    if (typeof name !== 'string' || name === '') {
      throw importError(
        `${file}: document ${i + 1} (${doc.kind}) has no metadata.name, which the spec requires`,
      );
    }
    located.push({ doc, where: `${file}: document ${i + 1} (${doc.kind} ${name})` });
  });
  const slis = new Map<string, Json>();
  for (const { doc } of located) if (doc.kind === 'SLI') slis.set(nameOf(doc), doc);

  const slos: SloEntry[] = [];
  const skipped: string[] = [];
  for (const { doc, where } of located) {
    if (doc.kind !== 'SLO') continue;
    const result = mapSlo(doc, slis, ctx);
    if (typeof result === 'string') skipped.push(`${where}: ${result}`);
    else slos.push(result);
  }
  return { slos, skipped };
}

function nameOf(doc: Json): string {
  return (doc.metadata as Json).name as string;
}

function annotations(doc: Json): Json {
  const meta = doc.metadata as Json;
  return isObject(meta.annotations) ? meta.annotations : {};
}

/** The entry, or why the SLO does not map. */
function mapSlo(doc: Json, slis: ReadonlyMap<string, Json>, ctx: ImportContext): SloEntry | string {
  const notes = annotations(doc);
  if (notes[ANNOTATION.generated] === 'true')
    return 'generated from the route map by sloprobe, which implies it';
  const spec = isObject(doc.spec) ? doc.spec : {};
  const indicator = isObject(spec.indicator)
    ? spec.indicator
    : typeof spec.indicatorRef === 'string'
      ? slis.get(spec.indicatorRef)
      : undefined;
  if (!indicator) {
    return typeof spec.indicatorRef === 'string'
      ? `indicatorRef "${spec.indicatorRef}" names no SLI in the file`
      : 'no indicator or indicatorRef (a composite SLO does not map to one sloprobe SLO)';
  }
  const objectives = Array.isArray(spec.objectives) ? spec.objectives : [];
  if (objectives.length !== 1 || !isObject(objectives[0])) return 'sloprobe SLOs have exactly one objective';
  const objective = objectives[0];
  const target =
    typeof objective.target === 'number'
      ? objective.target
      : typeof objective.targetPercent === 'number'
        ? round12(objective.targetPercent / 100)
        : undefined;
  if (target === undefined || target <= 0 || target >= 1) return 'the objective needs a target in (0, 1)';

  const method = spec.budgetingMethod;
  if (method !== 'Occurrences' && method !== 'Timeslices') {
    return `budgetingMethod ${JSON.stringify(method)} has no sloprobe equivalent (Occurrences or Timeslices)`;
  }
  const sli = mapIndicator(isObject(indicator.spec) ? indicator.spec : {});
  if (typeof sli === 'string') return sli;
  const window = mapPeriod(spec.timeWindow);
  if (window === undefined) return 'timeWindow is neither a rolling duration nor a 1M calendar window';
  const period = window.period;
  if (window.timeZone !== undefined && ctx.timeZone !== undefined && window.timeZone !== ctx.timeZone) {
    // sloprobe cuts every calendar month of a config in its one time_zone.
    return `its calendar months are in ${window.timeZone}, the config's in ${ctx.timeZone} (time_zone)`;
  }

  const name = typeof notes[ANNOTATION.name] === 'string' ? notes[ANNOTATION.name] : nameOf(doc);
  const entry: SloEntry = {
    name,
    sli: sli.kind,
    method: method === 'Timeslices' ? 'timeslices' : 'occurrences',
  };
  entry.objective = target;
  entry.over = sli.over;
  // Always written: the queries say which, whatever the receiving config's default is.
  entry.include_synthetic = sli.includeSynthetic;
  if (sli.kind === 'latency') {
    const noted = Number(notes[ANNOTATION.latencyPercentile]);
    // Without a usable annotation, "p99 <= T" is an objective of 99%: the target is the percentile.
    const percentile = noted > 0 && noted < 1 ? noted : target;
    entry.latency = { [formatPercentile(percentile)]: formatDuration(sli.thresholdMs!) };
  }
  if (method === 'Timeslices') {
    if (sli.kind !== 'availability') return 'Timeslices maps to availability SLIs only';
    const sliceMs = shorthandMs(objective.timeSliceWindow);
    const sliceTarget = objective.timeSliceTarget;
    if (sliceMs === undefined || typeof sliceTarget !== 'number') {
      return 'Timeslices needs timeSliceWindow (whole minutes) and timeSliceTarget';
    }
    const rules: Json = {
      slice: formatDuration(sliceMs),
      error_statuses: sli.errorStatuses,
      // timeSliceTarget is the least good ratio of a good slice: Downtime above 1 - it.
      threshold: round12(1 - sliceTarget),
    };
    const min = Number(notes[ANNOTATION.minConsecutive]);
    if (Number.isInteger(min) && min > 0) rules.min_consecutive = min;
    if (notes[ANNOTATION.distinct] === 'true' || notes[ANNOTATION.distinct] === 'false') {
      rules.distinct = notes[ANNOTATION.distinct] === 'true';
    }
    entry.timeslices = rules;
  }
  entry.period = period;
  if (typeof spec.description === 'string') entry.description = spec.description;
  return entry;
}

interface MappedSli {
  readonly kind: 'availability' | 'latency';
  readonly over: string | Record<string, string>;
  readonly includeSynthetic: boolean;
  readonly thresholdMs?: number;
  readonly errorStatuses?: number[];
}

function mapIndicator(spec: Json): MappedSli | string {
  const ratio = spec.ratioMetric;
  if (!isObject(ratio)) return 'the SLI is not a ratioMetric';
  const query = (part: unknown) =>
    isObject(part) && isObject(part.metricSource) && isObject(part.metricSource.spec)
      ? part.metricSource.spec.query
      : undefined;
  const total = parseSelector(query(ratio.total));
  const numerator = parseSelector(query(ratio.good ?? ratio.bad));
  if (!total || !numerator) return 'its queries are not sum(...) selectors of sloprobe metrics';
  const over = scopeOf(total.matchers);
  if (over === undefined) return 'the total query selects no route, category or class';
  const organic = [total, numerator].map((q) =>
    q.matchers.some((m) => m.label === 'synthetic' && m.op === '!=' && m.value === 'true'),
  );
  // Probes in one query and not the other is a ratio sloprobe never computes.
  if (organic[0] !== organic[1]) return 'only one of its queries leaves synthetic (probe) series out';
  const includeSynthetic = !organic[0];
  if (
    ratio.good !== undefined &&
    numerator.metric === SLI_LATENCY_BUCKET &&
    total.metric === SLI_LATENCY_COUNT
  ) {
    const le = numerator.matchers.find((m) => m.label === 'le' && m.op === '=');
    const seconds = le ? Number(le.value) : Number.NaN;
    if (!Number.isFinite(seconds) || seconds <= 0) return 'the latency query has no le="SECONDS" bound';
    // Whole microseconds: 0.2 s is 200 ms, not 200.00000000000003.
    return { kind: 'latency', over, includeSynthetic, thresholdMs: Math.round(seconds * 1e6) / 1e3 };
  }
  if (ratio.bad !== undefined && numerator.metric === REQUESTS && total.metric === REQUESTS) {
    const code = numerator.matchers.find((m) => m.label === 'code' && m.op === '=~');
    const errorStatuses = code ? code.value.split('|').map(Number) : undefined;
    if (errorStatuses?.some((s) => !Number.isInteger(s))) return 'the code matcher lists no status codes';
    return { kind: 'availability', over, includeSynthetic, errorStatuses: errorStatuses ?? [500] };
  }
  return `${numerator.metric} over ${total.metric} is not an SLI sloprobe computes`;
}

function scopeOf(matchers: readonly Matcher[]): MappedSli['over'] | undefined {
  for (const kind of ['route', 'category', 'class']) {
    const m = matchers.find((x) => x.label === kind && x.op === '=');
    if (m) return { [kind]: m.value };
  }
  return matchers.some((m) => m.label === 'route' && m.op === '!=' && m.value === 'unmatched')
    ? 'all'
    : undefined;
}

/** A rolling `30d` -> "30d"; a calendar-aligned `1M` -> "calendar-month" and its zone. */
function mapPeriod(timeWindow: unknown): { period: string; timeZone?: string } | undefined {
  const w = Array.isArray(timeWindow) && timeWindow.length === 1 ? timeWindow[0] : undefined;
  if (!isObject(w)) return undefined;
  if (w.isRolling === true) {
    const ms = shorthandMs(w.duration);
    return ms === undefined ? undefined : { period: formatDuration(ms) };
  }
  if (w.duration !== '1M' || !isObject(w.calendar)) return undefined;
  const zone = w.calendar.timeZone;
  return { period: 'calendar-month', timeZone: typeof zone === 'string' ? zone : 'UTC' };
}
