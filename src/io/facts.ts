// Reads fact files as Soufflé does: one tuple per line, columns split by a delimiter (a tab by
// default), symbols unquoted; or JSON Lines. Every error names the file, line and column it is at.
import { readFileSync } from "node:fs";
import type { Column } from "../check/types.js";
import type { Code } from "../report/codes.js";
import { fileErrorReason, makeDiagnostic, UserError } from "../report/diagnostic.js";
import type { Span } from "../syntax/span.js";
import type { Tuple, Value } from "../eval/values.js";
import { INT32_MAX, INT32_MIN, UINT32_MAX } from "../eval/values.js";

/** What reading needs to know about a relation. */
export interface FactSchema {
  readonly name: string;
  readonly columns: readonly Pick<Column, "name" | "type">[];
}

export type FactFormat = "tsv" | "jsonl";

export interface ReadOptions {
  /** Column separator for `tsv` (default a tab). */
  readonly delimiter?: string;
  /** Skip the first line (Soufflé's `headers=true`). */
  readonly headers?: boolean;
  /** Default: `jsonl` when the path ends in `.jsonl`, else `tsv`. */
  readonly format?: FactFormat;
  /** The path as the user should see it in messages (default: the path). */
  readonly displayPath?: string;
  /** Where the file was asked for (e.g. the `.input` directive), for a missing file. */
  readonly requestedAt?: Span;
}

/** Reads one relation's facts. Throws UserError: CL401 column count, CL402 bad value, CL403 bad format, CL404 missing file. */
export function readFactFile(path: string, schema: FactSchema, opts: ReadOptions = {}): Tuple[] {
  const shown = opts.displayPath ?? path;
  const text = readText(path, shown, schema, opts);
  return parseFacts(text, shown, schema, { ...opts, format: opts.format ?? (path.endsWith(".jsonl") ? "jsonl" : "tsv") });
}

/**
 * The facts of a relation whose columns are all `number` or `unsigned`, as their codes (`arity` per
 * row, what `Engine.insertCodes` takes), without a tuple per line; null for other relations and for
 * JSON Lines. Throws as `readFactFile` does.
 */
export function readFactCodes(path: string, schema: FactSchema, opts: ReadOptions = {}): Int32Array | null {
  const format = opts.format ?? (path.endsWith(".jsonl") ? "jsonl" : "tsv");
  if (format === "jsonl" || schema.columns.length === 0 || !schema.columns.every((c) => c.type === "number" || c.type === "unsigned")) return null;
  const shown = opts.displayPath ?? path;
  const delimiter = opts.delimiter ?? "\t";
  const bytes = readBytes(path, shown, schema, opts);
  if (!opts.headers && delimiter.length === 1 && delimiter.charCodeAt(0) < 128) {
    const codes = plainIntegerCodes(bytes, schema, delimiter.charCodeAt(0));
    if (codes !== null) return codes;
  }
  // Anything the byte reader does not take is read as text, which reports what is wrong where.
  const text = bytes.toString("utf8");
  const arity = schema.columns.length;
  // A line holds at least one character per column and one separator or newline per column.
  let codes = new Int32Array(Math.max(16, Math.ceil(text.length / 4)));
  let n = 0;
  scanDelimited(text, shown, schema, opts.delimiter ?? "\t", opts.headers ?? false, true, (t) => {
    if (n + arity > codes.length) {
      const grown = new Int32Array(codes.length * 2);
      grown.set(codes);
      codes = grown;
    }
    for (let c = 0; c < arity; c++) codes[n++] = (t[c] as number) | 0;
  });
  return codes.subarray(0, n);
}

/**
 * Codes of a file of plain decimal integers (an optional `-`, digits, one delimiter byte between
 * columns, `\n` or `\r\n` line ends, empty lines skipped), read from the bytes; null at the first
 * thing it does not take (the text parser then reads the file and reports what is wrong).
 */
