// The replica workflow, once: open a source for a program, reconcile what it holds with the kept
// state, evaluate, and commit the new state. `calmlog evaluate`, `calmlog seal`, ad-hoc `--replica`
// sets and the library all go through it; the kept state moves forward only after a clean run.
import { createHash } from "node:crypto";
import { closeSync, existsSync, mkdirSync, openSync, readdirSync, readFileSync, rmSync, writeSync } from "node:fs";
import { dirname, join } from "node:path";
import { replicatedRelations } from "../analysis/fixed.js";
import type { RunStats } from "../eval/engine.js";
import { Diagnostics } from "../diagnostics/diagnostic.js";
import { wholeFile } from "../diagnostics/span.js";
import { continuingParts, DERIVED_PROGRAM_KEY, DerivedSetWriter, dropReadAhead, readAhead, readAheadDone, readAheadOf, readDerivedSet, type DerivedSet, type DerivedHeader, type KeptStore } from "./derived.js";
import { evaluateRows, reconcileRows, sealedEpochOf, sealRows, setOfStore, storeOfSet, typesOf, tuplesOf, type DerivedIO, type DerivedParts, type ReadRows } from "./core.js";
import type { ProgramUnit, ReplicaReport } from "./evaluate.js";
import { compareKeys, tupleKey, type Tuple } from "./tuple-keys.js";
import { schemaFromTypes, type ReplicaSchema } from "./io.js";
import { appendCommit, commitFrameLength, LOG_FILE, type LoadedLog, LOG_FORMAT, readLog, typesOfSchema, writeLog, type CommitMeta, type UnitRecord } from "./log.js";
import { sealText, type ReplicaSet, type SealRecord } from "./replica.js";
import { FactStore, RowSet, storeFromLayout, storeLayout, type StoreLayout } from "./rows.js";
import type { AppendedRead, FactUnit, ReadMark, ReplicaSource, SourceListing } from "./source.js";
import { holdBackLateKeyFacts, keyDigestsOf, keyGroups, keySealsInForce, keySealText, readKeySeals, type KeySealRecord } from "./keyseal.js";
import { formatsOf, parseSeal, readStateAt, schemaOf, sealJson, sealPath, type FileFormat, type Show } from "./store.js";
import { writeFileAtomic } from "../util/atomic-write.js";
import { record as emptyRecord } from "../util/records.js";

/** Progress of a long run, for a status line. */
export interface WorkflowProgress {
  readonly phase: string;
  readonly files: number;
  readonly filesTotal: number;
  readonly facts: number;
}

/** Options of `openReplicas`. */
export interface OpenReplicasOptions {
  /**
   * The program. Without it (as `calmlog seal` may run), facts are read with the column types the
   * kept state records, and `evaluate` is not available.
   */
  readonly unit?: ProgramUnit;
  /** The program's text, so a report kept from an earlier run is reused only for the same program. */
  readonly programText?: string;
  /** Findings about the data (layout, late facts, changed seals) are collected here. */
  readonly diagnostics?: Diagnostics;
  /** How a location appears in a message. */
  readonly show?: Show;
  /** Called now and then during long phases. */
  readonly onProgress?: (p: WorkflowProgress) => void;
  /**
   * Which merged relations need their tuples in the report (default: all); others carry their size
   * only. Invariants always get theirs.
   */
  readonly mergedTuples?: (relation: string) => boolean;
  /** Told each engine's progress while evaluating. */
  readonly onEngineProgress?: (p: { stratum: number; iteration: number; tuples: number }) => void;
  /** Told each evaluation's statistics (see `EvaluateRowsOptions.onStats`). */
  readonly onStats?: (what: string, stats: RunStats) => void;
}

/** The outcome of `ReplicaWorkspace.seal`. */
export type WorkspaceSeal =
  | { readonly ok: true; readonly record: SealRecord; readonly location: string }
  | { readonly ok: false; readonly message: string; readonly code?: "CL506" | "CL508" | "CL515"; readonly files?: readonly string[] };

const REPORT_FILE = "report.json";
/**
 * The store part is written again once the log after the commit it reflects outgrows this share
 * of the part's size (about 1/16 of the log holding the kept facts): replaying that much costs a
 * run little next to writing the part.
 */
const STORE_REPLAY_SHARE = 16;
const LOCK_FILE = "lock";

/**
 * Opens `source` for a program: reads its seal records and the kept state. Returns null when
 * either is unreadable (the reasons are in `diagnostics`).
 */
export async function openReplicas(source: ReplicaSource, options: OpenReplicasOptions = {}): Promise<ReplicaWorkspace | null> {
  const diags = options.diagnostics ?? new Diagnostics();
  const show = options.show ?? ((p: string) => p);
  const seals = await source.readSeals(diags, show);
  const keySeals = await readKeySeals(source, diags, show);
  if (diags.hasErrors()) return null;
  const lock = source.stateDir === null ? null : takeLock(source.stateDir, diags, show);
  if (diags.hasErrors()) return null;
  const ws = new ReplicaWorkspace(source, options, seals, diags, show);
  ws.keySeals = keySeals;
  ws.lock = typeof lock === "string" ? lock : null;
  if (lock !== null && typeof lock !== "string") ws.lockFailure = lock.reason;
  return ws;
}

/**
 * Takes the state folder's lock (a file holding the owner's pid, created exclusively). A lock whose
 * process is gone is left from a crash and taken over. When the folder cannot be written, the
 * reason: the run then reads but cannot keep anything, which `commit` reports.
 */
function takeLock(stateDir: string, diags: Diagnostics, show: Show): string | { readonly reason: string } | null {
  const path = join(stateDir, LOCK_FILE);
  // The state folder sits two levels inside the source's folder; nothing is made when that is missing.
  if (!existsSync(dirname(dirname(stateDir)))) return null;
  try {
    mkdirSync(stateDir, { recursive: true });
  } catch (err) {
    return { reason: writeFailure(err) };
  }
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      const fd = openSync(path, "wx");
      try {
        writeSync(fd, `${process.pid}\n`);
      } catch (err) {
        // Created but not filled (a full disk): the empty lock is ours to remove.
        closeSync(fd);
        rmSync(path, { force: true });
        throw err;
      }
      closeSync(fd);
      // Temporary files of runs that were killed: nobody else holds the lock, so none is in use.
      for (const name of readdirSync(stateDir)) if (/\.tmp-[0-9]+-[0-9a-f]+$/.test(name)) rmSync(join(stateDir, name), { force: true, recursive: true });
      return path;
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code !== "EEXIST") return { reason: writeFailure(err) };
      const owner = Number(readFileSync(path, "utf8").trim());
      if (Number.isInteger(owner) && owner > 0 && owner !== process.pid && alive(owner)) {
        diags.add("CL507", wholeFile(path), `another calmlog run (process ${owner}) is using \`${show(stateDir)}\`; wait for it to finish`, {
          help: `if no such process is running, remove \`${show(path)}\``,
        });
        return null;
      }
      rmSync(path, { force: true });
    }
  }
  return null;
}

