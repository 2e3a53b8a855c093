// The evaluation core over compact replica storage (`rows.ts`): reconcile facts read from a source
// with the kept facts, verify sealed epochs, evaluate per replica, merged and sealed, and make seal
// records. Engines receive rows as codes in the store's own value table, never as text.
import type { Stratum } from "../analysis/types.js";
import { Engine, type RunStats } from "../eval/engine.js";
import type { Diagnostics } from "../diagnostics/diagnostic.js";
import { wholeFile } from "../diagnostics/span.js";
import { compareKeys, keyTuple, type Tuple } from "./tuple-keys.js";
import type { DerivedSet, DerivedSetWriter, KeptOpen, KeptReplica, KeptSealed, KeptState } from "./derived.js";
import type { Value, ValueTable } from "../eval/values.js";
import { withLazyAdded } from "./added.js";
import type { PrimitiveType } from "../syntax/ast.js";
import { coordinationFreeRelations, withheldOf, type InvariantStatus, type ProgramUnit, type RelationResult, type ReplicaRelation, type ReplicaReport, type ReplicaResult, type SealedResult, type WithheldRelation } from "./evaluate.js";
import { findingKey, Replica, ReplicaSet, sealText, type RelationSeal, type ReplicaSeal, type SealMismatch, type SealRecord } from "./replica.js";
import { FactStore, relationDigestOf, RowSet, type ColumnTypes, type Membership } from "./rows.js";
import type { Show } from "./store.js";
import { createHash } from "../util/sha256.js";
import { readsTransitively } from "../analysis/graph.js";
import { compareValues } from "../eval/values.js";
import { keyGroups, keySealsInForce, keyStatuses, keyValueText, releasedTuples, releaseKeys, type KeySealRecord } from "./keyseal.js";
import { record as emptyRecord } from "../util/records.js";

/** Facts read from a source for one replica's relation in one epoch: their row ids and where they came from. */
export interface UnitRows {
  readonly rows: RowSet;
  readonly files: readonly string[];
  /**
   * `rows` are only what was appended to files that still start with everything they held when
   * the kept rows were read (an open epoch lacking nothing): the kept rows are not listed again.
   */
  readonly appended?: boolean;
}

/** Read facts by replica, epoch and relation. A replica listed with no epochs still counts. */
export type ReadRows = Map<string, Map<number, Map<string, UnitRows>>>;

/** Seal records by epoch. */
export type Seals = ReadonlyMap<number, SealRecord>;

/** The highest epoch k with every epoch 1..k sealed. */
export function sealedEpochOf(seals: Seals): number {
  let k = 0;
  while (seals.has(k + 1)) k++;
  return k;
}

/**
 * Merges facts read from a source into the store, under the same rules as `reconcile` in
 * `store.ts` (CL501 kept facts, CL502 late facts, CL503 changed sealed files, adoption of files
 * that match a seal). `skip` names units known unchanged since the last clean run; they are left as they are.
 */
