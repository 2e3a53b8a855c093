// The derived state kept next to the log: each engine's relations and progress, the fact store and
// the last sealed results, tied to the program's fingerprint and to the log position (a commit)
// whose facts they reflect. It is a cache: the log stays the source of truth, and a state that is
// missing, damaged, of another format, program or log is ignored (the run then evaluates in full).
//
// Each part (the store, one engine, the sealed results) is a file of its own, so a run reads only
// the parts it continues from and an engine with nothing new is neither read nor written again:
//
//   derived.json              the manifest: which part files make up the state, and their metadata
//   derived-<kind>-<hex>.bin  one part: "CLDERIV1" | section 0 | ... | header JSON | length (u32) | "CLDV" | crc32 (u32)
//
// A part file gets a fresh name, is written to a temporary file and renamed; once every new part
// is made durable (side by side, then one sync of the folder for the renames), the manifest is
// replaced atomically, and only then are parts it no longer names removed. A run killed
// at any point leaves the old manifest naming whole, unchanged files. CRC-32 (zlib's) guards each
// part against damage, not tampering, and is checked when the part is read, unless the manifest
// holds the part's mark (size, modification time, inode) and the file still has it: a part's
// modification time is set a minute back before it is made durable, so any later write to it,
// however soon, gives it a newer time and the check is made again. A part kept from an older
// state is marked once a run has checked it and its time is past the timestamp's granularity.
import { randomBytes } from "node:crypto";
import { crc32 } from "node:zlib";
import { closeSync, existsSync, fstatSync, futimesSync, openSync, read, readdirSync, readFileSync, readSync, rmSync, writeSync, type BigIntStats } from "node:fs";
import { join } from "node:path";
import { deltaOf, layoutOf, stateOf, stateWithDelta, type DeltaLayout, type StateLayout } from "../eval/snapshot.js";
import type { EngineState } from "../eval/engine.js";
import { fsyncFolder, fsyncPath, renameTemp, tempSibling, writeFileAtomic } from "../util/atomic-write.js";
import { parseRecords } from "../util/records.js";
import { fileMark, markOf, trustedSince } from "../util/file-mark.js";
import { mapFile } from "../util/map-file.js";

/** The manifest of the derived state, in the state folder. */
export const DERIVED_MANIFEST = "derived.json";
/** The single file an older version kept the whole derived state in (removed when a new state is kept). */
export const DERIVED_FILE_V1 = "derived.bin";
/**
 * The manifest's format: /4 may name an engine's state as a whole part plus a delta part (`KeptDelta`),
 * which a reader of /3 would take for the whole part alone, so it is a format of its own. /3 and /4
 * carry `check`, a CRC-32 of the rest, so a damaged byte anywhere is found (a damaged key could still
 * parse as JSON and be read as a missing field). /3 and /2 manifests (/2 has no check) are still read.
 */
export const DERIVED_FORMAT = "calmlog-derived/4";
const DERIVED_FORMAT_V3 = "calmlog-derived/3";
const DERIVED_FORMAT_V2 = "calmlog-derived/2";
/** What the program fingerprint is taken with: unchanged since /2, so a /2 state still continues. */
export const DERIVED_PROGRAM_KEY = "calmlog-derived/2";
const PART_FORMAT = "calmlog-derived-part/1";
const PART_NAME = /^derived-[a-z]+-[0-9a-f]{16}\.bin$/;
const MAGIC = Buffer.from("CLDERIV1", "latin1");
/** Zeros for padding and room after sections. */
const ZEROS = Buffer.alloc(1 << 16);
const TAIL = Buffer.from("CLDV", "latin1");
/**
 * An engine's state as kept: its layout, in the part file `file`, and, when it continued from that
 * state since, the rows it added and its progress now, in the part file `delta.file`.
 */
export type KeptState = StateLayout & { readonly file: string; readonly delta?: KeptDelta };