/** Why a write failed, in the user's words. */
export function writeFailure(err: unknown): string {
  switch ((err as NodeJS.ErrnoException).code) {
    case "ENOSPC":
      return "no space left on the device";
    case "EDQUOT":
      return "the disk quota is used up";
    case "EROFS":
      return "the file system is read-only";
    case "EACCES":
    case "EPERM":
      return "permission denied";
    default:
      return err instanceof Error ? err.message : String(err);
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === "EPERM";
  }
}

/** Where the kept state stands when a workspace opens. */
interface Kept {
  readonly kind: "none" | "log" | "v1";
  readonly schema: Readonly<Record<string, readonly string[]>>;
  readonly formats: Readonly<Record<string, FileFormat>>;
  readonly meta: CommitMeta | null;
  readonly length: number;
  readonly symbols: number;
  readonly floats: number;
  /** The log's whole commits: end offset -> id. */
  readonly commits: ReadonlyMap<number, string>;
}

/**
 * One replica source opened for a program: `reconcile` merges what the source holds into the kept
 * state, `evaluate` computes the report, `commit` makes the new state durable, `seal` closes an epoch.
 */
export class ReplicaWorkspace {
  readonly unit: ProgramUnit | null;
  readonly diagnostics: Diagnostics;
  private readonly seals = new Map<number, SealRecord>();
  private store: FactStore | null = null;
  private kept: Kept | null = null;
  private listing: SourceListing | null = null;
  private readonly reported = new Set<string>();
  private readonly units = new Map<string, UnitRecord>();
  /** Open-epoch relations whose files lack kept facts (CL501): how many, and their files. */
  private readonly lacking = new Map<string, { readonly count: number; readonly files: readonly string[] }>();
  private readonly show: Show;
  private readonly onProgress: ((p: WorkflowProgress) => void) | undefined;
  private report: ReplicaReport | null = null;
  private reused = false;
  /** Kept relations the program does not declare, with their recorded types and formats. */
  private retained: { readonly schema: Readonly<Record<string, readonly string[]>>; readonly formats: Readonly<Record<string, FileFormat>> } = { schema: {}, formats: {} };
  /** `kept` was read without the facts (its symbol counts are not known yet). */
  private metaOnly = false;
  /** The state lock this workspace holds (released by `close`). */
  lock: string | null = null;
  private keySealList: KeySealRecord[] = [];
  /** The source's key seal records, as read when the workspace opened (see `keyseal.ts`); setting them drops the report. */
  get keySeals(): KeySealRecord[] {
    return this.keySealList;
  }
  set keySeals(records: KeySealRecord[]) {
    this.keySealList = records;
    this.report = null;
  }
  /** Why the lock could not be taken because the state folder cannot be written. */
  lockFailure: string | null = null;
  /** Facts read from the source in this run. */
  factsRead = 0;
  /** Fact units left unread because their fingerprint did not change. */
  unitsSkipped = 0;
  private derivedWriter: DerivedSetWriter | null = null;
  private derivedParts: DerivedParts | null = null;
  private derivedProgram: string | null = null;
  private derivedUsed = false;
  /** The derived state the store was loaded from (already matched to the program). */
  private derivedFile: DerivedSet | null = null;
  /** The store part the store was loaded from (null: it was read from the log alone). */
  private storeFromDerived: string | null = null;

  /** Use `openReplicas`. */
  constructor(readonly source: ReplicaSource, private readonly options: OpenReplicasOptions, seals: readonly SealRecord[], diagnostics: Diagnostics, show: Show) {
    this.unit = options.unit ?? null;
    this.diagnostics = diagnostics;
    this.show = show;
    this.onProgress = options.onProgress;
    for (const s of seals) this.seals.set(s.epoch, s);
  }

  private get logPath(): string | null {
    return this.source.stateDir === null ? null : join(this.source.stateDir, LOG_FILE);
  }

  /** Reads the kept state header and last commit (not the facts). */
  private keptState(): Kept | null {
    if (this.kept !== null) return this.kept;
    const path = this.logPath;
    if (path === null || (!existsSync(path) && !existsSync(join(this.source.stateDir!, "CURRENT")))) {
      return (this.kept = { kind: "none", schema: {}, formats: {}, meta: null, length: 0, symbols: 0, floats: 0, commits: new Map() });
    }
    if (existsSync(path)) {
      // The header and last commit only: a run with nothing new never loads the facts.
      try {
        // The derived state's manifest names the commit it reflects: only the log from there on is read.
        const at = this.source.stateDir === null ? undefined : readDerivedSet(this.source.stateDir)?.header.log;
        const known = at !== undefined && Number.isSafeInteger(at.start) && Number.isSafeInteger(at.length) && typeof at.commit === "string";
        const log = readLog(path, { metaOnly: true, ...(known ? { from: { start: at.start, end: at.length, commit: at.commit } } : {}) })!;
        this.metaOnly = true;
        this.retain(log.header.schema, log.header.formats);
        return (this.kept = { kind: "log", schema: log.header.schema, formats: log.header.formats, meta: log.meta, length: log.length, symbols: 0, floats: 0, commits: log.commits });
      } catch {
        // `load` reports the damage.
      }
    }
    this.load();
    return this.kept;
  }

  /** Loads the kept facts into the store (once). */
  private load(): FactStore | null {
    if (this.store !== null) return this.store;
    this.metaOnly = false;
    const path = this.logPath;
    const stateDir = this.source.stateDir;
    const programTypes = this.unit === null ? null : typesOf(this.unit);
    try {
      const log = path === null ? null : this.resumeLog(path) ?? readLog(path);
      if (log !== null) {
        this.kept = { kind: "log", schema: log.header.schema, formats: log.header.formats, meta: log.meta, length: log.length, symbols: log.symbols, floats: log.floats, commits: log.commits };
        this.retain(log.header.schema, log.header.formats);
        this.store = programTypes === null || sameTypes(log.header.schema, this.schemaNow) ? log.store : retype(log.store, programTypes);
        if (this.store !== log.store) this.kept = { ...this.kept, schema: {} };
        return this.store;
      }
    } catch (err) {
      this.diagnostics.add("CL504", wholeFile(path!), `kept state \`${this.show(path!)}\` cannot be read (${(err as Error).message}); the state is damaged`, {
        help: "restore the folder from a backup, or remove `.calmlog/state` to start over from the files (facts removed from files since would then be lost)",
      });
      return null;
    }
    // An older `calmlog-state/1` state is read once and written as a log at the next commit.
    const v1 = stateDir === null ? null : readStateAt(stateDir, this.diagnostics, this.show);
    if (this.diagnostics.hasErrors()) return null;
    const schema = v1?.schema ?? {};
    const types = programTypes ?? typesOfSchema(schema);
    this.kept = { kind: v1 === null ? "none" : "v1", schema: v1 === null ? {} : schema, formats: v1?.formats ?? {}, meta: null, length: 0, symbols: 0, floats: 0, commits: new Map() };
    this.store = v1 === null ? new FactStore(types) : storeOfSet(v1.set, types, v1.set);
    return this.store;
  }

