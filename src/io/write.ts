// Writes relations as Soufflé does (`<relation>.csv`, tab-separated) or as JSON Lines. A file is
// written to a temporary name in the same directory and renamed, so a reader (or a failed run)
// never sees half of it.
import { closeSync, openSync, renameSync, rmSync, writeFileSync, writeSync } from "node:fs";
import { basename, dirname, join } from "node:path";
import { ESCAPE, LONE } from "../eval/symbols.js";
import type { Tuple, Value, ValueTable } from "../eval/values.js";
import type { PrimitiveType } from "../syntax/ast.js";
import type { FactFormat, FactSchema } from "./facts.js";

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
  return typeof v === "string" ? escapeSymbol(v) : String(v);
}

/** The text of a relation in `format` (tuples are written in the order given). */
export function formatRelation(schema: FactSchema, tuples: readonly Tuple[], format: FactFormat, delimiter = "\t"): string {
  const parts: string[] = new Array(tuples.length);
  if (format === "jsonl") {
    for (let i = 0; i < tuples.length; i++) parts[i] = JSON.stringify(tuples[i]);
  } else {
    for (let i = 0; i < tuples.length; i++) {
      const t = tuples[i]!;
      parts[i] = t.length === 1 ? field(t[0]!) : t.length === 2 ? `${field(t[0]!)}${delimiter}${field(t[1]!)}` : t.map(field).join(delimiter);
    }
  }
  void schema;
  return parts.length === 0 ? "" : parts.join("\n") + "\n";
}

/** Writes a relation to `path` atomically (temp file in the same directory, then rename). Throws the fs error. */
export function writeRelationFile(path: string, schema: FactSchema, tuples: readonly Tuple[], format: FactFormat, delimiter = "\t"): void {
  writeAtomically(path, formatRelation(schema, tuples, format, delimiter));
}

function tempPath(path: string): string {
  return join(dirname(path), `.${basename(path)}.${process.pid}.${Math.random().toString(36).slice(2)}.tmp`);
}

/** Writes `text` to a temporary sibling of `path`, then renames it over `path`. */
export function writeAtomically(path: string, text: string): void {
  const tmp = tempPath(path);
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
export function writeRows(rows: CodeRows, order: Uint32Array | null, values: ValueTable, format: FactFormat, delimiter: string, sink: (chunk: Uint8Array) => void): void {
  const { data, size, arity, types } = rows;
  let buf = Buffer.allocUnsafe(CHUNK);
  let pos = 0;
  const flush = (): void => {
    if (pos > 0) sink(buf.subarray(0, pos));
    // The sink may keep the chunk (stdout collects them), so the next one is a new buffer.
    buf = Buffer.allocUnsafe(CHUNK);
    pos = 0;
  };
  /** Room for `n` more bytes, flushing first when needed; false when `n` is more than a chunk. */
  const room = (n: number): boolean => {
    if (pos + n <= CHUNK) return true;
    flush();
    return n <= CHUNK;
  };
  const put = (bytes: Uint8Array): void => {
    if (room(bytes.length)) {
      buf.set(bytes, pos);
      pos += bytes.length;
    } else sink(bytes);
  };
  const putText = (s: string): void => {
    // A UTF-16 code unit takes at most 3 UTF-8 bytes.
    if (room(3 * s.length)) pos += buf.write(s, pos, "utf8");
    else sink(Buffer.from(s, "utf8"));
  };
  if (format === "jsonl") {
    for (let i = 0; i < size; i++) {
      const base = (order === null ? i : order[i]!) * arity;
      const t: Value[] = new Array(arity);
      for (let c = 0; c < arity; c++) t[c] = values.decode(types[c]!, data[base + c]!);
      putText(JSON.stringify(t) + "\n");
    }
    flush();
    return;
  }
  const sym = values.symbols;
  const delim = Buffer.from(delimiter, "utf8");
  const oneByte = delim.length === 1 ? delim[0]! : -1;
  const kinds = types.map((t) => (t === "symbol" ? 0 : t === "number" ? 1 : t === "unsigned" ? 2 : 3));
  for (let i = 0; i < size; i++) {
    const base = (order === null ? i : order[i]!) * arity;
    for (let c = 0; c < arity; c++) {
      if (c > 0) {
        if (oneByte >= 0 && pos < CHUNK) buf[pos++] = oneByte;
        else put(delim);
      }
      const code = data[base + c]!;
      const kind = kinds[c]!;
      if (kind === 0) {
        const flags = sym.flags[code]!;
        if (flags & (ESCAPE | LONE)) {
          putText(escapeSymbol(sym.text(code)));
          continue;
        }
        const from = sym.starts[code]!;
        const to = sym.starts[code + 1]!;
        const bytes = sym.bytes;
        if (room(to - from)) {
          for (let k = from; k < to; k++) buf[pos++] = bytes[k]!;
        } else sink(bytes.slice(from, to));
      } else if (kind === 3) putText(String(values.floats[code]!));
      else {
        if (!room(11)) flush();
        let v = kind === 2 ? code >>> 0 : code;
        if (v < 0) {
          buf[pos++] = 45;
          v = -v;
        }
        if (v < 10) buf[pos++] = 48 + v;
        else {
          let digits = 1;
          for (let x = v; x >= 10; x = Math.floor(x / 10)) digits++;
          for (let k = pos + digits - 1; k >= pos; k--) {
            buf[k] = 48 + (v % 10);
            v = Math.floor(v / 10);
          }
          pos += digits;
        }
      }
    }
    if (pos < CHUNK) buf[pos++] = 10;
    else put(NEWLINE);
  }
  flush();
}

const NEWLINE = new Uint8Array([10]);

/** A file written to a temporary sibling of its path: `commit` renames it into place, `discard` removes it. */
export interface PendingFile {
  commit(): void;
  discard(): void;
}

/** Writes rows (see `writeRows`) to a temporary sibling of `path`; nothing at `path` changes until `commit`. Throws the fs error. */
export function writeRowsPending(path: string, rows: CodeRows, order: Uint32Array | null, values: ValueTable, format: FactFormat, delimiter = "\t"): PendingFile {
  const tmp = tempPath(path);
  let fd = -1;
  try {
    fd = openSync(tmp, "w");
    const out = fd;
    writeRows(rows, order, values, format, delimiter, (chunk) => {
      for (let off = 0; off < chunk.length; ) off += writeSync(out, chunk, off, chunk.length - off);
    });
    closeSync(fd);
    fd = -1;
  } catch (err) {
    if (fd >= 0) closeSync(fd);
    rmSync(tmp, { force: true });
    throw err;
  }
  return {
    commit: () => renameSync(tmp, path),
    discard: () => rmSync(tmp, { force: true }),
  };
}
