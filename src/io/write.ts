// Writes relations as Soufflé does (`<relation>.csv`, tab-separated) or as JSON Lines. A file is
// written to a temporary name in the same directory and renamed, so a reader (or a failed run)
// never sees half of it.
import { renameSync, rmSync, writeFileSync } from "node:fs";
import { basename, dirname, join } from "node:path";
import type { Tuple, Value } from "../eval/values.js";
import type { FactFormat, FactSchema } from "./facts.js";
import { isStructured, showStructured } from "../eval/records.js";

/** A symbol as a fact-file field: the characters that would break the line are escaped. */
export function escapeSymbol(s: string): string {
  let plain = true;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c === 92 || c === 9 || c === 10 || c === 13) {
      plain = false;
      break;
    }
  }
  if (plain) return s;
  return s.replace(/[\\\t\n\r]/g, (c) => (c === "\\" ? "\\\\" : c === "\t" ? "\\t" : c === "\n" ? "\\n" : "\\r"));
}

function field(v: Value): string {
  return typeof v === "string" ? (isStructured(v) ? showStructured(v) : escapeSymbol(v)) : String(v);
}

/** The text of a relation in `format` (tuples are written in the order given). */
export function formatRelation(schema: FactSchema, tuples: readonly Tuple[], format: FactFormat, delimiter = "\t"): string {
  const parts: string[] = new Array(tuples.length);
  if (format === "jsonl") {
    for (let i = 0; i < tuples.length; i++) parts[i] = JSON.stringify(tuples[i]);
  } else {
    for (let i = 0; i < tuples.length; i++) {
      const t = tuples[i]!;
      // A nullary relation that holds is written `()`, as Soufflé does.
      parts[i] = t.length === 0 ? "()" : t.length === 1 ? field(t[0]!) : t.length === 2 ? `${field(t[0]!)}${delimiter}${field(t[1]!)}` : t.map(field).join(delimiter);
    }
  }
  void schema;
  return parts.length === 0 ? "" : parts.join("\n") + "\n";
}

/** Writes a relation to `path` atomically (temp file in the same directory, then rename). Throws the fs error. */
export function writeRelationFile(path: string, schema: FactSchema, tuples: readonly Tuple[], format: FactFormat, delimiter = "\t"): void {
  writeAtomically(path, formatRelation(schema, tuples, format, delimiter));
}

/** Writes `text` to a temporary sibling of `path`, then renames it over `path`. */
export function writeAtomically(path: string, text: string): void {
  const tmp = join(dirname(path), `.${basename(path)}.${process.pid}.${Math.random().toString(36).slice(2)}.tmp`);
  try {
    writeFileSync(tmp, text);
    renameSync(tmp, path);
  } catch (err) {
    rmSync(tmp, { force: true });
    throw err;
  }
}

/** Soufflé's header box for a relation printed to stdout (`-D -`). */
export function stdoutBlock(name: string, body: string): string {
  return `---------------\n${name}\n===============\n${body}===============\n`;
}