export function reconcileRows(
  store: FactStore,
  seals: Seals,
  read: ReadRows,
  diags: Diagnostics,
  options: {
    readonly dir: string;
    readonly show?: Show;
    readonly reported?: Set<string>;
    readonly fileOf?: (replica: string, epoch: number, relation: string) => string[];
    /** Relations left as they are (their files did not change since the last clean run). */
    readonly skip?: (replica: string, epoch: number, relation: string) => boolean;
    /** Told how many kept facts an open epoch's files lack (CL501). */
    readonly onLacking?: (replica: string, epoch: number, relation: string, lacking: number) => void;
  },
): void {
  const show = options.show ?? ((p: string) => p);
  const reported = options.reported ?? new Set<string>();
  const names = new Set([...store.members.keys(), ...read.keys()]);
  for (const name of [...names].sort(compareKeys)) {
    store.addReplica(name);
    const fromFiles = read.get(name) ?? new Map<number, Map<string, UnitRows>>();
    const epochs = new Set([...store.epochsOf(name), ...fromFiles.keys()]);
    for (const epoch of [...epochs].sort((a, b) => a - b)) {
      const rels = fromFiles.get(epoch) ?? new Map<string, UnitRows>();
      const relations = new Set([...store.relationsOf(name, epoch), ...rels.keys()]);
      for (const relation of [...relations].sort(compareKeys)) {
        if (options.skip?.(name, epoch, relation) === true) continue;
        const entry = rels.get(relation);
        const kept = store.peek(name, epoch, relation);
        const haveSize = kept?.rows.size ?? 0;
        const fileRows = entry?.rows ?? new RowSet();
        const added: number[] = [];
        for (const id of fileRows.view()) if (kept === undefined || !kept.rows.has(id)) added.push(id);
        let lacking = 0;
        if (kept !== undefined && entry?.appended !== true) for (const id of kept.rows.view()) if (!fileRows.has(id)) lacking++;
        const paths = entry?.files ?? options.fileOf?.(name, epoch, relation) ?? [`${options.dir}/${name}/epoch-${epoch}/${relation}.facts`];
        const file = paths.map(show).join("`, `");
        const add = (): void => {
          if (added.length === 0) return;
          const m = store.membership(name, epoch, relation);
          for (const id of added) m.rows.add(id);
        };
        const seal = seals.get(epoch);
        if (seal !== undefined) {
          const covered = seal.replicas[name] !== undefined;
          const sealed = seal.replicas[name]?.relations[relation];
          if (sealed !== undefined && store.digestOf(relation, kept) !== sealed.digest) {
            // No kept state of the sealed facts (a fresh copy, or state lost or behind): only the
            // seal's digest can vouch for the files, so they are adopted whole or not at all.
            if (relationDigestOf(relation, store.keys(relation, fileRows.view())) === sealed.digest) {
              add();
              continue;
            }
            // Without files the relation is incomplete; the verification reports that.
            if (entry === undefined) continue;
            reported.add(findingKey(name, epoch, relation));
            diags.add("CL503", wholeFile(paths[0]!),
              `\`${file}\` does not match the seal of epoch ${epoch}: replica \`${name}\`'s \`${relation}\` holds ${fileRows.size} fact(s) there, ` +
                `the seal ${sealed.facts} with another digest; no facts of \`${relation}\` from this file are merged for epoch ${epoch}` +
                (haveSize === 0 ? "" : ` (the kept state holds ${haveSize})`),
              { help: `restore \`${file}\` as it was sealed (e.g. from version control), and put new facts in an open epoch` });
            continue;
          }
          if (lacking > 0 || added.length > 0) reported.add(findingKey(name, epoch, relation));
          if (lacking > 0) {
            diags.add("CL503", wholeFile(paths[0]!),
              `\`${file}\` changed after epoch ${epoch} was sealed: replica \`${name}\` lacks ${lacking} fact(s) of \`${relation}\` the seal holds` +
                (added.length > 0 ? ` and has ${added.length} it does not` : "") + `; the sealed results still use the kept state`);
          } else if (added.length > 0) {
            diags.add("CL502", wholeFile(paths[0]!),
              `${added.length} fact(s) of \`${relation}\` appeared in \`${file}\` (replica \`${name}\`, epoch ${epoch}) after the epoch was sealed at ${seal.sealedAt}` +
                (covered ? "" : `, and the seal does not cover replica \`${name}\``) + `; they are not merged and the sealed results stay as they were`,
              { notes: [`first late fact: ${store.keys(relation, Int32Array.of(added[0]!))[0]}`] });
          }
          continue;
        }
        if (lacking > 0) {
          options.onLacking?.(name, epoch, relation, lacking);
          diags.add("CL501", wholeFile(paths[0]!),
            `replica \`${name}\`'s \`${file}\` lacks ${lacking} fact(s) of \`${relation}\` in epoch ${epoch} that it held before; they are kept, since a replica's state only grows`,
            { help: `to remove facts, record the removal as a tombstone fact (e.g. \`removed_${relation}(...)\`) and let a rule subtract it` });
        }
        add();
      }
    }
  }
}

/** Checks the sealed epochs' facts against their seals (see `ReplicaSet.verifySealed`). */
export function verifyRows(store: FactStore, seals: Seals): { epoch: number; mismatches: SealMismatch[] } {
  const mismatches: SealMismatch[] = [];
  let verified = 0;
  let blocked = false;
  const names = store.replicas;
  for (let e = 1; e <= sealedEpochOf(seals); e++) {
    const record = seals.get(e)!;
    let ok = true;
    for (const name of names) {
      const covered = record.replicas[name];
      if (covered === undefined) {
        for (const relation of store.relationsOf(name, e)) {
          mismatches.push({ replica: name, epoch: e, relation, kind: "uncovered", sealedFacts: 0, facts: store.peek(name, e, relation)!.rows.size });
        }
        continue;
      }
      const relations = new Set([...Object.keys(covered.relations), ...store.relationsOf(name, e)]);
      for (const relation of [...relations].sort(compareKeys)) {
        const sealed = covered.relations[relation];
        const m = store.peek(name, e, relation);
        const size = m?.rows.size ?? 0;
        if (sealed !== undefined && size === sealed.facts && store.digestOf(relation, m) === sealed.digest) continue;
        if (sealed === undefined && size === 0) continue;
        const sealedFacts = sealed?.facts ?? 0;
        mismatches.push({ replica: name, epoch: e, relation, kind: size < sealedFacts ? "incomplete" : "changed", sealedFacts, facts: size });
        ok = false;
      }
    }
    for (const [name, covered] of Object.entries(record.replicas)) {
      if (store.members.has(name)) continue;
      for (const [relation, sealed] of Object.entries(covered.relations)) {
        mismatches.push({ replica: name, epoch: e, relation, kind: "incomplete", sealedFacts: sealed.facts, facts: 0 });
        ok = false;
      }
    }
    if (!ok) blocked = true;
    if (!blocked) verified = e;
  }
  return { epoch: verified, mismatches };
}