/** What a continuing engine added to a kept state (see `deltaOf` in eval/snapshot.ts), in the part file `file`. */
export type KeptDelta = DeltaLayout & { readonly file: string };

/**
 * A continuing engine writes only the rows it added since its kept state was written whole, while
 * those stay under this share of that state's part; then it writes itself whole again. A +1% run
 * thus writes about 1% of the bytes, and a run reads at most 1/8 more than a whole state.
 */
const DELTA_SHARE = 8;

/** The part files a kept engine state is in. */
export function partsOf(state: KeptState): string[] {
  return state.delta === undefined ? [state.file] : [state.file, state.delta.file];
}

/** A replica's engine as kept: its facts, its coordination-free relations' sizes and its state. */
export interface KeptReplica {
  readonly facts: number;
  readonly sizes: Readonly<Record<string, number>>;
  readonly state: KeptState;
}

/** Sealed results as kept: which inputs they were computed from, and each relation's rows in output order (sections of `file`). */
export interface KeptSealed {
  readonly key: string;
  readonly relations: readonly { readonly relation: string; readonly size: number; readonly rows: number }[];
  readonly file: string;
}

/**
 * Open facts as kept: per relation, how many distinct facts the open memberships hold (less those of
 * the sealed epochs) and in which epochs, when the sealed epochs and their seals give `key`.
 */
export interface KeptOpen {
  readonly key: string;
  readonly counts: Record<string, { readonly count: number; readonly epochs: readonly number[] }>;
}

/** The manifest (`derived.json`). */
export interface DerivedHeader {
  readonly format: string;
  /** The fingerprint of the program (and of this format). */
  readonly program: string;
  /** The commit of the log whose facts the engines hold: its end offset and id. */
  readonly log: { readonly start: number; readonly length: number; readonly commit: string };
  /** How many symbols and floats the value table held. */
  readonly values: { readonly symbols: number; readonly floats: number };
  /** `replica TAB epoch TAB relation` -> how many of the membership's rows the engines hold. */
  readonly members: Readonly<Record<string, number>>;
  readonly replicas: Readonly<Record<string, KeptReplica>>;
  readonly merged: KeptState | null;
  readonly sealed: KeptSealed | null;
  /** Open facts per relation, counted over the memberships' first `members` rows (absent: counted again). */
  readonly open?: KeptOpen | null;
  /**
   * The kept facts as the store held them at a commit (`layout`: see `storeLayout` in rows.ts,
   * sections of `file`), when kept. That commit is `log` and the value counts `values` when given
   * (else the manifest's own): the store part is written again only once the log has grown well
   * past it, and a run replays the log's frames after it, as it does anyway after any commit.
   */
  readonly store?: KeptStore;
  /** Part file -> its mark when its bytes were known to be whole (see the top of this file); absent: none. */
  readonly marks?: Readonly<Record<string, string>>;
}

/** The store part as kept, and the commit and value counts it reflects. */
export interface KeptStore {
  readonly file: string;
  readonly layout: unknown;
  readonly log?: DerivedHeader["log"];
  readonly values?: DerivedHeader["values"];
}

/** One part file's own header. */
interface PartHeader {
  readonly format: string;
  /** Byte offset and byte length of each section (each starts 8-byte aligned). */
  readonly sections: readonly (readonly [number, number])[];
}

/** A part file read back: its sections as views over the file's bytes. */
export class DerivedFile {
  /** Whether its sections were handed out to be written (`writableSection`): its bytes are no longer the file's. */
  handedOut = false;

  constructor(
    readonly header: PartHeader,
    private readonly bytes: Uint8Array,
    /** The file's mark, when its bytes are known to be whole under it (null: none can be given). */
    readonly mark: string | null = null,
    /** Where the header starts: the end of the last section's room. */
    private readonly headerAt = bytes.length,
  ) {}

  /** The file's length in bytes. */
  get size(): number {
    return this.bytes.length;
  }

