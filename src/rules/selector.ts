/**
 * The `--selector '{job="payments"}'` of `sloprobe rules` and `report --prometheus`: label
 * matchers that pick the sidecars' series out of everything a Prometheus scrapes. Parsed
 * here, once, so a typo is a usage error (exit 2) instead of a rule file promtool rejects.
 */
import { UsageError } from '../errors.js';

export interface Matcher {
  readonly name: string;
  readonly op: '=' | '!=' | '=~' | '!~';
  readonly value: string;
}

const MATCHER = /^\s*([a-zA-Z_][a-zA-Z0-9_]*)\s*(=~|!~|!=|=)\s*"((?:[^"\\]|\\.)*)"\s*(,|$)/;

/** Parses `{a="b", c=~"d|e"}` (braces optional, empty allowed). */
export function parseSelector(text: string | undefined): Matcher[] {
  if (text === undefined) return [];
  let body = text.trim();
  if (body.startsWith('{')) {
    if (!body.endsWith('}')) throw new UsageError(`--selector ${text}: missing the closing "}"`);
    body = body.slice(1, -1);
  }
  const out: Matcher[] = [];
  let rest = body.trim();
  while (rest !== '') {
    const m = MATCHER.exec(rest);
    if (!m) {
      throw new UsageError(
        `--selector ${text}: "${rest}" is not a label matcher (write {job="payments"} or {namespace=~"pay-.*"})`,
      );
    }
    out.push({ name: m[1]!, op: m[2] as Matcher['op'], value: m[3]! });
    rest = rest.slice(m[0].length).trim();
    if (m[4] === '' && rest !== '') throw new UsageError(`--selector ${text}: matchers are separated by ","`);
  }
  return out;
}

/** Escapes a string for a PromQL double-quoted literal. */
export function quote(value: string): string {
  return `"${value.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n')}"`;
}

/** Escapes a literal for a PromQL regex (RE2, fully anchored by Prometheus). */
export function regexLiteral(value: string): string {
  return value.replace(/[\\.+*?()|[\]{}^$]/g, '\\$&');
}

/** `a="b",c=~"d"` for inside braces. Matcher values are kept as the user escaped them. */
export function renderMatchers(matchers: readonly Matcher[]): string {
  return matchers.map((m) => `${m.name}${m.op}"${m.value}"`).join(',');
}
