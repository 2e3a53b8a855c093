// The replica workflow, once: open a source for a program, reconcile what it holds with the kept
// state, evaluate, and commit the new state. `calmlog evaluate`, `calmlog seal`, ad-hoc `--replica`
// sets and the library all go through it; the kept state moves forward only after a clean run.
import { createHash } from "node:crypto";
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { replicatedRelations } from "../analysis/fixed.js";
import type { RunStats } from "../eval/engine.js";
import { Diagnostics } from "../diagnostics/diagnostic.js";
import { wholeFile } from "../diagnostics/span.js";
import { evaluateRows, reconcileRows, sealedEpochOf, sealRows, setOfStore, storeOfSet, typesOf, tuplesOf, type ReadRows } from "./core.js";
import type { ProgramUnit, ReplicaReport } from "./evaluate.js";
import { compareKeys, tupleKey, type Tuple } from "./facts.js";
import { schemaFromTypes, type ReplicaSchema } from "./io.js";
import { appendCommit, LOG_FILE, LOG_FORMAT, readLog, typesOfSchema, writeLog, type CommitMeta, type UnitRecord } from "./log.js";
import { sealText, type ReplicaSet, type SealRecord } from "./replica.js";
import { FactStore, RowSet } from "./rows.js";
import type { FactUnit, ReplicaSource, SourceListing } from "./source.js";
import { formatsOf, readStateAt, schemaOf, type FileFormat, type Show } from "./store.js";
import { writeFileAtomic } from "../util/atomic-write.js";

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
  | { readonly ok: false; readonly message: string; readonly code?: "CL506"; readonly files?: readonly string[] };

const REPORT_FILE = "report.json";
const LOCK_FILE = "lock";

/**
 * Opens `source` for a program: reads its seal records and the kept state. Returns null when
 * either is unreadable (the reasons are in `diagnostics`).
 */
export async function openReplicas(source: ReplicaSource, options: OpenReplicasOptions = {}): Promise<ReplicaWorkspace | null> {
  const diags = options.diagnostics ?? new Diagnostics();
  const show = options.show ?? ((p: string) => p);
  const seals = await source.readSeals(diags, show);
  if (diags.hasErrors()) return null;
  const lock = source.stateDir === null ? null : takeLock(source.stateDir, diags, show);
  if (diags.hasErrors()) return null;
  const ws = new ReplicaWorkspace(source, options, seals, diags, show);
  ws.lock = lock;
  return ws;
}

/**
 * Takes the state folder's lock (a file holding the owner's pid, created exclusively). A lock whose
 * process is gone is left from a crash and taken over. Null when the folder cannot be written: the
 * run then reads but cannot keep anything, which `commit` reports.
 */