  section(i: number): Int32Array {
    const s = this.at(i);
    return new Int32Array(this.bytes.buffer, this.bytes.byteOffset + s[0], s[1] / 4);
  }

  /**
   * Section `i` with the room after it (up to the next section or the header), which the writer
   * left for it to grow into: for an engine that takes the file's bytes as its own to write.
   */
  writableSection(i: number): Int32Array {
    const [at, n] = this.at(i);
    const next = this.header.sections[i + 1];
    const end = Math.max(at + n, next === undefined ? this.headerAt : next[0]);
    return new Int32Array(this.bytes.buffer, this.bytes.byteOffset + at, (end - at) >> 2);
  }

  /** `writableSection`'s bytes. */
  writableByteSection(i: number): Uint8Array {
    const w = this.writableSection(i);
    return new Uint8Array(w.buffer, w.byteOffset, w.byteLength);
  }

  byteSection(i: number): Uint8Array {
    const s = this.at(i);
    return new Uint8Array(this.bytes.buffer, this.bytes.byteOffset + s[0], s[1]);
  }

  floatSection(i: number): Float64Array {
    const s = this.at(i);
    return new Float64Array(this.bytes.buffer, this.bytes.byteOffset + s[0], s[1] / 8);
  }

  private at(i: number): readonly [number, number] {
    const s = this.header.sections[i];
    if (s === undefined) throw new Error(`derived state: no section ${i}`);
    return s;
  }

  state(layout: StateLayout): EngineState {
    return stateOf(layout, (i) => this.section(i));
  }
}

/** A part file's bytes, and its stats and when they were taken, from before the bytes were read. */
interface PartBytes {
  readonly bytes: Buffer;
  readonly stats: BigIntStats;
  readonly at: number;
}

/** Part files being read ahead on Node's I/O threads (`readAhead`), and those read, by path. */
const reading = new Map<string, Promise<PartBytes | null>>();
const readAheadBytes = new Map<string, PartBytes>();

/**
 * Starts reading part files in the background (Node's I/O threads), so their bytes are there when
 * `readDerived` asks for them after `readAheadDone`. Part files never change once in place, so bytes
 * read early are the bytes read late, and a mapped part (see `openPart`) needs no read at all. Each
 * file is one read request, opened and sized here: a chained or chunked read would wait for this
 * thread between steps, which is busy meanwhile.
 */
export function readAhead(dir: string, files: readonly string[]): void {
  for (const file of files) {
    const path = join(dir, file);
    if (PART_NAME.test(file) && !reading.has(path) && !readAheadBytes.has(path)) reading.set(path, readInBackground(path));
  }
}

/**
 * Memory for a part file's bytes: its own, 8-byte aligned for the sections' views (a pooled buffer
 * may not be), and shared. V8 counts an ordinary array buffer as external memory, and a continuing
 * run reads tens of megabytes of parts as it starts: past 64 MB V8 collects at once, while the I/O
 * threads fill the pages, then finishes a full collection. Neither frees anything (a part is live
 * until its engine is written), and on two cores they cost 20-35 ms of the feed's +1% run. V8 does
 * not count a shared buffer.
 */
function partMemory(size: number): Buffer {
  partBytes += size;
  return Buffer.from(new SharedArrayBuffer(size));
}

let partBytes = 0;
let partBytesMappedSoFar = 0;

/** Bytes of part files this process has mapped rather than read (`mapFile`). */
export function partBytesMapped(): number {
  return partBytesMappedSoFar;
}

/** Bytes of part files this process has read or mapped (kept state; most of it stays live while the run continues from it). */
export function partBytesRead(): number {
  return partBytes;
}

