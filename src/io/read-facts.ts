// Reads fact files as Soufflé does: one tuple per line, columns split by a delimiter (a tab by
// default), symbols unquoted; or JSON Lines. Every error names the file, line and column it is at.
import { isUtf8 } from "node:buffer";
import { readFileSync } from "node:fs";
import { gunzipSync } from "node:zlib";
import type { Column, RecordShape } from "../check/types.js";
import type { Code } from "../diagnostics/codes.js";
import { fileErrorReason, makeDiagnostic, UserError } from "../diagnostics/diagnostic.js";
import type { Span } from "../diagnostics/span.js";
import type { Tuple, Value } from "../eval/values.js";
import { INT32_MAX, INT32_MIN, UINT32_MAX, type ValueTable } from "../eval/values.js";
import { hashBytes } from "../eval/symbols.js";
import { readStructured, RecordTextError } from "./record-text.js";

/** What reading needs to know about a relation. */
export interface FactSchema {
  readonly name: string;
  readonly columns: readonly Pick<Column, "name" | "type" | "shape">[];
}

export type FactFormat = "tsv" | "jsonl";

export interface ReadOptions {
  /** Column separator for `tsv` (default a tab). */
  readonly delimiter?: string;
  /** Skip the first line (Soufflé's `headers=true`). */
  readonly headers?: boolean;
  /** Soufflé's `rfc4180=true`: a field may be quoted (`"a,b"`, `""` for a quote, line breaks inside); the default delimiter is then `,`. */
  readonly rfc4180?: boolean;
  /** Default: `jsonl` when the path ends in `.jsonl`, else `tsv`. */
  readonly format?: FactFormat;
  /** The path as the user should see it in messages (default: the path). */
  readonly displayPath?: string;
  /** Where the file was asked for (e.g. the `.input` directive), for a missing file. */
  readonly requestedAt?: Span;
  /** The file's bytes, already read (`readFactCodes`), so a caller that also hashes them reads once. */
  readonly bytes?: Uint8Array;
}

/** Reads one relation's facts. Throws UserError: CL401 column count, CL402 bad value, CL403 bad format, CL404 missing file. */
export function readFactFile(path: string, schema: FactSchema, opts: ReadOptions = {}): Tuple[] {
  const shown = opts.displayPath ?? path;
  const text = readText(path, shown, schema, opts);
  return parseFacts(text, shown, schema, { ...opts, format: opts.format ?? (path.endsWith(".jsonl") ? "jsonl" : "tsv") });
}

/**
 * The facts of a relation as codes (`arity` per row, what `Engine.insertCodes` takes), without a
 * tuple or a string per line. Integer columns need no table; with `values` (the engine's value
 * table, which interns them) any column type is read. Null for JSON Lines, for relations without
 * columns, and for symbol or float columns without `values`. Throws as `readFactFile` does.
 */
export function readFactCodes(path: string, schema: FactSchema, opts: ReadOptions = {}, values?: ValueTable): Int32Array | null {
  const format = opts.format ?? (path.endsWith(".jsonl") ? "jsonl" : "tsv");
  if (format === "jsonl" || schema.columns.length === 0) return null;
  const integers = schema.columns.every((c) => c.type === "number" || c.type === "unsigned");
  if (!integers && values === undefined) return null;
  const shown = opts.displayPath ?? path;
  const delimiter = opts.delimiter ?? (opts.rfc4180 === true ? "," : "\t");
  const bytes = opts.bytes !== undefined ? Buffer.from(opts.bytes.buffer, opts.bytes.byteOffset, opts.bytes.byteLength) : readBytes(path, shown, schema, opts);
  // Record and ADT columns are parsed by their type, on the text path.
  const structured = schema.columns.some((c) => c.shape !== undefined);
  if (!structured && opts.rfc4180 !== true && delimiter.length === 1 && delimiter.charCodeAt(0) < 128) {
    const codes = integers ? plainIntegerCodes(bytes, schema, delimiter.charCodeAt(0), opts.headers ?? false) : plainCodes(bytes, schema, delimiter.charCodeAt(0), opts.headers ?? false, values!);
    if (codes !== null) return codes;
  }
  // Anything the byte reader does not take is read as text, which reports what is wrong where.
  const text = utf8Text(bytes, shown);
  const arity = schema.columns.length;
  const types = schema.columns.map((c) => c.type);
  // A line holds at least one character per column and one separator or newline per column.
  let codes = new Int32Array(Math.max(16, Math.ceil(text.length / 4)));
  let n = 0;
  (opts.rfc4180 === true ? scanRfc4180 : scanDelimited)(text, shown, schema, delimiter, opts.headers ?? false, true, (t) => {
    if (n + arity > codes.length) {
      const grown = new Int32Array(codes.length * 2);
      grown.set(codes);
      codes = grown;
    }
    for (let c = 0; c < arity; c++) codes[n++] = values === undefined ? (t[c] as number) | 0 : values.encode(types[c]!, t[c]!)!;
  });
  return codes.slice(0, n);
}

