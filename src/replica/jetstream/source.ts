// A JetStream replica set as a `ReplicaSource`: a fact unit is one subject
// (`calmlog.<set>.<replica>.<epoch>.<relation>`), its fingerprint the subject's message count
// (the stream only grows, so a new count means new facts), and seal records are create-once KV keys.
// The evaluation core cannot tell it from a directory: same listing, rows, seals and digests.
import type { Diagnostics } from "../../diagnostics/diagnostic.js";
import { parseFacts } from "../../io/read-facts.js";
import { wholeFile } from "../../diagnostics/span.js";
import { tupleKey, type Tuple } from "../tuple-keys.js";
import { keySealId, keyValueText, parseKeySeal, type KeySealRecord } from "../keyseal.js";
import type { ReplicaSchema } from "../io.js";
import type { SealRecord } from "../replica.js";
import type { FactUnit, KeySealEntry, ListOptions, ReplicaSource, SealWrite, SourceListing } from "../source.js";
import { parseSeal, sealJson, type Show } from "../store.js";
import { PREFIX, sealKey, type DoneMarker, type JetStreamSet } from "./client.js";

/** Key-scoped seals live beside epoch seals in the bucket, under this key prefix. */
const KEY_SEALS = "keys/";

/** A replica set on JetStream, read through one open connection. */
export class JetStreamSource implements ReplicaSource {
  readonly kind = "jetstream";
  /** The stream's last sequence when last listed: a run reads up to it, and a seal records it. */
  private listedSeq = 0;
  /** Per sealed epoch, the stream position its seal covers: later facts of that epoch are late. */
  private readonly sealedAt = new Map<number, number>();

  /** Late facts found while reading (facts of a sealed epoch published after its seal), kept out of the rows. */
  private late: { unit: FactUnit; keys: string[] }[] = [];
  /** Key seals with the stream position they cover: later facts of their key in their epoch are late. */
  private keySealed: { record: KeySealRecord; lastSeq: number }[] = [];
  /** Per unit and key seal, the key's facts the seal covers (a fact published again later is not late). */
  private readonly keyedBefore = new Map<string, Set<string>>();
  /** Late facts of sealed keys found while reading, kept out of the rows. */
  private lateKeys: { unit: FactUnit; record: KeySealRecord; keys: string[] }[] = [];

  /**
   * `stateDir`: where to keep merged facts between runs (a local cache), or null to read the
   * stream afresh each run (it is durable and grow-only, so nothing is lost either way).
   */
  constructor(
    readonly set: JetStreamSet,
    readonly stateDir: string | null = null,
  ) {}

  get description(): string {
    return this.set.address.shown;
  }

  private subject(replica: string, epoch: number, relation?: string): string {
    return `${PREFIX}.${this.set.address.set}.${replica}.${epoch}${relation === undefined ? "" : `.${relation}`}`;
  }

  async list(options: ListOptions, diags: Diagnostics): Promise<SourceListing | null> {
    const { counts, lastSeq } = await this.set.subjects();
    this.listedSeq = lastSeq;
    const replicas = new Set<string>();
    const units: FactUnit[] = [];
    const prefix = `${PREFIX}.${this.set.address.set}.`;
    for (const [subject, count] of [...counts].sort((a, b) => (a[0] < b[0] ? -1 : 1))) {
      const parts = subject.slice(prefix.length).split(".");
      const [replica, epochText] = parts;
      if (replica === undefined || epochText === undefined || !/^[1-9][0-9]{0,14}$/.test(epochText)) {
        diags.add("CL532", wholeFile(subject), `${count} message${count === 1 ? "" : "s"} on \`${subject}\` name no replica and epoch; skipped`);
        continue;
      }
      replicas.add(replica);
      if (parts.length === 2) continue; // an end-of-epoch marker
      const relation = parts.slice(2).join(".");
      if (!options.inputs.has(relation)) {
        const why = options.declared?.has(relation) ? `\`${relation}\` is not an \`.input\` relation of the program` : `the program declares no relation \`${relation}\``;
        diags.add("CL532", wholeFile(subject), `${count} message${count === 1 ? "" : "s"} on \`${subject}\` skipped: ${why}`, {
          help: "replicas insert only into the program's `.input` relations; check that the program is the one the replicas publish for",
        });
        continue;
      }
      units.push({ replica, epoch: Number(epochText), relation, location: subject, fingerprint: `messages:${count}` });
    }
    units.sort((a, b) => (a.replica !== b.replica ? (a.replica < b.replica ? -1 : 1) : a.epoch !== b.epoch ? a.epoch - b.epoch : a.relation < b.relation ? -1 : a.relation > b.relation ? 1 : 0));
    return { replicas: [...replicas].sort(), units };
  }