/**
 * A part file opened and sized, with memory for its bytes: its stats are taken before the bytes are
 * read. The bytes are the file mapped (`mapped`) where the platform allows: a part is never written
 * once in place, and a continuing run then faults in only the pages it touches, instead of every
 * page of the parts it continues from (on the social feed's +1% run, 88 MB read were 21,600 of its
 * 32,600 page faults). Else they are read into memory of their own.
 */
function openPart(path: string): { fd: number; stats: BigIntStats; at: number; bytes: Buffer; mapped: boolean } | null {
  let fd: number;
  try {
    fd = openSync(path, "r");
  } catch {
    return null;
  }
  try {
    const at = Date.now();
    const stats = fstatSync(fd, { bigint: true });
    const size = Number(stats.size);
    const mapped = mapFile(fd, size);
    if (mapped !== null) {
      partBytes += size;
      partBytesMappedSoFar += size;
      return { fd, stats, at, bytes: mapped, mapped: true };
    }
    return { fd, stats, at, bytes: partMemory(size), mapped: false };
  } catch {
    closeSync(fd);
    return null;
  }
}

function readInBackground(path: string): Promise<PartBytes | null> {
  const open = openPart(path);
  if (open === null) return Promise.resolve(null);
  const { fd, stats, at, bytes } = open;
  if (open.mapped) {
    closeSync(fd);
    return Promise.resolve({ bytes, stats, at });
  }
  const size = bytes.length;
  return new Promise((resolve) => {
    const step = (done: number): void => {
      if (done >= size) {
        closeSync(fd);
        resolve({ bytes, stats, at });
        return;
      }
      read(fd, bytes, done, size - done, done, (err, n) => {
        if (err !== null || n === 0) {
          closeSync(fd);
          resolve(null);
        } else step(done + n);
      });
    };
    step(0);
  });
}

/** Waits for the reads `readAhead` started; their bytes are used by the next `readDerived` of each path. */
export async function readAheadDone(): Promise<void> {
  for (const [path, bytes] of reading) {
    const b = await bytes;
    if (b !== null) readAheadBytes.set(path, b);
  }
  reading.clear();
}

/** Waits for the read `readAhead` started of the part at `path`, if any; its bytes are used by the next `readDerived` of it. */
export async function readAheadOf(path: string): Promise<void> {
  const bytes = reading.get(path);
  if (bytes === undefined) return;
  reading.delete(path);
  const b = await bytes;
  if (b !== null) readAheadBytes.set(path, b);
}

/**
 * The parts a continuing run over `set` reads first: the store's, the merged view's and those of
 * the replicas in `changed`.
 */
export function continuingParts(set: DerivedSet, changed: Iterable<string>): string[] {
  const h = set.header;
  const parts = h.store === undefined ? [] : [h.store.file];
  if (h.merged !== null) parts.push(...partsOf(h.merged));
  for (const name of changed) {
    const r = h.replicas[name];
    if (r !== undefined) parts.push(...partsOf(r.state));
  }
  return parts;
}

/** The part files being read ahead or read ahead and not yet used, by path. */
export function readAheadPaths(): string[] {
  return [...reading.keys(), ...readAheadBytes.keys()].sort();
}

/** Drops bytes read ahead and not used. */
export function dropReadAhead(): void {
  reading.clear();
  readAheadBytes.clear();
}

/** Reads a part file now: its stats first, then its bytes, through one descriptor. */
function readNow(path: string): PartBytes | null {
  const open = openPart(path);
  if (open === null) return null;
  const { fd, stats, at, bytes } = open;
  if (open.mapped) {
    closeSync(fd);
    return { bytes, stats, at };
  }
  try {
    let done = 0;
    while (done < bytes.length) {
      const n = readSync(fd, bytes, done, bytes.length - done, done);
      if (n === 0) return null;
      done += n;
    }
    return { bytes, stats, at };
  } catch {
    return null;
  } finally {
    closeSync(fd);
  }
}

/**
 * Reads the part file at `path`; null when it is missing, cut short, damaged or of another format.
 * Given `mark`, a file that still has it is not checked against its CRC (see the top of this file).
 */
