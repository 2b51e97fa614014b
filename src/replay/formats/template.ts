/**
 * A log format string (nginx `log_format`, Envoy format strings) compiled into literals
 * and fields, and a line matched against it without a regular expression: each field ends
 * where the next literal starts. That is how those formats are meant to be read: nginx
 * escapes `"` inside values (`\x22`, or `\"` with `escape=json`) and Envoy writes `-` for
 * an empty value, so a literal such as `" ` cannot occur inside the field before it.
 */

export interface Template {
  /** Literal text between fields; literals[i] precedes field i, the last one ends the line. */
  readonly literals: readonly string[];
  /** Field names, in order. */
  readonly fields: readonly string[];
}

/** Splits `text` on `pattern`'s matches; the first capture group that matched names the field. */
export function compileTemplate(text: string, pattern: RegExp): Template {
  const literals: string[] = [];
  const fields: string[] = [];
  let last = 0;
  for (const m of text.matchAll(pattern)) {
    literals.push(text.slice(last, m.index));
    fields.push(m.slice(1).find((g) => g !== undefined) ?? m[0]);
    last = (m.index ?? 0) + m[0].length;
  }
  literals.push(text.slice(last));
  return { literals, fields };
}

/**
 * Matches s[start, end) against `t`; on success starts[i]/ends[i] bound field i. Two
 * fields with nothing between them cannot be told apart: the first takes everything.
 */
export function matchTemplate(
  t: Template,
  s: string,
  start: number,
  end: number,
  starts: Int32Array,
  ends: Int32Array,
): boolean {
  const lits = t.literals;
  let pos = start;
  const first = lits[0]!;
  if (first.length > 0) {
    if (!s.startsWith(first, pos)) return false;
    pos += first.length;
  }
  const n = t.fields.length;
  for (let i = 0; i < n; i++) {
    const lit = lits[i + 1]!;
    starts[i] = pos;
    if (i === n - 1) {
      // The last field runs to the closing literal at the end of the line.
      const close = end - lit.length;
      if (close < pos || (lit.length > 0 && !s.startsWith(lit, close))) return false;
      ends[i] = close;
      return true;
    }
    if (lit.length === 0) {
      ends[i] = end;
      pos = end;
      continue;
    }
    const at = s.indexOf(lit, pos);
    if (at < 0 || at + lit.length > end) return false;
    ends[i] = at;
    pos = at + lit.length;
  }
  // Only a template without fields gets here: the line must be its text.
  return end - start === first.length;
}
