// A replica directory on disk: `DIR/<replica>/epoch-<n>/<relation>.facts`, seals in `DIR/seals/`,
// kept state in `DIR/.calmlog/state/`. Every file is written to a temporary name and renamed, and
// the state switches generation with one rename, so an interrupted run leaves the previous state whole.
import { randomBytes } from "node:crypto";
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync } from "node:fs";
import { join } from "node:path";
import { commitTempFolder, writeFileAtomic, writeNewFile } from "../util/atomic-write.js";
import type { RelationSchema } from "../check/types.js";
import type { Diagnostics } from "../diagnostics/diagnostic.js";
import { wholeFile } from "../diagnostics/span.js";
import { compareKeys, keyTuple, tupleKey, type Tuple } from "./tuple-keys.js";
import { Replica, ReplicaSet, type SealRecord } from "./replica.js";
import { reconcileRows, rowsOfKeys, setOfStore, storeOfSet } from "./core.js";
import { parseRecords } from "../util/records.js";

/** Folder of seal records inside a replica directory. */
export const SEALS_DIR = "seals";
/** Folder of the kept state inside a replica directory. */
export const STATE_DIR = join(".calmlog", "state");
const SEAL_FORMAT = "calmlog-seal/1";
const STATE_FORMAT = "calmlog-state/1";

/** Reads one fact file for a relation; throws `UserError` with file:line:column on a bad line. */
export type ReadFacts<S> = (path: string, schema: S) => Tuple[];

/** One fact file found in the layout. */
export interface FactFile {
  readonly replica: string;
  readonly epoch: number;
  readonly relation: string;
  /** The path as shown to the user (under the directory as they named it). */
  readonly path: string;
}

/** A replica directory as found: replica names and their fact files. */
export interface Layout {
  readonly replicas: readonly string[];
  readonly files: readonly FactFile[];
  /** Files of `retained` relations, left unread. */
  readonly skipped?: readonly FactFile[];
}

const EPOCH_DIR = /^epoch-([1-9][0-9]*)$/;
const FACT_FILE = /^(.+)\.(facts|jsonl)$/;

/**
 * Finds replicas and fact files under `dir`. Layout mistakes are CL504 errors with the path and
 * what was expected; hidden entries are skipped and top-level files ignored.
 */
/**
 * `relations` are the relations replicas may insert into (the program's `.input` relations);
 * `declared`, when given, lets a file of any other declared relation be refused with the reason.
 */