export function readDerived(path: string, mark?: string): DerivedFile | null {
  const ahead = readAheadBytes.get(path);
  if (ahead !== undefined) readAheadBytes.delete(path);
  const read = ahead ?? readNow(path);
  if (read === null) return null;
  let bytes = read.bytes;
  const now = markOf(read.stats);
  if (bytes.length < MAGIC.length + 12 || !bytes.subarray(0, MAGIC.length).equals(MAGIC)) return null;
  const end = bytes.length - 4;
  if (!bytes.subarray(end - 4, end).equals(TAIL)) return null;
  const trusted = mark !== undefined && mark === now;
  if (!trusted && crc32(bytes.subarray(0, end)) !== bytes.readUInt32LE(end)) return null;
  const headerLength = bytes.readUInt32LE(end - 8);
  const headerAt = end - 8 - headerLength;
  if (headerAt < MAGIC.length) return null;
  let header: PartHeader;
  try {
    header = parseRecords(bytes.toString("utf8", headerAt, headerAt + headerLength)) as PartHeader;
  } catch {
    return null;
  }
  if (header.format !== PART_FORMAT || !Array.isArray(header.sections)) return null;
  // Views need 8-byte alignment; a pooled small buffer may not have it.
  if (bytes.byteOffset % 8 !== 0) bytes = Buffer.from(bytes);
  for (const [at, n] of header.sections) if (at % 8 !== 0 || at + n > headerAt) return null;
  // Checked now: the mark holds from here on once its time is past the timestamp's granularity.
  return new DerivedFile(header, bytes, trusted || trustedSince(read.stats) <= read.at ? now : null, headerAt);
}

/**
 * Writes one part file section by section into a temporary file while the run evaluates, so no
 * second copy of an engine is held; `finish` adds the header and renames it into place, `abort`
 * removes it. The file is made durable later, with the others (`DerivedSetWriter.finish`).
 */
export class DerivedWriter {
  private fd: number | null;
  private at = 0;
  private sum = 0;
  private readonly sections: [number, number][] = [];
  readonly tmp: string;
  /** The file's mark once in place (`finish`). */
  mark: string | null = null;

  constructor(readonly path: string) {
    this.tmp = tempSibling(path);
    this.fd = openSync(this.tmp, "wx");
    this.write(MAGIC);
  }

  private write(buf: Buffer): void {
    if (this.fd === null) throw new Error("derived state: the file is closed");
    // zlib's crc32 of an empty view over a larger buffer gives 0 rather than the running value.
    if (buf.length === 0) return;
    let done = 0;
    while (done < buf.length) done += writeSync(this.fd, buf, done, buf.length - done, this.at + done);
    this.at += buf.length;
    this.sum = crc32(buf, this.sum);
  }

  /**
   * Stores an array as a section, as its bytes are, and `room` more elements of zeros after it (an
   * array a continuing run appends to grows into them in place); returns its number.
   */
  put(array: Int32Array | Uint8Array | Float64Array, room = 0): number {
    this.sections.push([this.at, array.byteLength]);
    this.write(Buffer.from(array.buffer, array.byteOffset, array.byteLength));
    const bytes = array.byteLength + room * array.BYTES_PER_ELEMENT;
    let pad = bytes - array.byteLength + ((8 - (bytes % 8)) % 8);
    while (pad > 0) {
      const n = Math.min(pad, ZEROS.length);
      this.write(ZEROS.subarray(0, n));
      pad -= n;
    }
    return this.sections.length - 1;
  }

  /** Stores an engine's state; returns its layout. */
  putState(state: EngineState): StateLayout {
    return layoutOf(state, (codes, room) => this.put(codes, room));
  }

