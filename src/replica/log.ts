// The kept state as an append-only log (`calmlog-state/2`): each run appends the symbols and rows
// it added and then a commit record, and makes them durable with one fsync. A record is framed by
// its length and a checksum, and records after the last whole commit are ignored and cut off, so a
// run killed at any point leaves the previous state as it was. Rows are stored as the store's codes.
import { createHash } from "node:crypto";
import { closeSync, existsSync, fstatSync, fsyncSync, ftruncateSync, mkdirSync, openSync, readFileSync, readSync, rmSync, writeSync } from "node:fs";
import { join } from "node:path";
import { commitTemp, tempSibling } from "../util/atomic-write.js";
import type { FileFormat } from "./store.js";
import { FactStore, type ColumnTypes } from "./rows.js";
import type { PrimitiveType } from "../syntax/ast.js";
import { LONE, type SymbolTable } from "../eval/symbols.js";

export const LOG_FORMAT = "calmlog-state/2";
/** The log file inside the state folder. */
export const LOG_FILE = "state.log";
const HEADER = 1;
const SYMBOLS = 2;
const ROWS = 3;
const COMMIT = 4;

/** What a unit looked like when a clean run last read it: enough to skip it while it is unchanged. */
export interface UnitRecord {
  readonly fingerprint: string;
  /** Whether its epoch was sealed then. */
  readonly sealed: boolean;
  /** Kept facts the unit lacked (CL501), reported again while it stays unchanged. */
  readonly lacking: number;
  readonly files: readonly string[];
  /** Per file, how far it was read (see `ReadMark`): a file that only grew is read from there. Absent in older logs. */
  readonly readTo?: Readonly<Record<string, { readonly bytes: number; readonly sha256: string }>>;
}

/** Run metadata a commit records. */
export interface CommitMeta {
  readonly id: string;
  readonly units: Readonly<Record<string, UnitRecord>>;
  /** Verified digests of memberships: `replica TAB epoch TAB relation` -> [rows, digest]. */
  readonly digests: Readonly<Record<string, readonly [number, string]>>;
  /** The identity of the inputs of the report kept next to the log (program, seals, units). */
  readonly inputs: string | null;
  /**
   * Bytes of the commit frames before this one: superseded, since only the last commit's record
   * counts. When they outweigh the rest, the next commit compacts the log. Absent in older logs.
   */
  readonly superseded?: number;
  /** The seal records as they were when this commit was made (epoch -> the record's file text), so a missing or replaced one is noticed and can be restored. */
  readonly seals?: Readonly<Record<string, string>>;
}

/** The header: column types and file formats the rows were read with. */
export interface LogHeader {
  readonly format: string;
  readonly schema: Readonly<Record<string, readonly string[]>>;
  readonly formats: Readonly<Record<string, FileFormat>>;
}

/** A log read back: its store (marks at the kept sizes), header, last commit and valid length. */
export interface LoadedLog {
  readonly store: FactStore;
  readonly header: LogHeader;
  readonly meta: CommitMeta | null;
  /** Bytes up to the end of the last whole commit. */
  readonly length: number;
  /** How many symbols and floats the committed records define. */
  readonly symbols: number;
  readonly floats: number;
  /** Every whole commit: its end offset -> its id (a position a derived-state cache may reflect). */
  readonly commits: ReadonlyMap<number, string>;
}

function checksum(buf: Uint8Array): number {
  return createHash("md5").update(buf).digest().readUInt32LE(0);
}

function frame(type: number, json: unknown, binary?: Int32Array): Buffer {
  return frameOfText(type, Buffer.from(JSON.stringify(json), "utf8"), binary);
}

/** A frame whose JSON part is already UTF-8 bytes. */
function frameOfText(type: number, text: Buffer, binary?: Int32Array): Buffer {
  const bin = binary === undefined ? Buffer.alloc(0) : Buffer.from(binary.buffer, binary.byteOffset, binary.byteLength);
  const payload = Buffer.alloc(5 + text.length + bin.length);
  payload.writeUInt8(type, 0);
  payload.writeUInt32LE(text.length, 1);
  text.copy(payload, 5);
  bin.copy(payload, 5 + text.length);
  const head = Buffer.alloc(8);
  head.writeUInt32LE(payload.length, 0);
  head.writeUInt32LE(checksum(payload), 4);
  return Buffer.concat([head, payload]);
}