export function scanLayout(dir: string, relations: ReadonlySet<string>, diags: Diagnostics, show: Show = same, declared?: ReadonlySet<string>, retained?: ReadonlySet<string>): Layout | null {
  if (!isDirectory(dir)) {
    diags.add("CL504", wholeFile(dir), existsSync(dir) ? `\`${show(dir)}\` is not a directory` : `replica directory \`${show(dir)}\` does not exist`);
    return null;
  }
  const replicas: string[] = [];
  const files: FactFile[] = [];
  const skipped: FactFile[] = [];
  for (const name of readdirSync(dir).sort(compareKeys)) {
    const path = join(dir, name);
    if (name.startsWith(".") || name === SEALS_DIR || !isDirectory(path)) continue;
    if (EPOCH_DIR.test(name)) {
      diags.add("CL504", wholeFile(path), `\`${name}\` is directly under \`${show(dir)}\`, but epochs belong inside a replica's folder: \`${join(show(dir), "<replica>", name)}\``);
      continue;
    }
    replicas.push(name);
    for (const entry of readdirSync(path).sort(compareKeys)) {
      if (entry.startsWith(".")) continue;
      const epochPath = join(path, entry);
      const m = EPOCH_DIR.exec(entry);
      if (m === null || !isDirectory(epochPath)) {
        diags.add("CL504", wholeFile(epochPath), `replica \`${name}\` holds \`${entry}\`, but a replica's folder holds only epoch folders named \`epoch-1\`, \`epoch-2\`, ...`);
        continue;
      }
      const epoch = Number(m[1]);
      // Past 2^53 two folder names would read as one epoch number.
      if (!Number.isSafeInteger(epoch)) {
        diags.add("CL504", wholeFile(epochPath), `replica \`${name}\` holds \`${entry}\`, but epoch numbers go up to ${Number.MAX_SAFE_INTEGER}; a larger one could not be told apart from its neighbours`, {
          help: "number epochs from 1 upwards, one per sealing period",
        });
        continue;
      }
      for (const file of readdirSync(epochPath).sort(compareKeys)) {
        if (file.startsWith(".")) continue;
        const filePath = join(epochPath, file);
        const f = FACT_FILE.exec(file);
        if (f === null || !isFile(filePath)) {
          diags.add("CL504", wholeFile(filePath), `\`${file}\` is not a fact file; an epoch folder holds \`<relation>.facts\` (tab-separated) or \`<relation>.jsonl\` files`);
          continue;
        }
        const relation = f[1]!;
        if (!relations.has(relation)) {
          if (retained?.has(relation) === true && declared?.has(relation) !== true) {
            skipped.push({ replica: name, epoch, relation, path: filePath });
          } else if (declared?.has(relation) === true) {
            diags.add("CL504", wholeFile(filePath), `\`${file}\` holds facts of \`${relation}\`, which is not an \`.input\` relation: replicas insert only into \`.input\` relations, and the program alone defines the others, the same on every replica`, {
              help: `add \`.input ${relation}\` to the program if replicas should insert into it, or move these facts into the program`,
            });
          } else {
            diags.add("CL504", wholeFile(filePath), `\`${file}\` names relation \`${relation}\`, which the program does not declare`);
          }
          continue;
        }
        files.push({ replica: name, epoch, relation, path: filePath });
      }
    }
  }
  if (replicas.length === 0 && !diags.hasErrors()) {
    diags.add("CL504", wholeFile(dir), `\`${show(dir)}\` holds no replica folders; expected \`${join(show(dir), "<replica>", "epoch-<n>", "<relation>.facts")}\``);
  }
  return { replicas, files, skipped };
}

/** How a path appears in a message (e.g. relative to the working directory). */
export type Show = (path: string) => string;
const same: Show = (p) => p;

/** Facts read from files, by replica, epoch and relation, with the files they came from. */
export type FileFacts = Map<string, Map<number, Map<string, { keys: Set<string>; files: string[] }>>>;

/** Reads every fact file of the layout; a bad line becomes its `UserError`'s diagnostic. */
export function readLayout<S>(layout: Layout, schemas: ReadonlyMap<string, S>, read: ReadFacts<S>, diags: Diagnostics): FileFacts {
  const out: FileFacts = new Map();
  for (const name of layout.replicas) out.set(name, new Map());
  for (const f of layout.files) {
    let tuples: Tuple[];
    try {
      tuples = read(f.path, schemas.get(f.relation)!);
    } catch (err) {
      const diagnostic = (err as { diagnostic?: unknown }).diagnostic;
      if (diagnostic === undefined) throw err;
      diags.push(diagnostic as never);
      continue;
    }
    const epochs = out.get(f.replica)!;
    let rels = epochs.get(f.epoch);
    if (rels === undefined) epochs.set(f.epoch, (rels = new Map()));
    let entry = rels.get(f.relation);
    if (entry === undefined) rels.set(f.relation, (entry = { keys: new Set(), files: [] }));
    entry.files.push(f.path);
    for (const t of tuples) entry.keys.add(tupleKey(t));
  }
  return out;
}

/**
 * Merges the files into the kept state. Open epochs: new facts are added; facts the files lack
 * stay (CL501). Sealed epochs whose kept facts match the seal: nothing changes; added facts are
 * late (CL502), lacking ones a change (CL503). Sealed relations the kept state does not hold as
 * sealed (a fresh copy has no kept state): the files are adopted when their digest matches the
 * seal's, and are otherwise a change (CL503). Every sealed relation reported is added to `reported`.
 */
