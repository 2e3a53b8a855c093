// The facts explain reads: an evaluated engine (what holds), and the input facts with the file and
// line each came from. Indexes are built lazily, per relation and bound columns, only for what a
// question touches.
import type { Engine } from "../eval/engine.js";
import { compareValues, type Tuple, type Value } from "../eval/values.js";
import { finish, mix } from "../eval/relation.js";
import type { PrimitiveType } from "../syntax/ast.js";
import type { FactOrigin, InputFacts } from "./explain.js";
import type { FactModel } from "./solve.js";

/** The facts that hold after an engine's run. */
export class EngineModel implements FactModel {
  private readonly rows = new Map<string, readonly Tuple[]>();
  private readonly indexes = new Map<string, CodeIndex>();

  constructor(readonly engine: Engine) {}

  has(relation: string, tuple: Tuple): boolean {
    return this.engine.has(relation, tuple);
  }

  size(relation: string): number {
    return this.engine.size(relation);
  }

  /** Where the engine stored the fact among its relation's rows (rows are appended as they are derived), or -1. */
  position(relation: string, tuple: Tuple): number {
    const { data, size, arity, types } = this.engine.rows(relation);
    const cols = types.map((_, c) => c);
    const codes = this.codes(types, cols, tuple);
    if (codes === null) return -1;
    const index = this.index(relation, cols, data, size, arity);
    return index === null ? scan(data, size, arity, cols, codes, true)[0] ?? -1 : index.first(codes);
  }

  /** Lookups per relation and columns so far: the first few scan the rows, later ones build an index. */
  private readonly uses = new Map<string, number>();

  /**
   * The index of `relation` on `cols`, or null while a scan is cheaper: a question often reads a
   * large relation a few times only, and one scan of its codes costs far less than hashing every row.
   */
  private index(relation: string, cols: readonly number[], data: Int32Array, size: number, arity: number): CodeIndex | null {
    const name = `${relation}/${cols.join(",")}`;
    const used = (this.uses.get(name) ?? 0) + 1;
    this.uses.set(name, used);
    if (used <= SCANS && size > 64) return null;
    let index = this.indexes.get(name);
    if (index === undefined || index.size !== size) this.indexes.set(name, (index = new CodeIndex(data, size, arity, cols)));
    return index;
  }

  /** The codes of `key` in columns `cols`, or null when some value was never stored (so nothing matches). */
  private codes(types: readonly PrimitiveType[], cols: readonly number[], key: readonly Value[]): Int32Array | null {
    const vt = this.engine.valueTable;
    const codes = new Int32Array(cols.length);
    for (let k = 0; k < cols.length; k++) {
      const type = types[cols[k]!]!;
      const v = key[k]!;
      const code = type === "symbol" ? (typeof v === "string" ? vt.symbolIfKnown(v) : -1) : vt.encode(type, v);
      if (code === null || (type === "symbol" && code === -1)) return null;
      codes[k] = code;
    }
    return codes;
  }

  lookup(relation: string, cols: readonly number[], key: readonly Value[]): readonly Tuple[] {
    if (cols.length === 0) {
      let all = this.rows.get(relation);
      if (all === undefined) this.rows.set(relation, (all = this.engine.tuples(relation)));
      return all;
    }
    // Keyed: an index over the engine's row codes, built once per relation and columns; only the
    // matching rows are decoded, so a question about a large relation reads a few of its rows, not all.
    const { data, size, arity, types } = this.engine.rows(relation);
    const codes = this.codes(types, cols, key);
    if (codes === null) return [];
    const index = this.index(relation, cols, data, size, arity);
    const vt = this.engine.valueTable;
    const out: Tuple[] = [];
    const decode = (row: number): void => {
      const t: Value[] = new Array(arity);
      for (let c = 0; c < arity; c++) t[c] = vt.decode(types[c]!, data[row * arity + c]!);
      out.push(t);
    };
    if (index === null) for (const row of scan(data, size, arity, cols, codes, false)) decode(row);
    else for (let row = index.first(codes); row !== -1; row = index.next[row]!) decode(row);
    // The order `tuples` gives (column by column), so answers do not depend on how rows were stored.
    if (out.length > 1) out.sort((a, b) => {
      for (let c = 0; c < arity; c++) {
        const d = compareValues(types[c]!, a[c]!, b[c]!);
        if (d !== 0) return d;
      }
      return 0;
    });
    return out;
  }
}

/** How many lookups of one relation on some columns scan its rows before an index is built. */
const SCANS = 8;

/** The rows (in storage order) whose columns `cols` hold `codes`; only the first when `one`. */
function scan(data: Int32Array, size: number, arity: number, cols: readonly number[], codes: Int32Array, one: boolean): number[] {
  const out: number[] = [];
  const k = cols.length;
  if (k === 1) {
    const c0 = cols[0]!;
    const v0 = codes[0]!;
    for (let row = 0, at = c0; row < size; row++, at += arity) {
      if (data[at] === v0) {
        out.push(row);
        if (one) break;
      }
    }
    return out;
  }
  rows: for (let row = 0, base = 0; row < size; row++, base += arity) {
    for (let j = 0; j < k; j++) if (data[base + cols[j]!] !== codes[j]) continue rows;
    out.push(row);
    if (one) break;
  }
  return out;
}

