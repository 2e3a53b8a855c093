// A replica is a grow-only fact set split into numbered epochs; every update is a set union, so
// a value never shrinks. Replicas and replica sets are immutable values: a snapshot stays as taken.
import { Map as IMap, Set as ISet, is } from "immutable";
import { compareKeys, epochDigest, keyTuple, relationDigest, tupleKey, type Tuple } from "./tuple-keys.js";
import { record as emptyRecord } from "../util/records.js";

/** One relation's facts in one epoch of one replica, as keys. */
type EpochFacts = IMap<string, ISet<string>>;

/** The digest and size of one relation's facts, as a seal records them. */
export interface RelationSeal {
  readonly digest: string;
  readonly facts: number;
}

/** What a seal records about one replica's facts in its epoch. */
export interface ReplicaSeal {
  /** Over every relation of the epoch (see `epochDigest`). */
  readonly digest: string;
  readonly facts: number;
  /** Non-empty relations only; a relation not listed was empty when sealed. */
  readonly relations: Readonly<Record<string, RelationSeal>>;
}

/** The durable record that closes an epoch: the one place where replicas coordinate. */
export interface SealRecord {
  readonly epoch: number;
  /** ISO 8601 time of the seal. */
  readonly sealedAt: string;
  readonly reason: string | null;
  /** Every replica the seal covers, by name; facts of other replicas in this epoch are late. */
  readonly replicas: Readonly<Record<string, ReplicaSeal>>;
}

/** A named, grow-only fact set whose facts belong to numbered epochs (1, 2, ...). */
export class Replica {
  private constructor(
    readonly name: string,
    private readonly byEpoch: IMap<number, EpochFacts>,
  ) {}

  /** A replica with no facts. */
  static empty(name: string): Replica {
    return new Replica(name, IMap());
  }

  /** The replica with `tuples` added to `relation` in `epoch` (itself when nothing is new). */
  insert(relation: string, tuples: Iterable<Tuple>, epoch: number): Replica {
    const keys: string[] = [];
    for (const t of tuples) keys.push(tupleKey(t));
    return this.insertKeys(relation, keys, epoch);
  }

  /** Like `insert`, with tuples already as canonical keys. */
  insertKeys(relation: string, keys: Iterable<string>, epoch: number): Replica {
    assertEpoch(epoch);
    const before = this.keys(relation, epoch);
    const after = before.withMutations((s) => {
      for (const k of keys) s.add(k);
    });
    if (after.size === before.size) return this;
    return new Replica(this.name, this.byEpoch.update(epoch, IMap(), (m) => m.set(relation, after)));
  }

  /** The union of two states of the same replica; commutative, associative and idempotent. */
  merge(other: Replica): Replica {
    if (other.name !== this.name) throw new Error(`cannot merge replica \`${other.name}\` into \`${this.name}\``);
    const merged = this.byEpoch.mergeWith((a, b) => a.mergeWith((x, y) => x.union(y), b), other.byEpoch);
    return is(merged, this.byEpoch) ? this : new Replica(this.name, merged);
  }

  /** Epochs that hold facts, ascending. */
  get epochs(): number[] {
    return [...this.byEpoch.keys()].sort((a, b) => a - b);
  }

  /** Relations with facts in `epoch` (or in any epoch), sorted by name. */
  relations(epoch?: number): string[] {
    const names = new Set<string>();
    for (const [e, m] of this.byEpoch) if (epoch === undefined || e === epoch) for (const r of m.keys()) names.add(r);
    return [...names].sort(compareKeys);
  }

  /** The keys of `relation` in `epoch`. */
  keys(relation: string, epoch: number): ISet<string> {
    return this.byEpoch.get(epoch)?.get(relation) ?? ISet<string>();
  }

  /** The keys of `relation` over the epochs `epochs` accepts (all by default). */
  keysWhere(relation: string, epochs: (e: number) => boolean = () => true): Set<string> {
    const out = new Set<string>();
    for (const [e, m] of this.byEpoch) if (epochs(e)) for (const k of m.get(relation) ?? []) out.add(k);
    return out;
  }