export function reconcile(dir: string, previous: ReplicaSet, files: FileFacts, diags: Diagnostics, show: Show = same, reported: Set<string> = new Set()): ReplicaSet {
  const store = storeOfSet(previous, null);
  reconcileRows(store, previous.seals, rowsOfKeys(store, files), diags, { dir, show, reported, fileOf: (name, epoch, relation) => [join(dir, name, `epoch-${epoch}`, `${relation}.facts`)] });
  return setOfStore(store, previous.seals.values());
}

// ---- seal records -------------------------------------------------------------------------

/** The seal record's file. */
export function sealPath(dir: string, epoch: number): string {
  return join(dir, SEALS_DIR, `epoch-${epoch}.json`);
}

/** Reads every seal record under `DIR/seals`; malformed ones are CL505 errors. */
export function readSeals(dir: string, diags: Diagnostics, show: Show = same): SealRecord[] {
  const folder = join(dir, SEALS_DIR);
  if (!isDirectory(folder)) {
    if (existsSync(folder)) diags.add("CL504", wholeFile(folder), `\`${show(folder)}\` is a file, but it is the folder of seal records (\`epoch-<n>.json\`)`, { help: "move the file away; seal records it replaced can be written back from the kept state with `calmlog restore DIR`" });
    return [];
  }
  const out: SealRecord[] = [];
  for (const file of readdirSync(folder).sort(compareKeys)) {
    if (file.startsWith(".")) continue;
    const path = join(folder, file);
    if (file === "keys" && isDirectory(path)) continue; // key seals, read by `readKeySeals`
    const m = /^epoch-([1-9][0-9]*)\.json$/.exec(file);
    // A seal's own temporary file: a running seal's is left alone, a killed one's removed (CL518).
    const tmp = /^epoch-[1-9][0-9]*\.json\.tmp-([0-9]+)-[0-9a-f]+$/.exec(file);
    if (tmp !== null) {
      const pid = Number(tmp[1]);
      if (pid !== process.pid && !processAlive(pid)) {
        try {
          rmSync(path, { force: true });
          diags.add("CL518", wholeFile(path), `removed \`${show(path)}\`, a temporary file left by a \`calmlog seal\` that was stopped while writing (process ${pid}); nothing was sealed by it`);
        } catch {
          diags.add("CL518", wholeFile(path), `\`${show(path)}\` is a temporary file left by a \`calmlog seal\` that was stopped while writing (process ${pid}); it is ignored, and can be removed`);
        }
      }
      continue;
    }
    if (m === null) {
      diags.add("CL504", wholeFile(path), `\`${file}\` is not a seal record; \`${show(folder)}\` holds only \`epoch-<n>.json\` files written by \`calmlog seal\``);
      continue;
    }
    const record = parseSeal(readFileSync(path, "utf8"));
    if (record === null || record.epoch !== Number(m[1])) {
      diags.add("CL505", wholeFile(path), `seal record \`${show(path)}\` is malformed or names another epoch`, {
        help: "restore it from the copy you keep, or remove it and write it back from the kept state with `calmlog restore DIR`",
      });
      continue;
    }
    out.push(record);
  }
  return out;
}

/** A seal record as written to disk: pretty JSON with a format tag. */
export function sealJson(record: SealRecord): string {
  return JSON.stringify({ format: SEAL_FORMAT, ...record }, null, 2) + "\n";
}

/** A seal record from its JSON text; null when malformed. */
export function parseSeal(text: string): SealRecord | null {
  try {
    const v = parseRecords(text) as Record<string, unknown>;
    if (v["format"] !== SEAL_FORMAT || !Number.isInteger(v["epoch"]) || typeof v["sealedAt"] !== "string") return null;
    if (v["reason"] !== null && typeof v["reason"] !== "string") return null;
    const replicas = v["replicas"];
    if (replicas === null || typeof replicas !== "object") return null;
    for (const r of Object.values(replicas as Record<string, unknown>)) {
      const rs = r as Record<string, unknown>;
      if (typeof rs["digest"] !== "string" || typeof rs["facts"] !== "number" || rs["relations"] === null || typeof rs["relations"] !== "object") return null;
    }
    return { epoch: v["epoch"] as number, sealedAt: v["sealedAt"], reason: v["reason"] as string | null, replicas: replicas as SealRecord["replicas"] };
  } catch {
    return null;
  }
}