/** The seal record of `epoch` over the store's facts; null with the reason when the epoch cannot be sealed. */
export function sealRows(store: FactStore, seals: Seals, epoch: number, options: { readonly sealedAt: string; readonly reason?: string | null }): { record: SealRecord } | { message: string } {
  if (!Number.isInteger(epoch) || epoch < 1) return { message: `epochs are numbered 1, 2, ...; \`${epoch}\` is not an epoch` };
  if (seals.has(epoch)) return { message: `epoch ${epoch} is already sealed (at ${seals.get(epoch)!.sealedAt})` };
  const k = sealedEpochOf(seals);
  if (epoch !== k + 1) {
    const missing = epoch - 1 === k + 1 ? `epoch ${k + 1} is` : `epochs ${k + 1}..${epoch - 1} are`;
    return { message: `${missing} not sealed yet; epochs are sealed in order, so seal epoch ${k + 1} first` };
  }
  const replicas = emptyRecord<ReplicaSeal>();
  for (const name of store.replicas) {
    const relations = emptyRecord<RelationSeal>();
    const hash = createHash("sha256");
    let facts = 0;
    for (const relation of store.relationsOf(name, epoch)) {
      const m = store.peek(name, epoch, relation)!;
      const keys = store.keys(relation, m.rows.view()).sort(compareKeys);
      relations[relation] = { digest: store.digestOf(relation, m), facts: m.rows.size };
      facts += m.rows.size;
      let buf = "";
      for (const key of keys) {
        buf += `${relation}\t${key}\n`;
        if (buf.length > 65536) (hash.update(buf), (buf = ""));
      }
      if (buf.length > 0) hash.update(buf);
    }
    replicas[name] = { digest: `sha256:${hash.digest("hex")}`, facts, relations };
  }
  return { record: { epoch, sealedAt: options.sealedAt, reason: options.reason ?? null, replicas } };
}

/** Options of `evaluateRows`. */
export interface EvaluateRowsOptions {
  /** Whether the memberships' marks describe a previous evaluation (new facts are those past the mark). */
  readonly hasPrevious: boolean;
  readonly fileOf?: (replica: string, epoch: number, relation: string) => string;
  readonly reported?: ReadonlySet<string>;
  /** Called when a phase starts, for a progress line. */
  readonly onPhase?: (phase: string) => void;
  /**
   * Which merged relations need their tuples (default: all). The report shows merged sizes only, so
   * a caller that writes no files asks for none and skips sorting the largest results.
   */
  readonly mergedTuples?: (relation: string) => boolean;
  /** Told each engine's progress (stratum, iteration, tuples derived). */
  readonly onEngineProgress?: (p: { stratum: number; iteration: number; tuples: number }) => void;
  /** Told each evaluation's statistics, with what it evaluated (`replica NAME`, `merged view`, `sealed results`). */
  readonly onStats?: (what: string, stats: RunStats) => void;
  /** Key seal records (see `keyseal.ts`): the keys they seal are released ahead of their epoch's whole seal. */
  readonly keySeals?: readonly KeySealRecord[];
  /** Derived state kept by an earlier run to continue from, and where to keep this run's. */
  readonly derived?: DerivedIO;
  /** Which kept relations the program reads (default: all); the others' facts stay in the store, unread. */
  readonly reads?: (relation: string) => boolean;
  /**
   * Leave out `unevaluatedRelations` (what no output, printed relation or invariant reads), as
   * `calmlog evaluate` does; default: evaluate every relation, for callers that read any of them.
   */
  readonly skipUnread?: boolean;
}

/**
 * Derived state across runs. `kept` (already checked against the program and the log) holds each
 * engine as it stood after an earlier run and how many rows of each membership it had seen; the
 * engines continue from it with the rows past those counts. `writer` receives this run's engines,
 * and `parts` is filled with what its header needs.
 */
export interface DerivedIO {
  readonly kept: DerivedSet | null;
  readonly writer: DerivedSetWriter | null;
  readonly parts: DerivedParts;
}

/** What `evaluateRows` tells the derived state's header. */
export interface DerivedParts {
  members: Record<string, number>;
  /** Open facts per relation read by a withheld one, for the sealed epochs `key` names (see `KeptOpen`). */
  open?: KeptOpen | null;
  replicas: Record<string, KeptReplica>;
  merged: KeptState | null;
  sealed: KeptSealed | null;
}

/**
 * The relations an evaluation of the replicas leaves out: those with rules that no `.output`,
 * `.printsize` or `.invariant` relation reads, even indirectly, as Soufflé drops relations that reach
 * no output (and `calmlog run` does). A program that names none of these evaluates every relation.
 */
export function unevaluatedRelations(unit: ProgramUnit): ReadonlySet<string> {
  const schemas = [...unit.checked.relations.values()];
  const wanted = schemas.filter((r) => r.printsize || r.invariant !== null || r.output !== null || (r.outputs?.length ?? 0) > 0);
  if (wanted.length === 0) return new Set();
  const needed = new Set<string>();
  for (const r of wanted) for (const d of readsTransitively(unit.analysis.relations, r.name)) needed.add(d);
  // A relation no rule derives (input facts, program facts) costs nothing and is listed as it is.
  return new Set(schemas.map((r) => r.name).filter((r) => !needed.has(r) && (unit.analysis.relations.get(r)?.reads.length ?? 0) > 0));
}

/**
 * Evaluates the store: per replica and merged (coordination-free relations), sealed results over
 * verified sealed epochs (every stratum), less `unevaluatedRelations` when `skipUnread`, what is withheld, and the invariants. Seal mismatches become CL503.
 */
