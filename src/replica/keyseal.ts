// Key seals: "no more facts of key `release.r` = `v2.1` in epoch 3, from every replica". A key names
// an input column of a partitioned stratum (as `calmlog lint` spells it); the seal covers every input
// column the key is joined with, so it decides that key's part of every stratum partitioned by it.
import { createHash } from "../util/sha256.js";
import { keyName, type KeyColumn, type Partitions, type StratumPartition } from "../analysis/partition.js";
import type { CheckedProgram } from "../check/types.js";
import type { Diagnostics } from "../diagnostics/diagnostic.js";
import { wholeFile } from "../diagnostics/span.js";
import type { ReadRows } from "./core.js";
import { compareKeys, tupleKey, type Tuple } from "./tuple-keys.js";
import type { Value } from "../eval/values.js";
import { RowSet, type FactStore } from "./rows.js";
import type { ReplicaSource } from "./source.js";
import type { ReplicaWorkspace } from "./workflow.js";
import { parseRecords, record as emptyRecord } from "../util/records.js";

/** `--key release.r=v2.1` as parsed. */
export interface KeySpec {
  readonly relation: string;
  readonly attribute: string;
  readonly value: string;
}

/** The record a key seal stores (verbatim, create-once) through `ReplicaSource.createKeySeal`. */
export interface KeySealRecord {
  readonly format: "calmlog-key-seal/1";
  readonly epoch: number;
  /** The key as named: `release.r`. */
  readonly key: string;
  readonly value: string;
  /** Every input column the seal covers, `relation.attribute`. */
  readonly columns: readonly string[];
  readonly sealedAt: string;
  readonly reason: string | null;
  /** Per replica, the facts of the epoch whose key column holds the value, and their digest. */
  readonly replicas: Readonly<Record<string, { readonly facts: number; readonly digest: string }>>;
}

/** Parses `REL.ATTR=VALUE`; a message when it is not of that form. */
export function parseKeySpec(text: string): KeySpec | string {
  const eq = text.indexOf("=");
  const dot = text.indexOf(".");
  if (eq < 0 || dot < 0 || dot > eq || dot === 0 || dot + 1 === eq) return `--key takes RELATION.ATTRIBUTE=VALUE (e.g. \`release.r=v2.1\`), got \`${text}\``;
  return { relation: text.slice(0, dot), attribute: text.slice(dot + 1, eq), value: text.slice(eq + 1) };
}

/**
 * The input columns a key seal on `spec` covers: the key's column and every column joined with it
 * through some partitioned stratum (transitively). A message when it is no partition key.
 */
export function keyColumns(spec: KeySpec, checked: CheckedProgram, partitions: Partitions): KeyColumn[] | string {
  const schema = checked.relations.get(spec.relation);
  const name = `${spec.relation}.${spec.attribute}`;
  const groups = keyGroups(checked, partitions);
  const keys = groups.flatMap((g) => g.columns.map(keyName));
  const known = keys.length === 0 ? "the program has no stratum partitioned by a key" : `the keys are ${keys.map((k) => `\`${k}\``).join(", ")}`;
  if (schema === undefined) return `\`${spec.relation}\` is not a relation of the program; ${known}`;
  const column = schema.columns.findIndex((c) => c.name === spec.attribute);
  if (column < 0) return `\`${spec.relation}\` has no attribute \`${spec.attribute}\` (it has ${schema.columns.map((c) => `\`${c.name}\``).join(", ")}); ${known}`;
  const group = groups.find((g) => g.names.has(name));
  if (group === undefined) return `no stratum that needs a seal is partitioned by \`${name}\`; ${known}`;
  return [...group.columns];
}

/**
 * The strata one key decides: partitioned strata (and the monotonic ones that carry their key on)
 * whose input key columns are joined, transitively. A key seal names one of `columns` and covers all.
 */
export interface KeyGroup {
  /** The first input column, in declaration order: how reports name the key (`release.r`). */
  readonly key: string;
  /** Every input column of the key, in declaration order. */
  readonly columns: readonly KeyColumn[];
  /** `relation.attribute` of `columns`. */
  readonly names: ReadonlySet<string>;
  /** Input relation -> its key column. */
  readonly inputColumn: ReadonlyMap<string, number>;
  /** Each relation decided per key -> its key column, in evaluation order. */
  readonly relations: ReadonlyMap<string, number>;
}