/** Writes a seal record; refuses to replace one (a seal is written once). */
export function writeSeal(dir: string, record: SealRecord): string {
  const path = sealPath(dir, record.epoch);
  mkdirSync(join(dir, SEALS_DIR), { recursive: true });
  writeFileAtomic(path, sealJson(record), { exclusive: true });
  return path;
}

// ---- kept state ---------------------------------------------------------------------------

/** The state kept between runs: each replica's merged facts per epoch, and the column types they were read with. */
export interface KeptState {
  readonly generation: number;
  readonly set: ReplicaSet;
  /** Relation name -> column types, so `calmlog seal` can read fact files without the program. */
  readonly schema: Readonly<Record<string, readonly string[]>>;
  /** Relation name -> how its fact files are written, for relations whose `.input` names a delimiter other than a tab or a header line. */
  readonly formats: Readonly<Record<string, FileFormat>>;
}

/** How a relation's fact files are written, as its `.input` parameters say: the column delimiter and whether a header line comes first. */
export interface FileFormat {
  readonly delimiter?: string;
  readonly headers?: true;
}

/** Reads the current generation of the kept state (null when there is none yet). */
export function readState(dir: string, diags: Diagnostics, show: Show = same): KeptState | null {
  return readStateAt(join(dir, STATE_DIR), diags, show);
}

/** Like `readState`, given the state folder itself. */
export function readStateAt(root: string, diags: Diagnostics, show: Show = same): KeptState | null {
  const currentPath = join(root, "CURRENT");
  if (!existsSync(currentPath)) return null;
  const gen = readFileSync(currentPath, "utf8").trim();
  const genDir = join(root, gen);
  const m = /^g([0-9]+)$/.exec(gen);
  const manifestPath = join(genDir, "manifest.json");
  if (m === null || !existsSync(manifestPath)) {
    diags.add("CL504", wholeFile(currentPath), `kept state \`${show(currentPath)}\` points to \`${gen}\`, which does not exist; the state is damaged`);
    return null;
  }
  try {
    return readGeneration(genDir, Number(m[1]), JSON.parse(readFileSync(manifestPath, "utf8")) as Manifest);
  } catch (err) {
    diags.add("CL504", wholeFile(genDir), `kept state \`${show(genDir)}\` cannot be read (${(err as Error).message}); the state is damaged`, {
      help: "restore the folder from a backup, or remove `.calmlog/state` to start over from the files (facts removed from files since would then be lost)",
    });
    return null;
  }
}

interface Manifest {
  readonly format: string;
  readonly schema: Record<string, string[]>;
  readonly formats?: Record<string, FileFormat>;
  /** Written before `formats`: relation name -> delimiter. */
  readonly delimiters?: Record<string, string>;
  readonly replicas: string[];
}

function readGeneration(genDir: string, generation: number, manifest: Manifest): KeptState {
  if (manifest.format !== STATE_FORMAT || !Array.isArray(manifest.replicas)) throw new Error(`unknown format \`${String(manifest.format)}\``);
  let set = ReplicaSet.empty();
  for (const name of manifest.replicas) {
    let replica = Replica.empty(name);
    const rdir = join(genDir, name);
    for (const e of isDirectory(rdir) ? readdirSync(rdir).sort(compareKeys) : []) {
      const em = EPOCH_DIR.exec(e);
      if (em === null) continue;
      for (const file of readdirSync(join(rdir, e)).sort(compareKeys)) {
        const fm = /^(.+)\.jsonl$/.exec(file);
        if (fm === null) continue;
        const keys = readFileSync(join(rdir, e, file), "utf8").split("\n").filter((l) => l !== "").map((l) => tupleKey(keyTuple(l)));
        replica = replica.insertKeys(fm[1]!, keys, Number(em[1]));
      }
    }
    set = set.withReplica(replica);
  }
  const formats = manifest.formats ?? Object.fromEntries(Object.entries(manifest.delimiters ?? {}).map(([name, delimiter]) => [name, { delimiter }]));
  return { generation, set, schema: manifest.schema, formats };
}

