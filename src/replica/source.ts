// Where replica facts and seal records come from. The evaluation core sees only this interface,
// so a directory, a message stream or a test fixture are interchangeable. The directory layout
// (`DIR/<replica>/epoch-<n>/<relation>.facts`, `DIR/seals/epoch-<n>.json`) is the first source.
import { isUtf8 } from "node:buffer";
import { createHash } from "node:crypto";
import { existsSync, mkdirSync, readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import type { Diagnostics } from "../diagnostics/diagnostic.js";
import { wholeFile } from "../diagnostics/span.js";
import type { Tuple } from "./tuple-keys.js";
import { parseFactText, readFactCodesOf, readFacts, writeUnitFile, type ReplicaSchema } from "./io.js";
import { createFileOnce } from "../util/atomic-write.js";
import { fileMark, trustedSince } from "../util/file-mark.js";
import type { ValueTable } from "../eval/values.js";
import type { SealRecord } from "./replica.js";
import { parseSeal, readSeals, scanLayout, sealJson, sealPath, SEALS_DIR, STATE_DIR, type FactFile, type Show } from "./store.js";

/** One replica's facts of one relation in one epoch, as a source holds them (a file, a stream subject, ...). */
export interface FactUnit {
  readonly replica: string;
  readonly epoch: number;
  readonly relation: string;
  /** Where the facts are, as a user would name it in a message (a path, a subject). */
  readonly location: string;
  /**
   * Changes whenever the unit's facts may have changed (for a file: size, modification time and
   * inode). Equal fingerprints let a run skip reading the unit; it is never a digest of the facts.
   */
  readonly fingerprint: string;
  /**
   * When a fingerprint taken now can be trusted (ms since 1970): a file changed within its
   * timestamp's granularity before the run may change again under the same fingerprint, so it is
   * read again next time. Sources whose fingerprints are exact leave it out.
   */
  readonly trustedFrom?: number;
}

/**
 * How far a unit was read: its length in bytes and the SHA-256 of those bytes. A later read that
 * finds the same bytes at the start of the unit reads only what was appended after them.
 */
export interface ReadMark {
  readonly bytes: number;
  readonly sha256: string;
}

/** A unit read past an earlier mark. */
export interface AppendedRead {
  /** True: `rows` are only the lines appended after the mark. False: `rows` are the unit's every fact (no mark, or the bytes before it changed). */
  readonly appended: boolean;
  readonly rows: readonly Tuple[];
  /** The appended facts as codes instead of `rows` (then empty), when a value table was given and the file's format allows. */
  readonly codes?: Int32Array;
  /** Where this read ended, for the next run; null when the unit cannot be continued (compressed, not UTF-8). */
  readonly mark: ReadMark | null;
}

/** What a source holds right now: its replicas (some may have no facts yet) and fact units. */
export interface SourceListing {
  /** Replica names, sorted. */
  readonly replicas: readonly string[];
  /** Every fact unit, sorted by replica, epoch, relation, location. */
  readonly units: readonly FactUnit[];
  /** Units of `ListOptions.retained` relations, left unread. */
  readonly skipped?: readonly FactUnit[];
}

/** What listing needs from the program: relations replicas may insert into, and every declared one. */
export interface ListOptions {
  /** The `.input` relations: the only relations replicas insert into. */
  readonly inputs: ReadonlySet<string>;
  /** Every declared relation, so a unit of a derived relation is refused with the reason. */
  readonly declared?: ReadonlySet<string>;
  /** Relations the program does not declare but the kept state holds (an earlier program's): their units are listed as skipped, not refused. */
  readonly retained?: ReadonlySet<string>;
  /** How a location appears in a message. */
  readonly show?: Show;
}

/** The outcome of creating a seal record: exactly one writer of an epoch's seal wins. */
export type SealWrite =
  | { readonly created: true; readonly location: string }
  | { readonly created: false; readonly location: string; readonly existing: SealRecord | null };

/**
 * A seal scoped to some keys of a relation instead of a whole epoch. Its body is the scope's own
 * JSON record; the source stores it verbatim under `id` with the same create-once rule as epoch seals.
 */
export interface KeySealEntry {
  /** A stable name for the scope (unique per source), e.g. `cart/epoch-3/k-1f2e`. */
  readonly id: string;
  /** The record's canonical text. */
  readonly text: string;
}

/**
 * Where facts of each replica and epoch and the seal records come from. Methods that touch
 * storage are async, so a network source fits as well as a directory. A source never merges,
 * verifies or evaluates: it lists, reads rows and stores seal records.
 */
export interface ReplicaSource {
  /** A short description for reports: the directory's path, the stream's name. */
  readonly description: string;
  /** How reports name the kind of source (`directory`, `replicas`, ...). */
  readonly kind: string;
  /**
   * Where the kept state of this source lives on the local disk, or null when nothing is kept
   * between runs (ad-hoc sets). A network source returns a local cache directory.
   */
  readonly stateDir: string | null;

  /** The replicas and fact units the source holds; layout mistakes are errors in `diags` (null when nothing can be listed). */
  list(options: ListOptions, diags: Diagnostics): Promise<SourceListing | null>;

  /**
   * The facts of one unit as rows of values, in batches. A bad row throws `UserError` whose
   * diagnostic names the unit's location, line and column.
   */
  read(unit: FactUnit, schema: ReplicaSchema): AsyncIterable<readonly Tuple[]>;

  /**
   * Reads a unit that may have grown since `since`: when the unit still starts with the bytes the
   * mark vouches for (their SHA-256 and a whole last line), only what follows is parsed. Errors
   * throw as `read` does, naming the file's own line. Sources without it are read whole.
   */
  readAppended?(unit: FactUnit, schema: ReplicaSchema, since: ReadMark | undefined, values?: ValueTable): Promise<AppendedRead>;

  /**
   * Findings the source made while reading (for a stream: facts of a sealed epoch published after
   * its seal, kept out of the rows), added to `diags` once the read facts are merged.
   */
  findings?(diags: Diagnostics): void;

  /** Every epoch seal record; malformed ones are errors in `diags` and left out. */
  readSeals(diags: Diagnostics, show?: Show): Promise<SealRecord[]>;

  /** Creates the seal record of `record.epoch` unless one exists: a seal is written once, by one writer. */
  createSeal(record: SealRecord): Promise<SealWrite>;

  /** Key-scoped seal records, when the source stores them (sources without them return none). */
  readKeySeals?(diags: Diagnostics): Promise<KeySealEntry[]>;
  /** Creates a key-scoped seal record once; `created: false` when `id` exists already. */
  createKeySeal?(entry: KeySealEntry): Promise<{ readonly created: boolean; readonly location: string }>;

  /**
   * Writes a unit's facts back in the source's own format, replacing what it holds (for
   * `calmlog restore`), atomically. Sources that cannot be written leave it out.
   */
  writeUnit?(unit: Pick<FactUnit, "replica" | "epoch" | "relation">, schema: ReplicaSchema, rows: readonly Tuple[]): Promise<string>;

  /**
   * The facts of one unit as codes of `values` (`arity` per row, what `read` gives, in its order),
   * read with no tuple per fact; null when this unit is read through `read` instead. Errors throw
   * as `read` throws them. Sources without it are read through `read`.
   */
  readCodes?(unit: FactUnit, schema: ReplicaSchema, values: ValueTable): Promise<Int32Array | null>;
  /**
   * `readCodes`, with the mark `readAppended` would give the same bytes (null for a file it would
   * not mark), so a first read goes straight into codes and the next run still reads only what is appended.
   */
  readCodesMarked?(unit: FactUnit, schema: ReplicaSchema, values: ValueTable): Promise<{ readonly codes: Int32Array; readonly mark: ReadMark | null } | null>;
}

/** The directory layout: `DIR/<replica>/epoch-<n>/<relation>.facts`, seals in `DIR/seals/`, kept state in `DIR/.calmlog/state/`. */
export class DirectorySource implements ReplicaSource {
  readonly kind = "directory";
  readonly stateDir: string;

  constructor(readonly dir: string) {
    this.stateDir = join(dir, STATE_DIR);
  }

  get description(): string {
    return this.dir;
  }

  async list(options: ListOptions, diags: Diagnostics): Promise<SourceListing | null> {
    const layout = scanLayout(this.dir, options.inputs, diags, options.show, options.declared, options.retained);
    if (layout === null) return null;
    const unit = (f: FactFile): FactUnit => ({ replica: f.replica, epoch: f.epoch, relation: f.relation, location: f.path, fingerprint: fingerprint(f.path), trustedFrom: trustedFrom(f.path) });
    return { replicas: layout.replicas, units: layout.files.map(unit), skipped: (layout.skipped ?? []).map(unit) };
  }

  async *read(unit: FactUnit, schema: ReplicaSchema): AsyncIterable<readonly Tuple[]> {
    yield readFacts(unit.location, schema);
  }

  async readAppended(unit: FactUnit, schema: ReplicaSchema, since: ReadMark | undefined, values?: ValueTable): Promise<AppendedRead> {
    return readFileAppended(unit.location, schema, since, values);
  }

  async readSeals(diags: Diagnostics, show?: Show): Promise<SealRecord[]> {
    return readSeals(this.dir, diags, show);
  }

  async createSeal(record: SealRecord): Promise<SealWrite> {
    const path = sealPath(this.dir, record.epoch);
    mkdirSync(join(this.dir, SEALS_DIR), { recursive: true });
    if (createOnce(path, sealJson(record))) return { created: true, location: path };
    return { created: false, location: path, existing: readExisting(path) };
  }

  async readKeySeals(): Promise<KeySealEntry[]> {
    const folder = join(this.dir, SEALS_DIR, "keys");
    if (!existsSync(folder)) return [];
    const out: KeySealEntry[] = [];
    const walk = (sub: string): void => {
      for (const name of readdirSync(join(folder, sub)).sort()) {
        if (name.startsWith(".")) continue;
        const rel = sub === "" ? name : join(sub, name);
        const path = join(folder, rel);
        if (statSync(path).isDirectory()) walk(rel);
        else if (name.endsWith(".json")) out.push({ id: rel.slice(0, -".json".length), text: readFileSync(path, "utf8") });
      }
    };
    walk("");
    return out;
  }

  async createKeySeal(entry: KeySealEntry): Promise<{ readonly created: boolean; readonly location: string }> {
    if (entry.id.split("/").some((p) => p === "" || p === "." || p === ".." || p.startsWith("."))) throw new Error(`bad key seal id \`${entry.id}\``);
    const path = join(this.dir, SEALS_DIR, "keys", `${entry.id}.json`);
    mkdirSync(join(path, ".."), { recursive: true });
    return { created: createOnce(path, entry.text), location: path };
  }

  async writeUnit(unit: Pick<FactUnit, "replica" | "epoch" | "relation">, schema: ReplicaSchema, rows: readonly Tuple[]): Promise<string> {
    const folder = join(this.dir, unit.replica, `epoch-${unit.epoch}`);
    mkdirSync(folder, { recursive: true });
    const jsonl = join(folder, `${unit.relation}.jsonl`);
    const path = existsSync(jsonl) && !existsSync(join(folder, `${unit.relation}.facts`)) ? jsonl : join(folder, `${unit.relation}.facts`);
    writeUnitFile(path, schema, rows);
    return path;
  }

  async readCodes(unit: FactUnit, schema: ReplicaSchema, values: ValueTable): Promise<Int32Array | null> {
    return readFactCodesOf(unit.location, schema, values);
  }

  async readCodesMarked(unit: FactUnit, schema: ReplicaSchema, values: ValueTable): Promise<{ readonly codes: Int32Array; readonly mark: ReadMark | null } | null> {
    return readCodesMarked(unit.location, schema, values);
  }
}

/**
 * A whole fact file read into codes, and the mark of the bytes read (their length and SHA-256), as
 * `readFileAppended` marks a whole read; the bytes are read once, so a write during the read cannot
 * pair a mark with other facts. A compressed or non-UTF-8 file gets no mark (it is read whole next time).
 */
export function readCodesMarked(path: string, schema: ReplicaSchema, values: ValueTable): { readonly codes: Int32Array; readonly mark: ReadMark | null } | null {
  let bytes: Buffer;
  try {
    bytes = readFileSync(path);
  } catch {
    // The reader reports why the file cannot be read (CL404).
    const codes = readFactCodesOf(path, schema, values);
    return codes === null ? null : { codes, mark: null };
  }
  const plain = !(bytes.length >= 2 && bytes[0] === 0x1f && bytes[1] === 0x8b) && isUtf8(bytes);
  const codes = readFactCodesOf(path, schema, values, plain ? bytes : undefined);
  if (codes === null) return null;
  return { codes, mark: plain ? { bytes: bytes.length, sha256: createHash("sha256").update(bytes).digest("hex") } : null };
}

/**
 * Ad-hoc replicas (`--replica NAME=FACTSDIR`): each folder's `<relation>.facts` files form epoch 1
 * of one replica. Nothing is kept; `sealed` adds an in-memory seal of epoch 1 once facts are read.
 */
export class FolderSetSource implements ReplicaSource {
  readonly kind = "replicas";
  readonly stateDir = null;
  readonly description = "replicas";
  private readonly seals: SealRecord[] = [];

  constructor(readonly folders: readonly { readonly name: string; readonly dir: string; readonly shownDir: string }[]) {}

  async list(options: ListOptions, diags: Diagnostics): Promise<SourceListing | null> {
    const units: FactUnit[] = [];
    const replicas: string[] = [];
    for (const { name, dir, shownDir } of this.folders) {
      if (!existsSync(dir)) {
        diags.add("CL504", wholeFile(dir), `facts directory \`${shownDir}\` of replica \`${name}\` does not exist`);
        continue;
      }
      replicas.push(name);
      for (const file of readdirSync(dir).sort()) {
        const m = /^(.+)\.(facts|jsonl)$/.exec(file);
        if (m === null) continue;
        const relation = m[1]!;
        if (!(options.declared ?? options.inputs).has(relation)) continue;
        const path = join(dir, file);
        if (!options.inputs.has(relation)) {
          diags.add("CL504", wholeFile(path), `\`${file}\` holds facts of \`${relation}\`, which is not an \`.input\` relation: replicas insert only into \`.input\` relations, and the program alone defines the others, the same on every replica`, {
            help: `add \`.input ${relation}\` to the program if replicas should insert into it, or move these facts into the program`,
          });
          continue;
        }
        units.push({ replica: name, epoch: 1, relation, location: path, fingerprint: fingerprint(path) });
      }
    }
    return { replicas: [...replicas].sort(), units };
  }

  async *read(unit: FactUnit, schema: ReplicaSchema): AsyncIterable<readonly Tuple[]> {
    yield readFacts(unit.location, schema);
  }

  async readSeals(): Promise<SealRecord[]> {
    return [...this.seals];
  }

  async createSeal(record: SealRecord): Promise<SealWrite> {
    if (this.seals.some((s) => s.epoch === record.epoch)) return { created: false, location: "memory", existing: this.seals.find((s) => s.epoch === record.epoch)! };
    this.seals.push(record);
    return { created: true, location: "memory" };
  }
}

/**
 * Reads a fact file past `since`. The bytes are read once: the mark of this read and the facts come
 * from the same bytes, so a write during the read cannot pair a mark with other facts. The whole
 * prefix is hashed (SHA-256, about 5 ms per MB), never sampled: an edit anywhere before the mark,
 * even one that keeps the length, sends the file through a whole read, which reports what it lacks
 * (CL501). Anything unusual (compressed, not UTF-8, a bad line) is read whole by the ordinary reader,
 * so errors are reported exactly as a whole read reports them.
 */
export function readFileAppended(path: string, schema: ReplicaSchema, since: ReadMark | undefined, values?: ValueTable): AppendedRead {
  let bytes: Buffer;
  try {
    bytes = readFileSync(path);
  } catch {
    // The reader reports why the file cannot be read (CL404).
    return { appended: false, rows: readFacts(path, schema), mark: null };
  }
  if (bytes.length >= 2 && bytes[0] === 0x1f && bytes[1] === 0x8b) return { appended: false, rows: readFacts(path, schema), mark: null };
  const hash = createHash("sha256");
  let from = 0;
  // The mark must end a line: text appended to an unfinished last line changes that line's fact.
  if (since !== undefined && since.bytes > 0 && since.bytes <= bytes.length && bytes[since.bytes - 1] === 10) {
    hash.update(bytes.subarray(0, since.bytes));
    if (hash.copy().digest("hex") === since.sha256) from = since.bytes;
    hash.update(bytes.subarray(since.bytes));
  } else {
    hash.update(bytes);
  }
  const mark: ReadMark = { bytes: bytes.length, sha256: hash.digest("hex") };
  if (!isUtf8(bytes.subarray(from))) return { appended: false, rows: readFacts(path, schema), mark: null };
  if (from === 0) return { appended: false, rows: parseFactText(bytes.toString("utf8"), path, schema), mark };
  try {
    // Straight from the bytes into codes where the reader takes the format: no tuple per fact.
    const codes = values === undefined ? null : readFactCodesOf(path, schema, values, bytes.subarray(from), true);
    if (codes !== null) return { appended: true, rows: [], codes, mark };
    return { appended: true, rows: parseFactText(bytes.toString("utf8", from), path, schema, true), mark };
  } catch (err) {
    if ((err as { diagnostic?: unknown }).diagnostic === undefined) throw err;
    // Parsed whole, the same error names the file's own line and column.
    parseFactText(bytes.toString("utf8"), path, schema);
    throw err;
  }
}

/** A file's fingerprint: size, modification time (ns) and inode; any write changes one of them. */
export function fingerprint(path: string): string {
  return fileMark(path);
}

/** When a file's fingerprint can be trusted: past its modification time plus the timestamp's granularity (2 s when it counts whole seconds). */
export function trustedFrom(path: string): number {
  try {
    return trustedSince(statSync(path, { bigint: true }));
  } catch {
    return Number.MAX_SAFE_INTEGER;
  }
}

/** Writes `text` to `path` only if no file is there, atomically and durably (see `createFileOnce`). */
export function createOnce(path: string, text: string): boolean {
  return createFileOnce(path, text);
}

function readExisting(path: string): SealRecord | null {
  try {
    return parseSeal(readFileSync(path, "utf8"));
  } catch {
    return null;
  }
}