/** The program's key groups: partitioned strata sharing an input key column are one group. */
export function keyGroups(checked: CheckedProgram, partitions: Partitions): KeyGroup[] {
  const parts = [...partitions.strata, ...(partitions.followers ?? [])].filter((s) => s.blocker === null && s.inputs.length > 0).sort((a, b) => a.stratum - b.stratum);
  const parent = parts.map((_, i) => i);
  const find = (i: number): number => (parent[i] === i ? i : (parent[i] = find(parent[i]!)));
  const owner = new Map<string, number>();
  parts.forEach((s, i) => {
    for (const k of s.inputs) {
      const o = owner.get(keyName(k));
      if (o === undefined) owner.set(keyName(k), i);
      else parent[find(i)] = find(o);
    }
  });
  const order = new Map([...checked.relations.keys()].map((n, i) => [n, i] as const));
  const byRoot = new Map<number, StratumPartition[]>();
  parts.forEach((s, i) => {
    const list = byRoot.get(find(i)) ?? [];
    list.push(s);
    byRoot.set(find(i), list);
  });
  const out: KeyGroup[] = [];
  for (const list of byRoot.values()) {
    const cols = new Map<string, KeyColumn>();
    for (const s of list) for (const k of s.inputs) cols.set(keyName(k), k);
    const columns = [...cols.values()].sort((a, b) => (order.get(a.relation) ?? 0) - (order.get(b.relation) ?? 0) || a.column - b.column);
    const relations = new Map<string, number>();
    for (const s of list) for (const [r, c] of s.columns) relations.set(r, c);
    out.push({ key: keyName(columns[0]!), columns, names: new Set(cols.keys()), inputColumn: new Map(columns.map((c) => [c.relation, c.column] as const)), relations });
  }
  return out.sort((a, b) => (order.get(a.columns[0]!.relation) ?? 0) - (order.get(b.columns[0]!.relation) ?? 0));
}