/** Where the data starts: after a UTF-8 byte-order mark, and after the first line with `headers`. */
function dataStart(bytes: Uint8Array, headers: boolean): number {
  let i = bytes.length >= 3 && bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf ? 3 : 0;
  if (headers) {
    while (i < bytes.length && bytes[i] !== 10) i++;
    i++;
  }
  return i;
}

/** Codes for up to as many rows as the bytes have lines, `arity` each: no more room than needed. */
function rowBuffer(bytes: Buffer, from: number, arity: number): Int32Array {
  let lines = 1;
  for (let i = bytes.indexOf(10, from); i !== -1; i = bytes.indexOf(10, i + 1)) lines++;
  return new Int32Array(lines * arity);
}

/**
 * Room for the rows of a file, estimated from the lines of its first 64 KB (a little over, and
 * grown by the reader if the rest has shorter lines): no pass over the bytes before reading them.
 */
function estimatedRowBuffer(bytes: Buffer, from: number, arity: number): Int32Array {
  const sample = Math.min(bytes.length, from + 65536);
  let lines = 0;
  for (let i = bytes.indexOf(10, from); i !== -1 && i < sample; i = bytes.indexOf(10, i + 1)) lines++;
  if (sample === bytes.length) return new Int32Array((lines + 1) * arity);
  const rows = Math.ceil(((bytes.length - from) * Math.max(1, lines)) / (sample - from) * 1.02) + 16;
  return new Int32Array(rows * arity);
}

/**
 * Codes of a file of plain decimal integers (an optional `-`, digits, one delimiter byte between
 * columns, `\n` or `\r\n` line ends, empty lines skipped), read from the bytes; null at the first
 * thing it does not take (the text parser then reads the file and reports what is wrong).
 */
function plainIntegerCodes(bytes: Buffer, schema: FactSchema, delimiter: number, headers: boolean): Int32Array | null {
  const arity = schema.columns.length;
  const unsigned = schema.columns.map((c) => c.type === "unsigned");
  let i = dataStart(bytes, headers);
  let codes = estimatedRowBuffer(bytes, i, arity);
  let n = 0;
  const len = bytes.length;
  while (i < len) {
    let ch = bytes[i]!;
    if (ch === 10) {
      i++;
      continue;
    }
    if (ch === 13 && bytes[i + 1] === 10) {
      i += 2;
      continue;
    }
    if (n + arity > codes.length) {
      // Lines longer than the sampled ones: room for the rest at the average length so far.
      const rows = Math.ceil(((len - i) * (n / arity)) / Math.max(1, i)) + 16;
      const grown = new Int32Array(n + rows * arity);
      grown.set(codes.subarray(0, n));
      codes = grown;
    }
    for (let c = 0; c < arity; c++) {
      const neg = bytes[i] === 45;
      if (neg) i++;
      const start = i;
      let v = 0;
      for (; i < len; i++) {
        ch = bytes[i]!;
        const d = ch - 48;
        if (d < 0 || d > 9) break;
        v = v * 10 + d;
      }
      if (i === start || i - start > 10) return null;
      const value = neg ? -v : v;
      if (unsigned[c] ? neg || value > 4294967295 : value < -2147483648 || value > 2147483647) return null;
      codes[n++] = value | 0;
      const end = i < len ? bytes[i]! : 10;
      if (c < arity - 1) {
        if (end !== delimiter) return null;
        i++;
      } else if (end === 13 && bytes[i + 1] === 10) i += 2;
      else if (end === 10) i++;
      else if (i < len) return null;
    }
  }
  return codes.subarray(0, n);
}