export function evaluateRows(unit: ProgramUnit, store: FactStore, seals: Seals, diags: Diagnostics, options: EvaluateRowsOptions): ReplicaReport {
  const free = coordinationFreeRelations(unit.analysis);
  const skipped = options.skipUnread === true ? unevaluatedRelations(unit) : new Set<string>();
  const relations = [...unit.checked.relations.keys()].filter((r) => !skipped.has(r));
  const freeNames = relations.filter((r) => free.has(r));
  const sealNames = relations.filter((r) => !free.has(r));
  const evaluated = (s: Stratum): boolean => s.relations.some((r) => !skipped.has(r));
  const freeStrata = (s: Stratum): boolean => s.relations.every((r) => free.has(r)) && evaluated(s);
  const engine = (): Engine => new Engine(unit.checked, unit.analysis, { values: store.values, ...(options.onEngineProgress === undefined ? {} : { onProgress: options.onEngineProgress }) });
  const run = (what: string, e: Engine, strata: (s: Stratum) => boolean = evaluated): void => {
    const stats = e.run({ strata });
    options.onStats?.(what, stats);
  };
  const insert = (e: Engine, relation: string, ids: Int32Array): void => {
    if (ids.length > 0 && options.reads?.(relation) !== false) e.insertEncoded(relation, store.gather(relation, ids));
  };

  const kept = options.derived?.kept ?? null;
  const writer = options.derived?.writer ?? null;
  const parts = options.derived?.parts ?? null;
  // Rows of a membership the kept engines hold: its first `seen` ids (memberships only grow).
  const seen = (name: string, e: number, relation: string): number => kept?.header.members[memberKey(name, e, relation)] ?? 0;
  if (parts !== null) {
    for (const [name, epochs] of store.members) for (const [e, rels] of epochs) for (const [relation, m] of rels) if (m.rows.size > 0) parts.members[memberKey(name, e, relation)] = m.rows.size;
  }

  // Per replica: the previous facts to their fixpoint, then the new ones continue it.
  const replicas: ReplicaResult[] = [];
  for (const name of store.replicas) {
    // Told per replica: the last replica's engine is garbage once its state is written.
    options.onPhase?.("replicas");
    const keptReplica = kept?.header.replicas[name];
    let grown = false;
    for (const [e, rels] of store.members.get(name)!) for (const [relation, m] of rels) if (m.rows.size > seen(name, e, relation)) grown = true;
    if (keptReplica !== undefined && !grown) {
      // Nothing new since the kept engine: its results stand, and it is kept as it is.
      replicas.push({ name, facts: keptReplica.facts, newFacts: 0, relations: freeNames.map((relation) => ({ relation, size: keptReplica.sizes[relation] ?? 0, added: [] })) });
      // Its part file is kept by name: neither read nor written again.
      if (writer !== null) parts!.replicas[name] = { ...keptReplica, state: writer.keepState(keptReplica.state) };
      continue;
    }
    const e = engine();
    if (keptReplica !== undefined) e.importState(kept!.state(keptReplica.state, { writable: true }));
    const byRelation = new Map<string, { m: Membership; kept: number }[]>();
    for (const [epoch, rels] of store.members.get(name)!) {
      for (const [relation, m] of rels) {
        if (m.rows.size === 0 || options.reads?.(relation) === false) continue;
        let list = byRelation.get(relation);
        if (list === undefined) byRelation.set(relation, (list = []));
        list.push({ m, kept: seen(name, epoch, relation) });
      }
    }
    let facts = 0;
    let newFacts = 0;
    const fresh = new Map<string, Int32Array>();
    // The kept engine saw every membership up to its mark and counted `keptReplica.facts` then: only
    // the rows past the marks are looked at, so a few new facts cost as little as they are.
    const onlyNew = keptReplica !== undefined && options.hasPrevious === true && [...byRelation.values()].every((list) => list.every(({ m, kept: from }) => from === m.mark));
    if (onlyNew) facts = keptReplica.facts;
    for (const [relation, list] of byRelation) {
      if (onlyNew) {
        const news = new RowSet();
        for (const { m } of list) for (const id of m.rows.view(m.mark)) news.add(id);
        // A row new in one epoch is not new to the replica when another epoch held it before its mark.
        const newIn = list.map(({ m }) => (m.rows.size === m.mark ? null : new Set(m.rows.view(m.mark))));
        const ids: number[] = [];
        for (const id of news.view()) if (!list.some(({ m }, i) => m.rows.has(id) && newIn[i]?.has(id) !== true)) ids.push(id);
        facts += ids.length;
        newFacts += ids.length;
        fresh.set(relation, Int32Array.from(ids));
        continue;
      }
      const all = new RowSet();
      const before = new RowSet();
      for (const { m } of list) {
        const mark = options.hasPrevious ? m.mark : 0;
        for (const id of m.rows.view(0, mark)) (before.add(id), all.add(id));
      }
      for (const { m } of list) for (const id of m.rows.view(options.hasPrevious ? m.mark : 0)) all.add(id);
      facts += all.size;
      newFacts += all.size - before.size;
      if (keptReplica === undefined) insert(e, relation, before.view());
      else for (const { m, kept: from } of list) insert(e, relation, m.rows.view(Math.min(from, options.hasPrevious ? m.mark : 0), options.hasPrevious ? m.mark : 0));
      // Kept as it is, measured: with indexed loops and a view of `all` instead, V8 collected less
      // often while the replicas ran, the dead engines of earlier replicas stayed, and the first
      // evaluate of 4M orders peaked at 1.78 GB instead of 1.46 GB.
      const news: number[] = [];
      for (const id of all.view(before.size)) news.push(id);
      fresh.set(relation, Int32Array.from(news));
    }
    run(`replica ${name}`, e, freeStrata);
    const sizes = new Map(freeNames.map((r) => [r, e.size(r)] as const));
    for (const [relation, ids] of fresh) insert(e, relation, ids);
    run(`replica ${name} (new facts)`, e, freeStrata);
    replicas.push({
      name,
      facts,
      newFacts,
      relations: freeNames.map((relation) => addedRows(e, relation, sizes.get(relation)!, store.values)),
    });
    if (writer !== null) {
      const since = keptReplica === undefined ? undefined : { state: keptReplica.state, bytes: kept!.sizeOf(keptReplica.state.file) };
      parts!.replicas[name] = { facts, sizes: Object.fromEntries(freeNames.map((r) => [r, e.size(r)])), state: writer.putEngine(e, "engine", since) };
    }
  }

  // Merged: the union of every replica's facts, coordination-free strata. The engine lives only in
  // this function, so its memory is free before the sealed results' engine is built.
  options.onPhase?.("merged view");
  const merged = ((): RelationResult[] => {
    const mergedEngine = engine();
    if (kept?.header.merged != null) {
      // The kept merged view continues from every membership's rows past what it saw (it keeps sets, so repeats drop out).
      mergedEngine.importState(kept.state(kept.header.merged, { writable: true }));
      for (const [name, epochs] of store.members) for (const [e, rels] of epochs) for (const [relation, m] of rels) insert(mergedEngine, relation, m.rows.view(Math.min(seen(name, e, relation), m.rows.size)));
    } else {
      for (const [relation, rows] of unionRows(store, () => true)) insert(mergedEngine, relation, rows.view());
    }
    run("merged view", mergedEngine, freeStrata);
    if (writer !== null) {
      const was = kept?.header.merged ?? null;
      parts!.merged = writer.putEngine(mergedEngine, "engine", was === null ? undefined : { state: was, bytes: kept!.sizeOf(was.file) });
    }
    return freeNames.map((relation) =>
      options.mergedTuples === undefined || options.mergedTuples(relation) ? resultOf(mergedEngine, relation) : { relation, size: mergedEngine.size(relation), tuples: [] },
    );
  })();

  // Sealed: the union of the covered replicas' facts in verified sealed epochs, every stratum.
  const verification = verifyRows(store, seals);
  for (const m of verification.mismatches) {
    if (options.reported?.has(findingKey(m.replica, m.epoch, m.relation)) === true) continue;
    const file = options.fileOf?.(m.replica, m.epoch, m.relation) ?? `${m.replica}/epoch-${m.epoch}/${m.relation}`;
    const what =
      m.kind === "uncovered"
        ? `replica \`${m.replica}\` is not covered by the seal of epoch ${m.epoch}, so its ${m.facts} fact(s) of \`${m.relation}\` there are late`
        : m.kind === "incomplete"
          ? `replica \`${m.replica}\` holds ${m.facts} of the ${m.sealedFacts} fact(s) of \`${m.relation}\` sealed in epoch ${m.epoch}`
          : `replica \`${m.replica}\`'s facts of \`${m.relation}\` in sealed epoch ${m.epoch} do not match the seal's digest (${m.facts} fact(s), ${m.sealedFacts} sealed)`;
    // The kept state may not exist (a fresh copy), so the help does not point to it.
    const help = "restore the file as it was sealed (e.g. from version control), and put new facts in an open epoch";
    diags.add(m.kind === "uncovered" ? "CL502" : "CL503", wholeFile(file), what, m.kind === "uncovered" ? {} : { help });
  }
  const k = verification.epoch;
  const isSealed = (name: string, e: number): boolean => e <= k && seals.get(e)?.replicas[name] !== undefined;
  const sealedRows = unionRows(store, isSealed);
  // Key seals: a key whose epochs past k are all sealed for it is released ahead of the whole epoch.
  const groups = keyGroups(unit.checked, unit.analysis.partitions);
  const inForce = keySealsInForce(options.keySeals ?? [], groups, (e) => seals.has(e), diags);
  const keyRelease = releaseKeys(store, groups, inForce, k, diags, { ...(options.fileOf === undefined ? {} : { fileOf: options.fileOf }), ...(options.reported === undefined ? {} : { reported: options.reported }) });
  const throughOf = new Map<string, { column: number; through: ReadonlyMap<string, number> }>();
  for (const { group, through } of keyRelease.groups) if (through.size > 0) for (const [r, c] of group.relations) throughOf.set(r, { column: c, through });
  let sealed: SealedResult | null = null;
  if (k > 0 || throughOf.size > 0) {
    options.onPhase?.("sealed results");
    const evaluateOver = (rows: ReadonlyMap<string, RowSet>, what: string): Engine => {
      const e = engine();
      for (const [relation, set] of rows) insert(e, relation, set.view());
      run(what, e);
      return e;
    };
    if (throughOf.size === 0) {
      // Sealed results change only with the verified sealed epochs (their seals and facts).
      const key = sealedKey(store, seals, k, isSealed);
      const keptSealed = kept?.header.sealed?.key === key ? kept.header.sealed : null;
      const kinds = (r: string): readonly PrimitiveType[] => unit.checked.relations.get(r)!.columns.map((c) => c.type);
      let relationsOut: RelationResult[];
      if (keptSealed !== null && sealNames.every((r) => keptSealed.relations.some((x) => x.relation === r))) {
        relationsOut = sealNames.map((r) => {
          const x = keptSealed.relations.find((y) => y.relation === r)!;
          return { relation: r, size: x.size, tuples: decodeRows(store.values, kinds(r), kept!.section(x.rows)) };
        });
        if (writer !== null) parts!.sealed = keptSealed;
      } else {
        const sealedEngine = evaluateOver(sealedRows, "sealed results");
        const keptRelations: { relation: string; size: number; rows: number }[] = [];
        relationsOut = sealNames.map((r) => {
          const codes = sortedCodes(sealedEngine, r);
          if (writer !== null) keptRelations.push({ relation: r, size: sealedEngine.size(r), rows: writer.put(codes) });
          return { relation: r, size: sealedEngine.size(r), tuples: decodeRows(store.values, kinds(r), codes) };
        });
        if (writer !== null) parts!.sealed = { key, relations: keptRelations, file: writer.sealedFile };
      }
      sealed = { epoch: k, sealedAt: seals.get(k)!.sealedAt, reason: seals.get(k)!.reason, relations: relationsOut };
    } else {
      // Released keys: evaluated afresh each run (the kept sealed results hold whole-sealed epochs only).
      const sealedEngine = k > 0 ? evaluateOver(sealedRows, "sealed results") : null;
      const released = releasedTuples(store, keyRelease, k, sealedRows, (rows) => evaluateOver(rows, "sealed results (released keys)"));
      const relations: RelationResult[] = [];
      for (const r of sealNames) {
        const byKey = released.get(r);
        if (byKey === undefined) {
          if (sealedEngine !== null) relations.push(resultOf(sealedEngine, r));
          continue;
        }
        // The released keys' tuples replace what the whole-sealed epochs alone give for those keys.
        const tuples = (sealedEngine?.tuples(r) ?? []).filter((t) => !byKey.values.has(keyValueText(t[byKey.column]!))).concat(byKey.tuples);
        const types = unit.checked.relations.get(r)!.columns.map((c) => c.type);
        tuples.sort((a, b) => {
          for (let i = 0; i < types.length; i++) {
            const c = compareValues(types[i]!, a[i]!, b[i]!);
            if (c !== 0) return c;
          }
          return 0;
        });
        relations.push({ relation: r, size: tuples.length, tuples });
      }
      const record = seals.get(k);
      sealed = { epoch: k, sealedAt: record?.sealedAt ?? "", reason: record?.reason ?? null, relations };
    }
  }
  /** Whether a fact of `dep` in epoch `e` is released for the key of relation `relation`'s group. */
  const releasedFact = (relation: string, dep: string, e: number, id: number): boolean => {
    const g = keyRelease.groups.find((x) => x.group.relations.has(relation));
    const column = g?.group.inputColumn.get(dep);
    if (g === undefined || column === undefined || g.through.size === 0) return false;
    return e <= (g.through.get(keyValueText(store.tuple(dep, id)[column]!)) ?? 0);
  };

  // Withheld: every relation that waits for a seal, unless sealed results already cover all its facts.
  const open = new Map<string, { count: number; epochs: Set<number> }>();
  // Open facts per relation are kept with the derived state, for the same sealed epochs and seals:
  // a later run adds what its new rows change rather than counting every open fact again.
  const openKey = throughOf.size === 0 ? sealedKey(store, seals, k, isSealed) : null;
  const keptOpen = openKey !== null && kept?.header.open?.key === openKey ? kept.header.open.counts : null;
  if (parts !== null && openKey !== null) parts.open = { key: openKey, counts: emptyRecord() };
  /** The open facts of `dep` as kept, plus its rows past what the kept engines saw; null when none are kept. */
  const openSince = (dep: string): { count: number; epochs: Set<number> } | null => {
    const was = keptOpen?.[dep];
    if (was === undefined) return null;
    const sealedSet = sealedRows.get(dep);
    const epochs = new Set(was.epochs);
    // Each open membership of `dep`, with the ids it gained since (its other rows were counted then).
    const lists: { m: Membership; added: Set<number> | null }[] = [];
    for (const name of store.replicas) {
      for (const [e, rels] of store.members.get(name)!) {
        const m = rels.get(dep);
        if (isSealed(name, e) || m === undefined) continue;
        const from = Math.min(seen(name, e, dep), m.rows.size);
        lists.push({ m, added: from === m.rows.size ? null : new Set(m.rows.view(from)) });
        if (from < m.rows.size) for (const id of m.rows.view(from)) if (sealedSet?.has(id) !== true) epochs.add(e);
      }
    }
    let count = was.count;
    const counted = new RowSet();
    for (const { added } of lists) {
      if (added === null) continue;
      for (const id of added) {
        if (sealedSet?.has(id) === true || counted.has(id)) continue;
        counted.add(id);
        // Counted before when an open membership held it already.
        if (!lists.some((x) => x.m.rows.has(id) && x.added?.has(id) !== true)) count++;
      }
    }
    return { count, epochs };
  };
  /** Every open fact of `dep` counted (for a keyed `relation`, less those its released keys cover). */
  const countOpen = (dep: string, relation: string, keyed: boolean): { count: number; epochs: Set<number> } => {
    const seen = new RowSet();
    const epochs = new Set<number>();
    const sealedSet = sealedRows.get(dep);
    for (const name of store.replicas) {
      for (const [e, rels] of store.members.get(name)!) {
        if (isSealed(name, e)) continue;
        const m = rels.get(dep);
        if (m === undefined || m.rows.size === 0) continue;
        const ids = m.rows.view();
        if (sealedSet === undefined && !keyed) {
          seen.addAll(ids);
          epochs.add(e);
          continue;
        }
        let any = false;
        for (let i = 0; i < ids.length; i++) {
          const id = ids[i]!;
          if (sealedSet?.has(id) === true) continue;
          if (keyed && releasedFact(relation, dep, e, id)) continue;
          seen.add(id);
          any = true;
        }
        if (any) epochs.add(e);
      }
    }
    return { count: seen.size, epochs };
  };
  const openOf = (dep: string, relation: string): { count: number; epochs: Set<number> } => {
    const keyed = throughOf.has(relation) && keyRelease.groups.some((g) => g.group.relations.has(relation) && g.group.inputColumn.has(dep));
    const cacheKey = keyed ? `${dep}\u0000${relation}` : dep;
    let o = open.get(cacheKey);
    if (o !== undefined) return o;
    o = (keyed ? null : openSince(dep)) ?? countOpen(dep, relation, keyed);
    open.set(cacheKey, o);
    if (!keyed && parts?.open != null) parts.open.counts[dep] = { count: o.count, epochs: [...o.epochs].sort((a, b) => a - b) };
    return o;
  };
  const keys = keyStatuses(store, keyRelease, k);
  const withheld: WithheldRelation[] = [];
  for (const relation of sealNames) {
    let openFacts = 0;
    const openEpochs = new Set<number>();
    for (const dep of readsTransitively(unit.analysis.relations, relation)) {
      const o = openOf(dep, relation);
      openFacts += o.count;
      for (const e of o.epochs) openEpochs.add(e);
    }
    if ((k > 0 || throughOf.has(relation)) && openFacts === 0) continue;
    const status = keys.find((x) => x.relations.includes(relation));
    const epochs = [...openEpochs].sort((a, b) => a - b);
    withheld.push({
      ...withheldOf(unit, relation),
      openFacts,
      openEpochs: epochs,
      release: epochs.length === 0 ? null : { from: k + 1, to: Math.max(k + 1, epochs[epochs.length - 1]!) },
      perKey: status === undefined ? null : { key: status.key, final: status.final.length, waiting: status.waiting.length },
    });
  }

  const invariants: InvariantStatus[] = [];
  for (const [relation, schema] of unit.checked.relations) {
    if (schema.invariant === null) continue;
    const description = schema.invariant.description;
    const result = free.has(relation) ? merged.find((m) => m.relation === relation) : sealed?.relations.find((x) => x.relation === relation);
    const where = result === undefined ? null : free.has(relation) ? "merged" : "sealed";
    if (result === undefined) invariants.push({ relation, description, status: "withheld", where, tuples: [] });
    else invariants.push({ relation, description, status: result.size > 0 ? "broken" : "holds", where, tuples: result.tuples });
  }

  const allEpochs = new Set<number>(seals.keys());
  for (const name of store.replicas) for (const e of store.epochsOf(name)) allEpochs.add(e);
  return {
    sealedEpoch: k,
    seals: [...seals.values()]
      .sort((a, b) => a.epoch - b.epoch)
      .map((s) => ({ epoch: s.epoch, sealedAt: s.sealedAt, reason: s.reason, replicas: Object.keys(s.replicas).sort(compareKeys) })),
    openEpochs: [...allEpochs].sort((a, b) => a - b).filter((e) => e > k),
    replicas,
    merged,
    sealed,
    withheld,
    invariants,
    mismatches: verification.mismatches,
    keys,
    ...(skipped.size > 0 ? { unevaluated: [...skipped] } : {}),
  };
}