/** The group a record was made for; a message when the program no longer has that key, or joins it with other columns now. */
export function groupOfRecord(record: KeySealRecord, groups: readonly KeyGroup[]): KeyGroup | string {
  const group = groups.find((g) => g.names.has(record.key));
  if (group === undefined) return `\`${record.key}\` is no partition key of the program any more`;
  const now = [...group.names].sort();
  const then = [...record.columns].sort();
  if (now.length !== then.length || now.some((n, i) => n !== then[i])) {
    return `it covers ${then.map((c) => `\`${c}\``).join(", ")}, but the program now joins the key with ${now.map((c) => `\`${c}\``).join(", ")}`;
  }
  return group;
}

/** How a key column's value is named in a seal: its text (`v2.1`, `42`). */
export function keyValueText(v: Value): string {
  return String(v);
}

/** The digest of one replica's facts of a key: sha256 over the sorted lines `relation NUL key LF`. */
export function keyDigest(keys: string[]): { readonly facts: number; readonly digest: string } {
  keys.sort(compareKeys);
  const h = createHash("sha256");
  for (const k of keys) h.update(k + "\n");
  return { facts: keys.length, digest: `sha256:${h.digest("hex")}` };
}

/** Per value, per replica (every replica of the store), the count and digest of epoch `epoch`'s facts at `columns` holding the value. */
export function keyDigestsOf(store: FactStore, epoch: number, columns: ReadonlyMap<string, number>, values: ReadonlySet<string>): Map<string, Record<string, { readonly facts: number; readonly digest: string }>> {
  const lines = new Map<string, Map<string, string[]>>();
  for (const v of values) lines.set(v, new Map(store.replicas.map((r) => [r, [] as string[]] as const)));
  for (const replica of store.replicas) {
    for (const [relation, column] of columns) {
      const m = store.peek(replica, epoch, relation);
      if (m === undefined) continue;
      for (const id of m.rows.view()) {
        const t = store.tuple(relation, id);
        lines.get(keyValueText(t[column]!))?.get(replica)!.push(keyFactLine(relation, t));
      }
    }
  }
  const out = new Map<string, Record<string, { facts: number; digest: string }>>();
  for (const [v, byReplica] of lines) {
    const rec = emptyRecord<{ facts: number; digest: string }>();
    for (const replica of [...byReplica.keys()].sort()) rec[replica] = keyDigest(byReplica.get(replica)!);
    out.set(v, rec);
  }
  return out;
}

/** The digest line of one fact, as `keyDigest` takes it. */
export function keyFactLine(relation: string, t: Tuple): string {
  return `${relation}\u0000${tupleKey(t)}`;
}

/** Where the record is stored in the source: `epoch-3/release.r/<sha256 of the value>`. */
export function keySealId(epoch: number, key: string, value: string): string {
  const h = createHash("sha256");
  h.update(value);
  return `epoch-${epoch}/${key}/${h.digest("hex").slice(0, 32)}`;
}

/** The record's canonical text. */
export function keySealText(record: KeySealRecord): string {
  return JSON.stringify(record, null, 2) + "\n";
}

/** A stored record, or null when the text is not one. */
export function parseKeySeal(text: string): KeySealRecord | null {
  try {
    const r = parseRecords(text) as KeySealRecord;
    if (r.format !== "calmlog-key-seal/1" || typeof r.epoch !== "number" || typeof r.key !== "string" || typeof r.value !== "string" || !Array.isArray(r.columns)) return null;
    return r;
  } catch {
    return null;
  }
}

// ---- evaluation: which keys are sealed, verified, released ------------------------------------

/** A key seal record that applies: its epoch is not sealed as a whole, and the program still has its key. */
export interface KeySealInForce {
  readonly record: KeySealRecord;
  readonly group: KeyGroup;
}

/** Where a replica's facts of a relation in an epoch are, for messages. */
export type FileOf = (replica: string, epoch: number, relation: string) => string;

/**
 * The records in force: a whole-epoch seal subsumes the key seals of its epoch, and a record whose
 * key the program no longer has (or joins with other columns) is CL553 when `diags` is given.
 */
export function keySealsInForce(records: readonly KeySealRecord[], groups: readonly KeyGroup[], wholeSealed: (epoch: number) => boolean, diags?: Diagnostics): KeySealInForce[] {
  const out: KeySealInForce[] = [];
  for (const record of records) {
    if (wholeSealed(record.epoch)) continue;
    const group = groupOfRecord(record, groups);
    if (typeof group === "string") {
      diags?.add("CL553", wholeFile(keySealId(record.epoch, record.key, record.value)), `the key seal of \`${record.key}\` = \`${record.value}\` in epoch ${record.epoch} is not used: ${group}`, {
        help: "key seals follow the program's partitions (`calmlog lint` reports them); seal the epoch as a whole, or seal the key again under the key the program has now",
      });
      continue;
    }
    out.push({ record, group });
  }
  return out;
}

/** Per key value, per replica, the digest lines of one epoch's facts at the group's key columns (values in `values` only). */
function keyLines(store: FactStore, epoch: number, group: KeyGroup, values: ReadonlySet<string>): Map<string, Map<string, string[]>> {
  const out = new Map<string, Map<string, string[]>>();
  for (const replica of store.replicas) {
    for (const [relation, column] of group.inputColumn) {
      const m = store.peek(replica, epoch, relation);
      if (m === undefined) continue;
      for (const id of m.rows.view()) {
        const t = store.tuple(relation, id);
        const v = keyValueText(t[column]!);
        if (!values.has(v)) continue;
        let byReplica = out.get(v);
        if (byReplica === undefined) out.set(v, (byReplica = new Map()));
        let lines = byReplica.get(replica);
        if (lines === undefined) byReplica.set(replica, (lines = []));
        lines.push(keyFactLine(relation, t));
      }
    }
  }
  return out;
}

/** Key seals in force, by epoch and group. */
function byEpochAndGroup(inForce: readonly KeySealInForce[]): Map<string, KeySealInForce[]> {
  const out = new Map<string, KeySealInForce[]>();
  for (const s of inForce) {
    const k = `${s.record.epoch}\u0000${s.group.key}`;
    const list = out.get(k);
    if (list === undefined) out.set(k, [s]);
    else list.push(s);
  }
  return out;
}

/**
 * Facts read for a sealed key that the seal does not hold are late (CL552): they are taken out of
 * `read` before it is merged, so the key's sealed results stay as they were. When the kept state
 * does not hold the key's sealed facts yet (a fresh copy), the files are adopted if they match the
 * seal; otherwise the verification reports the mismatch (CL554).
 */
