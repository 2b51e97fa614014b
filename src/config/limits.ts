/**
 * Bounds on what a config may make the loader do, so a hostile or mistaken file fails with a
 * positioned problem in bounded time and memory instead of hanging or exhausting the heap.
 * Measured on Node 20 with yaml 2.9 (README, Configuration, "Limits"): parsing costs about
 * 1 KB of heap per YAML value, a mapping with duplicate-key checks by yaml itself is
 * quadratic in its keys (40,000 keys: 78 s), every alias resolved by yaml walks the whole
 * document, and each route of `run` holds about 70 KB of histograms.
 *
 * Two passes: `scanTokens` runs yaml's lexer (no tree is built) before parsing and stops at
 * the first value, alias or flow bracket over its limit; `checkDocument` walks the parsed
 * document once, with aliases expanded through a memo, for block nesting, the expanded size,
 * aliases without an anchor and duplicate keys (linear, replacing yaml's own check).
 */
import { CST, type Document, isAlias, isMap, isPair, isScalar, isSeq, Lexer, type Node } from 'yaml';
import type { Problems, SourceMap } from './positions.js';

export const LIMITS = {
  /** YAML values (scalars, aliases, flow collections) in the text, and once aliases are expanded. */
  values: 100_000,
  /** Nesting of collections, counting the levels an alias brings in. */
  depth: 32,
  /** Alias nodes (`*name`); real configs use a handful. */
  aliases: 1_000,
  /** Routes in `routes:` (the GitHub REST API imports as about 1,200). */
  routes: 5_000,
} as const;

/** Lexes `text` and records the first limit it crosses; true when within the limits. */
export function scanTokens(text: string, map: SourceMap, problems: Problems): boolean {
  let offset = 0;
  let values = 0;
  let aliases = 0;
  let depth = 0;
  let atScalar = false;
  const fail = (problem: string): false => {
    problems.addAt(map.at(offset), problem);
    return false;
  };
  for (const token of new Lexer().lex(text)) {
    // The parser's offset rules (yaml parse/parser.js): markers take no room in the text.
    if (atScalar) {
      atScalar = false;
      offset += token.length;
      continue;
    }
    const type = CST.tokenType(token);
    switch (type) {
      case 'scalar':
        atScalar = true;
        values++;
        break;
      case 'single-quoted-scalar':
      case 'double-quoted-scalar':
        values++;
        break;
      case 'alias':
        values++;
        if (++aliases > LIMITS.aliases)
          return fail(`more than ${LIMITS.aliases} aliases (*name); write the values out, or share fewer`);
        break;
      case 'flow-map-start':
      case 'flow-seq-start':
        values++;
        if (++depth > LIMITS.depth)
          return fail(`nested more than ${LIMITS.depth} levels deep; no sloprobe setting nests that deep`);
        break;
      case 'flow-map-end':
      case 'flow-seq-end':
        depth = Math.max(0, depth - 1);
        break;
    }
    if (values > LIMITS.values) return fail(tooManyValues(''));
    if (type !== 'scalar' && type !== 'doc-mode' && type !== 'flow-error-end') offset += token.length;
  }
  return true;
}

function tooManyValues(how: string): string {
  return `the config has more than ${LIMITS.values} YAML values${how} (a route takes about 10); is this the intended file?`;
}

interface Measure {
  readonly size: number;
  readonly height: number;
}

/**
 * Walks the parsed document once and records its problems (each at its node): nesting
 * beyond the limit, the expanded size over the limit, aliases with no anchor before them,
 * and keys repeated in one mapping. Resolves aliases as yaml does (the last node with that
 * anchor before the alias, in document order) without yaml's per-alias document walk.
 */
/** Returns true when it stopped at nesting beyond the limit. */
export function checkDocument(doc: Document, map: SourceMap, problems: Problems): boolean {
  const anchors = new Map<string, Node>();
  const measured = new Map<Node, Measure>();
  const open = new Set<Node>();
  let total = 0;
  let stopped = false;
  let tooDeep = false;
  const at = (node: unknown) => map.at((node as Node).range?.[0] ?? 0);
  const stop = (node: unknown, problem: string) => {
    problems.addAt(at(node), problem);
    stopped = true;
  };

  // Returns the node's expanded size and height (levels of collections, 1 for a scalar).
  function walk(node: unknown, depth: number): Measure {
    if (stopped || node == null) return { size: 0, height: 0 };
    if (isAlias(node)) {
      const target = anchors.get(node.source);
      if (!target) {
        // A bare `*` (no name) is yaml's BAD_ALIAS error, explained by the loader.
        if (node.source)
          problems.addAt(
            at(node),
            `*${node.source} is YAML alias syntax with no anchor; quote it: "*${node.source}"`,
          );
        return { size: 1, height: 1 };
      }
      if (open.has(target)) {
        stop(node, `*${node.source} refers to the node it is part of (a cycle); write the value out`);
        return { size: 1, height: 1 };
      }
      const m = measured.get(target) ?? { size: 1, height: 1 };
      if (depth + m.height - 1 > LIMITS.depth) {
        tooDeep = true;
        stop(node, `*${node.source} nests the config more than ${LIMITS.depth} levels deep here`);
      }
      total += m.size;
      if (!stopped && total > LIMITS.values) stop(node, tooManyValues(' once its aliases are expanded'));
      return m;
    }
    const n = node as Node;
    if (n.anchor) anchors.set(n.anchor, n);
    let m: Measure;
    if (isMap(n) || isSeq(n)) {
      if (depth > LIMITS.depth) {
        tooDeep = true;
        stop(n, `nested more than ${LIMITS.depth} levels deep; no sloprobe setting nests that deep`);
        return { size: 1, height: 1 };
      }
      total++;
      open.add(n);
      let size = 1;
      let height = 0;
      const keys = isMap(n) ? new Set<string>() : undefined;
      for (const item of n.items) {
        if (stopped) break;
        if (isPair(item)) {
          if (keys && isScalar(item.key)) {
            const k = `${typeof item.key.value}:${String(item.key.value)}`;
            if (keys.has(k)) {
              problems.addAt(
                at(item.key),
                `duplicate key "${String(item.key.value)}" in the same mapping (YAML keeps only one of them)`,
              );
            }
            keys.add(k);
          }
          const a = walk(item.key, depth + 1);
          const b = walk(item.value, depth + 1);
          size += a.size + b.size;
          height = Math.max(height, a.height, b.height);
        } else {
          const a = walk(item, depth + 1);
          size += a.size;
          height = Math.max(height, a.height);
        }
      }
      open.delete(n);
      m = { size, height: height + 1 };
    } else {
      total++;
      m = { size: 1, height: 1 };
    }
    if (n.anchor) measured.set(n, m);
    if (!stopped && total > LIMITS.values) stop(n, tooManyValues(''));
    return m;
  }
  walk(doc.contents, 1);
  return tooDeep;
}