/** Reads the log at `path` (null when there is none). Throws when even its header is unreadable. */
export function readLog(path: string, options: { readonly metaOnly?: boolean; readonly resume?: Resume; readonly from?: LogPosition } = {}): LoadedLog | null {
  if (!existsSync(path)) return null;
  // Header and commits only, from a known commit on: the frames before it are not read (and not
  // checked); they are when the facts are loaded. A position the log does not hold reads it whole.
  if (options.metaOnly === true && options.from !== undefined && options.resume === undefined) {
    const from = options.from;
    const tail = readLog(path, { metaOnly: true, resume: { store: new FactStore(new Map()), ...from, symbols: 0, floats: 0 } });
    if (tail !== null) return tail;
    return readLog(path, { metaOnly: true });
  }
  const resume = options.resume;
  // Resuming reads the header frame and the log from the kept commit on; `shift` maps positions in `bytes` to the file's.
  const bytes = resume === undefined ? readFileSync(path) : resumeBytes(path, resume);
  if (bytes === null) return null;
  const headerEnd = resume === undefined ? 0 : 8 + bytes.readUInt32LE(0);
  const fileAt = (p: number): number => (resume === undefined || p < headerEnd ? p : p - headerEnd + resume.start);
  let at = 0;
  let header: LogHeader | null = null;
  let store: FactStore | null = null;
  let meta: CommitMeta | null = null;
  let length = 0;
  let symbols = 0;
  let floats = 0;
  let pending: { type: number; json: unknown; bin: Buffer }[] = [];
  const commits = new Map<number, string>();
  while (at + 8 <= bytes.length) {
    const size = bytes.readUInt32LE(at);
    const sum = bytes.readUInt32LE(at + 4);
    if (at + 8 + size > bytes.length) break;
    const payload = bytes.subarray(at + 8, at + 8 + size);
    if (checksum(payload) !== sum) break;
    const type = payload.readUInt8(0);
    const textLen = payload.readUInt32LE(1);
    at += 8 + size;
    // Only the header and commits matter when the facts are not wanted.
    if (options.metaOnly === true && (type === SYMBOLS || type === ROWS)) continue;
    const json = JSON.parse(payload.toString("utf8", 5, 5 + textLen)) as unknown;
    const bin = payload.subarray(5 + textLen);
    if (type === HEADER && header === null) {
      header = json as LogHeader;
      if (header.format !== LOG_FORMAT) throw new Error(`unknown format \`${String(header.format)}\``);
      store = new FactStore(typesOfSchema(header.schema));
      length = at;
      continue;
    }
    if (resume !== undefined && meta === null) {
      // The first frame after the header must be the kept commit, ending where it was kept.
      if (type !== COMMIT || (json as CommitMeta).id !== resume.commit || fileAt(at) !== resume.end) return null;
      store = resume.store;
      symbols = resume.symbols;
      floats = resume.floats;
      meta = json as CommitMeta;
      length = resume.end;
      commits.set(length, meta.id);
      continue;
    }
    if (store === null) throw new Error("the log does not start with its header");
    if (type !== COMMIT) {
      pending.push({ type, json, bin });
      continue;
    }
    for (const r of pending) {
      if (r.type === SYMBOLS) {
        const { symbols: s, floats: f } = r.json as { symbols: string[]; floats: number[] };
        for (const x of s) store.values.symbol(x);
        for (const x of f) store.values.float(x);
        symbols += s.length;
        floats += f.length;
      } else if (r.type === ROWS) {
        const { replica, epoch, relation } = r.json as { replica: string; epoch: number; relation: string };
        store.addReplica(replica);
        if (relation === "") continue;
        const codes = new Int32Array(r.bin.length / 4);
        Buffer.from(codes.buffer).set(r.bin);
        const table = store.table(relation);
        const m = store.membership(replica, epoch, relation);
        for (let i = 0; i < codes.length; i += table.arity) m.rows.add(table.intern(codes, i));
      }
    }
    pending = [];
    meta = json as CommitMeta;
    length = fileAt(at);
    commits.set(length, meta.id);
  }
  if (resume !== undefined && meta === null) return null;
  if (header === null || store === null) throw new Error("the log has no header");
  if (options.metaOnly !== true && symbols !== store.values.symbols.length || floats !== store.values.floats.length) throw new Error("the log's symbol table repeats a symbol");
  for (const [key, [at2, digest]] of Object.entries(meta?.digests ?? {})) {
    const [replica, epoch, relation] = key.split("\t") as [string, string, string];
    const m = store.peek(replica, Number(epoch), relation);
    if (m !== undefined && m.rows.size === at2) (m.digest = digest, (m.digestAt = at2));
  }
  for (const epochs of store.members.values()) for (const rels of epochs.values()) for (const m of rels.values()) m.mark = m.rows.size;
  return { store, header, meta, length, symbols, floats, commits };
}

