// Coordination-free relations are evaluated per replica on all its facts (lower bounds) and on
// the union (the merged view); the rest only over sealed, verified epochs, and are otherwise withheld.
import type { Analysis, NonMonotonicKind, Stratum } from "../analysis/types.js";
import type { CheckedProgram } from "../check/types.js";
import { Engine } from "../eval/engine.js";
import { Diagnostics, makeDiagnostic, UserError } from "../diagnostics/diagnostic.js";
import { wholeFile } from "../diagnostics/span.js";
import { evaluateRows, storeOfSet, typesOf } from "./core.js";
import { keyTuple, tupleKey, type Tuple } from "./tuple-keys.js";
import type { KeyStatus } from "./keyseal.js";
import { ReplicaSet, type InsertResult, type SealMismatch, type SealOutcome } from "./replica.js";

export { addedPreview, type TuplePreview } from "./added.js";

/** A compiled program: what every evaluation needs. */
export interface ProgramUnit {
  readonly checked: CheckedProgram;
  readonly analysis: Analysis;
}

/** One relation's result: its size and its tuples in the engine's sorted order. */
export interface RelationResult {
  readonly relation: string;
  readonly size: number;
  readonly tuples: readonly Tuple[];
}

/** A coordination-free relation on one replica: a lower bound of the merged view. */
export interface ReplicaRelation {
  readonly relation: string;
  readonly size: number;
  /** Tuples (input or derived) that this evaluation added to the previous one. */
  readonly added: readonly Tuple[];
}

/** One replica on its own: its input facts and its coordination-free results. */
export interface ReplicaResult {
  readonly name: string;
  /** Input facts the replica holds, over every epoch. */
  readonly facts: number;
  /** Input facts new since the previous evaluation. */
  readonly newFacts: number;
  /** Every coordination-free relation, by name. */
  readonly relations: readonly ReplicaRelation[];
}

/**
 * Non-monotonic results over the sealed epochs 1..epoch: final, never revised. Relations decided per
 * key also hold the tuples of keys released by key seals (`ReplicaReport.keys`); with no epoch
 * sealed as a whole (`epoch` 0), only those relations are here.
 */
export interface SealedResult {
  readonly epoch: number;
  readonly sealedAt: string;
  readonly reason: string | null;
  readonly relations: readonly RelationResult[];
}

/** A relation whose result for the open epochs is withheld, and why. */
export interface WithheldRelation {
  readonly relation: string;
  readonly kind: NonMonotonicKind;
  /** The literal that makes it wait, as written (e.g. `!blocker(r, _)`). */
  readonly literal: string;
  /** Where the literal is: `file:line:column`. */
  readonly at: string;
  /** The relations from this one down to the rule holding the literal. */
  readonly via: readonly string[];
  readonly reason: string;
  /** Facts in open epochs, of the relation or of relations it reads, that no seal covers yet. */
  readonly openFacts: number;
  /** Open epochs holding those facts. */
  readonly openEpochs: readonly number[];
  /** The epochs to seal, in order, to release the relation over those facts; null when none hold facts. */
  readonly release: { readonly from: number; readonly to: number } | null;
  /** When the relation is decided per key and key seals are in use: its key, and how many values are final or wait (see `ReplicaReport.keys`). */
  readonly perKey?: { readonly key: string; readonly final: number; readonly waiting: number } | null;
}

/**
 * A relation marked `.invariant` (it must stay empty), checked where its result is known: the
 * merged view when it is coordination-free (a tuple there is in every later view too), else the
 * sealed results; with no sealed epoch it is withheld like the relation itself.
 */
export interface InvariantStatus {
  readonly relation: string;
  readonly description: string | null;
  readonly status: "holds" | "broken" | "withheld";
  readonly where: "merged" | "sealed" | null;
  /** The tuples that break it (empty unless broken). */
  readonly tuples: readonly Tuple[];
}

