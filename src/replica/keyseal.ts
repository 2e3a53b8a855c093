// Key seals: "no more facts of key `release.r` = `v2.1` in epoch 3, from every replica". A key names
// an input column of a partitioned stratum (as `calmlog lint` spells it); the seal covers every input
// column the key is joined with, so it decides that key's part of every stratum partitioned by it.
import { createHash } from "node:crypto";
import { keyName, type KeyColumn, type Partitions } from "../analysis/partition.js";
import type { CheckedProgram } from "../check/types.js";

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
  const keys = [...new Set(partitions.strata.filter((s) => s.blocker === null).flatMap((s) => s.inputs.map(keyName)))];
  const known = keys.length === 0 ? "the program has no stratum partitioned by a key" : `the keys are ${keys.map((k) => `\`${k}\``).join(", ")}`;
  if (schema === undefined) return `\`${spec.relation}\` is not a relation of the program; ${known}`;
  const column = schema.columns.findIndex((c) => c.name === spec.attribute);
  if (column < 0) return `\`${spec.relation}\` has no attribute \`${spec.attribute}\` (it has ${schema.columns.map((c) => `\`${c.name}\``).join(", ")}); ${known}`;
  const covered = new Map<string, KeyColumn>([[name, { relation: spec.relation, column, attribute: spec.attribute }]]);
  for (let changed = true; changed; ) {
    changed = false;
    for (const s of partitions.strata) {
      if (s.blocker !== null || !s.inputs.some((k) => covered.has(keyName(k)))) continue;
      for (const k of s.inputs) if (!covered.has(keyName(k))) (covered.set(keyName(k), k), (changed = true));
    }
  }
  if (covered.size === 1 && !keys.includes(name)) return `no stratum that needs a seal is partitioned by \`${name}\`; ${known}`;
  const order = new Map([...checked.relations.keys()].map((n, i) => [n, i] as const));
  return [...covered.values()].sort((a, b) => (order.get(a.relation) ?? 0) - (order.get(b.relation) ?? 0) || a.column - b.column);
}

/** Where the record is stored in the source: `epoch-3/release.r/<sha256 of the value>`. */
export function keySealId(epoch: number, key: string, value: string): string {
  return `epoch-${epoch}/${key}/${createHash("sha256").update(value).digest("hex").slice(0, 32)}`;
}

/** The record's canonical text. */
export function keySealText(record: KeySealRecord): string {
  return JSON.stringify(record, null, 2) + "\n";
}

/** A stored record, or null when the text is not one. */
export function parseKeySeal(text: string): KeySealRecord | null {
  try {
    const r = JSON.parse(text) as KeySealRecord;
    if (r.format !== "calmlog-key-seal/1" || typeof r.epoch !== "number" || typeof r.key !== "string" || typeof r.value !== "string" || !Array.isArray(r.columns)) return null;
    return r;
  } catch {
    return null;
  }
}