/** Per relation, the distinct rows of the memberships `accept` takes. */
export function unionRows(store: FactStore, accept: (replica: string, epoch: number) => boolean): Map<string, RowSet> {
  const out = new Map<string, RowSet>();
  for (const name of store.replicas) {
    for (const [e, rels] of store.members.get(name)!) {
      if (!accept(name, e)) continue;
      for (const [relation, m] of rels) {
        if (m.rows.size === 0) continue;
        let acc = out.get(relation);
        if (acc === undefined) out.set(relation, (acc = new RowSet()));
        for (const id of m.rows.view()) acc.add(id);
      }
    }
  }
  return out;
}

function memberKey(replica: string, epoch: number, relation: string): string {
  return `${replica}\t${epoch}\t${relation}`;
}

/** What sealed results are computed from: the verified sealed epochs' seals and how many rows each covered membership holds. */
function sealedKey(store: FactStore, seals: Seals, k: number, isSealed: (name: string, e: number) => boolean): string {
  const h = createHash("sha256");
  h.update(`${k}\n`);
  for (let e = 1; e <= k; e++) h.update(sealText(seals.get(e)!));
  for (const name of store.replicas) {
    for (const [e, rels] of [...store.members.get(name)!].sort((a, b) => a[0] - b[0])) {
      if (!isSealed(name, e)) continue;
      for (const [relation, m] of [...rels].sort((a, b) => compareKeys(a[0], b[0]))) if (m.rows.size > 0) h.update(`${memberKey(name, e, relation)}\t${m.rows.size}\n`);
    }
  }
  return h.digest("hex");
}

