// Records (`[a, b]`), `nil` and ADT values (`$Branch(a, b)`) are values built from values. Each is
// one canonical string, interned like a symbol, so equal records have equal codes and joins on
// them compare codes only: "\u0000" + the JSON array of the fields, "\u0000nil", or
// "\u0001Branch" + the JSON array of the arguments. Fields are numbers, symbols, or nested values.
import type { Value } from "./values.js";

const RECORD = "\u0000";
const BRANCH = "\u0001";
/** The empty record `nil`. */
export const NIL = "\u0000nil";

const parsed = new Map<string, readonly Value[] | null>();

/** `[a, b, ...]`. */
export function makeRecord(fields: readonly Value[]): string {
  return RECORD + JSON.stringify(fields);
}

/** `$Branch(a, ...)`. */
export function makeBranch(branch: string, args: readonly Value[]): string {
  return BRANCH + branch + JSON.stringify(args);
}

/** The fields of `v` when it is a record (branch null) or that ADT branch with `arity` fields, else null. */
export function unpack(v: Value, branch: string | null, arity: number): readonly Value[] | null {
  if (typeof v !== "string") return null;
  const head = branch === null ? RECORD + "[" : BRANCH + branch + "[";
  if (!v.startsWith(head)) return null;
  let fields = parsed.get(v);
  if (fields === undefined) {
    fields = JSON.parse(v.slice(head.length - 1)) as Value[];
    if (parsed.size > 100_000) parsed.clear();
    parsed.set(v, fields);
  }
  return fields !== null && fields.length === arity ? fields : null;
}

/** Whether a stored symbol is a record, `nil` or an ADT value rather than text. */
export function isStructured(s: string): boolean {
  const c = s.charCodeAt(0);
  return c === 0 || c === 1;
}

/** A value as Soufflé prints it: `[1, abc, nil]`, `$Cons(1, $Nil)`; symbols inside are bare. */
export function showStructured(s: string): string {
  if (s === NIL) return "nil";
  if (s.startsWith(RECORD)) return `[${(JSON.parse(s.slice(1)) as Value[]).map(showField).join(", ")}]`;
  const open = s.indexOf("[");
  const args = JSON.parse(s.slice(open)) as Value[];
  const name = `$${s.slice(1, open)}`;
  return args.length === 0 ? name : `${name}(${args.map(showField).join(", ")})`;
}

function showField(v: Value): string {
  return typeof v === "string" ? (isStructured(v) ? showStructured(v) : v) : String(v);
}