  /** The tuples of `relation` in `epoch`, or in every epoch when omitted; sorted by key. */
  tuples(relation: string, epoch?: number): Tuple[] {
    const keys = this.keysWhere(relation, epoch === undefined ? undefined : (e) => e === epoch);
    return [...keys].sort(compareKeys).map(keyTuple);
  }

  /** How many facts the replica holds (in `epoch`, when given; a fact in two epochs counts twice). */
  factCount(epoch?: number): number {
    let n = 0;
    for (const [e, m] of this.byEpoch) if (epoch === undefined || e === epoch) for (const s of m.values()) n += s.size;
    return n;
  }

  /** The replica's part of a seal record for `epoch`. */
  sealOf(epoch: number): ReplicaSeal {
    const m = this.byEpoch.get(epoch) ?? IMap<string, ISet<string>>();
    const relations = emptyRecord<RelationSeal>();
    let facts = 0;
    for (const r of [...m.keys()].sort(compareKeys)) {
      const keys = m.get(r)!;
      relations[r] = { digest: relationDigest(r, keys), facts: keys.size };
      facts += keys.size;
    }
    return { digest: epochDigest([...m.entries()]), facts, relations };
  }

  /** Value equality: same name, same facts in the same epochs. */
  equals(other: Replica): boolean {
    return this.name === other.name && is(this.byEpoch, other.byEpoch);
  }
}

/** The outcome of an insert into a replica set: facts refused for a sealed epoch are `late`. */
export interface InsertResult {
  readonly set: ReplicaSet;
  readonly added: number;
  readonly late: readonly Tuple[];
}

/** The outcome of sealing. */
export type SealOutcome =
  | { readonly ok: true; readonly set: ReplicaSet; readonly record: SealRecord }
  | { readonly ok: false; readonly message: string };

/** A sealed relation whose facts do not match its seal. */
export interface SealMismatch {
  readonly replica: string;
  readonly epoch: number;
  readonly relation: string;
  /** `incomplete`: fewer facts than sealed (not all delivered yet, or lost); `changed`: as many or more, but different; `uncovered`: the replica is not in the seal, so all its facts there are late. */
  readonly kind: "incomplete" | "changed" | "uncovered";
  readonly sealedFacts: number;
  readonly facts: number;
}

/** The key of one replica's relation in one epoch, for sets of sealed relations already reported. */
export function findingKey(replica: string, epoch: number, relation: string): string {
  return `${replica}\t${epoch}\t${relation}`;
}

/** Which facts of a set are final: epochs 1..`epoch` are sealed and match their seals. */
export interface SealedVerification {
  /** The highest epoch k such that 1..k are sealed and every covered replica matches its digests (0: none). */
  readonly epoch: number;
  readonly mismatches: readonly SealMismatch[];
}

/**
 * A node's view of every replica: their facts and the seal records it knows. Immutable; each
 * operation returns a new set. `merge` is a union of facts and of seals.
 */
export class ReplicaSet {
  private constructor(
    readonly replicas: IMap<string, Replica>,
    readonly seals: IMap<number, SealRecord>,
  ) {}

  /** A set with no replicas and no seals. */
  static empty(): ReplicaSet {
    return new ReplicaSet(IMap(), IMap());
  }

  /** A set holding these replicas (same-named ones merged) and seals. */
  static of(replicas: Iterable<Replica>, seals: Iterable<SealRecord> = []): ReplicaSet {
    let set = ReplicaSet.empty();
    for (const r of replicas) set = set.withReplica(r);
    for (const s of seals) set = set.withSeal(s);
    return set;
  }

  /** Replica names, sorted. */
  get names(): string[] {
    return [...this.replicas.keys()].sort(compareKeys);
  }

  replica(name: string): Replica | undefined {
    return this.replicas.get(name);
  }

  /** The set with `replica` merged in (added when new). */
  withReplica(replica: Replica): ReplicaSet {
    const prev = this.replicas.get(replica.name);
    const next = prev === undefined ? replica : prev.merge(replica);
    return next === prev ? this : new ReplicaSet(this.replicas.set(replica.name, next), this.seals);
  }