/**
 * Codes of a delimited file with any column types, read from the bytes: a symbol field is interned
 * from its bytes (verbatim), an integer parsed as above, a float through `Number`. Null at
 * the first thing it does not take, or when the file is not valid UTF-8.
 */
function plainCodes(bytes: Buffer, schema: FactSchema, delimiter: number, headers: boolean, values: ValueTable): Int32Array | null {
  if (!isUtf8(bytes)) return null;
  const arity = schema.columns.length;
  const kinds = schema.columns.map((c) => (c.type === "symbol" ? 0 : c.type === "number" ? 1 : c.type === "unsigned" ? 2 : 3));
  const symbols = values.symbols;
  let i = dataStart(bytes, headers);
  const codes = rowBuffer(bytes, i, arity);
  let n = 0;
  const len = bytes.length;
  while (i < len) {
    let ch = bytes[i]!;
    if (ch === 10) {
      i++;
      continue;
    }
    if (ch === 13 && bytes[i + 1] === 10) {
      i += 2;
      continue;
    }
    for (let c = 0; c < arity; c++) {
      const last = c === arity - 1;
      const kind = kinds[c]!;
      const start = i;
      if (kind === 0) {
        // A symbol: up to the delimiter (or the line's end for the last column), hashed on the way.
        let h = 0x811c9dc5;
        for (; i < len; i++) {
          ch = bytes[i]!;
          if (ch === delimiter || ch === 10) break;
          h = Math.imul(h ^ ch, 0x01000193);
        }
        let stop = i;
        if (last && stop > start && bytes[stop - 1] === 13 && (i === len || ch === 10)) {
          stop--;
          h = hashBytes(bytes, start, stop);
        }
        // Verbatim, backslashes included, as Soufflé reads a symbol.
        codes[n++] = symbols.internBytes(bytes, start, stop, h);
      } else if (kind === 3) {
        for (; i < len; i++) {
          ch = bytes[i]!;
          if (ch === delimiter || ch === 10 || ch === 13) break;
        }
        const s = bytes.toString("latin1", start, i).trim();
        const f = s === "" ? NaN : Number(s);
        // Not finite (`nan`, `1e999`): the text reader reports it with its line and column.
        if (!Number.isFinite(f)) return null;
        codes[n++] = values.float(f);
      } else {
        const neg = bytes[i] === 45;
        if (neg) i++;
        const digits = i;
        let v = 0;
        for (; i < len; i++) {
          const d = bytes[i]! - 48;
          if (d < 0 || d > 9) break;
          v = v * 10 + d;
        }
        if (i === digits || i - digits > 10) return null;
        const value = neg ? -v : v;
        if (kind === 2 ? neg || value > 4294967295 : value < -2147483648 || value > 2147483647) return null;
        codes[n++] = value | 0;
      }
      const end = i < len ? bytes[i]! : 10;
      if (!last) {
        if (end !== delimiter) return null;
        i++;
      } else if (end === 13 && bytes[i + 1] === 10) i += 2;
      else if (end === 10) i++;
      else if (i < len) return null;
    }
  }
  return codes.subarray(0, n);
}

function readText(path: string, shown: string, schema: FactSchema, opts: ReadOptions): string {
  return utf8Text(readBytes(path, shown, schema, opts), shown);
}

/**
 * The file's text; bytes that are not UTF-8 are CL403 at their line and byte column, since
 * decoding them as U+FFFD would make distinct symbols one fact.
 */