export function holdBackLateKeyFacts(
  store: FactStore,
  inForce: readonly KeySealInForce[],
  read: ReadRows,
  diags: Diagnostics,
  options: { readonly show?: (p: string) => string; readonly fileOf?: FileOf; readonly reported?: Set<string> },
): void {
  const show = options.show ?? ((p: string) => p);
  for (const list of byEpochAndGroup(inForce).values()) {
    const { epoch } = list[0]!.record;
    const group = list[0]!.group;
    const values = new Set(list.map((s) => s.record.value));
    const kept = keyLines(store, epoch, group, values);
    for (const [replica, epochs] of read) {
      const rels = epochs.get(epoch);
      if (rels === undefined) continue;
      // The facts read that the kept state lacks, per value and relation.
      const fresh = new Map<string, Map<string, number[]>>();
      for (const [relation, column] of group.inputColumn) {
        const unit = rels.get(relation);
        if (unit === undefined) continue;
        const m = store.peek(replica, epoch, relation);
        for (const id of unit.rows.view()) {
          if (m?.rows.has(id) === true) continue;
          const v = keyValueText(store.tuple(relation, id)[column]!);
          if (!values.has(v)) continue;
          let byRel = fresh.get(v);
          if (byRel === undefined) fresh.set(v, (byRel = new Map()));
          let ids = byRel.get(relation);
          if (ids === undefined) byRel.set(relation, (ids = []));
          ids.push(id);
        }
      }
      for (const { record } of list) {
        const added = fresh.get(record.value);
        if (added === undefined) continue;
        const sealed = record.replicas[replica];
        const had = kept.get(record.value)?.get(replica) ?? [];
        if (sealed !== undefined && keyDigest([...had]).digest !== sealed.digest) {
          // No kept state of the sealed facts: adopt the files when they make up exactly the sealed facts.
          const all = [...had];
          for (const [relation, ids] of added) for (const id of ids) all.push(keyFactLine(relation, store.tuple(relation, id)));
          if (keyDigest(all).digest === sealed.digest) continue;
          if (had.length === 0) continue; // the verification reports the mismatch
        }
        for (const [relation, ids] of added) {
          const late = new Set(ids);
          const unit = rels.get(relation)!;
          const rows = new RowSet();
          for (const id of unit.rows.view()) if (!late.has(id)) rows.add(id);
          rels.set(relation, { rows, files: unit.files });
          const file = unit.files[0] ?? options.fileOf?.(replica, epoch, relation) ?? `${replica}/epoch-${epoch}/${relation}`;
          options.reported?.add(keyFindingKey(replica, epoch, record.key, record.value));
          diags.add("CL552", wholeFile(file),
            `${ids.length} fact(s) of \`${relation}\` with key \`${record.key}\` = \`${record.value}\` appeared in \`${unit.files.map(show).join("`, `") || show(file)}\` (replica \`${replica}\`, epoch ${epoch}) after the key was sealed at ${record.sealedAt}` +
              (sealed === undefined ? `, and the key seal does not cover replica \`${replica}\`` : "") + "; they are not merged, and the key's sealed results stay as they were",
            {
              notes: [`first late fact: ${relation}${tupleKey(store.tuple(relation, ids[0]!)).replace(/^\[/, "(").replace(/\]$/, ")")}`],
              help: `put them in an open epoch after ${epoch} (a key seal is final: no more facts of \`${record.value}\` in epoch ${epoch})`,
            });
        }
      }
    }
  }
}

/** The key of a finding about one replica's facts of a key in an epoch. */
export function keyFindingKey(replica: string, epoch: number, key: string, value: string): string {
  return `${replica}\u0000${epoch}\u0000key\u0000${key}\u0000${value}`;
}

/** Per group, the key values released past the whole-sealed epochs, with the epoch each is final as of. */
export interface KeyRelease {
  readonly groups: readonly { readonly group: KeyGroup; readonly through: ReadonlyMap<string, number> }[];
  /** Verified key seals, by group key, value and epoch. */
  readonly verified: ReadonlyMap<string, ReadonlyMap<string, ReadonlySet<number>>>;
  /** Whether any key seal is in force (the report then lists which keys are final and which wait). */
  readonly inUse: boolean;
}