/** A relation's rows as codes in output order (what `Engine.tuples` gives, still encoded). */
function sortedCodes(engine: Engine, relation: string): Int32Array {
  const { data, arity } = engine.rows(relation);
  const order = engine.sortedRows(relation);
  const out = new Int32Array(order.length * arity);
  for (let i = 0; i < order.length; i++) out.set(data.subarray(order[i]! * arity, order[i]! * arity + arity), i * arity);
  return out;
}

/** A relation's result on a replica: its size and the rows it gained from row `from` on, decoded when read (see `added.ts`). */
function addedRows(engine: Engine, relation: string, from: number, values: ValueTable): ReplicaRelation {
  const { data, size, arity, types } = engine.rows(relation);
  return withLazyAdded({ relation, size }, data.slice(from * arity, size * arity), types, values);
}

/** Tuples of rows given as codes. */
function decodeRows(values: ValueTable, types: readonly PrimitiveType[], codes: Int32Array): Tuple[] {
  const arity = types.length;
  const n = arity === 0 ? 0 : codes.length / arity;
  const out: Tuple[] = new Array(n);
  for (let i = 0; i < n; i++) {
    const t: Value[] = new Array(arity);
    for (let c = 0; c < arity; c++) t[c] = values.decode(types[c]!, codes[i * arity + c]!);
    out[i] = t;
  }
  return out;
}