  /**
   * Adds facts to a replica. In a sealed epoch a fact is accepted only while the replica's facts
   * for that relation can still be completing its seal; once they match the digest (or the seal
   * does not cover them) every further fact is late and refused.
   */
  insert(replica: string, relation: string, tuples: Iterable<Tuple>, epoch: number): InsertResult {
    assertEpoch(epoch);
    const current = this.replicas.get(replica) ?? Replica.empty(replica);
    const have = current.keys(relation, epoch);
    const fresh: string[] = [];
    const seen = new Set<string>();
    for (const t of tuples) {
      const k = tupleKey(t);
      if (!have.has(k) && !seen.has(k)) {
        seen.add(k);
        fresh.push(k);
      }
    }
    const late: string[] = [];
    const accepted: string[] = [];
    const record = this.seals.get(epoch);
    if (record === undefined) accepted.push(...fresh);
    else {
      const sealed = record.replicas[replica]?.relations[relation];
      const complete = sealed === undefined || relationDigest(relation, have) === sealed.digest;
      let room = complete || sealed === undefined ? 0 : Math.max(0, sealed.facts - have.size);
      for (const k of fresh) {
        if (room > 0) {
          accepted.push(k);
          room--;
        } else late.push(k);
      }
    }
    if (accepted.length === 0 && this.replicas.has(replica)) return { set: this, added: 0, late: late.map(keyTuple) };
    const next = current.insertKeys(relation, accepted, epoch);
    return { set: new ReplicaSet(this.replicas.set(replica, next), this.seals), added: accepted.length, late: late.map(keyTuple) };
  }

  /** The union of two views: replicas merged by name, seals by epoch. */
  merge(other: ReplicaSet): ReplicaSet {
    let set: ReplicaSet = this;
    for (const r of other.replicas.values()) set = set.withReplica(r);
    for (const s of other.seals.values()) set = set.withSeal(s);
    return set;
  }

  /**
   * The set knowing one more seal record. Two different records for one epoch mean the
   * coordination failed; the one whose canonical text sorts first is kept, so merge stays commutative.
   */
  withSeal(record: SealRecord): ReplicaSet {
    const prev = this.seals.get(record.epoch);
    if (prev !== undefined && compareKeys(sealText(prev), sealText(record)) <= 0) return this;
    return new ReplicaSet(this.replicas, this.seals.set(record.epoch, record));
  }

  /** The highest epoch k with every epoch 1..k sealed (0 when epoch 1 is not). */
  get sealedEpoch(): number {
    let k = 0;
    while (this.seals.has(k + 1)) k++;
    return k;
  }

  /** Every epoch that holds facts or a seal, ascending. */
  get epochs(): number[] {
    const all = new Set<number>(this.seals.keys());
    for (const r of this.replicas.values()) for (const e of r.epochs) all.add(e);
    return [...all].sort((a, b) => a - b);
  }

  /** Epochs holding facts that no seal in 1..sealedEpoch covers, ascending. */
  get openEpochs(): number[] {
    const k = this.sealedEpoch;
    return this.epochs.filter((e) => e > k && [...this.replicas.values()].some((r) => r.factCount(e) > 0));
  }

  /**
   * Seals `epoch` over the set's facts: a record with each replica's digest. Epochs are sealed in
   * order and once each. The caller makes the record durable; nothing here seals on its own.
   */
  seal(epoch: number, options: { readonly sealedAt: string; readonly reason?: string | null }): SealOutcome {
    if (!Number.isInteger(epoch) || epoch < 1) return { ok: false, message: `epochs are numbered 1, 2, ...; \`${epoch}\` is not an epoch` };
    if (this.seals.has(epoch)) return { ok: false, message: `epoch ${epoch} is already sealed (at ${this.seals.get(epoch)!.sealedAt})` };
    const k = this.sealedEpoch;
    if (epoch !== k + 1) {
      const missing = epoch - 1 === k + 1 ? `epoch ${k + 1} is` : `epochs ${k + 1}..${epoch - 1} are`;
      return { ok: false, message: `${missing} not sealed yet; epochs are sealed in order, so seal epoch ${k + 1} first` };
    }
    const replicas = emptyRecord<ReplicaSeal>();
    for (const name of this.names) replicas[name] = this.replicas.get(name)!.sealOf(epoch);
    const record: SealRecord = { epoch, sealedAt: options.sealedAt, reason: options.reason ?? null, replicas };
    return { ok: true, set: new ReplicaSet(this.replicas, this.seals.set(epoch, record)), record };
  }