  /** The fingerprint a derived state must carry to be used with this program (null: none is used). */
  private get derivedFingerprint(): string | null {
    if (this.options.programText === undefined) return null;
    return (this.derivedProgram ??= createHash("sha256").update(`${DERIVED_PROGRAM_KEY}\0${this.options.programText}`).digest("hex"));
  }

  /**
   * The log read from the store the derived state keeps: only the frames after the commit it
   * reflects are replayed. Null when there is no usable derived state (the whole log is read then).
   */
  private resumeLog(path: string): LoadedLog | null {
    const stateDir = this.source.stateDir;
    const fingerprint = this.derivedFingerprint;
    if (stateDir === null || fingerprint === null || this.unit === null) return null;
    const file = readDerivedSet(stateDir);
    const h = file?.header;
    if (file === null || h === undefined || h.program !== fingerprint || h.store === undefined) return null;
    try {
      // The store takes the part's bytes as its own: rows, ids and symbols added since grow into
      // the room after them instead of copying every array they are added to.
      const part = file.writablePart(h.store.file);
      if (part === null) return null;
      const store = storeFromLayout(h.store.layout as StoreLayout, part, part);
      // The store part may reflect an earlier commit than the engines: the log is replayed from there.
      const at = h.store.log ?? h.log;
      const values = h.store.values ?? h.values;
      const log = readLog(path, { resume: { store, start: at.start, end: at.length, commit: at.commit, symbols: values.symbols, floats: values.floats } });
      if (log !== null) (this.derivedFile = file), (this.storeFromDerived = h.store.file);
      return log;
    } catch {
      return null;
    }
  }

  /** The program's column types, and those of kept relations it does not declare (their facts stay). */
  private get schemaNow(): Readonly<Record<string, readonly string[]>> {
    return this.unit !== null ? { ...this.retained.schema, ...schemaOf(this.unit.checked.relations) } : this.keptState()?.schema ?? {};
  }

  private get formatsNow(): Readonly<Record<string, FileFormat>> {
    return this.unit !== null ? { ...this.retained.formats, ...formatsOf(this.unit.checked.relations) } : this.keptState()?.formats ?? {};
  }

  /** Records the kept relations the program does not declare: an earlier program's, kept with their types. */
  private retain(schema: Readonly<Record<string, readonly string[]>>, formats: Readonly<Record<string, FileFormat>>): void {
    if (this.unit === null) return;
    const declared = this.unit.checked.relations;
    const kept: Record<string, readonly string[]> = {};
    const keptFormats: Record<string, FileFormat> = {};
    for (const [name, types] of Object.entries(schema)) if (!declared.has(name)) kept[name] = types;
    for (const [name, f] of Object.entries(formats)) if (!declared.has(name)) keptFormats[name] = f;
    this.retained = { schema: kept, formats: keptFormats };
  }

  private get schemas(): ReadonlyMap<string, ReplicaSchema> {
    if (this.unit !== null) return this.unit.checked.relations;
    const kept = this.keptState();
    return new Map(Object.entries(kept?.schema ?? {}).map(([name, types]) => [name, schemaFromTypes(name, types, kept?.formats[name])]));
  }

  /** Whether the column types of the relations are known (from the program or the kept state). */
  get typesKnown(): boolean {
    return this.unit !== null || (this.keptState()?.kind ?? "none") !== "none";
  }

  /** Epochs with a seal record, ascending. */
  get sealedEpochs(): number[] {
    return [...this.seals.keys()].sort((a, b) => a - b);
  }

  /** The replica set as of now: an immutable value that later steps do not change (built on request). */
  snapshot(): ReplicaSet {
    const store = this.load() ?? new FactStore(new Map());
    return setOfStore(store, this.seals.values());
  }