function resultOf(engine: Engine, relation: string): RelationResult {
  const tuples = engine.tuples(relation);
  return { relation, size: tuples.length, tuples };
}

// ---- the immutable boundary ----------------------------------------------------------------

/** Column types per relation from a program. */
export function typesOf(unit: ProgramUnit): Map<string, ColumnTypes> {
  return new Map([...unit.checked.relations].map(([name, s]) => [name, s.columns.map((c) => c.type)] as const));
}

/**
 * A store holding a replica set's facts; with `previous`, each membership first holds the facts
 * `previous` had (its mark), then the rest. Untyped (no program): values are stored as they are.
 */
export function storeOfSet(set: ReplicaSet, types: ReadonlyMap<string, ColumnTypes> | null, previous?: ReplicaSet): FactStore {
  const relationNames = new Set<string>();
  for (const r of set.replicas.values()) for (const rel of r.relations()) relationNames.add(rel);
  for (const r of previous?.replicas.values() ?? []) for (const rel of r.relations()) relationNames.add(rel);
  const all = new Map<string, ColumnTypes>(types ?? []);
  for (const rel of relationNames) {
    if (all.has(rel)) continue;
    const sample = [...set.replicas.values(), ...(previous?.replicas.values() ?? [])].flatMap((r) => r.epochs.map((e) => r.keys(rel, e).first())).find((k) => k !== undefined);
    all.set(rel, { untyped: sample === undefined ? 0 : keyTuple(sample).length });
  }
  const store = new FactStore(all);
  for (const name of set.names) {
    store.addReplica(name);
    const replica = set.replica(name)!;
    const before = previous?.replica(name);
    for (const e of replica.epochs) {
      for (const relation of replica.relations(e)) {
        const m = store.membership(name, e, relation);
        const had = before?.keys(relation, e);
        if (had !== undefined) for (const key of had) m.rows.add(store.encode(relation, keyTuple(key)));
        m.mark = m.rows.size;
        for (const key of replica.keys(relation, e)) if (had?.has(key) !== true) m.rows.add(store.encode(relation, keyTuple(key)));
      }
    }
  }
  return store;
}

