// Writes relations as Soufflé does (`<relation>.csv`, tab-separated) or as JSON Lines. A file is
// written to a temporary name in the same directory and renamed, so a reader (or a failed run)
// never sees half of it.
import { closeSync, fsyncSync, openSync, rmSync } from "node:fs";
import { resolve as resolvePath } from "node:path";
import { commitTemp, tempSibling, writeAll, writeFileAtomic } from "../util/atomic-write.js";
import { LONE } from "../eval/symbols.js";
import type { Tuple, Value, ValueTable } from "../eval/values.js";
import type { PrimitiveType } from "../syntax/ast.js";
import type { FactFormat, FactSchema } from "./read-facts.js";
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

/** A field as Soufflé writes it: a symbol verbatim (backslashes and all); with `rfc4180`, quoted, a `"` written `\\""`. */
function field(v: Value, rfc4180 = false): string {
  if (typeof v !== "string") return String(v);
  // With `rfc4180`, a record or ADT is one quoted field: its symbols in quotes, every `"` doubled.
  if (isStructured(v)) return rfc4180 ? `"${showStructured(v, true).replace(/"/g, '""')}"` : showStructured(v);
  return rfc4180 ? quoteRfc4180(v) : v;
}

/** Soufflé's `rfc4180=true` symbol: in quotes, each `"` preceded by a backslash (Soufflé's own rule, not the RFC's `""`). */
export function quoteRfc4180(s: string): string {
  return `"${s.replace(/"/g, '\\""')}"`;
}

/** The text of a relation in `format` (tuples are written in the order given). */
export function formatRelation(schema: FactSchema, tuples: readonly Tuple[], format: FactFormat, delimiter = "\t", rfc4180 = false): string {
  const parts: string[] = new Array(tuples.length);
  if (format === "jsonl") {
    for (let i = 0; i < tuples.length; i++) parts[i] = JSON.stringify(tuples[i]!.map((v) => (typeof v === "string" && isStructured(v) ? showStructured(v) : v)));
  } else {
    for (let i = 0; i < tuples.length; i++) {
      const t = tuples[i]!;
      // A nullary relation that holds is written `()`, as Soufflé does.
      parts[i] = t.length === 0 ? "()" : t.length === 1 ? field(t[0]!, rfc4180) : t.length === 2 ? `${field(t[0]!, rfc4180)}${delimiter}${field(t[1]!, rfc4180)}` : t.map((v) => field(v, rfc4180)).join(delimiter);
    }
  }
  void schema;
  return parts.length === 0 ? "" : parts.join("\n") + "\n";
}

/** Writes a relation to `path` atomically (temp file in the same directory, then rename). Throws the fs error. */
export function writeRelationFile(path: string, schema: FactSchema, tuples: readonly Tuple[], format: FactFormat, delimiter = "\t"): void {
  writeFileAtomic(path, formatRelation(schema, tuples, format, delimiter));
}

/** Soufflé's header box for a relation printed to stdout (`-D -`), with the column names when `header` is given. */
export function stdoutBlock(name: string, body: string, header: string | null = null): string {
  return `---------------\n${name}${header === null ? "" : `\n${header}`}\n===============\n${body}===============\n`;
}

/** An IO directive's `key=value` parameters. */
export type IoParams = { readonly params: readonly { readonly key: { readonly name: string }; readonly value: string }[] };

/** What an `.output` directive says: its `key=value` parameters. */
export type OutputSchema = FactSchema & { readonly output: IoParams | null };

/** Where one `.output` relation goes and how its fields are separated. */
export interface OutputTarget {
  readonly name: string;
  /** Null: printed to stdout under Soufflé's header box (`-D -` or `IO=stdout`). */
  readonly path: string | null;
  readonly delimiter: string;
  readonly format: FactFormat;
  /** `headers=true`: the column names, joined by the `delimiter` parameter (a tab without one, as Soufflé does). */
  readonly header: string | null;
  /** `rfc4180=true`: symbols quoted. */
  readonly rfc4180: boolean;
  /** `compress=true`: the file is gzip. */
  readonly compress: boolean;
}

