// The derived state kept next to the log (`derived.bin`): each engine's relations and progress as
// raw int32 sections, and the last sealed results, tied to the program's fingerprint and to the log
// position (a commit) whose facts they reflect. The file is a cache: the log stays the source of
// truth, and a file that is missing, damaged, of another format, program or log is ignored (the run
// then evaluates in full). It is written to a temporary file, made durable and renamed.
//
//   "CLDERIV1" | section 0 | section 1 | ... | header JSON | header length (u32) | "CLDV" | crc32 (u32)
//
// CRC-32 (zlib's) guards against damage, not tampering, and checks a 100 MB file several times
// faster than md5.
import { crc32 } from "node:zlib";
import { closeSync, fsyncSync, openSync, readFileSync, rmSync, writeSync } from "node:fs";
import { commitTemp, tempSibling } from "../util/atomic-write.js";
import { layoutOf, stateOf, type StateLayout } from "../eval/snapshot.js";
import type { EngineState } from "../eval/engine.js";

export const DERIVED_FILE = "derived.bin";
export const DERIVED_FORMAT = "calmlog-derived/1";
const MAGIC = Buffer.from("CLDERIV1", "latin1");
const TAIL = Buffer.from("CLDV", "latin1");

/** A replica's engine as kept: its facts, its coordination-free relations' sizes and its state. */
export interface KeptReplica {
  readonly facts: number;
  readonly sizes: Readonly<Record<string, number>>;
  readonly state: StateLayout;
}

/** Sealed results as kept: which inputs they were computed from, and each relation's rows in output order. */
export interface KeptSealed {
  readonly key: string;
  readonly relations: readonly { readonly relation: string; readonly size: number; readonly rows: number }[];
}

/** The description at the end of `derived.bin`. */
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
  readonly merged: StateLayout | null;
  readonly sealed: KeptSealed | null;
  /** The kept facts as the store held them at that commit (see `storeParts` in rows.ts), when kept. */
  readonly store?: unknown;
  /** Byte offset and byte length of each section (each starts 8-byte aligned). */
  readonly sections: readonly (readonly [number, number])[];
}

/** A `derived.bin` read back: its header and its sections as views over the file's bytes. */
export class DerivedFile {
  constructor(
    readonly header: DerivedHeader,
    private readonly bytes: Uint8Array,
  ) {}

  section(i: number): Int32Array {
    const s = this.at(i);
    return new Int32Array(this.bytes.buffer, this.bytes.byteOffset + s[0], s[1] / 4);
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

/** Reads `path`; null when it is missing, cut short, damaged or of another format. */
export function readDerived(path: string): DerivedFile | null {
  let bytes: Buffer;
  try {
    bytes = readFileSync(path);
  } catch {
    return null;
  }
  if (bytes.length < MAGIC.length + 12 || !bytes.subarray(0, MAGIC.length).equals(MAGIC)) return null;
  const end = bytes.length - 4;
  if (!bytes.subarray(end - 4, end).equals(TAIL)) return null;
  if (crc32(bytes.subarray(0, end)) !== bytes.readUInt32LE(end)) return null;
  const headerLength = bytes.readUInt32LE(end - 8);
  const headerAt = end - 8 - headerLength;
  if (headerAt < MAGIC.length) return null;
  let header: DerivedHeader;
  try {
    header = JSON.parse(bytes.toString("utf8", headerAt, headerAt + headerLength)) as DerivedHeader;
  } catch {
    return null;
  }
  if (header.format !== DERIVED_FORMAT || !Array.isArray(header.sections)) return null;
  // Views need 8-byte alignment; a pooled small buffer may not have it.
  if (bytes.byteOffset % 8 !== 0) bytes = Buffer.from(bytes);
  for (const [at, n] of header.sections) if (at % 8 !== 0 || at + n > headerAt) return null;
  return new DerivedFile(header, bytes);
}

/**
 * Writes a `derived.bin` section by section into a temporary file while the run evaluates, so no
 * second copy of the engines is held; `finish` adds the header, makes the file durable and renames
 * it into place, `abort` removes it.
 */
export class DerivedWriter {
  private fd: number | null;
  private at = 0;
  private sum = 0;
  private readonly sections: [number, number][] = [];
  readonly tmp: string;

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

  /** Stores an array as a section, as its bytes are; returns its number. */
  put(array: Int32Array | Uint8Array | Float64Array): number {
    this.sections.push([this.at, array.byteLength]);
    this.write(Buffer.from(array.buffer, array.byteOffset, array.byteLength));
    const pad = (8 - (array.byteLength % 8)) % 8;
    if (pad > 0) this.write(Buffer.alloc(pad));
    return this.sections.length - 1;
  }

  /** Stores an engine's state; returns its layout. */
  putState(state: EngineState): StateLayout {
    return layoutOf(state, (codes) => this.put(codes));
  }

  /** Adds the header, fsyncs and renames the file into place. */
  finish(header: Omit<DerivedHeader, "sections" | "format">): void {
    const text = Buffer.from(JSON.stringify({ format: DERIVED_FORMAT, ...header, sections: this.sections }), "utf8");
    const len = Buffer.alloc(8);
    len.writeUInt32LE(text.length, 0);
    TAIL.copy(len, 4);
    this.write(text);
    this.write(len);
    const digest = Buffer.alloc(4);
    digest.writeUInt32LE(this.sum, 0);
    writeSync(this.fd!, digest, 0, digest.length, this.at);
    fsyncSync(this.fd!);
    closeSync(this.fd!);
    this.fd = null;
    commitTemp(this.tmp, this.path);
  }

  abort(): void {
    if (this.fd !== null) closeSync(this.fd);
    this.fd = null;
    rmSync(this.tmp, { force: true });
  }
}