  /** Adds the header and renames the file into place (made durable by `DerivedSetWriter.finish`). */
  finish(): void {
    const text = Buffer.from(JSON.stringify({ format: PART_FORMAT, sections: this.sections }), "utf8");
    const len = Buffer.alloc(8);
    len.writeUInt32LE(text.length, 0);
    TAIL.copy(len, 4);
    this.write(text);
    this.write(len);
    const digest = Buffer.alloc(4);
    digest.writeUInt32LE(this.sum, 0);
    writeSync(this.fd!, digest, 0, digest.length, this.at);
    // A minute back: a later write, however soon, gives the file another time (see the top of this file).
    const back = Date.now() / 1000 - 60;
    futimesSync(this.fd!, back, back);
    // Taken through the descriptor: a rename changes none of size, modification time and inode.
    this.mark = markOf(fstatSync(this.fd!, { bigint: true }));
    closeSync(this.fd!);
    this.fd = null;
    renameTemp(this.tmp, this.path);
  }

  abort(): void {
    if (this.fd !== null) closeSync(this.fd);
    this.fd = null;
    rmSync(this.tmp, { force: true });
  }
}

/** A kept derived state: its manifest, and its part files, each read (and checked) when first asked for. */
export class DerivedSet {
  private readonly files = new Map<string, DerivedFile | null>();

  constructor(
    readonly dir: string,
    readonly header: DerivedHeader,
  ) {}

  /** The part file `file`, read and checked once; null when it is missing or damaged. */
  part(file: string): DerivedFile | null {
    if (!this.files.has(file)) this.files.set(file, PART_NAME.test(file) ? readDerived(join(this.dir, file), this.header.marks?.[file]) : null);
    return this.files.get(file)!;
  }

  /**
   * The mark a new manifest may give part file `file`, kept by name: the one this run read it
   * under, else the kept one if the file still has it; null when it has none.
   */
  markOf(file: string): string | null {
    const read = this.files.get(file);
    if (read !== undefined) return read?.mark ?? null;
    const kept = this.header.marks?.[file];
    return kept !== undefined && fileMark(join(this.dir, file)) === kept ? kept : null;
  }

  /** The byte length of the part file `file` (0 when it cannot be read). */
  sizeOf(file: string): number {
    return this.part(file)?.size ?? 0;
  }

  /** Whether the part file `file` is there (without reading it). */
  present(file: string): boolean {
    return PART_NAME.test(file) && existsSync(join(this.dir, file));
  }

  /**
   * The part file `file`, as `part`, whose bytes the caller takes as its own to write, sections and
   * the room after them: read again from its file when another caller took them first.
   */
  writablePart(file: string): DerivedFile | null {
    const f = this.asKept(file);
    if (f !== null) f.handedOut = true;
    return f;
  }

  /** The part file `file` with the bytes its file holds: read again when they were handed out to be written. */
  private asKept(file: string): DerivedFile | null {
    if (this.files.get(file)?.handedOut === true) this.files.delete(file);
    return this.part(file);
  }

  private must(file: string, f = this.part(file)): DerivedFile {
    if (f === null) throw new Error(`derived state: part \`${file}\` cannot be read`);
    return f;
  }

  /**
   * A kept engine's state (its parts must have been checked with `part`). `writable`: the engine
   * importing it takes the whole part's bytes as its own to write, rows and indexes growing into
   * the room left after them, instead of copying every array it adds to: a +1% run of the social
   * feed copied 33 MB so. The part is then read again from its file if asked for once more.
   */
  state(layout: KeptState, options: { readonly writable?: boolean } = {}): EngineState {
    const f = this.must(layout.file, this.asKept(layout.file));
    const room = options.writable === true ? (i: number): Int32Array => f.writableSection(i) : undefined;
    if (room !== undefined) f.handedOut = true;
    if (layout.delta === undefined) return stateOf(layout, (i) => f.section(i), room);
    const d = this.must(layout.delta.file);
    return stateWithDelta(layout, (i) => f.section(i), layout.delta, (i) => d.section(i), room);
  }