/** A commit the log is expected to hold: the offset its frame starts at, where it ends and its id. */
export interface LogPosition {
  readonly start: number;
  readonly end: number;
  readonly commit: string;
}

/** Where a store kept elsewhere stands in the log: after the commit frame at [start, end) with this id, holding so many symbols and floats. */
export interface Resume extends LogPosition {
  readonly store: FactStore;
  readonly symbols: number;
  readonly floats: number;
}

/** The log's header frame followed by its bytes from `resume.start` on; null when the file is shorter. */
function resumeBytes(path: string, resume: Resume): Buffer | null {
  const fd = openSync(path, "r");
  try {
    const size = fstatSync(fd).size;
    const head = Buffer.alloc(8);
    if (readSync(fd, head, 0, 8, 0) !== 8) return null;
    const headerEnd = 8 + head.readUInt32LE(0);
    if (resume.end > size || resume.start < headerEnd || resume.start >= resume.end) return null;
    const out = Buffer.alloc(headerEnd + size - resume.start);
    let got = 0;
    while (got < headerEnd) got += readSync(fd, out, got, headerEnd - got, got);
    for (let n = 0; headerEnd + n < out.length; ) {
      const r = readSync(fd, out, headerEnd + n, out.length - headerEnd - n, resume.start + n);
      if (r === 0) return null;
      n += r;
    }
    return out;
  } finally {
    closeSync(fd);
  }
}

/** The length of the commit frame a commit with `meta` appends (it is the last frame). */
export function commitFrameLength(meta: CommitMeta): number {
  return 8 + 5 + Buffer.byteLength(JSON.stringify(meta), "utf8");
}

/** Column types of a recorded schema. */
export function typesOfSchema(schema: Readonly<Record<string, readonly string[]>>): Map<string, ColumnTypes> {
  return new Map(Object.entries(schema).map(([name, types]) => [name, types as readonly PrimitiveType[]] as const));
}

/** What one commit appends. */
export interface Commit {
  readonly store: FactStore;
  /** Symbols and floats already in the log. */
  readonly symbols: number;
  readonly floats: number;
  readonly meta: CommitMeta;
}

/** Symbols (and floats) per symbol-table frame: a frame is built in memory, so a first commit of millions of symbols is written in parts. */
const SYMBOLS_PER_FRAME = 65536;

/**
 * `{"symbols":[...],"floats":[...]}` for symbols [from, to) of `table`, the bytes `JSON.stringify`
 * gives: a symbol JSON writes as it is (no quote, backslash, control character or lone surrogate)
 * is copied from the table's UTF-8 bytes, with no string made for it.
 */