/**
 * Places an `.output` relation as its directive says (`filename`, relative to `outputDir`;
 * `IO=stdout`; `delimiter`, `headers`, `rfc4180`, `compress`) for output directory `outputDir` (`-`
 * for stdout, which prints the column names too, as Soufflé's `-D-` does). The one place that reads
 * these parameters: `run` writes the relation from its codes, `evaluate -D` from its tuples. A
 * relation with several `.output` directives has one target per directive.
 */
export function outputTarget(schema: OutputSchema, outputDir: string, format: FactFormat = "tsv", directive: IoParams | null = schema.output): OutputTarget {
  const param = (key: string): string | undefined => directive?.params.find((p) => p.key.name === key)?.value;
  const rfc4180 = param("rfc4180") === "true";
  const delimiter = param("delimiter") ?? (rfc4180 ? "," : "\t");
  const toStdout = outputDir === "-" || param("IO") === "stdout";
  const names = schema.columns.map((c) => c.name).join(param("delimiter") ?? "\t");
  const header = param("headers") === "true" || outputDir === "-" ? names : null;
  const compress = param("compress") === "true";
  if (toStdout) return { name: schema.name, path: null, delimiter, format, header, rfc4180, compress: false };
  const filename = param("filename") ?? `${schema.name}.${format === "jsonl" ? "jsonl" : "csv"}`;
  return { name: schema.name, path: resolvePath(outputDir, filename), delimiter, format, header, rfc4180, compress };
}

/** Where one `.output` relation goes and its text: a file, or stdout (`-D -` or `IO=stdout`). */
export interface PlannedOutput {
  readonly name: string;
  /** Null: printed to stdout under Soufflé's header box. */
  readonly path: string | null;
  readonly text: string;
  /** The column names to print under the name when the relation goes to stdout. */
  readonly header: string | null;
}

/** An `.output` relation's place (see `outputTarget`) and its text, formatted from tuples before anything is written. */
export function planOutput(schema: OutputSchema, tuples: readonly Tuple[], outputDir: string, format: FactFormat = "tsv"): PlannedOutput {
  const target = outputTarget(schema, outputDir, format);
  const text = formatRelation(schema, tuples, format, target.delimiter, target.rfc4180);
  return { name: target.name, path: target.path, text: target.header === null || target.path === null || format === "jsonl" ? text : `${target.header}\n${text}`, header: target.header };
}

/** A relation's rows as codes, `arity` per row (see `Engine.rows`). */
export interface CodeRows {
  readonly data: Int32Array;
  readonly size: number;
  readonly arity: number;
  readonly types: readonly PrimitiveType[];
}

/** Output buffers are flushed at this size: few system calls, and no relation-sized string. */
const CHUNK = 1 << 20;

/**
 * Formats rows from their codes, in `order` (row numbers) or as stored when null, as `formatRelation`
 * does for tuples, and hands the bytes to `sink` in chunks of about 1 MiB. A symbol's bytes are
 * copied from the value table; only symbols that need escaping become strings.
 */