function takeLock(stateDir: string, diags: Diagnostics, show: Show): string | null {
  const path = join(stateDir, LOCK_FILE);
  // The state folder sits two levels inside the source's folder; nothing is made when that is missing.
  if (!existsSync(dirname(dirname(stateDir)))) return null;
  try {
    mkdirSync(stateDir, { recursive: true });
  } catch {
    return null;
  }
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      writeFileSync(path, `${process.pid}\n`, { flag: "wx" });
      // Temporary files of runs that were killed: nobody else holds the lock, so none is in use.
      for (const name of readdirSync(stateDir)) if (/\.tmp-[0-9]+-[0-9a-f]+$/.test(name)) rmSync(join(stateDir, name), { force: true, recursive: true });
      return path;
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code !== "EEXIST") return null;
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
  /** `kept` was read without the facts (its symbol counts are not known yet). */
  private metaOnly = false;
  /** The state lock this workspace holds (released by `close`). */
  lock: string | null = null;
  /** Facts read from the source in this run. */
  factsRead = 0;
  /** Fact units left unread because their fingerprint did not change. */
  unitsSkipped = 0;

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
      return (this.kept = { kind: "none", schema: {}, formats: {}, meta: null, length: 0, symbols: 0, floats: 0 });
    }
    if (existsSync(path)) {
      // The header and last commit only: a run with nothing new never loads the facts.
      try {
        const log = readLog(path, { metaOnly: true })!;
        this.metaOnly = true;
        return (this.kept = { kind: "log", schema: log.header.schema, formats: log.header.formats, meta: log.meta, length: log.length, symbols: 0, floats: 0 });
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
      const log = path === null ? null : readLog(path);
      if (log !== null) {
        this.kept = { kind: "log", schema: log.header.schema, formats: log.header.formats, meta: log.meta, length: log.length, symbols: log.symbols, floats: log.floats };
        this.store = programTypes === null || sameTypes(log.header.schema, schemaOf(this.unit!.checked.relations)) ? log.store : retype(log.store, programTypes);
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
    this.kept = { kind: v1 === null ? "none" : "v1", schema: v1 === null ? {} : schema, formats: v1?.formats ?? {}, meta: null, length: 0, symbols: 0, floats: 0 };
    this.store = v1 === null ? new FactStore(types) : storeOfSet(v1.set, types, v1.set);
    return this.store;
  }

  private get schemaNow(): Readonly<Record<string, readonly string[]>> {
    return this.unit !== null ? schemaOf(this.unit.checked.relations) : this.keptState()?.schema ?? {};
  }

  private get formatsNow(): Readonly<Record<string, FileFormat>> {
    return this.unit !== null ? formatsOf(this.unit.checked.relations) : this.keptState()?.formats ?? {};
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
    const listing = await this.source.list({ inputs, declared: new Set(schemas.keys()), show: this.show }, diags);
    if (listing === null || diags.hasErrors()) return false;
    this.listing = listing;
    const kept = this.keptState();
    if (kept === null || diags.hasErrors()) return false;

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
    if (this.tryReuse(groups, unchanged)) return true;

    const store = this.load();
    if (store === null) return false;
    const read: ReadRows = new Map();
    for (const name of listing.replicas) read.set(name, new Map());
    let done = 0;
    const total = listing.units.length - this.unitsSkipped;
    for (const [key, g] of groups) {
      if (unchanged.has(key)) continue;
      const { replica, epoch, relation } = g[0]!;
      const rows = new RowSet();
      for (const unit of g) {
        const n = await this.readUnit(store, unit, rows);
        done++;
        if (n !== null) this.factsRead += n;
        this.onProgress?.({ phase: "reading", files: done, filesTotal: total, facts: this.factsRead });
      }
      let epochs = read.get(replica);
      if (epochs === undefined) read.set(replica, (epochs = new Map()));
      let rels = epochs.get(epoch);
      if (rels === undefined) epochs.set(epoch, (rels = new Map()));
      rels.set(relation, { rows, files: g.map((u) => u.location) });
    }
    if (diags.hasErrors()) return false;
    this.onProgress?.({ phase: "reconciling", files: done, filesTotal: total, facts: this.factsRead });
    const lackingSeen = new Map<string, number>();
    const before = diags.items.length;
    reconcileRows(store, this.seals, read, diags, {
      dir: this.source.description,
      show: this.show,
      reported: this.reported,
      skip: (replica, epoch, relation) => unchanged.has(unitKey(replica, epoch, relation)),
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
      this.units.set(key, { fingerprint: racy ? "racy" : fingerprintOf(g), sealed: this.seals.has(g[0]!.epoch), lacking, files: g.map((u) => u.location) });
    }
    return true;
  }

  /** Evaluates the reconciled facts: per replica, merged, sealed and withheld results. */
  evaluate(): ReplicaReport {
    if (this.unit === null) throw new Error("evaluate needs the program");
    if (this.report !== null) return this.report;
    const store = this.load() ?? new FactStore(typesOf(this.unit));
    const locations = new Map<string, string>();
    for (const u of this.listing?.units ?? []) if (!locations.has(unitKey(u.replica, u.epoch, u.relation))) locations.set(unitKey(u.replica, u.epoch, u.relation), u.location);
    const dir = this.source.description;
    this.report = evaluateRows(this.unit, store, this.seals, this.diagnostics, {
      hasPrevious: true,
      reported: this.reported,
      mergedTuples: (r) => this.unit!.checked.relations.get(r)?.invariant != null || (this.options.mergedTuples?.(r) ?? true),
      fileOf: (replica, epoch, relation) => locations.get(unitKey(replica, epoch, relation)) ?? join(dir, replica, `epoch-${epoch}`, `${relation}.facts`),
      onPhase: (phase) => this.onProgress?.({ phase: `evaluating: ${phase}`, files: 0, filesTotal: 0, facts: this.factsRead }),
      ...(this.options.onEngineProgress === undefined ? {} : { onEngineProgress: this.options.onEngineProgress }),
      ...(this.options.onStats === undefined ? {} : { onStats: this.options.onStats }),
    });
    return this.report;
  }

  /** Releases the kept state's lock; the workspace is not used afterwards. */
  close(): void {
    if (this.lock === null) return;
    rmSync(this.lock, { force: true });
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
    const meta: CommitMeta = { id: `${Date.now()}-${process.pid}`, units, digests, inputs };
    const header = { format: LOG_FORMAT, schema: this.schemaNow, formats: this.formatsNow };
    const rewrite = kept.kind !== "log" || !sameTypes(kept.schema, header.schema) || JSON.stringify(kept.formats) !== JSON.stringify(header.formats);
    const commit = { store, symbols: kept.symbols, floats: kept.floats, meta };
    let length: number;
    try {
      if (this.lock === null) throw Object.assign(new Error("the folder cannot be written or locked"), { code: "EACCES" });
      length = rewrite ? writeLog(path, header, commit) : appendCommit(path, kept.length, commit);
    } catch (err) {
      const reason = (err as NodeJS.ErrnoException).code === "ENOSPC" ? "no space left on the device" : (err as Error).message;
      this.diagnostics.add("CL508", wholeFile(path), `the kept state \`${this.show(path)}\` could not be written (${reason}); these results are not kept, and the previous state is intact`, {
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
    this.kept = { kind: "log", schema: header.schema, formats: header.formats, meta, length, symbols: store.values.symbols.length, floats: store.values.floats.length };
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
    await this.commit();
    const written = await this.source.createSeal(outcome.record);
    if (!written.created) return { ok: false, message: `epoch ${epoch} was sealed meanwhile (\`${this.show(written.location)}\`); a seal is written once` };
    this.seals.set(epoch, outcome.record);
    this.report = null;
    return { ok: true, record: outcome.record, location: written.location };
  }

  /**
   * Per replica, the facts of `epoch` whose key column (per relation in `columns`) holds `value`,
   * with a sha256 digest over their sorted keys: what a key seal covers. Null when the state cannot be read.
   */
  keyDigests(epoch: number, columns: ReadonlyMap<string, number>, value: string): Record<string, { readonly facts: number; readonly digest: string }> | null {
    const store = this.load();
    if (store === null) return null;
    const out: Record<string, { facts: number; digest: string }> = {};
    for (const replica of [...store.replicas].sort()) {
      const keys: string[] = [];
      for (const [relation, column] of [...columns].sort((a, b) => compareKeys(a[0], b[0]))) {
        const m = store.peek(replica, epoch, relation);
        if (m === undefined) continue;
        for (const t of tuplesOf(store, relation, m)) if (String(t[column]) === value) keys.push(`${relation}\u0000${tupleKey(t)}`);
      }
      keys.sort(compareKeys);
      const h = createHash("sha256");
      for (const k of keys) h.update(k + "\n");
      out[replica] = { facts: keys.length, digest: `sha256:${h.digest("hex")}` };
    }
    return out;
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

  private async readUnit(store: FactStore, unit: FactUnit, rows: RowSet): Promise<number | null> {
    const schema = this.schemas.get(unit.relation);
    if (schema === undefined) {
      this.diagnostics.add("CL504", wholeFile(unit.location), `\`${this.show(unit.location)}\` names relation \`${unit.relation}\`, which the program does not declare`);
      return null;
    }
    let n = 0;
    try {
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
    replicas: report.replicas.map((r) => ({ ...r, newFacts: 0, relations: r.relations.map((x) => ({ ...x, added: [] })) })),
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
  const out = new FactStore(types);
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