  async *read(unit: FactUnit, schema: ReplicaSchema): AsyncIterable<readonly Tuple[]> {
    for await (const batch of this.readEpochSealed(unit, schema)) yield this.withoutLateKeys(unit, schema, batch);
  }

  /** Drops the facts of a sealed key published after its key seal (`seq` rides along on each batch), unless the seal holds them. */
  private withoutLateKeys(unit: FactUnit, schema: ReplicaSchema, batch: readonly Tuple[] & { seq?: number }): readonly Tuple[] {
    const seq = batch.seq ?? 0;
    const checks: { record: KeySealRecord; column: number; after: boolean }[] = [];
    for (const k of this.keySealed) {
      if (k.record.epoch !== unit.epoch) continue;
      const prefix = `${unit.relation}.`;
      const attribute = k.record.columns.find((c) => c.startsWith(prefix) && !c.slice(prefix.length).includes("."))?.slice(prefix.length);
      const column = attribute === undefined ? -1 : schema.columns.findIndex((c) => c.name === attribute);
      if (column >= 0) checks.push({ record: k.record, column, after: seq > k.lastSeq });
    }
    if (checks.length === 0) return batch;
    const kept: Tuple[] = [];
    for (const t of batch) {
      const hit = checks.find((c) => keyValueText(t[c.column]!) === c.record.value);
      if (hit === undefined) {
        kept.push(t);
        continue;
      }
      const id = `${unit.location}\u0000${keySealId(hit.record.epoch, hit.record.key, hit.record.value)}`;
      let before = this.keyedBefore.get(id);
      if (before === undefined) this.keyedBefore.set(id, (before = new Set()));
      const key = tupleKey(t);
      if (!hit.after || before.has(key)) {
        before.add(key);
        kept.push(t);
        continue;
      }
      let entry = this.lateKeys.find((l) => l.unit === unit && l.record === hit.record);
      if (entry === undefined) this.lateKeys.push((entry = { unit, record: hit.record, keys: [] }));
      entry.keys.push(key);
    }
    return kept;
  }

  private async *readEpochSealed(unit: FactUnit, schema: ReplicaSchema): AsyncIterable<readonly Tuple[] & { seq?: number }> {
    const sealedAt = this.sealedAt.get(unit.epoch);
    const sealed = new Set<string>();
    const late: string[] = [];
    for (const m of await this.set.readSubject(this.subject(unit.replica, unit.epoch, unit.relation))) {
      // One run reads the stream as it was when listed, so a seal covers exactly what it read.
      if (m.kind !== "facts" || (this.listedSeq > 0 && m.seq > this.listedSeq)) continue;
      if (sealedAt === undefined || m.seq <= sealedAt) {
        if (sealedAt !== undefined) for (const k of m.keys) sealed.add(k);
        // A batch body is JSON lines, one canonical tuple each: checked as a `.jsonl` file is.
        yield Object.assign(parseFacts(m.keys.join("\n"), `${unit.location}#${m.seq}`, schema, { format: "jsonl" }), { seq: m.seq });
      } else for (const k of m.keys) if (!sealed.has(k)) late.push(k);
    }
    const fresh = [...new Set(late)].filter((k) => !sealed.has(k));
    if (fresh.length > 0) this.late.push({ unit, keys: fresh });
  }

  findings(diags: Diagnostics): void {
    for (const { unit, keys } of this.late) {
      const shown = keys.slice(0, 3).join(", ");
      diags.add("CL502", wholeFile(unit.location), `${keys.length} late fact${keys.length === 1 ? "" : "s"} of \`${unit.relation}\` from replica \`${unit.replica}\` in sealed epoch ${unit.epoch} (published after its seal): ${shown}${keys.length > 3 ? ", ..." : ""}; kept out of every result`, {
        help: `publish them into an open epoch (after ${unit.epoch}) instead`,
      });
    }
    this.late = [];
    for (const { unit, record, keys } of this.lateKeys) {
      // Facts the key seal holds may be published again later; only facts it lacks are late.
      const fresh = [...new Set(keys)];
      if (fresh.length === 0) continue;
      const shown = fresh.slice(0, 3).join(", ");
      diags.add("CL552", wholeFile(unit.location),
        `${fresh.length} fact(s) of \`${unit.relation}\` with key \`${record.key}\` = \`${record.value}\` were published on \`${unit.location}\` (replica \`${unit.replica}\`, epoch ${unit.epoch}) after the key was sealed at ${record.sealedAt}: ${shown}${fresh.length > 3 ? ", ..." : ""}; they are not merged, and the key's sealed results stay as they were`,
        { help: `publish them into an open epoch after ${unit.epoch} (a key seal is final: no more facts of \`${record.value}\` in epoch ${unit.epoch})` });
    }
    this.lateKeys = [];
  }