function utf8Text(bytes: Buffer, file: string): string {
  if (isUtf8(bytes)) return bytes.toString("utf8");
  let at = 0;
  while (at < bytes.length) {
    const b = bytes[at]!;
    const n = b < 0x80 ? 1 : b >= 0xc2 && b <= 0xdf ? 2 : b >= 0xe0 && b <= 0xef ? 3 : b >= 0xf0 && b <= 0xf4 ? 4 : 0;
    if (n === 0 || at + n > bytes.length || !isUtf8(bytes.subarray(at, at + n))) break;
    at += n;
  }
  const lineStart = bytes.lastIndexOf(10, at - 1) + 1;
  let line = 1;
  for (let i = 0; i < lineStart; i++) if (bytes[i] === 10) line++;
  const column = at - lineStart + 1;
  const prefix = bytes.subarray(0, at).toString("utf8");
  fail("CL403", file, prefix.length, line, column, 1, `byte 0x${bytes[at]!.toString(16).toUpperCase().padStart(2, "0")} at line ${line}, byte ${column} is not valid UTF-8; fact files are read as UTF-8, and guessing would make distinct symbols one fact`,
    "save the file as UTF-8 (for a Latin-1 file: `iconv -f latin1 -t utf-8 FILE`)");
}

/** The file's bytes; a file that cannot be opened is CL404 at the `.input` that asked for it. */
function readBytes(path: string, shown: string, schema: FactSchema, opts: ReadOptions): Buffer {
  try {
    const bytes = readFileSync(path);
    // A gzip file (Soufflé's `compress=true`) is read through its magic number, as Soufflé's reader does.
    return bytes.length >= 2 && bytes[0] === 0x1f && bytes[1] === 0x8b ? gunzipSync(bytes) : bytes;
  } catch (err) {
    const span = opts.requestedAt ?? pointAt(shown, 0, 1, 1, 0);
    const why = fileErrorReason(err);
    const help = openHelp(err);
    throw new UserError(makeDiagnostic("CL404", span, `cannot open fact file \`${shown}\` for \`${schema.name}\`: ${why}`, help === undefined ? {} : { help }));
  }
}

/** Parses fact text (see `readFactFile`); `file` names it in errors. */
export function parseFacts(text: string, file: string, schema: FactSchema, opts: ReadOptions = {}): Tuple[] {
  if (opts.format === "jsonl") return parseJsonLines(text, file, schema);
  const out: Tuple[] = [];
  (opts.rfc4180 === true ? scanRfc4180 : scanDelimited)(text, file, schema, opts.delimiter ?? (opts.rfc4180 === true ? "," : "\t"), opts.headers ?? false, false, (t) => out.push(t));
  return out;
}

function pointAt(file: string, offset: number, line: number, column: number, length: number): Span {
  return { file, start: offset, end: offset + length, line, column, endLine: line, endColumn: column + length };
}

function fail(code: Code, file: string, offset: number, line: number, column: number, length: number, message: string, help?: string): never {
  throw new UserError(makeDiagnostic(code, pointAt(file, offset, line, column, length), message, help === undefined ? {} : { help }));
}

/** CL402's help for the column's type (the catalog's speaks of every type at once). */
const VALUE_HELP: Readonly<Record<string, string>> = {
  number: "`number` columns take signed 32-bit integers (-2147483648 to 2147483647), decimal, `0x` hex or `0b` binary.",
  unsigned: "`unsigned` columns take integers from 0 to 4294967295.",
  float: "`float` columns take finite decimal numbers such as `2.5` or `-1e3`; `nan`, `inf` and values beyond about 1.8e308 are not numbers calmlog can add or compare.",
};

/** CL404's help for why the file could not be opened. */
function openHelp(err: unknown): string | undefined {
  const code = (err as NodeJS.ErrnoException).code;
  if (code === "EACCES" || code === "EPERM") return "The file exists but cannot be read: give this user read permission (`chmod +r`).";
  if (code === "EISDIR") return "The name is a folder: name a file with the `filename` parameter or remove the folder.";
  return undefined;
}