/**
 * Verifies every key seal in force against the facts (each replica's digest of the key's facts,
 * CL554 when they differ) and releases each key value whose epochs 1..N are all sealed, as a whole
 * (1..k) or for the key, for the largest such N above k.
 */
export function releaseKeys(
  store: FactStore,
  groups: readonly KeyGroup[],
  inForce: readonly KeySealInForce[],
  k: number,
  diags: Diagnostics,
  options: { readonly fileOf?: FileOf; readonly reported?: ReadonlySet<string> },
): KeyRelease {
  const verified = new Map<string, Map<string, Set<number>>>();
  for (const list of byEpochAndGroup(inForce).values()) {
    const { epoch } = list[0]!.record;
    const group = list[0]!.group;
    const lines = keyLines(store, epoch, group, new Set(list.map((s) => s.record.value)));
    for (const { record } of list) {
      const have = lines.get(record.value) ?? new Map<string, string[]>();
      let ok = true;
      for (const replica of new Set([...store.replicas, ...Object.keys(record.replicas)])) {
        const now = keyDigest(have.get(replica) ?? []);
        const sealed = record.replicas[replica] ?? keyDigest([]);
        if (now.digest === sealed.digest) continue;
        ok = false;
        if (options.reported?.has(keyFindingKey(replica, epoch, record.key, record.value)) === true) continue;
        const relation = group.columns[0]!.relation;
        const file = options.fileOf?.(replica, epoch, relation) ?? `${replica}/epoch-${epoch}`;
        diags.add("CL554", wholeFile(file),
          `replica \`${replica}\`'s facts of key \`${record.key}\` = \`${record.value}\` in epoch ${epoch} do not match the key seal (${now.facts} fact(s) here, ${sealed.facts} sealed${record.replicas[replica] === undefined ? `; the seal does not cover replica \`${replica}\`` : ""}); the key is not released for epoch ${epoch}`,
          { help: `restore the facts of \`${record.value}\` as they were sealed (e.g. from version control), and put new facts in an open epoch after ${epoch}` });
      }
      if (!ok) continue;
      let byValue = verified.get(group.key);
      if (byValue === undefined) verified.set(group.key, (byValue = new Map()));
      let epochs = byValue.get(record.value);
      if (epochs === undefined) byValue.set(record.value, (epochs = new Set()));
      epochs.add(epoch);
    }
  }
  const out: { group: KeyGroup; through: Map<string, number> }[] = [];
  for (const group of groups) {
    const through = new Map<string, number>();
    for (const [value, epochs] of verified.get(group.key) ?? []) {
      let n = k;
      while (epochs.has(n + 1)) n++;
      if (n > k) through.set(value, n);
    }
    out.push({ group, through });
  }
  return { groups: out, verified, inUse: inForce.length > 0 };
}

/**
 * The released keys' part of each relation they decide: per group and epoch N, one evaluation of the
 * whole-sealed facts plus, for epochs k+1..N, the facts of the keys released as of N; each relation
 * keeps the tuples of those keys. `evaluate` runs every stratum over the given rows.
 */
export function releasedTuples(
  store: FactStore,
  release: KeyRelease,
  k: number,
  base: ReadonlyMap<string, RowSet>,
  evaluate: (rows: ReadonlyMap<string, RowSet>) => { tuples(relation: string): Tuple[] },
): Map<string, { readonly values: ReadonlySet<string>; readonly column: number; readonly tuples: Tuple[] }> {
  const out = new Map<string, { values: Set<string>; column: number; tuples: Tuple[] }>();
  for (const { group, through } of release.groups) {
    const byEpoch = new Map<number, Set<string>>();
    for (const [value, n] of through) {
      const set = byEpoch.get(n);
      if (set === undefined) byEpoch.set(n, new Set([value]));
      else set.add(value);
    }
    for (const [n, values] of [...byEpoch].sort((a, b) => a[0] - b[0])) {
      const rows = new Map<string, RowSet>();
      for (const [relation, set] of base) {
        const copy = new RowSet();
        for (const id of set.view()) copy.add(id);
        rows.set(relation, copy);
      }
      for (const replica of store.replicas) {
        for (let e = k + 1; e <= n; e++) {
          for (const [relation, column] of group.inputColumn) {
            const m = store.peek(replica, e, relation);
            if (m === undefined) continue;
            let acc = rows.get(relation);
            for (const id of m.rows.view()) {
              if (!values.has(keyValueText(store.tuple(relation, id)[column]!))) continue;
              if (acc === undefined) rows.set(relation, (acc = new RowSet()));
              acc.add(id);
            }
          }
        }
      }
      const engine = evaluate(rows);
      for (const [relation, column] of group.relations) {
        let entry = out.get(relation);
        if (entry === undefined) out.set(relation, (entry = { values: new Set(), column, tuples: [] }));
        for (const v of values) entry.values.add(v);
        for (const t of engine.tuples(relation)) if (values.has(keyValueText(t[column]!))) entry.tuples.push(t);
      }
    }
  }
  return out;
}