  /**
   * Lists the source, reads the facts of units that changed since the last clean run and merges
   * them into the kept state (CL501-CL503 as the files differ). Returns false when the source
   * cannot be read (layout or parse errors, a damaged state).
   */
  async reconcile(): Promise<boolean> {
    const diags = this.diagnostics;
    const schemas = this.schemas;
    const inputs = this.unit !== null ? replicatedRelations(this.unit.checked) : new Set(schemas.keys());
    // Relations an earlier program declared: their files are left unread, not refused.
    this.keptState();
    const retained = new Set(Object.keys(this.retained.schema));
    const listing = await this.source.list({ inputs, declared: new Set(schemas.keys()), retained, show: this.show }, diags);
    if (listing === null || diags.hasErrors()) return false;
    this.listing = listing;
    const kept = this.keptState();
    if (kept === null || diags.hasErrors()) return false;
    if (!this.checkSeals(kept)) return false;

    // Group units by replica, epoch and relation (a relation may have a `.facts` and a `.jsonl` file).
    const groups = new Map<string, FactUnit[]>();
    for (const u of listing.units) {
      const key = unitKey(u.replica, u.epoch, u.relation);
      const g = groups.get(key);
      if (g === undefined) groups.set(key, [u]);
      else g.push(u);
    }
    const previous = kept.meta?.units ?? {};
    const unchanged = new Set<string>();
    const sameSchema = kept.kind === "log" && sameTypes(kept.schema, this.schemaNow) && JSON.stringify(kept.formats) === JSON.stringify(this.formatsNow);
    for (const [key, g] of groups) {
      const was = previous[key];
      if (sameSchema && was !== undefined && was.fingerprint === fingerprintOf(g) && was.sealed === this.seals.has(g[0]!.epoch)) unchanged.add(key);
    }
    this.unitsSkipped = [...unchanged].reduce((n, k) => n + groups.get(k)!.length, 0);
    // A fast path: nothing changed at all, and the report of the last run is kept.
    if (this.tryReuse(groups, unchanged)) {
      this.noteUnread(inputs, listing.skipped ?? []);
      return true;
    }

    // The store's and the merged view's parts are read in any continuing run, and so are the
    // engines of replicas whose files changed: read them on the I/O threads; the store is needed
    // first, the others while the changed files are read. (Reading them before the program
    // compiled only moved the copying onto the compile: on two cores a +1% run took longer.)
    const ahead = this.source.stateDir === null || this.derivedFingerprint === null ? null : readDerivedSet(this.source.stateDir);
    if (ahead !== null && ahead.header.program === this.derivedFingerprint) {
      readAhead(ahead.dir, continuingParts(ahead, new Set([...groups.keys()].filter((k) => !unchanged.has(k)).map((k) => splitKey(k)[0]))));
    }
    const keptStore = ahead?.header.store?.file;
    if (keptStore !== undefined) await readAheadOf(join(ahead!.dir, keptStore));
    const store = this.load();
    if (store === null) return false;
    const read: ReadRows = new Map();
    for (const name of listing.replicas) read.set(name, new Map());
    let done = 0;
    const total = listing.units.length - this.unitsSkipped;
    const readTo = new Map<string, Record<string, ReadMark>>();
    for (const [key, g] of groups) {
      if (unchanged.has(key)) continue;
      const { replica, epoch, relation } = g[0]!;
      let rows = await this.readAppendedGroup(store, g, sameSchema ? previous[key] : undefined, readTo, key);
      const appended = rows !== null;
      if (rows !== null) {
        done += g.length;
        this.onProgress?.({ phase: "reading", files: done, filesTotal: total, facts: this.factsRead });
      } else {
        rows = new RowSet();
        for (const unit of g) {
          const n = await this.readUnit(store, unit, rows, readTo, key);
          done++;
          if (n !== null) this.factsRead += n;
          this.onProgress?.({ phase: "reading", files: done, filesTotal: total, facts: this.factsRead });
        }
      }
      let epochs = read.get(replica);
      if (epochs === undefined) read.set(replica, (epochs = new Map()));
      let rels = epochs.get(epoch);
      if (rels === undefined) epochs.set(epoch, (rels = new Map()));
      rels.set(relation, { rows, files: g.map((u) => u.location), ...(appended ? { appended } : {}) });
    }
    if (diags.hasErrors()) return false;
    this.onProgress?.({ phase: "reconciling", files: done, filesTotal: total, facts: this.factsRead });
    const lackingSeen = new Map<string, number>();
    const before = diags.items.length;
    if (this.unit !== null && this.keySeals.length > 0) {
      const inForce = keySealsInForce(this.keySeals, keyGroups(this.unit.checked, this.unit.analysis.partitions), (e) => this.seals.has(e));
      holdBackLateKeyFacts(store, inForce, read, diags, { show: this.show, reported: this.reported });
    }
    reconcileRows(store, this.seals, read, diags, {
      dir: this.source.description,
      show: this.show,
      reported: this.reported,
      // Kept facts of relations the program does not read have no files to compare with.
      skip: (replica, epoch, relation) => unchanged.has(unitKey(replica, epoch, relation)) || !inputs.has(relation),
      onLacking: (replica, epoch, relation, n) => lackingSeen.set(unitKey(replica, epoch, relation), n),
    });
    // Units skipped as unchanged report what they lacked last time, as a fresh read would.
    for (const key of unchanged) {
      const was = previous[key]!;
      const [replica, epoch, relation] = splitKey(key);
      if (was.lacking > 0 && !this.seals.has(epoch)) {
        lackingWarning(diags, replica, epoch, relation, was.lacking, was.files.map(this.show).join("`, `"), was.files[0]!);
        this.lacking.set(key, { count: was.lacking, files: was.files });
      }
    }
    for (const [key, count] of lackingSeen) this.lacking.set(key, { count, files: groups.get(key)?.map((u) => u.location) ?? [] });
    this.source.findings?.(diags);
    void before;
    const now = Date.now();
    for (const [key, g] of groups) {
      const was = previous[key];
      const lacking = unchanged.has(key) ? was!.lacking : lackingSeen.get(key) ?? 0;
      // A file changed too recently for its timestamp to tell a later change apart is read again next time.
      const racy = g.some((u) => (u.trustedFrom ?? 0) > now);
      // How far each file was read: a file that only grows is read from there next time.
      const to = unchanged.has(key) ? was?.readTo : readTo.get(key);
      const whole = to !== undefined && g.every((u) => to[u.location] !== undefined);
      this.units.set(key, { fingerprint: racy ? "racy" : fingerprintOf(g), sealed: this.seals.has(g[0]!.epoch), lacking, files: g.map((u) => u.location), ...(whole ? { readTo: to } : {}) });
    }
    this.noteUnread(inputs, listing.skipped ?? [], store);
    await readAheadDone();
    return true;
  }

  /**
   * CL517 for every seal record the kept state remembers that is missing or was replaced: a sealed
   * epoch stays sealed, since results were reported final over it. Returns whether all are there.
   */
  private checkSeals(kept: Kept): boolean {
    let ok = true;
    for (const [e, text] of Object.entries(kept.meta?.seals ?? {}).sort((a, b) => Number(a[0]) - Number(b[0]))) {
      const epoch = Number(e);
      const recorded = parseSeal(text);
      if (recorded === null) continue;
      const now = this.seals.get(epoch);
      if (now !== undefined && sealText(now) === sealText(recorded)) continue;
      ok = false;
      const where = this.source.kind === "directory" ? sealPath(this.source.description, epoch) : `${this.source.description} (seal of epoch ${epoch})`;
      const what = now === undefined ? "is missing" : "differs from the one sealed";
      this.diagnostics.add("CL517", wholeFile(where), `the seal record of epoch ${epoch} (\`${this.show(where)}\`) ${what}: epoch ${epoch} was sealed at ${recorded.sealedAt}, the kept state records it, and results over it were reported final`, {
        help: now === undefined ? "write it back from the kept state with `calmlog restore DIR`" : "move the replaced record away, then write the sealed one back from the kept state with `calmlog restore DIR`",
        notes: Object.entries(recorded.replicas).map(([r, x]) => `replica \`${r}\`: ${x.facts} fact(s), ${x.digest}`),
      });
    }
    return ok;
  }

  /** CL517 for seal records the kept state remembers and the source lost or replaced; false when there are any. */
  verifySeals(): boolean {
    const kept = this.keptState();
    return kept !== null && this.checkSeals(kept);
  }

  /** Writes back the seal records the kept state remembers and the source lacks (`calmlog restore`). Returns their locations. */
  async restoreSeals(): Promise<string[]> {
    const kept = this.keptState();
    const written: string[] = [];
    for (const [e, text] of Object.entries(kept?.meta?.seals ?? {}).sort((a, b) => Number(a[0]) - Number(b[0]))) {
      const record = parseSeal(text);
      if (record === null || this.seals.has(Number(e))) continue;
      const w = await this.source.createSeal(record);
      if (w.created) written.push(w.location);
      this.seals.set(record.epoch, w.created ? record : w.existing ?? record);
    }
    return written;
  }

