// A replica source held in memory, as a network source would be: nothing on disk, no kept state.
// Facts, seal records and key seals live in fields the tests can read.
import type { Tuple } from "../../src/replica/tuple-keys.js";
import type { SealRecord } from "../../src/replica/replica.js";
import type { FactUnit, KeySealEntry, ReplicaSource, SealWrite } from "../../src/replica/source.js";

/** Facts by replica, epoch and relation. */
export type MemoryFacts = Record<string, Record<number, Record<string, Tuple[]>>>;

export class MemorySource implements ReplicaSource {
  readonly kind = "memory";
  readonly description = "memory";
  readonly stateDir = null;
  readonly seals: SealRecord[] = [];
  readonly keys = new Map<string, string>();
  constructor(private readonly facts: MemoryFacts) {}
  async list(): Promise<{ replicas: string[]; units: FactUnit[] }> {
    const units: FactUnit[] = [];
    for (const [replica, epochs] of Object.entries(this.facts)) {
      for (const [epoch, rels] of Object.entries(epochs)) for (const relation of Object.keys(rels)) units.push({ replica, epoch: Number(epoch), relation, location: `mem:${replica}/${epoch}/${relation}`, fingerprint: "1" });
    }
    return { replicas: Object.keys(this.facts).sort(), units };
  }
  async *read(unit: FactUnit): AsyncIterable<readonly Tuple[]> {
    yield this.facts[unit.replica]![unit.epoch]![unit.relation]!;
  }
  async readSeals(): Promise<SealRecord[]> {
    return [...this.seals];
  }
  async createSeal(record: SealRecord): Promise<SealWrite> {
    if (this.seals.some((s) => s.epoch === record.epoch)) return { created: false, location: "mem", existing: null };
    this.seals.push(record);
    return { created: true, location: "mem" };
  }
  async readKeySeals(): Promise<KeySealEntry[]> {
    return [...this.keys].map(([id, text]) => ({ id, text }));
  }
  async createKeySeal(entry: KeySealEntry): Promise<{ created: boolean; location: string }> {
    if (this.keys.has(entry.id)) return { created: false, location: entry.id };
    this.keys.set(entry.id, entry.text);
    return { created: true, location: entry.id };
  }
}