/** Per key of the program in use, which values are final ahead of the whole epoch and which wait (see `KeyStatus`). */
export function keyStatuses(store: FactStore, release: KeyRelease, k: number): KeyStatus[] {
  if (!release.inUse) return [];
  const out: KeyStatus[] = [];
  for (const { group, through } of release.groups) {
    const open = new Map<string, Set<number>>();
    for (const replica of store.replicas) {
      for (const e of store.epochsOf(replica)) {
        if (e <= k) continue;
        for (const [relation, column] of group.inputColumn) {
          const m = store.peek(replica, e, relation);
          if (m === undefined) continue;
          for (const id of m.rows.view()) {
            const v = keyValueText(store.tuple(relation, id)[column]!);
            if (e <= (through.get(v) ?? k)) continue;
            let epochs = open.get(v);
            if (epochs === undefined) open.set(v, (epochs = new Set()));
            epochs.add(e);
          }
        }
      }
    }
    const sealedFor = release.verified.get(group.key) ?? new Map<string, ReadonlySet<number>>();
    const final = [...through].map(([value, epoch]) => ({ value, epoch })).sort((a, b) => compareKeys(a.value, b.value));
    const waiting = [...open]
      .map(([value, epochs]) => {
        const n = through.get(value) ?? k;
        const last = Math.max(...epochs);
        const need: number[] = [];
        for (let e = n + 1; e <= last; e++) if (!(sealedFor.get(value)?.has(e) ?? false)) need.push(e);
        return { value, epochs: [...epochs].sort((a, b) => a - b), seal: need };
      })
      .sort((a, b) => compareKeys(a.value, b.value));
    out.push({ key: group.key, columns: group.columns.map(keyName), relations: [...group.relations.keys()], final, waiting });
  }
  return out;
}

/** One key of the program: its values final ahead of the whole epoch, and those whose facts wait. */
export interface KeyStatus {
  /** The key as `calmlog lint` names it: `release.r`. */
  readonly key: string;
  /** Every input column the key covers. */
  readonly columns: readonly string[];
  /** The relations decided per key. */
  readonly relations: readonly string[];
  /** Values released by key seals: final as of `epoch` (beyond the whole-sealed epochs). */
  readonly final: readonly { readonly value: string; readonly epoch: number }[];
  /** Values with facts in open epochs no seal covers yet: those epochs, and the epochs to seal for the key, in order. */
  readonly waiting: readonly { readonly value: string; readonly epochs: readonly number[]; readonly seal: readonly number[] }[];
}

/** A source's key seal records, parsed and in a stable order; malformed ones are CL553 errors. */
export async function readKeySeals(source: ReplicaSource, diags: Diagnostics, show: (p: string) => string = (p) => p): Promise<KeySealRecord[]> {
  const entries = (await source.readKeySeals?.(diags)) ?? [];
  const out: KeySealRecord[] = [];
  for (const entry of entries) {
    const record = parseKeySeal(entry.text);
    if (record === null || keySealId(record.epoch, record.key, record.value) !== entry.id) {
      const where = `${source.description} key seal ${entry.id}`;
      diags.add("CL553", wholeFile(show(where)), `key seal record \`${entry.id}\` is malformed or names another key or epoch`, {
        help: "key seal records are written by `calmlog seal --key` and never edited; restore it from version control, or remove it to take the key seal back before anything relied on it",
      });
      continue;
    }
    out.push(record);
  }
  return out.sort((a, b) => a.epoch - b.epoch || compareKeys(a.key, b.key) || compareKeys(a.value, b.value));
}