/**
 * Writes `set`'s facts as the next generation: every file into a temporary folder, the folder
 * renamed, then `CURRENT` replaced by rename. The previous generation is removed last.
 */
export function writeState(
  dir: string,
  set: ReplicaSet,
  schema: Readonly<Record<string, readonly string[]>>,
  previous: number | null,
  formats: Readonly<Record<string, FileFormat>> = {},
): number {
  return writeStateAt(join(dir, STATE_DIR), set, schema, previous, formats);
}

/** Like `writeState`, given the state folder itself. */
export function writeStateAt(
  root: string,
  set: ReplicaSet,
  schema: Readonly<Record<string, readonly string[]>>,
  previous: number | null,
  formats: Readonly<Record<string, FileFormat>> = {},
): number {
  mkdirSync(root, { recursive: true });
  const generation = (previous ?? 0) + 1;
  const name = `g${generation}`;
  const tmp = join(root, `.${name}.tmp-${process.pid}-${randomBytes(4).toString("hex")}`);
  mkdirSync(tmp);
  for (const rname of set.names) {
    const replica = set.replica(rname)!;
    for (const epoch of replica.epochs) {
      const edir = join(tmp, rname, `epoch-${epoch}`);
      mkdirSync(edir, { recursive: true });
      for (const relation of replica.relations(epoch)) {
        const lines = [...replica.keys(relation, epoch)].sort(compareKeys);
        writeNewFile(join(edir, `${relation}.jsonl`), lines.map((l) => l + "\n").join(""));
      }
    }
  }
  const manifest = { format: STATE_FORMAT, schema, ...(Object.keys(formats).length === 0 ? {} : { formats }), replicas: set.names };
  writeNewFile(join(tmp, "manifest.json"), JSON.stringify(manifest, null, 2) + "\n");
  commitTempFolder(tmp, join(root, name));
  writeFileAtomic(join(root, "CURRENT"), name + "\n");
  if (previous !== null && previous !== generation) rmSync(join(root, `g${previous}`), { recursive: true, force: true });
  return generation;
}

/** Column types of every relation, as the kept state records them. */
export function schemaOf(relations: ReadonlyMap<string, RelationSchema>): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  for (const [name, s] of relations) out[name] = s.columns.map((c) => c.type);
  return out;
}

/** File formats named by `.input` directives, as the kept state records them (a tab and no header line are the default and not recorded). */
export function formatsOf(relations: ReadonlyMap<string, RelationSchema>): Record<string, FileFormat> {
  const out: Record<string, FileFormat> = {};
  for (const [name, s] of relations) {
    const f = formatOf(s);
    if (f.delimiter !== undefined || f.headers !== undefined) out[name] = f;
  }
  return out;
}

/** The file format a relation's `.input` parameters name (`delimiter`, `headers=true`); empty for the default. */
export function formatOf(schema: { readonly input?: RelationSchema["input"] }): FileFormat {
  const param = (key: string): string | undefined => schema.input?.params.find((p) => p.key.name === key)?.value;
  const delimiter = param("delimiter");
  return { ...(delimiter !== undefined && delimiter !== "\t" ? { delimiter } : {}), ...(param("headers") === "true" ? { headers: true as const } : {}) };
}

// ---- files ---------------------------------------------------------------------------------

/** Whether a process with this id runs (one that exists but is another user's counts). */
export function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === "EPERM";
  }
}

function isDirectory(path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
}

function isFile(path: string): boolean {
  try {
    return statSync(path).isFile();
  } catch {
    return false;
  }
}

