// The replica workflow, once: open a source for a program, reconcile what it holds with the kept
// state, evaluate, and commit the new state. `calmlog evaluate`, `calmlog seal`, ad-hoc `--replica`
// sets and the library all go through it; the kept state moves forward only after a clean run.
import { replicatedRelations } from "../analysis/fixed.js";
import { Diagnostics } from "../report/diagnostic.js";
import { syntheticSpan } from "../syntax/span.js";
import { evaluateReplicas, type ProgramUnit, type ReplicaReport } from "./evaluate.js";
import { tupleKey, type Tuple } from "./facts.js";
import { schemaFromTypes, type ReplicaSchema } from "./io.js";
import { ReplicaSet, type SealRecord } from "./replica.js";
import type { FactUnit, ReplicaSource, SourceListing } from "./source.js";
import { formatsOf, readStateAt, reconcile, schemaOf, writeStateAt, type FileFacts, type FileFormat, type KeptState, type Show } from "./store.js";

/** Progress of a long run, for a status line. */
export interface WorkflowProgress {
  readonly phase: "read" | "reconcile" | "evaluate" | "commit";
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
  /** Findings about the data (layout, late facts, changed seals) are collected here. */
  readonly diagnostics?: Diagnostics;
  /** How a location appears in a message. */
  readonly show?: Show;
  /** Called now and then during long phases. */
  readonly onProgress?: (p: WorkflowProgress) => void;
}

/** The outcome of `ReplicaWorkspace.seal`. */
export type WorkspaceSeal =
  | { readonly ok: true; readonly record: SealRecord; readonly location: string }
  | { readonly ok: false; readonly message: string };

/**
 * Opens `source` for a program: reads its seal records and the kept state. Returns null when
 * either is unreadable (the reasons are in `diagnostics`).
 */
export async function openReplicas(source: ReplicaSource, options: OpenReplicasOptions = {}): Promise<ReplicaWorkspace | null> {
  const diags = options.diagnostics ?? new Diagnostics();
  const show = options.show ?? ((p: string) => p);
  const seals = await source.readSeals(diags, show);
  const state = source.stateDir === null ? null : readStateAt(source.stateDir, diags, show);
  if (diags.hasErrors()) return null;
  return new ReplicaWorkspace(source, options.unit ?? null, seals, state, diags, show, options.onProgress);
}

/**
 * One replica source opened for a program: `reconcile` merges what the source holds into the kept
 * state, `evaluate` computes the report, `commit` makes the new state durable, `seal` closes an epoch.
 */
export class ReplicaWorkspace {
  private previous: ReplicaSet;
  private current: ReplicaSet;
  private readonly reported = new Set<string>();
  private readonly schemas: ReadonlyMap<string, ReplicaSchema>;
  private readonly schema: Record<string, readonly string[]>;
  private readonly formats: Record<string, FileFormat>;
  private listing: SourceListing | null = null;

  /** Use `openReplicas`. */
  constructor(
    readonly source: ReplicaSource,
    readonly unit: ProgramUnit | null,
    seals: readonly SealRecord[],
    private readonly state: KeptState | null,
    readonly diagnostics: Diagnostics,
    private readonly show: Show,
    private readonly onProgress?: (p: WorkflowProgress) => void,
  ) {
    this.previous = ReplicaSet.of(state?.set.replicas.values() ?? [], seals);
    this.current = this.previous;
    if (unit !== null) {
      this.schemas = unit.checked.relations;
      this.schema = schemaOf(unit.checked.relations);
      this.formats = formatsOf(unit.checked.relations);
    } else {
      this.schemas = new Map(Object.entries(state?.schema ?? {}).map(([name, types]) => [name, schemaFromTypes(name, types, state?.formats[name])]));
      this.schema = { ...(state?.schema ?? {}) };
      this.formats = { ...(state?.formats ?? {}) };
    }
  }

  /** Whether the column types of the relations are known (from the program or the kept state). */
  get typesKnown(): boolean {
    return this.unit !== null || this.state !== null;
  }

  /** Epochs with a seal record, ascending. */
  get sealedEpochs(): number[] {
    return [...this.current.seals.keys()].sort((a, b) => a - b);
  }

  /** The replica set as of now: an immutable value that later steps do not change. */
  snapshot(): ReplicaSet {
    return this.current;
  }