  /** Whether every part file of a kept engine state reads back whole (each is read and checked once). */
  whole(layout: KeptState): boolean {
    return partsOf(layout).every((file) => this.part(file) !== null);
  }

  /** Whether every part file of a kept engine state is there (without reading them). */
  presentAll(layout: KeptState): boolean {
    return partsOf(layout).every((file) => this.present(file));
  }

  /** A section of the kept sealed results. */
  section(i: number): Int32Array {
    if (this.header.sealed === null) throw new Error("derived state: no sealed results are kept");
    return this.must(this.header.sealed.file).section(i);
  }
}

/** The CRC-32 of a manifest's JSON text without its `check` (JSON.parse then JSON.stringify gives the same text back). */
function manifestCheck(manifest: object): number {
  return crc32(JSON.stringify(manifest));
}

/** Reads the manifest in `stateDir`; null when it is missing, damaged or of another format (no part is read). */
export function readDerivedSet(stateDir: string): DerivedSet | null {
  let header: DerivedHeader;
  try {
    header = parseRecords(readFileSync(join(stateDir, DERIVED_MANIFEST), "utf8")) as DerivedHeader;
  } catch {
    return null;
  }
  if (header === null || typeof header !== "object") return null;
  if (header.format === DERIVED_FORMAT || header.format === DERIVED_FORMAT_V3) {
    const { check, ...rest } = header as DerivedHeader & { check?: unknown };
    if (check !== manifestCheck(rest)) return null;
    header = rest;
  } else if (header.format !== DERIVED_FORMAT_V2) return null;
  if (typeof header.replicas !== "object" || header.replicas === null) return null;
  return new DerivedSet(stateDir, header);
}

/**
 * Writes a derived state: each engine into a part file of its own as it is handed over, parts kept
 * from the previous state by name, and the manifest last (`finish`).
 */
export class DerivedSetWriter {
  private readonly written: string[] = [];
  private readonly marks = new Map<string, string>();
  private sealedWriter: DerivedWriter | null = null;
  private sealedName: string | null = null;

  /** `previous`: the derived state this one keeps parts of by name (their marks carry over). */
  constructor(
    readonly dir: string,
    private readonly previous: DerivedSet | null = null,
  ) {}

  /** Notes a part file as written (and its mark). */
  private done(file: string, writer: DerivedWriter): void {
    this.written.push(file);
    if (writer.mark !== null) this.marks.set(file, writer.mark);
  }

  private part(kind: string): { writer: DerivedWriter; file: string } {
    const file = `derived-${kind}-${randomBytes(8).toString("hex")}.bin`;
    const writer = new DerivedWriter(join(this.dir, file));
    return { writer, file };
  }

  /**
   * Writes an engine's state into a part file of its own; returns where it went. Given the kept
   * state `since` the engine continued from (with the byte length of its whole part), only the rows
   * added since go to a part (a delta), while they stay small next to it; else, after
   * `indexForDeltas` (so the next run finds the indexes its delta joins ask for), its whole state.
   */
  putEngine(engine: { exportState(): EngineState; indexForDeltas?(): void }, kind = "engine", since?: { readonly state: KeptState; readonly bytes: number }): KeptState {
    const state = engine.exportState();
    if (since !== undefined && since.bytes > 0) {
      let added = 0;
      for (const r of state.relations) {
        const was = since.state.relations.find((x) => x.name === r.name);
        const arity = r.size === 0 ? 0 : r.data.length / r.size;
        added += 4 * arity * (r.size - (was?.size ?? 0));
      }
      if (added * DELTA_SHARE <= since.bytes) {
        const { writer, file } = this.part("delta");
        try {
          const delta = deltaOf(state, since.state, (codes) => writer.put(codes));
          if (delta !== null) {
            writer.finish();
            this.done(file, writer);
            const { delta: _previous, ...base } = since.state;
            return { ...base, delta: { ...delta, file } };
          }
          writer.abort();
        } catch (err) {
          writer.abort();
          throw err;
        }
      }
    }
    const { writer, file } = this.part(kind);
    try {
      if (engine.indexForDeltas !== undefined) engine.indexForDeltas();
      const layout = writer.putState(engine.indexForDeltas === undefined ? state : engine.exportState());
      writer.finish();
      this.done(file, writer);
      return { ...layout, file };
    } catch (err) {
      writer.abort();
      throw err;
    }
  }