  /**
   * CL516, once per run: kept facts of relations the program does not take as `.input` (an earlier
   * program's) stay kept and unread, and so do the fact files of relations it does not declare.
   */
  private noteUnread(inputs: ReadonlySet<string>, skipped: readonly FactUnit[], store?: FactStore): void {
    if (this.unit === null) return;
    const relations = new Map<string, { facts: number; replicas: Set<string>; files: string[] }>();
    const entry = (relation: string): { facts: number; replicas: Set<string>; files: string[] } => {
      let e = relations.get(relation);
      if (e === undefined) relations.set(relation, (e = { facts: 0, replicas: new Set(), files: [] }));
      return e;
    };
    for (const [replica, epochs] of store?.members ?? []) {
      for (const rels of epochs.values()) {
        for (const [relation, m] of rels) {
          if (inputs.has(relation) || m.rows.size === 0) continue;
          const e = entry(relation);
          e.facts += m.rows.size;
          e.replicas.add(replica);
        }
      }
    }
    for (const u of skipped) entry(u.relation).files.push(u.location);
    if (relations.size === 0) return;
    const parts = [...relations].sort((a, b) => compareKeys(a[0], b[0])).map(([relation, e]) => {
      const kept = e.facts > 0 ? `its ${e.facts} kept fact(s) (${[...e.replicas].sort(compareKeys).map((r) => `replica \`${r}\``).join(", ")}) stay in the kept state, unchanged` : "";
      const files = e.files.length > 0 ? `its file(s) \`${e.files.map(this.show).join("`, `")}\` are left unread` : "";
      return `\`${relation}\` is not an \`.input\` relation of this program: ${[kept, files].filter((x) => x !== "").join(", and ")}`;
    });
    const at = this.source.stateDir ?? this.source.description;
    this.diagnostics.add("CL516", wholeFile(at), parts.join("; "), { help: "a program that reads them again (as `.input`) finds them all; nothing is removed" });
  }

  /** Evaluates the reconciled facts: per replica, merged, sealed and withheld results. */
  evaluate(): ReplicaReport {
    if (this.unit === null) throw new Error("evaluate needs the program");
    if (this.report !== null) return this.report;
    const store = this.load() ?? new FactStore(typesOf(this.unit));
    const locations = new Map<string, string>();
    for (const u of this.listing?.units ?? []) if (!locations.has(unitKey(u.replica, u.epoch, u.relation))) locations.set(unitKey(u.replica, u.epoch, u.relation), u.location);
    const dir = this.source.description;
    const derived = this.openDerived(store);
    const inputs = replicatedRelations(this.unit.checked);
    this.report = evaluateRows(this.unit, store, this.seals, this.diagnostics, {
      hasPrevious: true,
      // The workspace serves `calmlog evaluate` and reads only what a report shows.
      skipUnread: true,
      ...(derived === null ? {} : { derived }),
      reported: this.reported,
      keySeals: this.keySeals,
      mergedTuples: (r) => this.unit!.checked.relations.get(r)?.invariant != null || (this.options.mergedTuples?.(r) ?? true),
      fileOf: (replica, epoch, relation) => locations.get(unitKey(replica, epoch, relation)) ?? join(dir, replica, `epoch-${epoch}`, `${relation}.facts`),
      onPhase: (phase) => this.onProgress?.({ phase: `evaluating: ${phase}`, files: 0, filesTotal: 0, facts: this.factsRead }),
      reads: (relation) => inputs.has(relation),
      ...(this.options.onEngineProgress === undefined ? {} : { onEngineProgress: this.options.onEngineProgress }),
      ...(this.options.onStats === undefined ? {} : { onStats: this.options.onStats }),
    });
    return this.report;
  }

  /**
   * The derived state kept by an earlier run, when it belongs to this program and to a commit the
   * log still holds (null otherwise: the run evaluates in full), and a writer for this run's.
   */
  private openDerived(store: FactStore): DerivedIO | null {
    const stateDir = this.source.stateDir;
    const kept = this.kept;
    if (stateDir === null || this.derivedFingerprint === null || kept === null) return null;
    let file: DerivedSet | null = null;
    this.derivedUsed = false;
    if (kept.kind === "log") {
      file = this.derivedFile ?? readDerivedSet(stateDir);
      const h = file?.header;
      const fits =
        file !== null &&
        h !== undefined &&
        h.program === this.derivedProgram &&
        kept.commits.get(h.log.length) === h.log.commit &&
        h.values.symbols <= store.values.symbols.length &&
        h.values.floats <= store.values.floats.length &&
        Object.entries(h.members).every(([key, n]) => {
          const [replica, epoch, relation] = splitKey(key);
          return n <= (store.peek(replica, epoch, relation)?.rows.size ?? 0);
        }) &&
        this.partsReadable(file, store);
      if (!fits) file = null;
      this.derivedUsed = file !== null;
      this.derivedFile = file;
    }
    let writer: DerivedSetWriter | null = null;
    if (this.lock !== null) writer = new DerivedSetWriter(stateDir, file);
    this.derivedWriter?.abort();
    this.derivedWriter = writer;
    this.derivedParts = { members: emptyRecord(), replicas: emptyRecord(), merged: null, sealed: null };
    return { kept: file, writer, parts: this.derivedParts };
  }

  /**
   * Whether the parts this run continues from are whole: the engines of replicas with new facts,
   * the merged view and the sealed results are read and checked now; the engines of replicas with
   * nothing new are kept by name, so only their presence is checked.
   */
  private partsReadable(file: DerivedSet, store: FactStore): boolean {
    const h = file.header;
    for (const [name, r] of Object.entries(h.replicas)) {
      let grown = false;
      for (const [e, rels] of store.members.get(name) ?? []) for (const [relation, m] of rels) if (m.rows.size > (h.members[unitKey(name, e, relation)] ?? 0)) grown = true;
      if (grown ? !file.whole(r.state) : !file.presentAll(r.state)) return false;
    }
    if (h.merged !== null && !file.whole(h.merged)) return false;
    if (h.sealed !== null && file.part(h.sealed.file) === null) return false;
    return true;
  }

  /** Makes this run's derived state the kept one, once its facts are committed at `length`. */
  private async finishDerived(length: number, meta: CommitMeta, store: FactStore, rewritten: boolean): Promise<void> {
    const writer = this.derivedWriter;
    const parts = this.derivedParts;
    this.derivedWriter = null;
    if (writer === null || parts === null || this.derivedProgram === null) return;
    try {
      // The facts as the store holds them now, which is what the log holds up to this commit. The
      // kept store's part is kept by name, with the commit it reflects, while the log after that
      // commit stays small next to it: a run replays those frames (new facts only) instead of
      // writing every kept fact again. A log written anew has other offsets, so the part is too.
      const before = this.derivedUsed ? this.derivedFile?.header ?? null : null;
      const kept = before?.store !== undefined && before.store.file === this.storeFromDerived && !rewritten ? before.store : undefined;
      const keptAt = kept === undefined ? undefined : kept.log ?? before!.log;
      const keptStore: KeptStore =
        kept !== undefined && keptAt !== undefined && (sameStore(store, before!) || length - keptAt.length <= this.derivedFile!.sizeOf(kept.file) / STORE_REPLAY_SHARE)
          ? { ...kept, log: keptAt, values: kept.values ?? before!.values }
          : { ...writer.putPart("store", (put) => storeLayout(store, put)), log: { start: length - commitFrameLength(meta), length, commit: meta.id }, values: { symbols: store.values.symbols.length, floats: store.values.floats.length } };
      await writer.finish({
        program: this.derivedProgram,
        log: { start: length - commitFrameLength(meta), length, commit: meta.id },
        values: { symbols: store.values.symbols.length, floats: store.values.floats.length },
        store: keptStore,
        ...parts,
      });
    } catch {
      // The earlier derived state (if any) still reflects a commit the log holds.
      writer.abort();
    }
  }

  /** Whether the last `evaluate` continued from derived state kept by an earlier run. */
  get continuedDerived(): boolean {
    return this.derivedUsed;
  }

  /** Releases the kept state's lock; the workspace is not used afterwards. */
  close(): void {
    dropReadAhead();
    this.derivedWriter?.abort();
    this.derivedWriter = null;
    if (this.lock === null && this.lockFailure === null) return;
    if (this.lock !== null) rmSync(this.lock, { force: true });
    this.lock = null;
    // A run that kept nothing leaves no empty state folders behind.
    const stateDir = this.source.stateDir!;
    for (const d of [stateDir, dirname(stateDir)]) {
      try {
        if (readdirSync(d).length === 0) rmSync(d, { recursive: true });
      } catch {
        break;
      }
    }
  }

  /** Whether the last `evaluate` reused the report of an earlier run because nothing changed. */
  get reusedReport(): boolean {
    return this.reused;
  }

  /**
   * Makes the reconciled facts the kept state, when the run found no error (an error leaves the
   * previous state as it was): the new rows are appended to the log and made durable. Returns
   * whether anything was written.
   */
  async commit(): Promise<boolean> {
    const path = this.logPath;
    if (path === null || this.diagnostics.hasErrors() || this.reused) return false;
    const store = this.store;
    const kept = this.keptState();
    if (store === null || kept === null) return false;
    if (this.metaOnly) throw new Error("replica workflow: commit before the kept facts were loaded");
    this.onProgress?.({ phase: "committing", files: 0, filesTotal: 0, facts: this.factsRead });
    const digests: Record<string, readonly [number, string]> = {};
    for (const [replica, epochs] of store.members) {
      for (const [epoch, rels] of epochs) for (const [relation, m] of rels) if (m.digest !== null && m.digestAt === m.rows.size) digests[unitKey(replica, epoch, relation)] = [m.digestAt, m.digest];
    }
    const units: Record<string, UnitRecord> = {};
    for (const [k, u] of [...this.units].sort((a, b) => compareKeys(a[0], b[0]))) units[k] = u;
    const inputs = this.report !== null && this.unit !== null ? this.inputsKey(units) : null;
    // Earlier commit records are superseded by this one; once they outweigh the facts, the log is written anew.
    const superseded = kept.kind === "log" && kept.meta !== null ? (kept.meta.superseded ?? 0) + commitFrameLength(kept.meta) : 0;
    // Live after this commit: the facts plus one commit record (about the size of the last one).
    // A commit with no evaluation (a seal) does not compact: the derived state, tied to a commit
    // the log holds, would be orphaned; the next evaluate compacts and keeps it in step.
    const compact =
      kept.kind === "log" && kept.meta !== null && superseded > kept.length - superseded + commitFrameLength(kept.meta) && (this.derivedWriter !== null || this.options.programText === undefined);
    const seals: Record<string, string> = {};
    for (const s of [...this.seals.values()].sort((a, b) => a.epoch - b.epoch)) seals[String(s.epoch)] = sealJson(s);
    const header = { format: LOG_FORMAT, schema: this.schemaNow, formats: this.formatsNow };
    const rewrite = compact || kept.kind !== "log" || !sameTypes(kept.schema, header.schema) || JSON.stringify(kept.formats) !== JSON.stringify(header.formats);
    const meta: CommitMeta = { id: `${Date.now()}-${process.pid}`, units, digests, inputs, seals, superseded: rewrite ? 0 : superseded };
    const commit = { store, symbols: kept.symbols, floats: kept.floats, meta };
    let length: number;
    try {
      if (this.lock === null) throw new Error(this.lockFailure ?? "the folder cannot be written or locked");
      length = rewrite ? writeLog(path, header, commit) : appendCommit(path, kept.length, commit);
    } catch (err) {
      this.diagnostics.add("CL508", wholeFile(path), `the kept state \`${this.show(path)}\` could not be written (${writeFailure(err)}); these results are not kept, and the previous state is intact`, {
        help: "make the folder writable or free disk space, then run again",
      });
      return false;
    }
    // The report kept for a rerun with nothing new: written after the commit, named by it.
    if (inputs !== null && this.report !== null) {
      try {
        writeFileAtomic(join(this.source.stateDir!, REPORT_FILE), JSON.stringify({ inputs, commit: meta.id, report: settled(this.report, this.unit!) }));
      } catch {
        // Without it the next run evaluates again; the state itself is committed.
        rmSync(join(this.source.stateDir!, REPORT_FILE), { force: true });
      }
    }
    if (kept.kind === "v1") removeV1(this.source.stateDir!);
    for (const epochs of store.members.values()) for (const rels of epochs.values()) for (const m of rels.values()) m.mark = m.rows.size;
    await this.finishDerived(length, meta, store, rewrite);
    this.kept = { kind: "log", schema: header.schema, formats: header.formats, meta, length, symbols: store.values.symbols.length, floats: store.values.floats.length, commits: new Map([...(rewrite ? [] : kept.commits), [length, meta.id]]) };
    return true;
  }

  /**
   * Seals `epoch` over the reconciled facts and records it in the source (once: a seal already
   * there is refused). The kept state is committed first, so it covers everything the seal does.
   */
  async seal(epoch: number, options: { readonly reason?: string | null; readonly sealedAt?: string } = {}): Promise<WorkspaceSeal> {
    const store = this.load();
    if (store === null) return { ok: false, message: "the kept state cannot be read" };
    // A seal covers the kept facts; files that lack some of them would never match it again.
    const short = this.lackingFacts().filter((l) => l.epoch === epoch);
    if (short.length > 0) {
      const files = short.flatMap((l) => (l.files.length > 0 ? l.files : [`${l.replica}/epoch-${l.epoch}/${l.relation}.facts`]));
      const what = short.map((l) => `replica \`${l.replica}\`'s \`${l.relation}\` (${l.lacking} fact(s))`).join(", ");
      return {
        ok: false,
        code: "CL506",
        files,
        message: `cannot seal epoch ${epoch}: the files lack facts the kept state holds for ${what}, and a seal over the kept facts would never match the files again`,
      };
    }
    const outcome = sealRows(store, this.seals, epoch, { sealedAt: options.sealedAt ?? new Date().toISOString(), reason: options.reason ?? null });
    if ("message" in outcome) return { ok: false, message: outcome.message };
    // A seal over facts the kept state does not hold would be a promise nothing keeps.
    if (this.store !== null && this.source.stateDir !== null && !(await this.commit()) && this.diagnostics.items.some((d) => d.code === "CL508")) {
      return { ok: false, code: "CL508", message: `epoch ${epoch} is not sealed, because the kept state could not be written` };
    }
    let written: Awaited<ReturnType<ReplicaSource["createSeal"]>>;
    try {
      written = await this.source.createSeal(outcome.record);
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code === undefined || !/^E[A-Z]+$/.test(code)) throw err;
      return { ok: false, code: "CL515", message: `the seal record of epoch ${epoch} could not be written (${writeFailure(err)}); epoch ${epoch} stays open, and the kept state holds its facts` };
    }
    if (!written.created) return { ok: false, message: `epoch ${epoch} was sealed meanwhile (\`${this.show(written.location)}\`); a seal is written once` };
    this.seals.set(epoch, outcome.record);
    this.report = null;
    // The kept state remembers the seal, so a record deleted later is noticed (CL517).
    await this.commit();
    return { ok: true, record: outcome.record, location: written.location };
  }

  /**
   * Per key value, per replica, the facts of `epoch` whose key column (per relation in `columns`)
   * holds the value, with their digest: what a key seal covers (see `keyseal.ts`). One scan for all
   * values. Null when the state cannot be read.
   */
  keyDigests(epoch: number, columns: ReadonlyMap<string, number>, values: ReadonlySet<string>): Map<string, Record<string, { readonly facts: number; readonly digest: string }>> | null {
    const store = this.load();
    return store === null ? null : keyDigestsOf(store, epoch, columns, values);
  }

  /** Open-epoch relations whose files lack kept facts (CL501), with the files and every kept fact. */
  lackingFacts(): { replica: string; epoch: number; relation: string; lacking: number; files: readonly string[]; tuples: Tuple[] }[] {
    const out: { replica: string; epoch: number; relation: string; lacking: number; files: readonly string[]; tuples: Tuple[] }[] = [];
    const store = this.load();
    if (store === null) return out;
    for (const [key, l] of [...this.lacking].sort((a, b) => compareKeys(a[0], b[0]))) {
      const [replica, epoch, relation] = splitKey(key);
      const m = store.peek(replica, epoch, relation);
      if (m !== undefined) out.push({ replica, epoch, relation, lacking: l.count, files: l.files, tuples: tuplesOf(store, relation, m) });
    }
    return out;
  }

  /** Writes every open-epoch relation's kept facts back into its files (atomically), so the files hold what the state holds. Returns the files written. */
  async restore(): Promise<string[]> {
    const write = this.source.writeUnit?.bind(this.source);
    if (write === undefined) throw new Error(`a ${this.source.kind} source cannot be written`);
    const written: string[] = [];
    for (const l of this.lackingFacts()) {
      const schema = this.schemas.get(l.relation)!;
      const tuples = l.tuples.map((t) => [tupleKey(t), t] as const).sort((a, b) => compareKeys(a[0], b[0])).map(([, t]) => t);
      written.push(await write({ replica: l.replica, epoch: l.epoch, relation: l.relation }, schema, tuples));
    }
    this.lacking.clear();
    return written;
  }

  /** Epochs holding facts past the sealed ones, ascending. */
  get openEpochs(): number[] {
    const store = this.store;
    if (store === null) return [];
    const k = this.sealedEpoch;
    const out = new Set<number>();
    for (const name of store.replicas) for (const e of store.epochsOf(name)) if (e > k) out.add(e);
    return [...out].sort((a, b) => a - b);
  }

  /** Highest epoch k with 1..k sealed. */
  get sealedEpoch(): number {
    return sealedEpochOf(this.seals);
  }

  private inputsKey(units: Readonly<Record<string, UnitRecord>>): string {
    const h = createHash("sha256");
    h.update(this.options.programText ?? JSON.stringify(this.schemaNow));
    h.update("\0");
    for (const s of [...this.seals.values()].sort((a, b) => a.epoch - b.epoch)) h.update(sealText(s));
    h.update("\0");
    for (const s of this.keySeals) h.update(keySealText(s));
    h.update("\0");
    h.update(JSON.stringify(Object.entries(units).map(([k, u]) => [k, u.fingerprint])));
    h.update("\0");
    h.update(JSON.stringify(this.listing?.replicas ?? []));
    return h.digest("hex");
  }

  private tryReuse(groups: Map<string, FactUnit[]>, unchanged: ReadonlySet<string>): boolean {
    const kept = this.kept;
    if (this.unit === null || kept === null || kept.kind !== "log" || kept.meta?.inputs == null || unchanged.size !== groups.size) return false;
    if (Object.keys(kept.meta.units).length !== groups.size) return false;
    // Every unit of the last run is still there, unchanged; the inputs key also covers program and seals.
    for (const [k, g] of groups) this.units.set(k, { ...kept.meta.units[k]!, fingerprint: fingerprintOf(g) });
    const units: Record<string, UnitRecord> = {};
    for (const [k, u] of [...this.units].sort((a, b) => compareKeys(a[0], b[0]))) units[k] = u;
    if (this.inputsKey(units) !== kept.meta.inputs) return false;
    const file = join(this.source.stateDir!, REPORT_FILE);
    try {
      const saved = JSON.parse(readFileSync(file, "utf8")) as { inputs: string; commit: string; report: ReplicaReport };
      if (saved.inputs !== kept.meta.inputs || saved.commit !== kept.meta.id) return false;
      // A merged relation asked for in full but kept by its size only needs an evaluation.
      const wanted = this.options.mergedTuples ?? (() => true);
      if (saved.report.merged.some((m) => wanted(m.relation) && this.unit!.checked.relations.get(m.relation)?.output != null && m.tuples.length !== m.size)) return false;
      this.report = saved.report;
    } catch {
      return false;
    }
    this.reused = true;
    for (const [k, u] of this.units) {
      const [replica, epoch, relation] = splitKey(k);
      if (u.lacking > 0 && !this.seals.has(epoch)) lackingWarning(this.diagnostics, replica, epoch, relation, u.lacking, u.files.map(this.show).join("`, `"), u.files[0]!);
    }
    return true;
  }

  /**
   * Reads a grown open-epoch group past where the last clean run read its files: its rows are the
   * kept membership's plus the appended lines. That holds only when the kept membership is exactly
   * what the files held then: no facts lacking (CL501), the same files, the same column types, no
   * seal (sealed files are always read whole and checked against the seal) and no key seals (whose
   * late facts are held back from the membership). Null when the group must be read whole; then
   * nothing was added.
   */
  private async readAppendedGroup(store: FactStore, g: readonly FactUnit[], was: UnitRecord | undefined, readTo: Map<string, Record<string, ReadMark>>, key: string): Promise<RowSet | null> {
    const source = this.source;
    const { epoch, relation } = g[0]!;
    const to = was?.readTo;
    if (source.readAppended === undefined || was === undefined || to === undefined || was.sealed || this.seals.has(epoch) || was.lacking > 0 || this.keySeals.length > 0) return null;
    if (was.files.length !== g.length || !g.every((u) => was.files.includes(u.location) && to[u.location] !== undefined)) return null;
    const schema = this.schemas.get(relation);
    if (schema === undefined) return null;
    const typed = Array.isArray(store.types.get(relation));
    const parts: AppendedRead[] = [];
    try {
      for (const unit of g) {
        const part = await source.readAppended(unit, schema, to[unit.location], typed ? store.values : undefined);
        // A file whose start changed is read whole, with the others, so what it lacks is seen.
        if (!part.appended || part.mark === null) return null;
        parts.push(part);
      }
    } catch (err) {
      if ((err as { diagnostic?: unknown }).diagnostic === undefined) throw err;
      // The whole read reports the error.
      return null;
    }
    // Only the appended rows: the files still hold every kept row, which reconciling need not list again.
    const rows = new RowSet();
    const marks: Record<string, ReadMark> = {};
    try {
      g.forEach((unit, i) => {
        const part = parts[i]!;
        if (part.codes !== undefined) this.factsRead += store.addCodes(relation, part.codes, rows);
        for (const t of part.rows) rows.add(store.encode(relation, t));
        this.factsRead += part.rows.length;
        marks[unit.location] = part.mark!;
      });
    } catch (err) {
      if ((err as { diagnostic?: unknown }).diagnostic === undefined) throw err;
      return null;
    }
    readTo.set(key, marks);
    return rows;
  }

  private async readUnit(store: FactStore, unit: FactUnit, rows: RowSet, readTo: Map<string, Record<string, ReadMark>>, key: string): Promise<number | null> {
    const schema = this.schemas.get(unit.relation);
    if (schema === undefined) {
      this.diagnostics.add("CL504", wholeFile(unit.location), `\`${this.show(unit.location)}\` names relation \`${unit.relation}\`, which the program does not declare`);
      return null;
    }
    let n = 0;
    try {
      const typed = Array.isArray(store.types.get(unit.relation));
      const marked = this.source.stateDir !== null && this.source.readAppended !== undefined;
      // Typed relations are read straight into the store's codes: no tuple or string per fact; with
      // kept state, marked, so the next run can read only what is appended.
      if (typed && marked && this.source.readCodesMarked !== undefined) {
        const read = await this.source.readCodesMarked(unit, schema, store.values);
        if (read !== null) {
          if (read.mark !== null) {
            let marks = readTo.get(key);
            if (marks === undefined) readTo.set(key, (marks = {}));
            marks[unit.location] = read.mark;
          }
          return store.addCodes(unit.relation, read.codes, rows);
        }
      }
      if (typed && !marked && this.source.readCodes !== undefined) {
        const codes = await this.source.readCodes(unit, schema, store.values);
        if (codes !== null) return store.addCodes(unit.relation, codes, rows);
      }
      if (marked) {
        // Read whole, but marked, so the next run can read only what is appended.
        const part = await this.source.readAppended!(unit, schema, undefined);
        for (const t of part.rows) rows.add(store.encode(unit.relation, t));
        n = part.rows.length;
        if (part.mark !== null) {
          let marks = readTo.get(key);
          if (marks === undefined) readTo.set(key, (marks = {}));
          marks[unit.location] = part.mark;
        }
        return n;
      }
      for await (const batch of this.source.read(unit, schema)) {
        for (const t of batch) rows.add(store.encode(unit.relation, t));
        n += batch.length;
      }
    } catch (err) {
      const diagnostic = (err as { diagnostic?: { span: { file: string } } }).diagnostic;
      if (diagnostic === undefined) throw err;
      if (diagnostic.span.file === "<generated>" || diagnostic.span.file === "") (diagnostic as { span: unknown }).span = wholeFile(unit.location);
      this.diagnostics.push(diagnostic as never);
      return null;
    }
    return n;
  }
}