  /**
   * Lists the source, reads its facts and merges them into the kept state (CL501-CL503 as the
   * files differ). Returns false when the source cannot be read (layout or parse errors).
   */
  async reconcile(): Promise<boolean> {
    const diags = this.diagnostics;
    const inputs = this.unit !== null ? replicatedRelations(this.unit.checked) : new Set(this.schemas.keys());
    const listing = await this.source.list({ inputs, declared: new Set(this.schemas.keys()), show: this.show }, diags);
    if (listing === null || diags.hasErrors()) return false;
    this.listing = listing;
    const files: FileFacts = new Map();
    for (const name of listing.replicas) files.set(name, new Map());
    let done = 0;
    let facts = 0;
    for (const unit of listing.units) {
      const read = await this.readUnit(unit);
      done++;
      if (read === null) continue;
      facts += read.length;
      let epochs = files.get(unit.replica);
      if (epochs === undefined) files.set(unit.replica, (epochs = new Map()));
      let rels = epochs.get(unit.epoch);
      if (rels === undefined) epochs.set(unit.epoch, (rels = new Map()));
      let entry = rels.get(unit.relation);
      if (entry === undefined) rels.set(unit.relation, (entry = { keys: new Set(), files: [] }));
      entry.files.push(unit.location);
      for (const t of read) entry.keys.add(tupleKey(t));
      this.onProgress?.({ phase: "read", files: done, filesTotal: listing.units.length, facts });
    }
    if (diags.hasErrors()) return false;
    this.onProgress?.({ phase: "reconcile", files: done, filesTotal: listing.units.length, facts });
    const dir = this.source.description;
    this.current = reconcile(dir, this.previous, files, diags, this.show, this.reported);
    this.source.findings?.(diags);
    return true;
  }

  /** Evaluates the reconciled set: per replica, merged, sealed and withheld results. */
  evaluate(): ReplicaReport {
    if (this.unit === null) throw new Error("evaluate needs the program");
    this.onProgress?.({ phase: "evaluate", files: this.listing?.units.length ?? 0, filesTotal: this.listing?.units.length ?? 0, facts: 0 });
    const locations = new Map<string, string>();
    for (const u of this.listing?.units ?? []) locations.set(`${u.replica}\t${u.epoch}\t${u.relation}`, u.location);
    const dir = this.source.description;
    return evaluateReplicas(this.unit, this.current, this.diagnostics, {
      previous: this.previous,
      reported: this.reported,
      fileOf: (replica, epoch, relation) => locations.get(`${replica}\t${epoch}\t${relation}`) ?? `${dir}/${replica}/epoch-${epoch}/${relation}.facts`,
    });
  }

  /**
   * Makes the reconciled facts the kept state, when the run found no error (an error leaves the
   * previous state as it was). Returns whether anything was written.
   */
  async commit(): Promise<boolean> {
    const stateDir = this.source.stateDir;
    if (stateDir === null || this.diagnostics.hasErrors()) return false;
    this.onProgress?.({ phase: "commit", files: 0, filesTotal: 0, facts: 0 });
    const state = this.state;
    const changed =
      state === null ||
      !this.current.equals(this.previous) ||
      JSON.stringify(state.schema) !== JSON.stringify(this.schema) ||
      JSON.stringify(state.formats) !== JSON.stringify(this.formats);
    if (!changed) return false;
    writeStateAt(stateDir, this.current, this.schema, state?.generation ?? null, this.formats);
    return true;
  }

  /**
   * Seals `epoch` over the reconciled facts and records it in the source (once: a seal already
   * there is refused). The kept state is committed first, so it covers everything the seal does.
   */
  async seal(epoch: number, options: { readonly reason?: string | null; readonly sealedAt?: string } = {}): Promise<WorkspaceSeal> {
    const outcome = this.current.seal(epoch, { sealedAt: options.sealedAt ?? new Date().toISOString(), reason: options.reason ?? null });
    if (!outcome.ok) return outcome;
    await this.commit();
    const written = await this.source.createSeal(outcome.record);
    if (!written.created) return { ok: false, message: `epoch ${epoch} was sealed meanwhile (\`${this.show(written.location)}\`); a seal is written once` };
    this.current = outcome.set;
    return { ok: true, record: outcome.record, location: written.location };
  }

  private async readUnit(unit: FactUnit): Promise<Tuple[] | null> {
    const schema = this.schemas.get(unit.relation);
    if (schema === undefined) {
      this.diagnostics.add("CL504", syntheticSpan(unit.location), `\`${this.show(unit.location)}\` names relation \`${unit.relation}\`, which the program does not declare`);
      return null;
    }
    const out: Tuple[] = [];
    try {
      for await (const batch of this.source.read(unit, schema)) for (const t of batch) out.push(t);
    } catch (err) {
      const diagnostic = (err as { diagnostic?: unknown }).diagnostic;
      if (diagnostic === undefined) throw err;
      this.diagnostics.push(diagnostic as never);
      return null;
    }
    return out;
  }
}