function plainIntegerCodes(bytes: Uint8Array, schema: FactSchema, delimiter: number): Int32Array | null {
  const arity = schema.columns.length;
  const unsigned = schema.columns.map((c) => c.type === "unsigned");
  let codes = new Int32Array(Math.max(16, bytes.length >> 2));
  let n = 0;
  let i = 0;
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
      const grown = new Int32Array(codes.length * 2);
      grown.set(codes);
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

function readText(path: string, shown: string, schema: FactSchema, opts: ReadOptions): string {
  return readBytes(path, shown, schema, opts).toString("utf8");
}

/** The file's bytes; a file that cannot be opened is CL404 at the `.input` that asked for it. */
function readBytes(path: string, shown: string, schema: FactSchema, opts: ReadOptions): Buffer {
  try {
    return readFileSync(path);
  } catch (err) {
    const span = opts.requestedAt ?? pointAt(shown, 0, 1, 1, 0);
    const why = fileErrorReason(err);
    const help = openHelp(err);
    throw new UserError(makeDiagnostic("CL404", span, `cannot open fact file \`${shown}\` for \`${schema.name}\`: ${why}`, help === undefined ? {} : { help }));
  }
}

/** Parses fact text (see `readFactFile`); `file` names it in errors. */
export function parseFacts(text: string, file: string, schema: FactSchema, opts: ReadOptions = {}): Tuple[] {
  return opts.format === "jsonl" ? parseJsonLines(text, file, schema) : parseDelimited(text, file, schema, opts.delimiter ?? "\t", opts.headers ?? false);
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

function parseDelimited(text: string, file: string, schema: FactSchema, delimiter: string, headers: boolean): Tuple[] {
  const out: Tuple[] = [];
  scanDelimited(text, file, schema, delimiter, headers, false, (t) => out.push(t));
  return out;
}

/** Calls `f` with the tuple of each line of delimited text; with `reuse`, one array refilled for every line. */
function scanDelimited(text: string, file: string, schema: FactSchema, delimiter: string, headers: boolean, reuse: boolean, f: (t: Value[]) => void): void {
  const shared: Value[] = new Array(schema.columns.length);
  const arity = schema.columns.length;
  const dl = delimiter.length;
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
      const next = indexWithin(text, delimiter, start, lineEnd);
      if (c < arity - 1 && next === -1) {
        fail("CL401", file, lineStart, line, 1, lineEnd - lineStart, `\`${schema.name}\` has ${arity} columns, but line ${line} has ${c + 1}`);
      }
      if (c === arity - 1 && next !== -1) {
        const found = countFields(text, lineStart, lineEnd, delimiter);
        fail("CL401", file, next, line, next - lineStart + 1, dl, `\`${schema.name}\` has ${arity} column${arity === 1 ? "" : "s"}, but line ${line} has ${found}`);
      }
      const stop = c === arity - 1 ? lineEnd : next;
      tuple[c] = parseField(text, start, stop, schema.columns[c]!.type, file, line, start - lineStart + 1, schema, c);
      start = stop + dl;
    }
    f(tuple);
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

function countFields(text: string, from: number, to: number, delimiter: string): number {
  let k = 1;
  for (let i = text.indexOf(delimiter, from); i !== -1 && i < to; i = text.indexOf(delimiter, i + delimiter.length)) k++;
  return k;
}

function parseField(text: string, start: number, stop: number, type: string, file: string, line: number, column: number, schema: FactSchema, c: number): Value {
  if (type === "symbol") {
    const s = text.slice(start, stop);
    return s.includes("\\") ? unescape(s, file, start, line, column) : s;
  }
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

const ESCAPES: Record<string, string> = { "\\": "\\", t: "\t", n: "\n", r: "\r", '"': '"' };

function unescape(s: string, file: string, start: number, line: number, column: number): string {
  let out = "";
  for (let i = 0; i < s.length; i++) {
    const ch = s[i]!;
    if (ch !== "\\") {
      out += ch;
      continue;
    }
    const next = s[i + 1];
    const rep = next === undefined ? undefined : ESCAPES[next];
    if (rep === undefined) {
      fail("CL403", file, start + i, line, column + i, next === undefined ? 1 : 2, `unknown escape \`\\${next ?? ""}\` in a symbol (valid: \\\\ \\t \\n \\r \\")`);
    }
    out += rep;
    i++;
  }
  return out;
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
      tuple.push(cell as Value);
    });
    out.push(tuple);
  }
  return out;
}