  /** Checks the sealed epochs' facts against their seals. */
  verifySealed(): SealedVerification {
    const mismatches: SealMismatch[] = [];
    let verified = 0;
    let blocked = false;
    for (let e = 1; e <= this.sealedEpoch; e++) {
      const record = this.seals.get(e)!;
      let ok = true;
      for (const name of this.names) {
        const replica = this.replicas.get(name)!;
        const covered = record.replicas[name];
        if (covered === undefined) {
          for (const relation of replica.relations(e)) {
            mismatches.push({ replica: name, epoch: e, relation, kind: "uncovered", sealedFacts: 0, facts: replica.keys(relation, e).size });
          }
          continue;
        }
        const relations = new Set([...Object.keys(covered.relations), ...replica.relations(e)]);
        for (const relation of [...relations].sort(compareKeys)) {
          const sealed = covered.relations[relation];
          const keys = replica.keys(relation, e);
          if (sealed !== undefined && keys.size === sealed.facts && relationDigest(relation, keys) === sealed.digest) continue;
          if (sealed === undefined && keys.size === 0) continue;
          const sealedFacts = sealed?.facts ?? 0;
          mismatches.push({ replica: name, epoch: e, relation, kind: keys.size < sealedFacts ? "incomplete" : "changed", sealedFacts, facts: keys.size });
          ok = false;
        }
      }
      // Replicas the seal covers but this view has never heard of are incomplete too.
      for (const [name, covered] of Object.entries(record.replicas)) {
        if (this.replicas.has(name)) continue;
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

  /** Keys per relation over the replicas and epochs given: the input of one evaluation. */
  factsWhere(replicas: (name: string) => boolean, epochs: (name: string, e: number) => boolean): Map<string, Set<string>> {
    const out = new Map<string, Set<string>>();
    for (const name of this.names) {
      if (!replicas(name)) continue;
      const r = this.replicas.get(name)!;
      for (const relation of r.relations()) {
        const keys = r.keysWhere(relation, (e) => epochs(name, e));
        if (keys.size === 0) continue;
        let acc = out.get(relation);
        if (acc === undefined) out.set(relation, (acc = new Set()));
        for (const k of keys) acc.add(k);
      }
    }
    return out;
  }

  /** The facts of sealed, verified epochs 1..`epoch`, from the replicas each seal covers. */
  sealedFacts(epoch: number): Map<string, Set<string>> {
    return this.factsWhere(
      () => true,
      (name, e) => e <= epoch && this.seals.get(e)?.replicas[name] !== undefined,
    );
  }

  /** Value equality: the same replicas with the same facts, and the same seals. */
  equals(other: ReplicaSet): boolean {
    if (!is(IMap(this.replicas.map((r) => r.name)), IMap(other.replicas.map((r) => r.name)))) return false;
    for (const [name, r] of this.replicas) if (!r.equals(other.replicas.get(name)!)) return false;
    if (this.seals.size !== other.seals.size) return false;
    for (const [e, s] of this.seals) {
      const o = other.seals.get(e);
      if (o === undefined || sealText(o) !== sealText(s)) return false;
    }
    return true;
  }
}

/** A seal record as canonical JSON text (keys sorted), for comparing and digesting. */
export function sealText(record: SealRecord): string {
  return JSON.stringify(sortKeys(record));
}

function sortKeys(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(sortKeys);
  if (v !== null && typeof v === "object") {
    const out: Record<string, unknown> = {};
    for (const k of Object.keys(v).sort(compareKeys)) out[k] = sortKeys((v as Record<string, unknown>)[k]);
    return out;
  }
  return v;
}

function assertEpoch(epoch: number): void {
  if (!Number.isInteger(epoch) || epoch < 1) throw new Error(`epoch must be a positive integer, got ${epoch}`);
}