/** Everything `calmlog evaluate` reports, as data. */
export interface ReplicaReport {
  /** Sealed results are final as of this epoch (0: none sealed and verified). */
  readonly sealedEpoch: number;
  readonly seals: readonly { readonly epoch: number; readonly sealedAt: string; readonly reason: string | null; readonly replicas: readonly string[] }[];
  readonly openEpochs: readonly number[];
  readonly replicas: readonly ReplicaResult[];
  /** The union of every replica's facts, coordination-free relations only: lower bounds. */
  readonly merged: readonly RelationResult[];
  readonly sealed: SealedResult | null;
  readonly withheld: readonly WithheldRelation[];
  /** Every `.invariant` relation, in declaration order. */
  readonly invariants: readonly InvariantStatus[];
  /** Sealed epochs whose facts here do not match their seal. */
  readonly mismatches: readonly SealMismatch[];
  /** When key seals are in use: per key, the values final ahead of their epoch's whole seal and those that wait. */
  readonly keys?: readonly KeyStatus[];
  /** Relations left out, in declaration order, when some are: nothing the program outputs, prints or checks reads them (see `unevaluatedRelations`). */
  readonly unevaluated?: readonly string[];
}

/**
 * Relations whose results only grow as facts arrive: monotonic rules that read only such relations.
 * Everything else waits for a seal.
 */
export function coordinationFreeRelations(analysis: Analysis): Set<string> {
  const free = new Set<string>();
  for (const stratum of analysis.strata) {
    if (!stratum.monotonic) continue;
    const ok = stratum.relations.every((name) => {
      const info = analysis.relations.get(name);
      if (info === undefined || !info.monotonic || info.requiresSeal) return false;
      return info.reads.every((r) => free.has(r) || stratum.relations.includes(r));
    });
    if (ok) for (const r of stratum.relations) free.add(r);
  }
  return free;
}

/** The predicate `Engine.run` takes to evaluate only the coordination-free strata. */
export function coordinationFreeStrata(analysis: Analysis): (s: Stratum) => boolean {
  const free = coordinationFreeRelations(analysis);
  return (s) => s.relations.every((r) => free.has(r));
}

/** A fresh engine holding `facts` (keys per relation), with the strata `strata` accepts run. */
export function engineOver(unit: ProgramUnit, facts: ReadonlyMap<string, ReadonlySet<string>>, strata?: (s: Stratum) => boolean): Engine {
  const engine = new Engine(unit.checked, unit.analysis);
  for (const [relation, keys] of facts) engine.insert(relation, [...keys].map(keyTuple));
  engine.run(strata === undefined ? {} : { strata });
  return engine;
}

/**
 * Merges one engine's state into a copy of another: every relation's tuples (derived ones too)
 * are inserted and the coordination-free fixpoint continues from them.
 */
export function mergeEngines(unit: ProgramUnit, a: Engine, b: Engine): Engine {
  const merged = a.clone();
  for (const relation of unit.checked.relations.keys()) merged.insert(relation, b.tuples(relation));
  merged.run({ strata: coordinationFreeStrata(unit.analysis) });
  return merged;
}

/**
 * Thrown when a relation's result is read before it can be known: it reads absence or totals, so
 * it waits for a sealed epoch (a replica or the merged view never has it; the sealed results have
 * it once the epochs holding its facts are sealed). `withheld` says why, as the report does.
 */
export class WithheldError extends Error {
  constructor(readonly withheld: Pick<WithheldRelation, "relation" | "kind" | "literal" | "at" | "via" | "reason"> & { readonly openFacts?: number; readonly openEpochs?: readonly number[] }) {
    super(
      `\`${withheld.relation}\` is withheld: ${withheld.via.length > 1 ? `it reads \`${withheld.via.at(-1)}\`, which ` : "it "}` +
        `reads ${withheld.kind === "negation" ? "absence" : "totals"} (\`${withheld.literal}\`${withheld.at === "" ? "" : ` at ${withheld.at}`}), so its result waits for a sealed epoch` +
        (withheld.openEpochs !== undefined && withheld.openEpochs.length > 0 ? `; open epoch(s) ${withheld.openEpochs.join(", ")} hold ${withheld.openFacts} fact(s) it depends on` : ""),
    );
    this.name = "WithheldError";
  }
}

/** Why `relation` waits for a seal, from the analysis (the literal, where, and the relations in between). */
export function withheldOf(unit: ProgramUnit, relation: string): WithheldRelation {
  const cause = unit.analysis.relations.get(relation)?.cause ?? null;
  return {
    relation,
    kind: cause?.use.kind ?? "negation",
    literal: cause?.use.text ?? "",
    at: cause === null ? "" : `${cause.use.span.file}:${cause.use.span.line}:${cause.use.span.column}`,
    via: cause?.chain.map((s) => s.relation) ?? [relation],
    reason: cause?.use.reason ?? "",
    openFacts: 0,
    openEpochs: [],
    release: null,
  };
}

