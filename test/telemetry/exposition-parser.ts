/**
 * A small, strict parser of the Prometheus text format for tests: it fails on any line it
 * does not understand, so a malformed exposition cannot pass by being skipped.
 */
export interface Sample {
  readonly name: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly value: number;
}

export interface Exposition {
  readonly samples: Sample[];
  readonly types: Map<string, string>;
  readonly helps: Map<string, string>;
}

export function parseExposition(text: string): Exposition {
  const samples: Sample[] = [];
  const types = new Map<string, string>();
  const helps = new Map<string, string>();
  for (const line of text.split('\n')) {
    if (line === '') continue;
    let m = /^# TYPE ([a-zA-Z_:][a-zA-Z0-9_:]*) (counter|gauge|histogram|summary|untyped)$/.exec(line);
    if (m) {
      if (types.has(m[1]!)) throw new Error(`duplicate TYPE for ${m[1]}`);
      types.set(m[1]!, m[2]!);
      continue;
    }
    m = /^# HELP ([a-zA-Z_:][a-zA-Z0-9_:]*) (.*)$/.exec(line);
    if (m) {
      helps.set(m[1]!, m[2]!);
      continue;
    }
    if (line.startsWith('#')) continue;
    m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)(?: \d+)?$/.exec(line);
    if (!m) throw new Error(`unparsable line: ${line}`);
    samples.push({ name: m[1]!, labels: parseLabels(m[2] ?? ''), value: parseValue(m[3]!) });
  }
  return { samples, types, helps };
}

function parseValue(s: string): number {
  if (s === '+Inf') return Number.POSITIVE_INFINITY;
  if (s === '-Inf') return Number.NEGATIVE_INFINITY;
  // Go's ParseFloat (Prometheus) takes NaN in any case; prom-client writes `Nan`.
  if (/^nan$/i.test(s)) return Number.NaN;
  const v = Number(s);
  if (Number.isNaN(v)) throw new Error(`bad value ${s}`);
  return v;
}

function parseLabels(s: string): Record<string, string> {
  const out: Record<string, string> = {};
  let i = 0;
  while (i < s.length) {
    const m = /^([a-zA-Z_][a-zA-Z0-9_]*)="/.exec(s.slice(i));
    if (!m) throw new Error(`bad labels: ${s}`);
    i += m[0].length;
    let v = '';
    for (;;) {
      const c = s[i];
      if (c === undefined) throw new Error(`unterminated label value: ${s}`);
      i++;
      if (c === '"') break;
      if (c === '\\') {
        const e = s[i++];
        v += e === 'n' ? '\n' : e;
      } else v += c;
    }
    if (m[1]! in out) throw new Error(`duplicate label ${m[1]}`);
    out[m[1]!] = v;
    if (s[i] === ',') i++;
  }
  return out;
}

/** Samples of `name` whose labels include all of `match`. */
export function find(e: Exposition, name: string, match: Record<string, string> = {}): Sample[] {
  return e.samples.filter(
    (s) => s.name === name && Object.entries(match).every(([k, v]) => s.labels[k] === v),
  );
}

/** The single sample matching, or an error naming what was looked for. */
export function one(e: Exposition, name: string, match: Record<string, string> = {}): number {
  const found = find(e, name, match);
  if (found.length !== 1) throw new Error(`${found.length} samples for ${name} ${JSON.stringify(match)}`);
  return found[0]!.value;
}