/** Calls `f` with the tuple of each line of delimited text; with `reuse`, one array refilled for every line. */
function scanDelimited(text: string, file: string, schema: FactSchema, delimiter: string, headers: boolean, reuse: boolean, f: (t: Value[]) => void): void {
  const shared: Value[] = new Array(schema.columns.length);
  const arity = schema.columns.length;
  const dl = delimiter.length;
  // A delimiter with a comma also separates a record's fields: as in Soufflé, a column ends at the
  // first delimiter outside brackets.
  const recordComma = delimiter.includes(",");
  let pos = 0;
  let line = 0;
  const n = text.length;
  if (n > 0 && text.charCodeAt(0) === 0xfeff) pos = 1; // byte-order mark
  while (pos < n) {
    line++;
    let eol = text.indexOf("\n", pos);
    if (eol === -1) eol = n;
    let lineEnd = eol;
    if (lineEnd > pos && text.charCodeAt(lineEnd - 1) === 13) lineEnd--;
    const lineStart = pos;
    pos = eol + 1;
    if (headers && line === 1) continue;
    if (lineEnd === lineStart) {
      if (arity === 0) f([]);
      continue;
    }
    if (arity === 0) fail("CL401", file, lineStart, line, 1, lineEnd - lineStart, `\`${schema.name}\` has no columns, but line ${line} has a value`);
    const tuple: Value[] = reuse ? shared : new Array(arity);
    let start = lineStart;
    for (let c = 0; c < arity; c++) {
      const next = recordComma ? nextOutsideBrackets(text, delimiter, start, lineEnd, file, line, lineStart) : indexWithin(text, delimiter, start, lineEnd);
      if (c < arity - 1 && next === -1) {
        fail("CL401", file, lineStart, line, 1, lineEnd - lineStart, `\`${schema.name}\` has ${arity} columns, but line ${line} has ${c + 1}`);
      }
      // Fields past the relation's columns are ignored, as Soufflé's reader ignores them.
      const stop = next === -1 ? lineEnd : next;
      const shape = schema.columns[c]!.shape?.shape() ?? null;
      tuple[c] = shape !== null ? structuredField(text, start, stop, shape, file, line, start - lineStart + 1, schema, c) : parseField(text, start, stop, schema.columns[c]!.type, file, line, start - lineStart + 1, schema, c);
      start = stop + dl;
    }
    f(tuple);
  }
}

/**
 * As `scanDelimited`, for Soufflé's `rfc4180=true`: a field that starts with `"` runs to the next
 * lone `"` (`""` is one quote) and may hold delimiters and line breaks; it must end the line or be
 * followed by the delimiter. Other fields run to the next delimiter. Extra fields are ignored.
 */
function scanRfc4180(text: string, file: string, schema: FactSchema, delimiter: string, headers: boolean, reuse: boolean, f: (t: Value[]) => void): void {
  const arity = schema.columns.length;
  const shared: Value[] = new Array(arity);
  const n = text.length;
  let pos = n > 0 && text.charCodeAt(0) === 0xfeff ? 1 : 0;
  let line = 0;
  const lineEndOf = (from: number): number => {
    const eol = text.indexOf("\n", from);
    return eol === -1 ? n : eol;
  };
  while (pos < n) {
    line++;
    const first = line;
    let eol = lineEndOf(pos);
    let lineEnd = eol > pos && text.charCodeAt(eol - 1) === 13 ? eol - 1 : eol;
    const lineStart = pos;
    if ((headers && line === 1) || (lineEnd === lineStart && arity > 0)) {
      pos = eol + 1;
      continue;
    }
    const tuple: Value[] = reuse ? shared : new Array(arity);
    let at = pos;
    for (let c = 0; c < arity; c++) {
      if (at > lineEnd) fail("CL401", file, lineStart, first, 1, lineEnd - lineStart, `\`${schema.name}\` has ${arity} columns, but line ${first} has ${c}`);
      const column = at - lineStart + 1;
      let value: string;
      if (text.charCodeAt(at) === 34) {
        // A quoted field: may run over line ends, which it keeps.
        let i = at + 1;
        let out = "";
        const opened = line;
        for (;;) {
          if (i >= n) fail("CL403", file, at, opened, column, 1, `the quoted field that starts at line ${opened}, column ${column} has no closing \`"\``);
          const ch = text.charCodeAt(i);
          if (ch === 34) {
            if (text.charCodeAt(i + 1) === 34) {
              out += '"';
              i += 2;
              continue;
            }
            i++;
            break;
          }
          if (ch === 10) {
            line++;
            eol = lineEndOf(i + 1);
            lineEnd = eol > i + 1 && text.charCodeAt(eol - 1) === 13 ? eol - 1 : eol;
          }
          out += text[i];
          i++;
        }
        if (i < lineEnd && !text.startsWith(delimiter, i)) fail("CL403", file, i, line, i - lineStart + 1, 1, `a quoted field must be followed by the delimiter or the line's end (line ${line})`);
        value = out;
        at = i + delimiter.length;
      } else {
        const next = text.indexOf(delimiter, at);
        const stop = next === -1 || next > lineEnd ? lineEnd : next;
        value = text.slice(at, stop);
        at = stop + delimiter.length;
      }
      // A record or ADT column is read from the field's text once the quoting is undone.
      const shape = schema.columns[c]!.shape?.shape() ?? null;
      tuple[c] = shape !== null ? structuredField(value, 0, value.length, shape, file, line, column, schema, c) : parseField(value, 0, value.length, schema.columns[c]!.type, file, line, column, schema, c);
    }
    if (arity === 0) tuple.length = 0;
    f(tuple);
    pos = eol + 1;
  }
}