/**
 * The report as a rerun with nothing new shows it: nothing new, nothing added. Merged tuples are
 * kept only for relations something reads them from (`.output` files, invariants); the report
 * itself shows merged sizes only.
 */
function settled(report: ReplicaReport, unit: ProgramUnit): ReplicaReport {
  const keep = (r: string): boolean => {
    const s = unit.checked.relations.get(r);
    return s !== undefined && (s.output !== null || s.invariant !== null);
  };
  return {
    ...report,
    replicas: report.replicas.map((r) => ({ ...r, newFacts: 0, relations: r.relations.map((x) => ({ relation: x.relation, size: x.size, added: [] })) })),
    merged: report.merged.map((m) => (keep(m.relation) ? m : { ...m, tuples: [] })),
  };
}

/** CL501 for a relation whose files lack kept facts. */
export function lackingWarning(diags: Diagnostics, replica: string, epoch: number, relation: string, lacking: number, file: string, at: string): void {
  diags.add("CL501", wholeFile(at),
    `replica \`${replica}\`'s \`${file}\` lacks ${lacking} fact(s) of \`${relation}\` in epoch ${epoch} that it held before; they are kept, since a replica's state only grows`,
    { help: `to remove facts, record the removal as a tombstone fact (e.g. \`removed_${relation}(...)\`) and let a rule subtract it` });
}