/** One key sealed by `sealKeys`. */
export interface SealedKey {
  readonly record: KeySealRecord;
  readonly columns: readonly KeyColumn[];
  readonly location: string;
}

/** The outcome of `sealKeys`: every key sealed, or the first refusal with its code. */
export type KeySealOutcome =
  | { readonly ok: true; readonly sealed: readonly SealedKey[] }
  | { readonly ok: false; readonly code: "CL550" | "CL551"; readonly message: string; readonly location: string; readonly help?: string };

/**
 * Seals keys of `epoch` over a reconciled workspace: each record holds, per replica, the digest of
 * exactly the epoch's facts of that key value, and is written once. Refused for a key the program
 * is not partitioned by (CL550), for an epoch sealed as a whole, and for a key sealed already (CL551).
 * The kept state is committed first, so a later run tells late facts of the key from sealed ones.
 */
export async function sealKeys(
  workspace: ReplicaWorkspace,
  specs: readonly KeySpec[],
  epoch: number,
  options: { readonly reason?: string | null; readonly sealedAt?: string } = {},
): Promise<KeySealOutcome> {
  const unit = workspace.unit;
  if (unit === null) throw new Error("sealing a key needs the program");
  const source = workspace.source;
  const create = source.createKeySeal?.bind(source);
  if (create === undefined) return { ok: false, code: "CL551", location: source.description, message: `a ${source.kind} source does not store key seals` };
  if (workspace.sealedEpochs.includes(epoch)) {
    return { ok: false, code: "CL551", location: source.description, message: `epoch ${epoch} is sealed as a whole already, which covers every key; a key seal adds nothing`, help: "seal keys of an open epoch" };
  }
  const plans: { spec: KeySpec; columns: KeyColumn[] }[] = [];
  for (const spec of specs) {
    const columns = keyColumns(spec, unit.checked, unit.analysis.partitions);
    if (typeof columns === "string") return { ok: false, code: "CL550", location: `${spec.relation}.${spec.attribute}=${spec.value}`, message: `cannot seal key \`${spec.relation}.${spec.attribute}\`: ${columns}` };
    plans.push({ spec, columns });
  }
  for (const { spec } of plans) {
    const key = `${spec.relation}.${spec.attribute}`;
    const had = workspace.keySeals.find((r) => r.epoch === epoch && r.key === key && r.value === spec.value);
    if (had !== undefined) return { ok: false, code: "CL551", location: keySealId(epoch, key, spec.value), message: `key \`${key}\` = \`${spec.value}\` of epoch ${epoch} is sealed already (at ${had.sealedAt}); a key seal is written once` };
  }
  await workspace.commit();
  const sealedAt = options.sealedAt ?? new Date().toISOString();
  const out: SealedKey[] = [];
  // One scan per set of key columns gives every value's digests.
  const digestsBy = new Map<string, Map<string, Record<string, { readonly facts: number; readonly digest: string }>>>();
  for (const { columns } of plans) {
    const id = columns.map(keyName).join(",");
    if (digestsBy.has(id)) continue;
    const values = new Set(plans.filter((p) => p.columns.map(keyName).join(",") === id).map((p) => p.spec.value));
    const digests = workspace.keyDigests(epoch, new Map(columns.map((c) => [c.relation, c.column] as const)), values);
    if (digests === null) return { ok: false, code: "CL551", location: source.description, message: "the kept state cannot be read" };
    digestsBy.set(id, digests);
  }
  for (const { spec, columns } of plans) {
    const key = `${spec.relation}.${spec.attribute}`;
    const digests = digestsBy.get(columns.map(keyName).join(","))!.get(spec.value)!;
    const record: KeySealRecord = { format: "calmlog-key-seal/1", epoch, key, value: spec.value, columns: columns.map(keyName), sealedAt, reason: options.reason ?? null, replicas: digests };
    const written = await create({ id: keySealId(epoch, key, spec.value), text: keySealText(record) });
    if (!written.created) return { ok: false, code: "CL551", location: written.location, message: `key \`${key}\` = \`${spec.value}\` of epoch ${epoch} is sealed already (\`${written.location}\`); a key seal is written once` };
    workspace.keySeals = [...workspace.keySeals, record];
    out.push({ record, columns, location: written.location });
  }
  return { ok: true, sealed: out };
}