function symbolsJson(table: SymbolTable, from: number, to: number, floats: readonly number[]): Buffer {
  const { bytes, starts, flags } = table;
  const escaped = new Map<number, Buffer>();
  let size = 0;
  for (let c = from; c < to; c++) {
    const s = starts[c]!;
    const e = starts[c + 1]!;
    let plain = (flags[c]! & LONE) === 0;
    for (let i = s; plain && i < e; i++) {
      const b = bytes[i]!;
      if (b === 34 || b === 92 || b < 32) plain = false;
    }
    if (plain) size += e - s + 2;
    else {
      const text = Buffer.from(JSON.stringify(table.text(c)), "utf8");
      escaped.set(c, text);
      size += text.length;
    }
  }
  const head = Buffer.from('{"symbols":[', "utf8");
  const tail = Buffer.from(`],"floats":${JSON.stringify(floats)}}`, "utf8");
  const out = Buffer.allocUnsafe(head.length + size + Math.max(0, to - from - 1) + tail.length);
  let at = head.copy(out, 0);
  for (let c = from; c < to; c++) {
    if (c > from) out[at++] = 44;
    const text = escaped.get(c);
    if (text !== undefined) {
      at += text.copy(out, at);
      continue;
    }
    out[at++] = 34;
    out.set(bytes.subarray(starts[c]!, starts[c + 1]!), at);
    at += starts[c + 1]! - starts[c]!;
    out[at++] = 34;
  }
  tail.copy(out, at);
  return out;
}

/** The frames one commit appends, made one at a time as they are written. */
function* commitFrames(commit: Commit): Generator<Buffer> {
  const { store } = commit;
  const values = store.values;
  // The reader adds each frame's symbols and floats in order, so a table split over frames reads back the same.
  for (let s = commit.symbols, f = commit.floats; s < values.symbols.length || f < values.floats.length; s += SYMBOLS_PER_FRAME, f += SYMBOLS_PER_FRAME) {
    const floats = values.floats.slice(Math.min(f, values.floats.length), Math.min(f + SYMBOLS_PER_FRAME, values.floats.length));
    yield frameOfText(SYMBOLS, symbolsJson(values.symbols, s, Math.min(s + SYMBOLS_PER_FRAME, values.symbols.length), floats));
  }
  for (const [replica, epochs] of store.members) {
    if (epochs.size === 0) yield frame(ROWS, { replica, epoch: 0, relation: "" });
    for (const [epoch, rels] of epochs) {
      for (const [relation, m] of rels) {
        if (m.rows.size <= m.mark) continue;
        yield frame(ROWS, { replica, epoch, relation }, store.gather(relation, m.rows.view(m.mark)));
      }
    }
  }
  yield frame(COMMIT, commit.meta);
}

/**
 * Appends the rows each membership gained past its mark, the symbols they need and a commit
 * record, then fsyncs. Anything past `length` (an interrupted run's tail) is cut off first.
 * Frames are written as they are made, so no second copy of the facts is held. Returns the new
 * valid length.
 */
export function appendCommit(path: string, length: number, commit: Commit): number {
  const fd = openSync(path, "r+");
  try {
    if (fstatSync(fd).size !== length) ftruncateSync(fd, length);
    let at = length;
    try {
      for (const p of commitFrames(commit)) {
        for (let done = 0; done < p.length; ) done += writeSync(fd, p, done, p.length - done, at + done);
        at += p.length;
      }
      fsyncSync(fd);
    } catch (err) {
      // A failed append (a full disk) is cut off at once, so its bytes do not keep the space taken.
      try {
        ftruncateSync(fd, length);
      } catch {
        // The next run cuts it off instead.
      }
      throw err;
    }
    return at;
  } finally {
    closeSync(fd);
  }
}

/**
 * Writes a whole new log (header, every fact, a commit) to a temporary file and renames it over
 * `path`: used for the first commit, after a schema change and to migrate `calmlog-state/1`.
 */
export function writeLog(path: string, header: LogHeader, commit: Commit): number {
  mkdirSync(join(path, ".."), { recursive: true });
  const tmp = tempSibling(path);
  // Every membership from the start: marks do not apply to a new log.
  const marks: [{ mark: number }, number][] = [];
  for (const epochs of commit.store.members.values()) for (const rels of epochs.values()) for (const m of rels.values()) (marks.push([m, m.mark]), (m.mark = 0));
  try {
    const fd = openSync(tmp, "wx");
    try {
      writeSync(fd, frame(HEADER, header));
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    const { size } = { size: readFileSync(tmp).length };
    const length = appendCommit(tmp, size, { ...commit, symbols: 0, floats: 0 });
    commitTemp(tmp, path);
    return length;
  } catch (err) {
    rmSync(tmp, { force: true });
    throw err;
  } finally {
    for (const [m, mark] of marks) m.mark = mark;
  }
}