function unitKey(replica: string, epoch: number, relation: string): string {
  return `${replica}\t${epoch}\t${relation}`;
}

function splitKey(key: string): [string, number, string] {
  const [replica, epoch, relation] = key.split("\t") as [string, string, string];
  return [replica, Number(epoch), relation];
}

/**
 * Whether the store holds exactly what the kept derived state's store part holds: the same symbols,
 * floats and rows, and the same memberships (rows and memberships only grow, so sizes tell).
 */
function sameStore(store: FactStore, h: DerivedHeader): boolean {
  const layout = h.store?.layout as StoreLayout | undefined;
  if (layout === undefined || store.values.symbols.length !== h.values.symbols || store.values.floats.length !== h.values.floats) return false;
  if (JSON.stringify(layout.types) !== JSON.stringify([...store.types])) return false;
  if (layout.tables.length !== store.tables.size || !layout.tables.every((t) => store.tables.get(t.relation)?.size === t.size)) return false;
  let members = 0;
  for (const [replica, epochs] of store.members) {
    if (!layout.members.some(([r]) => r === replica)) return false;
    for (const [e, rels] of epochs) {
      for (const [relation, m] of rels) {
        if (m.rows.size === 0) continue;
        members++;
        if (h.members[unitKey(replica, e, relation)] !== m.rows.size) return false;
      }
    }
  }
  return members === Object.keys(h.members).length && layout.members.length === store.members.size;
}