/**
 * A node's live view: the replica set and, per replica, an engine kept at the coordination-free
 * fixpoint. New facts continue the semi-naive evaluation from themselves (insert + run).
 * Read results with `tuples`, `merged` and `sealed`: a relation that waits for a seal throws
 * `WithheldError` there instead of reading as empty (the raw engines of `engineOf` and
 * `mergedEngine` hold only the coordination-free relations).
 */
export class ReplicaEvaluator {
  private current: ReplicaSet;
  private readonly engines = new Map<string, Engine>();
  private readonly dirty = new Set<string>();
  private readonly free: Set<string>;
  private readonly strata: (s: Stratum) => boolean;

  constructor(readonly unit: ProgramUnit, set: ReplicaSet = ReplicaSet.empty()) {
    this.current = set;
    this.free = coordinationFreeRelations(unit.analysis);
    this.strata = coordinationFreeStrata(unit.analysis);
  }

  /** The current replica set: an immutable value later inserts do not change. */
  snapshot(): ReplicaSet {
    return this.current;
  }

  /** Adds facts to a replica (late ones are refused, see `ReplicaSet.insert`). */
  insert(replica: string, relation: string, tuples: Iterable<Tuple>, epoch: number): InsertResult {
    // As `Engine.insert`: facts of an undeclared relation would be kept but never read.
    if (!this.unit.checked.relations.has(relation)) throw new UserError(makeDiagnostic("CL201", wholeFile("<generated>"), `relation \`${relation}\` is not declared`));
    const list = [...tuples];
    const result = this.current.insert(replica, relation, list, epoch);
    this.current = result.set;
    const engine = this.engines.get(replica);
    if (result.added > 0 && engine !== undefined) {
      // The engine's insert is a set union, so tuples it already holds cost nothing.
      const late = new Set(result.late.map(tupleKey));
      engine.insert(relation, late.size === 0 ? list : list.filter((t) => !late.has(tupleKey(t))));
      this.dirty.add(replica);
    }
    return result;
  }

  /** Seals an epoch over the current facts. */
  seal(epoch: number, options: { readonly sealedAt: string; readonly reason?: string | null }): SealOutcome {
    const outcome = this.current.seal(epoch, options);
    if (outcome.ok) this.current = outcome.set;
    return outcome;
  }

  /**
   * Moves to `next`, a set holding at least the current facts: each replica's engine receives
   * only the facts it lacks. Returns the tuples that became new, per replica and relation.
   */
  advance(next: ReplicaSet): Map<string, Map<string, Tuple[]>> {
    const before = new Map<string, Map<string, Set<string>>>();
    for (const name of next.names) {
      const engine = this.engines.get(name);
      if (engine === undefined) continue;
      this.settle(name, engine);
      before.set(name, this.snapshotOf(engine));
      const old = this.current.replica(name);
      const now = next.replica(name)!;
      for (const relation of now.relations()) {
        const had = old?.keysWhere(relation) ?? new Set<string>();
        const fresh = [...now.keysWhere(relation)].filter((k) => !had.has(k));
        if (fresh.length === 0) continue;
        engine.insert(relation, fresh.map(keyTuple));
        this.dirty.add(name);
      }
    }
    this.current = next;
    const added = new Map<string, Map<string, Tuple[]>>();
    for (const name of next.names) {
      const prior = before.get(name) ?? new Map<string, Set<string>>();
      const engine = this.engineOf(name);
      const perRelation = new Map<string, Tuple[]>();
      for (const relation of this.free) {
        const had = prior.get(relation) ?? new Set<string>();
        const fresh = engine.tuples(relation).filter((t: Tuple) => !had.has(tupleKey(t)));
        if (fresh.length > 0) perRelation.set(relation, fresh);
      }
      added.set(name, perRelation);
    }
    return added;
  }

  /**
   * A coordination-free relation on one replica: a lower bound of the merged view. Throws
   * `WithheldError` for a relation that waits for a seal, and `UserError` (CL201) for an undeclared one.
   */
  tuples(replica: string, relation: string): Tuple[] {
    this.readable(relation);
    if (!this.current.names.includes(replica)) return [];
    return this.engineOf(replica).tuples(relation);
  }

