// Which key seals would release a withheld relation or fact: the question `explain` and a user ask
// when a result waits. A relation decided per key names, per waiting value, the epochs still to seal
// for it; any other relation names the literal that keeps it from being decided per key.
import { Diagnostics } from "../diagnostics/diagnostic.js";
import { coordinationFreeRelations, type ProgramUnit } from "./evaluate.js";
import { storeOfSet, typesOf, verifyRows } from "./core.js";
import type { Tuple } from "./tuple-keys.js";
import { keyGroups, keySealsInForce, keyValueText, releaseKeys, type KeySealRecord } from "./keyseal.js";
import type { ReplicaSet } from "./replica.js";

/** One key seal to make: `calmlog seal DIR --epoch EPOCH --key RELATION.ATTRIBUTE=VALUE`. */
export interface KeySealToMake {
  readonly relation: string;
  readonly attribute: string;
  readonly value: string;
  readonly epoch: number;
}

/** The key seals that would release it (none when nothing waits), or why it is not decided per key. */
export type KeySealsToRelease =
  | { readonly partitioned: true; readonly seals: readonly KeySealToMake[] }
  | { readonly partitioned: false; readonly literal: string; readonly reason: string };

/**
 * Which key seals would release `relation` (or only its `tuple`) over the facts `state` holds, in
 * the order to make them: for each waiting key value, every epoch after the ones sealed (as a whole
 * or for the value) up to the last holding facts of the value. A relation that is not decided per
 * key gets the literal that prevents it, as `calmlog lint` names it.
 */
export function keySealsToRelease(unit: ProgramUnit, state: { readonly set: ReplicaSet; readonly keySeals?: readonly KeySealRecord[] }, relation: string, tuple?: Tuple): KeySealsToRelease {
  if (!unit.checked.relations.has(relation)) throw new Error(`\`${relation}\` is not a relation of the program`);
  if (coordinationFreeRelations(unit.analysis).has(relation)) return { partitioned: true, seals: [] };
  const groups = keyGroups(unit.checked, unit.analysis.partitions);
  const group = groups.find((g) => g.relations.has(relation));
  if (group === undefined) {
    const stratum = unit.analysis.relations.get(relation)?.stratum;
    const blocker = unit.analysis.partitions.strata.find((s) => s.stratum === stratum)?.blocker;
    if (blocker != null) return { partitioned: false, literal: blocker.text, reason: blocker.reason };
    const cause = unit.analysis.relations.get(relation)?.cause;
    return { partitioned: false, literal: cause?.use.text ?? relation, reason: `\`${relation}\` is not decided per key: no key runs through every relation it reads` };
  }
  const store = storeOfSet(state.set, typesOf(unit));
  const seals = new Map([...state.set.seals.values()].map((s) => [s.epoch, s] as const));
  const k = verifyRows(store, seals).epoch;
  const inForce = keySealsInForce(state.keySeals ?? [], groups, (e) => seals.has(e));
  const release = releaseKeys(store, groups, inForce, k, new Diagnostics(), {});
  const through = release.groups.find((g) => g.group === group)!.through;
  const sealedFor = release.verified.get(group.key);
  const only = tuple === undefined ? null : keyValueText(tuple[group.relations.get(relation)!]!);
  // The last epoch holding facts of each value past the epochs it is sealed through.
  const last = new Map<string, number>();
  for (const replica of store.replicas) {
    for (const e of store.epochsOf(replica)) {
      if (e <= k) continue;
      for (const [input, column] of group.inputColumn) {
        const m = store.peek(replica, e, input);
        if (m === undefined) continue;
        for (const id of m.rows.view()) {
          const v = keyValueText(store.tuple(input, id)[column]!);
          if ((only !== null && v !== only) || e <= (through.get(v) ?? k)) continue;
          if (e > (last.get(v) ?? 0)) last.set(v, e);
        }
      }
    }
  }
  const first = group.columns[0]!;
  const seals2: KeySealToMake[] = [];
  for (const [value, upTo] of [...last].sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0))) {
    for (let e = (through.get(value) ?? k) + 1; e <= upTo; e++) {
      if (sealedFor?.get(value)?.has(e) !== true) seals2.push({ relation: first.relation, attribute: first.attribute, value, epoch: e });
    }
  }
  return { partitioned: true, seals: seals2 };
}