/** Read facts given as keys (as `FileFacts` holds them), as rows of the store. */
export function rowsOfKeys(store: FactStore, files: ReadonlyMap<string, ReadonlyMap<number, ReadonlyMap<string, { keys: ReadonlySet<string>; files: readonly string[] }>>>): ReadRows {
  const out: ReadRows = new Map();
  for (const [name, epochs] of files) {
    const e2 = new Map<number, Map<string, UnitRows>>();
    out.set(name, e2);
    for (const [e, rels] of epochs) {
      const r2 = new Map<string, UnitRows>();
      e2.set(e, r2);
      for (const [relation, entry] of rels) {
        if (!store.types.has(relation)) {
          const first = entry.keys.values().next();
          store.types.set(relation, { untyped: first.done === true ? 0 : keyTuple(first.value).length });
        }
        const rows = new RowSet();
        for (const key of entry.keys) rows.add(store.encode(relation, keyTuple(key)));
        r2.set(relation, { rows, files: entry.files });
      }
    }
  }
  return out;
}

/** The store's facts as an immutable replica set with these seals: the public snapshot. */
export function setOfStore(store: FactStore, seals: Iterable<SealRecord>): ReplicaSet {
  const replicas: Replica[] = [];
  for (const name of store.replicas) {
    let replica = Replica.empty(name);
    for (const [e, rels] of store.members.get(name)!) {
      for (const [relation, m] of rels) if (m.rows.size > 0) replica = replica.insertKeys(relation, store.keys(relation, m.rows.view()), e);
    }
    replicas.push(replica);
  }
  return ReplicaSet.of(replicas, seals);
}

/** Tuples of a membership, for writing files back. */
export function tuplesOf(store: FactStore, relation: string, m: Membership): Tuple[] {
  return Array.from(m.rows.view(), (id) => store.tuple(relation, id));
}