  /** Keeps an engine's state of the previous derived state as it is (its part file is neither read nor written). */
  keepState(layout: KeptState): KeptState {
    return layout;
  }

  /** Stores an array of the sealed results; returns its section number in `sealedFile`. */
  put(array: Int32Array | Uint8Array | Float64Array): number {
    if (this.sealedWriter === null) {
      const { writer, file } = this.part("sealed");
      this.sealedWriter = writer;
      this.sealedName = file;
    }
    return this.sealedWriter.put(array);
  }

  /** The part file the arrays handed to `put` go to. */
  get sealedFile(): string {
    if (this.sealedName === null) this.put(new Int32Array(0));
    return this.sealedName!;
  }

  /** Writes arrays (the fact store's) into a part file of its own; `fill` hands them to `put` and returns their layout. */
  putPart<T>(kind: string, fill: (put: (a: Int32Array | Uint8Array | Float64Array, room?: number) => number) => T): { readonly file: string; readonly layout: T } {
    const { writer, file } = this.part(kind);
    try {
      const layout = fill((a, room) => writer.put(a, room));
      writer.finish();
      this.done(file, writer);
      return { file, layout };
    } catch (err) {
      writer.abort();
      throw err;
    }
  }

  /**
   * Makes the parts durable, replaces the manifest atomically and removes the part files it no
   * longer names. The parts are synced side by side on the I/O threads, and one sync of the folder
   * then makes all their renames durable, before the manifest names them.
   */
  async finish(header: Omit<DerivedHeader, "format">): Promise<void> {
    if (this.sealedWriter !== null) {
      this.sealedWriter.finish();
      this.done(this.sealedName!, this.sealedWriter);
      this.sealedWriter = null;
    }
    await Promise.all(this.written.map((file) => fsyncPath(join(this.dir, file))));
    fsyncFolder(this.dir);
    const named = new Set<string>();
    for (const r of Object.values(header.replicas)) for (const f of partsOf(r.state)) named.add(f);
    if (header.merged !== null) for (const f of partsOf(header.merged)) named.add(f);
    if (header.sealed !== null) named.add(header.sealed.file);
    if (header.store !== undefined) named.add(header.store.file);
    const marks: Record<string, string> = {};
    for (const f of [...named].sort()) {
      const m = this.marks.get(f) ?? this.previous?.markOf(f) ?? null;
      if (m !== null) marks[f] = m;
    }
    const manifest: DerivedHeader = { format: DERIVED_FORMAT, ...header, marks };
    writeFileAtomic(join(this.dir, DERIVED_MANIFEST), JSON.stringify({ ...manifest, check: manifestCheck(manifest) }));
    removeParts(this.dir, named);
    rmSync(join(this.dir, DERIVED_FILE_V1), { force: true });
  }

  /** Removes the part files this writer made (the previous manifest and its parts stay). */
  abort(): void {
    this.sealedWriter?.abort();
    this.sealedWriter = null;
    for (const file of this.written) rmSync(join(this.dir, file), { force: true });
    this.written.length = 0;
  }
}

/** Removes part files in `dir` that `keep` does not name (left by a replaced state or a killed run). */
export function removeParts(dir: string, keep: ReadonlySet<string>): void {
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return;
  }
  for (const name of names) if (PART_NAME.test(name) && !keep.has(name)) rmSync(join(dir, name), { force: true });
}

