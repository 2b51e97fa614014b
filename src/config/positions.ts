/**
 * Maps a key path in the parsed config (`['routes', 3, 'latency', 'p99']`) back to the YAML
 * node it came from, so every problem names file:line:column, and collects the problems of
 * one load so they are all reported together.
 */
import {
  type Alias,
  type Document,
  isAlias,
  isMap,
  isPair,
  isScalar,
  isSeq,
  type LineCounter,
  type Node,
  visit,
} from 'yaml';
import { ConfigError, type SourcePosition } from '../errors.js';

export type KeyPath = readonly (string | number)[];

const PLAIN_KEY_RE = /^[A-Za-z0-9_-]+$/;

/** `routes[3].latency.p99`; keys that are not plain words are quoted: `latency["p99.9"]`. */
export function formatKeyPath(path: KeyPath): string {
  let out = '';
  for (const seg of path) {
    if (typeof seg === 'number') out += `[${seg}]`;
    else if (PLAIN_KEY_RE.test(seg)) out += out === '' ? seg : `.${seg}`;
    else out += `[${JSON.stringify(seg)}]`;
  }
  return out;
}

/** Decodes an ajv `instancePath` (JSON pointer) into segments; numbers for array indexes. */
export function fromJsonPointer(pointer: string, root: unknown): (string | number)[] {
  if (pointer === '') return [];
  const out: (string | number)[] = [];
  let value: unknown = root;
  for (const raw of pointer.slice(1).split('/')) {
    const seg = raw.replace(/~1/g, '/').replace(/~0/g, '~');
    if (Array.isArray(value)) {
      out.push(Number(seg));
      value = value[Number(seg)];
    } else {
      out.push(seg);
      value =
        value !== null && typeof value === 'object' ? (value as Record<string, unknown>)[seg] : undefined;
    }
  }
  return out;
}

export class SourceMap {
  #doc: Document | undefined;
  readonly #lines: LineCounter;
  readonly #file: string;
  /** Alias -> its node, built on first use: yaml's `Alias.resolve` walks the whole document per call. */
  #targets: Map<Alias, unknown> | undefined;

  /** `doc` may come later (`attach`): problems found before parsing need only `lines`. */
  constructor(doc: Document | undefined, lines: LineCounter, file: string) {
    this.#doc = doc;
    this.#lines = lines;
    this.#file = file;
  }

  /** The parsed document `position` looks paths up in. */
  attach(doc: Document): void {
    this.#doc = doc;
    this.#targets = undefined;
  }

  /** Position of a character offset in the file. */
  at(offset: number): SourcePosition {
    const { line, col } = this.#lines.linePos(offset);
    return { file: this.#file, line, column: col };
  }

  /**
   * Position of the node at `path`: of its value, or of its key (`key: true`, for unknown or
   * misspelled keys). When the path does not exist (a missing key), the deepest node that
   * does exist: the mapping the key is missing from.
   */
  position(path: KeyPath, options: { key?: boolean } = {}): SourcePosition {
    let node: unknown = this.#doc?.contents;
    let offset = node && (node as Node).range ? (node as Node).range![0] : 0;
    for (let i = 0; i < path.length; i++) {
      node = this.#deref(node);
      const seg = path[i]!;
      const last = i === path.length - 1;
      let next: unknown;
      if (isMap(node)) {
        const pair = node.items.find(
          (p) => isPair(p) && isScalar(p.key) && String(p.key.value) === String(seg),
        );
        if (pair && last && options.key && isScalar(pair.key) && pair.key.range)
          return this.at(pair.key.range[0]);
        // `key:` with nothing after it has no value node: point at the key.
        if (pair && pair.value == null && isScalar(pair.key) && pair.key.range)
          return this.at(pair.key.range[0]);
        next = pair?.value;
      } else if (isSeq(node) && typeof seg === 'number') {
        next = node.items[seg];
      }
      const range = next ? (this.#deref(next) as Node | undefined)?.range : undefined;
      if (!range) break;
      node = next;
      offset = range[0];
    }
    return this.at(offset);
  }

  #deref(node: unknown): unknown {
    if (!isAlias(node) || !this.#doc) return node;
    if (!this.#targets) {
      // As yaml resolves: the last node with the anchor before the alias, in document order.
      const targets = new Map<Alias, unknown>();
      const anchors = new Map<string, unknown>();
      visit(this.#doc, {
        Node(_, n) {
          if (isAlias(n)) targets.set(n, anchors.get(n.source));
          else if (n.anchor) anchors.set(n.anchor, n);
        },
      });
      this.#targets = targets;
    }
    return this.#targets.get(node);
  }
}

/** Collects the problems of one load; each located by key path through the source map. */
export class Problems {
  readonly #map: SourceMap;
  readonly #list: ConfigError[] = [];
  readonly #paths = new Set<string>();

  constructor(map: SourceMap) {
    this.#map = map;
  }

  get count(): number {
    return this.#list.length;
  }

  /** Records `problem` at the value (or, with `key: true`, the key) at `path`. */
  add(path: KeyPath, problem: string, options: { key?: boolean } = {}): void {
    const keyPath = formatKeyPath(path);
    this.#paths.add(keyPath);
    this.#list.push(new ConfigError(problem, keyPath, this.#map.position(path, options)));
  }

  /** True when a problem was already reported at `path` (the resolver then stays quiet there). */
  has(path: KeyPath): boolean {
    return this.#paths.has(formatKeyPath(path));
  }

  /** Records a problem that has its own position (YAML syntax errors). */
  addAt(position: SourcePosition, problem: string, keyPath = ''): void {
    this.#list.push(new ConfigError(problem, keyPath, position));
  }

  /** `file:line:col` of a path, to point from one problem to a related place. */
  where(path: KeyPath): string {
    const p = this.#map.position(path);
    return `${p.file}:${p.line}:${p.column}`;
  }

  /** All problems in file order, each reported once. */
  sorted(): ConfigError[] {
    const unique = new Map<string, ConfigError>();
    for (const e of this.#list) if (!unique.has(e.message)) unique.set(e.message, e);
    return [...unique.values()].sort(
      (a, b) =>
        (a.position?.line ?? 0) - (b.position?.line ?? 0) ||
        (a.position?.column ?? 0) - (b.position?.column ?? 0),
    );
  }
}
