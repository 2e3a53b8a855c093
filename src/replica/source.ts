// Where replica facts and seal records come from. The evaluation core sees only this interface,
// so a directory, a message stream or a test fixture are interchangeable. The directory layout
// (`DIR/<replica>/epoch-<n>/<relation>.facts`, `DIR/seals/epoch-<n>.json`) is the first source.
import { randomBytes } from "node:crypto";
import { closeSync, existsSync, fsyncSync, linkSync, mkdirSync, openSync, readdirSync, readFileSync, rmSync, statSync, writeSync } from "node:fs";
import { join } from "node:path";
import type { Diagnostics } from "../diagnostics/diagnostic.js";
import { wholeFile } from "../diagnostics/span.js";
import type { Tuple } from "./facts.js";
import { readFactCodesOf, readFacts, writeUnitFile, type ReplicaSchema } from "./io.js";
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

/** A file's fingerprint: size, modification time (ns) and inode; any write changes one of them. */
export function fingerprint(path: string): string {
  try {
    const s = statSync(path, { bigint: true });
    return `${s.size}:${s.mtimeNs}:${s.ino}`;
  } catch {
    return "missing";
  }
}

/** When a file's fingerprint can be trusted: past its modification time plus the timestamp's granularity (2 s when it counts whole seconds). */
export function trustedFrom(path: string): number {
  try {
    const s = statSync(path, { bigint: true });
    const coarse = s.mtimeNs % 1_000_000_000n === 0n;
    return Number(s.mtimeNs / 1_000_000n) + (coarse ? 2000 : 100);
  } catch {
    return Number.MAX_SAFE_INTEGER;
  }
}

/**
 * Writes `text` to `path` only if no file is there, atomically: a temporary file is made durable,
 * then hard-linked to `path` (a link fails when `path` exists, so two writers cannot both win).
 */
export function createOnce(path: string, text: string): boolean {
  const tmp = `${path}.tmp-${process.pid}-${randomBytes(4).toString("hex")}`;
  try {
    const fd = openSync(tmp, "wx");
    try {
      writeSync(fd, text);
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
  } catch (err) {
    // A full disk fails mid-write: the partial file would keep the space taken.
    rmSync(tmp, { force: true });
    throw err;
  }
  try {
    linkSync(tmp, path);
    return true;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "EEXIST") return false;
    throw err;
  } finally {
    rmSync(tmp, { force: true });
  }
}

function readExisting(path: string): SealRecord | null {
  try {
    return parseSeal(readFileSync(path, "utf8"));
  } catch {
    return null;
  }
}