/** Rows of one relation chained by the codes in some columns: open addressing on the key's hash, one chain per key. */
class CodeIndex {
  private readonly heads: Int32Array;
  readonly next: Int32Array;
  private readonly mask: number;

  constructor(
    private readonly data: Int32Array,
    readonly size: number,
    private readonly arity: number,
    private readonly cols: readonly number[],
  ) {
    let slots = 16;
    while (slots < size * 2) slots *= 2;
    this.heads = new Int32Array(slots).fill(-1);
    this.mask = slots - 1;
    this.next = new Int32Array(Math.max(1, size)).fill(-1);
    // Backwards, so each chain lists its rows in the order they were stored.
    for (let row = size - 1; row >= 0; row--) {
      const slot = this.slotOf(data.subarray(row * arity, row * arity + arity), true);
      this.next[row] = this.heads[slot]!;
      this.heads[slot] = row;
    }
  }

  /** The first row whose key columns hold `codes`, or -1. */
  first(codes: Int32Array): number {
    const head = this.heads[this.slotOf(codes, false)]!;
    return head;
  }

  /** The slot of a key: given a row (`ofRow`) its key columns are read, else `key` is the key. */
  private slotOf(key: Int32Array, ofRow: boolean): number {
    const { cols, data, arity } = this;
    let h = 0;
    for (let k = 0; k < cols.length; k++) h = mix(h, key[ofRow ? cols[k]! : k]!);
    let slot = finish(h) & this.mask;
    for (;;) {
      const head = this.heads[slot]!;
      if (head === -1) return slot;
      let same = true;
      for (let k = 0; k < cols.length; k++) {
        if (data[head * arity + cols[k]!] !== key[ofRow ? cols[k]! : k]) {
          same = false;
          break;
        }
      }
      if (same) return slot;
      slot = (slot + 1) & this.mask;
    }
  }
}

/** Input facts by relation, each with where it was read. */
export class InputIndex implements InputFacts {
  private readonly byRelation = new Map<string, Map<string, FactOrigin[]>>();

  /** Records `tuples` of `relation`, tuple i read at `origin(i)`. */
  add(relation: string, tuples: readonly Tuple[], origin: (i: number) => FactOrigin): void {
    let m = this.byRelation.get(relation);
    if (m === undefined) this.byRelation.set(relation, (m = new Map()));
    tuples.forEach((t, i) => {
      const k = JSON.stringify(t);
      const list = m.get(k);
      const o = origin(i);
      if (list === undefined) m.set(k, [o]);
      else if (!list.some((x) => x.file === o.file && x.replica === o.replica && x.epoch === o.epoch)) list.push(o);
    });
  }

  origins(relation: string, tuple: Tuple): readonly FactOrigin[] | null {
    return this.byRelation.get(relation)?.get(JSON.stringify(tuple)) ?? null;
  }
}

/**
 * The 1-based line of each record in fact text, in the order the fact reader returns them: a
 * byte-order mark and (with `headers`) the first line skipped, and empty lines (blank ones for
 * JSON Lines) holding no record, except in a relation without columns.
 */
export function recordLines(text: string, format: "tsv" | "jsonl", headers: boolean, arity: number): number[] {
  const out: number[] = [];
  let pos = text.charCodeAt(0) === 0xfeff ? 1 : 0;
  let line = 0;
  while (pos < text.length) {
    line++;
    let eol = text.indexOf("\n", pos);
    if (eol === -1) eol = text.length;
    const raw = text.slice(pos, eol).replace(/\r$/, "");
    pos = eol + 1;
    if (format === "jsonl") {
      if (raw.trim() !== "") out.push(line);
      continue;
    }
    if (headers && line === 1) continue;
    if (raw === "" && arity > 0) continue;
    out.push(line);
  }
  return out;
}

/** What reading one relation's input file gives: its tuples in file order, and where tuple i was read. */
export interface ReadInput {
  readonly tuples: readonly Tuple[];
  readonly origin: (i: number) => FactOrigin;
}

/**
 * Input facts read again, one relation at a time, only when a question first needs where one of
 * them came from: evaluation loads files its fastest way, and most relations are never asked about.
 */
export class LazyInputs implements InputFacts {
  private readonly index = new InputIndex();
  private readonly loaded = new Set<string>();

  constructor(private readonly read: ReadonlyMap<string, () => ReadInput>) {}

  origins(relation: string, tuple: Tuple): readonly FactOrigin[] | null {
    const read = this.read.get(relation);
    if (read === undefined) return null;
    if (!this.loaded.has(relation)) {
      this.loaded.add(relation);
      const { tuples, origin } = read();
      this.index.add(relation, tuples, origin);
    }
    return this.index.origins(relation, tuple);
  }
}
