// The facts explain reads: an evaluated engine (what holds), and the input facts with the file and
// line each came from. Indexes are built lazily, per relation and bound columns, only for what a
// question touches.
import type { Engine } from "../eval/engine.js";
import type { Tuple, Value } from "../eval/values.js";
import type { FactOrigin, InputFacts } from "./explain.js";
import type { FactModel } from "./solve.js";

/** The facts that hold after an engine's run. */
export class EngineModel implements FactModel {
  private readonly rows = new Map<string, readonly Tuple[]>();
  private readonly indexes = new Map<string, Map<Value, Tuple[]>>();

  constructor(readonly engine: Engine) {}

  has(relation: string, tuple: Tuple): boolean {
    return this.engine.has(relation, tuple);
  }

  size(relation: string): number {
    return this.engine.size(relation);
  }

  lookup(relation: string, cols: readonly number[], key: readonly Value[]): readonly Tuple[] {
    let all = this.rows.get(relation);
    if (all === undefined) this.rows.set(relation, (all = this.engine.tuples(relation)));
    if (cols.length === 0) return all;
    const name = `${relation}/${cols.join(",")}`;
    let index = this.indexes.get(name);
    // One column: the value itself is the key (a number and a symbol never share a column).
    const keyOf = cols.length === 1 ? (t: readonly Value[], c: readonly number[]) => t[c[0]!]! : (t: readonly Value[], c: readonly number[]) => JSON.stringify(c.map((i) => t[i]));
    if (index === undefined) {
      index = new Map();
      for (const t of all) {
        const k = keyOf(t, cols);
        const list = index.get(k);
        if (list === undefined) index.set(k, [t]);
        else list.push(t);
      }
      this.indexes.set(name, index);
    }
    return index.get(cols.length === 1 ? key[0]! : JSON.stringify(key)) ?? [];
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