function fingerprintOf(units: readonly FactUnit[]): string {
  return units.map((u) => `${u.location}=${u.fingerprint}`).sort().join("|");
}

function sameTypes(a: Readonly<Record<string, readonly string[]>>, b: Readonly<Record<string, readonly string[]>>): boolean {
  const ka = Object.keys(a).sort();
  const kb = Object.keys(b).sort();
  if (ka.length !== kb.length) return false;
  return ka.every((k, i) => k === kb[i] && JSON.stringify(a[k]) === JSON.stringify(b[k]));
}

/** The store re-encoded with other column types (the program changed a relation's types). */
function retype(store: FactStore, types: ReadonlyMap<string, import("./rows.js").ColumnTypes>): FactStore {
  // Relations the program no longer declares keep the types they were stored with.
  const all = new Map(types);
  for (const [relation, t] of store.types) if (!all.has(relation)) all.set(relation, t);
  const out = new FactStore(all);
  for (const [replica, epochs] of store.members) {
    out.addReplica(replica);
    for (const [epoch, rels] of epochs) {
      for (const [relation, m] of rels) {
        if (!out.types.has(relation)) continue;
        const target = out.membership(replica, epoch, relation);
        for (const id of m.rows.view()) target.rows.add(out.encode(relation, store.tuple(relation, id)));
        target.mark = target.rows.size;
      }
    }
  }
  return out;
}

/** Removes the files of a `calmlog-state/1` state once the log holds its facts. */
function removeV1(stateDir: string): void {
  rmSync(join(stateDir, "CURRENT"), { force: true });
  for (const name of readdirSync(stateDir)) if (/^g[0-9]+$/.test(name)) rmSync(join(stateDir, name), { recursive: true, force: true });
}