export function writeRows(rows: CodeRows, order: Uint32Array | null, values: ValueTable, format: FactFormat, delimiter: string, sink: (chunk: Uint8Array) => void, rfc4180 = false): void {
  const { data, size, arity, types } = rows;
  // The hot loop keeps the buffer and position in locals (no closure over them); the sink may keep
  // a chunk (stdout collects them), so each flush starts a new buffer.
  let buf = Buffer.allocUnsafe(CHUNK);
  let pos = 0;
  if (format === "jsonl") {
    for (let i = 0; i < size; i++) {
      const base = (order === null ? i : order[i]!) * arity;
      const t: Value[] = new Array(arity);
      for (let c = 0; c < arity; c++) {
        const v = values.decode(types[c]!, data[base + c]!);
        t[c] = typeof v === "string" && isStructured(v) ? showStructured(v) : v;
      }
      const line = Buffer.from(JSON.stringify(t) + "\n", "utf8");
      if (pos + line.length > CHUNK) {
        sink(buf.subarray(0, pos));
        buf = Buffer.allocUnsafe(Math.max(CHUNK, line.length));
        pos = 0;
      }
      buf.set(line, pos);
      pos += line.length;
    }
    if (pos > 0) sink(buf.subarray(0, pos));
    return;
  }
  const sym = values.symbols;
  const bytes = sym.bytes;
  const starts = sym.starts;
  const flags = sym.flags;
  const delim = Buffer.from(delimiter, "utf8");
  const dl = delim.length;
  // Kind 4: a 64-bit integer (`run --64`), interned in the table like a float.
  const kinds = types.map((t) => (t === "symbol" ? 0 : values.wide && t !== "float" ? 4 : t === "number" ? 1 : t === "unsigned" ? 2 : 3));
  const ints = values.ints;
  for (let i = 0; i < size; i++) {
    const base = (order === null ? i : order[i]!) * arity;
    for (let c = 0; c < arity; c++) {
      const code = data[base + c]!;
      const kind = kinds[c]!;
      // The bytes of this field, unless it is an integer (at most 11) or a plain symbol (copied from the table).
      let text: Uint8Array | null = null;
      let from = 0;
      let to = 0;
      if (kind === 0) {
        // A record or ADT value (its first byte is 0 or 1) is written as Soufflé prints it.
        if (bytes[starts[code]!]! <= 1 && starts[code + 1]! > starts[code]!) text = Buffer.from(field(sym.text(code), rfc4180), "utf8");
        else if (rfc4180) text = Buffer.from(quoteRfc4180(sym.text(code)), "utf8");
        else if (flags[code]! & LONE) text = Buffer.from(sym.text(code), "utf8");
        else (from = starts[code]!, to = starts[code + 1]!);
      } else if (kind === 3) text = Buffer.from(String(values.floats[code]!), "utf8");
      else if (kind === 4) text = Buffer.from(ints[code]!.toString(), "latin1");
      const need = dl + (text !== null ? text.length : kind === 0 ? to - from : 11) + 1;
      if (pos + need > CHUNK) {
        sink(buf.subarray(0, pos));
        buf = Buffer.allocUnsafe(Math.max(CHUNK, need));
        pos = 0;
      }
      if (c > 0) for (let k = 0; k < dl; k++) buf[pos++] = delim[k]!;
      if (text !== null) {
        buf.set(text, pos);
        pos += text.length;
      } else if (kind === 0) {
        if (to - from > 32) {
          buf.set(bytes.subarray(from, to), pos);
          pos += to - from;
        } else for (let k = from; k < to; k++) buf[pos++] = bytes[k]!;
      } else {
        let v = kind === 2 ? code >>> 0 : code;
        if (v < 0) {
          buf[pos++] = 45;
          v = -v;
        }
        let digits = 1;
        for (let x = v; x >= 10; x = Math.floor(x / 10)) digits++;
        for (let k = pos + digits - 1; k >= pos; k--) {
          buf[k] = 48 + (v % 10);
          v = Math.floor(v / 10);
        }
        pos += digits;
      }
    }
    // Each field's `need` kept a byte for the newline; a nullary relation that holds is `()`, as Soufflé writes it.
    if (pos + 3 > buf.length) {
      sink(buf.subarray(0, pos));
      buf = Buffer.allocUnsafe(CHUNK);
      pos = 0;
    }
    if (arity === 0) (buf[pos++] = 40, buf[pos++] = 41);
    buf[pos++] = 10;
  }
  if (pos > 0) sink(buf.subarray(0, pos));
}


/** A file written to a temporary sibling of its path: `commit` renames it into place, `discard` removes it. */
export interface PendingFile {
  commit(): void;
  discard(): void;
}

/** Writes rows (see `writeRows`) to a temporary sibling of `path`; nothing at `path` changes until `commit`. Throws the fs error. */
export function writeRowsPending(path: string, rows: CodeRows, order: Uint32Array | null, values: ValueTable, format: FactFormat, delimiter = "\t", options: { readonly header?: string | null; readonly rfc4180?: boolean } = {}): PendingFile {
  const tmp = tempSibling(path);
  let fd = -1;
  try {
    fd = openSync(tmp, "w");
    const out = fd;
    if (options.header != null && format !== "jsonl") writeAll(out, Buffer.from(`${options.header}\n`, "utf8"));
    writeRows(rows, order, values, format, delimiter, (chunk) => writeAll(out, chunk), options.rfc4180 ?? false);
    fsyncSync(fd);
    closeSync(fd);
    fd = -1;
  } catch (err) {
    if (fd >= 0) closeSync(fd);
    rmSync(tmp, { force: true });
    throw err;
  }
  return {
    commit: () => commitTemp(tmp, path),
    discard: () => rmSync(tmp, { force: true }),
  };
}
