// Records (`[a, b]`), `nil` and ADT values (`$Branch(a, b)`) are values built from values. Each is
// one canonical string, interned like a symbol, so equal records have equal codes and joins on
// them compare codes only: "\u0000[" fields "]", "\u0000nil", or "\u0001Branch[" fields "]".
// Fields are separated by ",": a number as its decimal text, a symbol as a JSON string, a nested
// record or ADT value as its own string, embedded as it is. A JSON string escapes U+0000 and U+0001,
// so a raw one always starts a nested value, and the text grows with the value's size, never with
// its depth (nested values are never escaped again).
import type { Value } from "./values.js";
import { isStructured, structuredOrd } from "../builtins/structured.js";

export { isStructured, structuredOrd };

const RECORD = "\u0000";
const BRANCH = "\u0001";
/** The empty record `nil`. */
export const NIL = "\u0000nil";

const parsed = new Map<string, readonly Value[]>();

function encodeField(v: Value): string {
  if (typeof v === "number") return Object.is(v, -0) ? "0" : String(v);
  return isStructured(v) ? v : JSON.stringify(v);
}

/** `[a, b, ...]`. */
export function makeRecord(fields: readonly Value[]): string {
  let s = RECORD + "[";
  for (let i = 0; i < fields.length; i++) s += (i > 0 ? "," : "") + encodeField(fields[i]!);
  return s + "]";
}

/** `$Branch(a, ...)`. */
export function makeBranch(branch: string, args: readonly Value[]): string {
  let s = BRANCH + branch + "[";
  for (let i = 0; i < args.length; i++) s += (i > 0 ? "," : "") + encodeField(args[i]!);
  return s + "]";
}

/** The end (exclusive) of the structured value that starts at `at` in `s`. */
function skipStructured(s: string, at: number): number {
  if (s.startsWith(NIL, at)) return at + NIL.length;
  let i = s.indexOf("[", at) + 1;
  for (let depth = 1; depth > 0; ) {
    const c = s.charCodeAt(i);
    if (c === 34) {
      // A JSON string: skip to its closing quote.
      for (i++; s.charCodeAt(i) !== 34; i++) if (s.charCodeAt(i) === 92) i++;
      i++;
    } else {
      if (c === 91) depth++;
      else if (c === 93) depth--;
      i++;
    }
  }
  return i;
}

/** The fields of a structured value whose field list starts at `open` (its `[`). */
function parseFields(s: string, open: number): Value[] {
  const out: Value[] = [];
  let i = open + 1;
  if (s.charCodeAt(i) === 93) return out;
  for (;;) {
    const c = s.charCodeAt(i);
    let end: number;
    if (c === 0 || c === 1) {
      end = skipStructured(s, i);
      out.push(s.slice(i, end));
    } else if (c === 34) {
      end = i + 1;
      while (s.charCodeAt(end) !== 34) end += s.charCodeAt(end) === 92 ? 2 : 1;
      end++;
      out.push(JSON.parse(s.slice(i, end)) as string);
    } else {
      end = i;
      while (s.charCodeAt(end) !== 44 && s.charCodeAt(end) !== 93) end++;
      out.push(Number(s.slice(i, end)));
    }
    if (s.charCodeAt(end) === 93) return out;
    i = end + 1;
  }
}

/** The branch (null for a record) and the fields of a structured value; `nil` has neither. */
export function structuredParts(v: string): { readonly branch: string | null; readonly fields: readonly Value[] } | null {
  if (v === NIL) return null;
  const open = v.indexOf("[");
  let fields = parsed.get(v);
  if (fields === undefined) {
    fields = parseFields(v, open);
    if (parsed.size > 100_000) parsed.clear();
    parsed.set(v, fields);
  }
  return { branch: v.charCodeAt(0) === 0 ? null : v.slice(1, open), fields };
}

/** The fields of `v` when it is a record (branch null) or that ADT branch with `arity` fields, else null. */
export function unpack(v: Value, branch: string | null, arity: number): readonly Value[] | null {
  if (typeof v !== "string") return null;
  const head = branch === null ? RECORD + "[" : BRANCH + branch + "[";
  if (!v.startsWith(head)) return null;
  const fields = structuredParts(v)!.fields;
  return fields.length === arity ? fields : null;
}

/**
 * A value as Soufflé prints it: `[1, abc, nil]`, `$Cons(1, $Nil)`; symbols inside are bare, or with
 * `quoted` (Soufflé's `rfc4180=true` writer) in double quotes, a `"` inside written `\"`.
 */
export function showStructured(s: string, quoted = false): string {
  const parts = structuredParts(s);
  if (parts === null) return "nil";
  const fields = parts.fields.map((f) => showField(f, quoted)).join(", ");
  if (parts.branch === null) return `[${fields}]`;
  return parts.fields.length === 0 ? `$${parts.branch}` : `$${parts.branch}(${fields})`;
}

function showField(v: Value, quoted: boolean): string {
  if (typeof v !== "string") return String(v);
  if (isStructured(v)) return showStructured(v, quoted);
  return quoted ? `"${v.replace(/"/g, '\\"')}"` : v;
}