  /** A coordination-free relation over the union of every replica's facts (lower bounds); throws as `tuples` does. */
  merged(relation: string): Tuple[] {
    this.readable(relation);
    return this.mergedEngine().tuples(relation);
  }

  /**
   * A relation that waits for a seal, over the sealed epochs: final as of `epoch`. Throws
   * `WithheldError` while open epochs hold facts it depends on (or no epoch is sealed), as the
   * report withholds it. A coordination-free relation gives its merged view.
   */
  sealed(relation: string): { readonly epoch: number; readonly tuples: readonly Tuple[] } {
    if (!this.unit.checked.relations.has(relation)) throw new UserError(makeDiagnostic("CL201", wholeFile("<generated>"), `relation \`${relation}\` is not declared`));
    const report = evaluateReplicas(this.unit, this.current, new Diagnostics());
    const withheld = report.withheld.find((w) => w.relation === relation);
    if (withheld !== undefined) throw new WithheldError(withheld);
    // A coordination-free relation is never withheld: its merged view, which sealing does not change.
    const result = this.free.has(relation) ? report.merged.find((m) => m.relation === relation) : report.sealed?.relations.find((r) => r.relation === relation);
    if (result === undefined) throw new WithheldError(withheldOf(this.unit, relation));
    return { epoch: report.sealedEpoch, tuples: result.tuples };
  }

  private readable(relation: string): void {
    if (!this.unit.checked.relations.has(relation)) throw new UserError(makeDiagnostic("CL201", wholeFile("<generated>"), `relation \`${relation}\` is not declared`));
    if (!this.free.has(relation)) throw new WithheldError(withheldOf(this.unit, relation));
  }

  /** The replica's engine at its coordination-free fixpoint (its results are lower bounds). */
  engineOf(name: string): Engine {
    let engine = this.engines.get(name);
    if (engine === undefined) {
      const facts = this.current.factsWhere((n) => n === name, () => true);
      engine = engineOver(this.unit, facts, this.strata);
      this.engines.set(name, engine);
      this.dirty.delete(name);
    }
    this.settle(name, engine);
    return engine;
  }

  /** One evaluation of the union of every replica's facts, coordination-free strata only. */
  mergedEngine(): Engine {
    return engineOver(this.unit, this.current.factsWhere(() => true, () => true), this.strata);
  }

  private settle(name: string, engine: Engine): void {
    if (!this.dirty.has(name)) return;
    engine.run({ strata: this.strata });
    this.dirty.delete(name);
  }

  private snapshotOf(engine: Engine): Map<string, Set<string>> {
    const out = new Map<string, Set<string>>();
    for (const relation of this.free) out.set(relation, new Set(engine.tuples(relation).map(tupleKey)));
    return out;
  }
}

/** Options of `evaluateReplicas`. */
export interface EvaluateOptions {
  /** The set as of the previous evaluation; what `set` holds beyond it is reported as new. */
  readonly previous?: ReplicaSet;
  /** Names the file a replica's relation in an epoch comes from, for diagnostics. */
  readonly fileOf?: (replica: string, epoch: number, relation: string) => string;
  /** Sealed relations already reported (keys from `findingKey`), so their mismatch is not reported twice. */
  readonly reported?: ReadonlySet<string>;
  /** Leave out the relations no output, printed relation or invariant reads (see `unevaluatedRelations`); default: evaluate all. */
  readonly skipUnread?: boolean;
}

/**
 * Evaluates a replica set: per replica and merged (coordination-free relations), sealed results
 * over verified sealed epochs (the rest), and what is withheld. Seal mismatches become CL503.
 */
export function evaluateReplicas(unit: ProgramUnit, set: ReplicaSet, diags: Diagnostics, options: EvaluateOptions = {}): ReplicaReport {
  const store = storeOfSet(set, typesOf(unit), options.previous);
  return evaluateRows(unit, store, set.seals, diags, {
    hasPrevious: options.previous !== undefined,
    ...(options.fileOf === undefined ? {} : { fileOf: options.fileOf }),
    ...(options.reported === undefined ? {} : { reported: options.reported }),
    ...(options.skipUnread === undefined ? {} : { skipUnread: options.skipUnread }),
  });
}