  async readSeals(diags: Diagnostics, show?: Show): Promise<SealRecord[]> {
    const out: SealRecord[] = [];
    for (const [epoch, text] of await this.set.seals()) {
      const record = parseSeal(text);
      const position = record === null ? undefined : (JSON.parse(text) as { stream?: { lastSeq?: unknown } }).stream?.lastSeq;
      if (typeof position === "number") this.sealedAt.set(epoch, position);
      if (record === null || record.epoch !== epoch) {
        const where = `${this.description} seal ${sealKey(epoch)}`;
        diags.add("CL505", wholeFile(show ? show(where) : where), `seal record \`${sealKey(epoch)}\` of \`${this.set.address.set}\` is malformed or names another epoch`);
        continue;
      }
      out.push(record);
    }
    return out.sort((a, b) => a.epoch - b.epoch);
  }

  async createSeal(record: SealRecord): Promise<SealWrite> {
    // The record is the directory's seal JSON plus the stream position it covers.
    const body = JSON.parse(sealJson(record)) as Record<string, unknown>;
    const text = JSON.stringify({ ...body, stream: { lastSeq: this.listedSeq } }, null, 2) + "\n";
    const location = `${this.description} seal ${sealKey(record.epoch)}`;
    if (await this.set.createEntry(sealKey(record.epoch), text)) return { created: true, location };
    const existing = await this.set.sealEntry(sealKey(record.epoch));
    return { created: false, location, existing: existing === null ? null : parseSeal(existing) };
  }

  async readKeySeals(): Promise<KeySealEntry[]> {
    const out: KeySealEntry[] = [];
    this.keySealed = [];
    for (const key of await this.set.sealKeys()) {
      if (!key.startsWith(KEY_SEALS)) continue;
      const text = await this.set.sealEntry(key);
      if (text === null) continue;
      out.push({ id: key.slice(KEY_SEALS.length), text });
      const record = parseKeySeal(text);
      const position = record === null ? undefined : (JSON.parse(text) as { stream?: { lastSeq?: unknown } }).stream?.lastSeq;
      if (record !== null && typeof position === "number") this.keySealed.push({ record, lastSeq: position });
    }
    return out;
  }

  async createKeySeal(entry: KeySealEntry): Promise<{ readonly created: boolean; readonly location: string }> {
    if (!/^[-/_=.a-zA-Z0-9]+$/.test(entry.id) || entry.id.startsWith(".") || entry.id.endsWith(".")) throw new Error(`bad key seal id \`${entry.id}\``);
    // The record plus the stream position it covers: facts of the key published later are late.
    const body = JSON.parse(entry.text) as Record<string, unknown>;
    const created = await this.set.createEntry(KEY_SEALS + entry.id, JSON.stringify({ ...body, stream: { lastSeq: this.listedSeq } }, null, 2) + "\n");
    return { created, location: `${this.description} seal ${KEY_SEALS}${entry.id}` };
  }

  /** Each replica's end-of-epoch markers, by replica and epoch (the last marker wins). */
  async deliveries(): Promise<Map<string, Map<number, DoneMarker>>> {
    const { counts } = await this.set.subjects();
    const out = new Map<string, Map<number, DoneMarker>>();
    const prefix = `${PREFIX}.${this.set.address.set}.`;
    for (const subject of counts.keys()) {
      const parts = subject.slice(prefix.length).split(".");
      if (parts.length !== 2) continue;
      for (const m of await this.set.readSubject(subject)) {
        if (m.kind !== "done") continue;
        let byEpoch = out.get(m.replica);
        if (byEpoch === undefined) out.set(m.replica, (byEpoch = new Map()));
        byEpoch.set(m.epoch, m);
      }
    }
    return out;
  }
}