/** The first `delimiter` in text[from, to), or -1; never scans past the line. */
function indexWithin(text: string, delimiter: string, from: number, to: number): number {
  if (delimiter.length === 1) {
    const d = delimiter.charCodeAt(0);
    for (let i = from; i < to; i++) if (text.charCodeAt(i) === d) return i;
    return -1;
  }
  const i = text.indexOf(delimiter, from);
  return i === -1 || i + delimiter.length > to ? -1 : i;
}

/** The first `delimiter` in text[from, to) outside `[...]`, or -1; unbalanced brackets are CL403. */
function nextOutsideBrackets(text: string, delimiter: string, from: number, to: number, file: string, line: number, lineStart: number): number {
  let depth = 0;
  for (let i = from; i < to; i++) {
    const c = text.charCodeAt(i);
    if (c === 91) depth++;
    else if (c === 93) {
      if (--depth < 0) return indexWithin(text, delimiter, i, to);
    } else if (depth === 0 && text.startsWith(delimiter, i) && i + delimiter.length <= to) return i;
  }
  if (depth > 0) fail("CL403", file, from, line, from - lineStart + 1, to - from, `unbalanced \`[\` in line ${line}: a record field opens more brackets than it closes`);
  return -1;
}

/** A record or ADT field, read by its type (see io/record-text.ts); a malformed one is CL402 at the place it goes wrong. */
function structuredField(text: string, start: number, stop: number, shape: RecordShape, file: string, line: number, column: number, schema: FactSchema, c: number): string {
  const raw = text.slice(start, stop);
  try {
    return readStructured(raw, shape);
  } catch (err) {
    if (!(err instanceof RecordTextError)) throw err;
    const col = schema.columns[c]!;
    const at = Math.min(err.at, raw.length);
    fail("CL402", file, start + at, line, column + at, Math.max(1, Math.min(raw.length - at, 1)), `\`${raw}\` is not a value of \`${col.name}\`'s ${shape.kind === "record" ? "record" : "ADT"} type (column ${c + 1} of \`${schema.name}\`): ${err.message}`,
      shape.kind === "record" ? "A record field is written as Soufflé prints it: `[1, abc, nil]`, `nil` for the empty record; symbols bare or in double quotes." : "An ADT field is written as Soufflé prints it: `$Branch(1, abc)`, or `$Branch` for a branch without fields.");
  }
}

function parseField(text: string, start: number, stop: number, type: string, file: string, line: number, column: number, schema: FactSchema, c: number): Value {
  if (type === "symbol") return text.slice(start, stop); // verbatim, as Soufflé reads it
  if (type === "number" || type === "unsigned") {
    // Fast path: plain decimal digits.
    let v = 0;
    let i = start;
    let neg = false;
    if (i < stop && (text.charCodeAt(i) === 45 || text.charCodeAt(i) === 43)) (neg = text.charCodeAt(i) === 45, i++);
    let plain = i < stop;
    for (; i < stop; i++) {
      const d = text.charCodeAt(i) - 48;
      if (d < 0 || d > 9) {
        plain = false;
        break;
      }
      v = v * 10 + d;
    }
    let value: number = neg ? -v : v;
    if (!plain) value = parseInteger(text.slice(start, stop));
    const ok = Number.isInteger(value) && (type === "number" ? value >= INT32_MIN && value <= INT32_MAX : value >= 0 && value <= UINT32_MAX);
    if (!ok) badValue(text, start, stop, type, file, line, column, schema, c);
    return value === 0 ? 0 : value;
  }
  const s = text.slice(start, stop).trim();
  const f = s === "" ? NaN : Number(s);
  // `nan` and values past the float range (`1e999`) would turn sums and maxima into NaN or infinity.
  if (!Number.isFinite(f)) badValue(text, start, stop, type, file, line, column, schema, c);
  return f;
}

