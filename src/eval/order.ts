// The constructs whose result depends on the order tuples arrive in: `choice-domain` (the first tuple
// per key stays), `autoinc()` (the next number per evaluation) and subsumption (a dominated tuple is
// removed). Their state hangs off the relation or value table it belongs to, so clones start afresh.
import type { Relation } from "./relation.js";
import type { ValueTable } from "./values.js";

interface ChoiceState {
  /** Rows of the relation already entered into `taken`. */
  seen: number;
  readonly taken: Set<string>[];
}

const choices = new WeakMap<Relation, ChoiceState>();

function keyOf(data: ArrayLike<number>, base: number, cols: readonly number[]): string {
  let k = "";
  for (const c of cols) k += `${data[base + c]},`;
  return k;
}

/**
 * Whether `row` may enter `rel` under its `choice-domain` keys: no stored tuple has any of its keys.
 * The keys of stored rows are caught up lazily, so facts inserted by any path count; a relation
 * that shrank (a reset) is read again from the start.
 */
export function choose(rel: Relation, keys: readonly (readonly number[])[], row: readonly number[]): boolean {
  let st = choices.get(rel);
  if (st === undefined || rel.size < st.seen) {
    st = { seen: 0, taken: keys.map(() => new Set<string>()) };
    choices.set(rel, st);
  }
  const data = rel.data;
  const arity = rel.arity;
  for (; st.seen < rel.size; st.seen++) for (let k = 0; k < keys.length; k++) st.taken[k]!.add(keyOf(data, st.seen * arity, keys[k]!));
  for (let k = 0; k < keys.length; k++) if (st.taken[k]!.has(keyOf(row, 0, keys[k]!))) return false;
  return true;
}

const counters = new WeakMap<ValueTable, { n: number }>();

/** The state of `autoinc()` per engine (its values, 0, 1, 2, ..., come from `builtins/functors.ts`). */
export function autoincCounter(values: ValueTable): { n: number } {
  let c = counters.get(values);
  if (c === undefined) counters.set(values, (c = { n: 0 }));
  return c;
}

const dominatedRows = new WeakMap<Relation, number[]>();

/** Where a subsumption clause puts the codes of the tuples it finds dominated, `arity` per tuple. */
export function dominated(rel: Relation): number[] {
  let d = dominatedRows.get(rel);
  if (d === undefined) dominatedRows.set(rel, (d = []));
  return d;
}

/**
 * Removes the tuples collected by `dominated(rel)`, keeping the others in their order. Returns how
 * many of the first `mark` rows survive (the new mark), or `mark` when nothing was removed.
 */
export function removeDominated(rel: Relation, mark: number): number {
  const flat = dominatedRows.get(rel);
  if (flat === undefined || flat.length === 0) return mark;
  dominatedRows.delete(rel);
  const arity = rel.arity;
  const gone = new Set<string>();
  const all = Array.from({ length: arity }, (_, i) => i);
  for (let i = 0; i < flat.length; i += arity) gone.add(keyOf(flat, i, all));
  const data = rel.data;
  const kept: Int32Array[] = [];
  let newMark = 0;
  for (let r = 0; r < rel.size; r++) {
    if (gone.has(keyOf(data, r * arity, all))) continue;
    kept.push(data.slice(r * arity, (r + 1) * arity));
    if (r < mark) newMark++;
  }
  if (kept.length === rel.size) return mark;
  rel.clear();
  for (const row of kept) rel.insertRow(row);
  return newMark;
}