/** Decimal, `0x` hex or `0b` binary, with an optional sign; NaN if none. */
function parseInteger(s: string): number {
  const m = /^([+-]?)(0x[0-9a-fA-F]+|0b[01]+|\d+)$/.exec(s.trim());
  if (m === null) return NaN;
  const body = m[2]!;
  const v = body.startsWith("0b") ? parseInt(body.slice(2), 2) : Number(body);
  return m[1] === "-" ? -v : v;
}

function badValue(text: string, start: number, stop: number, type: string, file: string, line: number, column: number, schema: FactSchema, c: number): never {
  const raw = text.slice(start, stop);
  const col = schema.columns[c]!;
  const why = type === "number" ? "a signed 32-bit integer" : type === "unsigned" ? "an unsigned 32-bit integer" : "a finite decimal number";
  fail("CL402", file, start, line, column, stop - start, `\`${raw}\` is not ${why} (column ${c + 1}, \`${col.name}: ${type}\`, of \`${schema.name}\`)`, VALUE_HELP[type]);
}

function parseJsonLines(text: string, file: string, schema: FactSchema): Tuple[] {
  const out: Tuple[] = [];
  const arity = schema.columns.length;
  let pos = 0;
  let line = 0;
  while (pos < text.length) {
    line++;
    let eol = text.indexOf("\n", pos);
    if (eol === -1) eol = text.length;
    const start = pos;
    const raw = text.slice(pos, eol);
    pos = eol + 1;
    if (raw.trim() === "") continue;
    let value: unknown;
    try {
      value = JSON.parse(raw);
    } catch (err) {
      fail("CL403", file, start, line, 1, raw.length, `line ${line} is not valid JSON: ${(err as Error).message}`);
    }
    let cells: unknown[];
    if (Array.isArray(value)) {
      if (value.length !== arity) fail("CL401", file, start, line, 1, raw.length, `\`${schema.name}\` has ${arity} column${arity === 1 ? "" : "s"}, but line ${line} has ${value.length}`);
      cells = value;
    } else if (value !== null && typeof value === "object") {
      const obj = value as Record<string, unknown>;
      const names = schema.columns.map((c) => c.name);
      const unknownKey = Object.keys(obj).find((k) => !names.includes(k));
      if (unknownKey !== undefined) fail("CL401", file, start, line, 1, raw.length, `\`${schema.name}\` has no column \`${unknownKey}\` (columns: ${names.join(", ")})`);
      const missing = names.find((k) => !(k in obj));
      if (missing !== undefined) fail("CL401", file, start, line, 1, raw.length, `line ${line} lacks column \`${missing}\` of \`${schema.name}\``);
      cells = names.map((k) => obj[k]);
    } else {
      fail("CL403", file, start, line, 1, raw.length, `line ${line} must be a JSON array or object, one tuple per line`);
    }
    const tuple: Value[] = [];
    cells.forEach((cell, c) => {
      const col = schema.columns[c]!;
      const ok =
        col.type === "symbol"
          ? typeof cell === "string"
          : typeof cell === "number" &&
            ((col.type === "float" && Number.isFinite(cell)) || (Number.isInteger(cell) && (col.type === "number" ? cell >= INT32_MIN && cell <= INT32_MAX : cell >= 0 && cell <= UINT32_MAX)));
      if (!ok) fail("CL402", file, start, line, 1, raw.length, `${JSON.stringify(cell)} is not a valid \`${col.type}\` (column ${c + 1}, \`${col.name}\`, of \`${schema.name}\`)`);
      // A record or ADT column holds the value as Soufflé prints it: `"[1, abc]"`.
      const shape = col.shape?.shape() ?? null;
      tuple.push(shape !== null ? structuredField(cell as string, 0, (cell as string).length, shape, file, line, 1, schema, c) : (cell as Value));
    });
    out.push(tuple);
  }
  return out;
}
