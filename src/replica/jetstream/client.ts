// A replica set on NATS JetStream. One stream per set holds every replica's facts, grow-only:
// the stream denies delete and purge, so the broker itself refuses a shrink. Seals live in a KV
// bucket whose keys are created once (`create` fails when the key exists), so of two sealers
// exactly one wins, Raft-replicated in a cluster.
//
// Subjects: `calmlog.<set>.<replica>.<epoch>.<relation>` carries a batch of facts (canonical keys,
// one a line); `calmlog.<set>.<replica>.<epoch>` carries the replica's end-of-epoch marker. A
// message id is a hash of subject and body, so a re-sent batch is deduplicated by the server
// within its window, and a duplicate that gets through is one more copy of facts already held.
import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import type { NatsConnection } from "@nats-io/transport-node";
import type { JetStreamClient, JetStreamManager, JsMsg } from "@nats-io/jetstream";
import type { KV } from "@nats-io/kv";
import type { NatsAddress, NatsConnectOptions } from "./address.js";

interface NatsLibraries {
  readonly transport: typeof import("@nats-io/transport-node");
  readonly jetstream: typeof import("@nats-io/jetstream");
  readonly kv: typeof import("@nats-io/kv");
}
// The NATS client libraries load when a set is first opened: `evaluate` and `seal` on a directory
// import this module but never connect, and loading them cost every such start 60-150 ms and 11 MB.
let libraries: NatsLibraries | undefined;

async function loadNats(): Promise<NatsLibraries> {
  if (libraries === undefined) {
    const [transport, jetstream, kv] = await Promise.all([import("@nats-io/transport-node"), import("@nats-io/jetstream"), import("@nats-io/kv")]);
    libraries = { transport, jetstream, kv };
  }
  return libraries;
}

/** The libraries, once a set has been opened (every `JetStreamSet` comes from `open`). */
function nats(): NatsLibraries {
  if (libraries === undefined) throw new Error("the NATS client libraries are used before a set was opened");
  return libraries;
}

/** The subject prefix every calmlog subject starts with. */
export const PREFIX = "calmlog";
/** The marker body's format tag. */
export const DONE_FORMAT = "calmlog-epoch-done/1";
/** Facts per message: large enough to pipeline well, small enough for the default 1 MB payload. */
const BATCH_FACTS = 1000;
const BATCH_BYTES = 512 * 1024;
/** Unacknowledged publishes in flight at once. */
const WINDOW = 64;

/** A batch of facts as read back from the stream. */
export interface FactBatch {
  readonly kind: "facts";
  readonly seq: number;
  readonly replica: string;
  readonly epoch: number;
  readonly relation: string;
  readonly keys: readonly string[];
}

/** A replica's statement that it has delivered an epoch. */
export interface DoneMarker {
  readonly kind: "done";
  readonly seq: number;
  readonly replica: string;
  readonly epoch: number;
  readonly facts: number;
  readonly digest: string;
}

/** A message on the set's stream that is neither: reported, never guessed at. */
export interface StrayMessage {
  readonly kind: "stray";
  readonly seq: number;
  readonly subject: string;
  readonly problem: string;
}

export type SetMessage = FactBatch | DoneMarker | StrayMessage;

/** Why a JetStream operation failed, in the user's terms; `kind` picks the diagnostic. */
export class JetStreamError extends Error {
  constructor(
    readonly kind: "unreachable" | "missing" | "exists" | "refused",
    message: string,
  ) {
    super(message);
    this.name = "JetStreamError";
  }
}

/** The stream that holds a set's facts. */
export function streamName(set: string): string {
  return `CALMLOG_${set}`;
}

/** The KV bucket that holds a set's seals. */
export function sealBucket(set: string): string {
  return `calmlog_${set}_seals`;
}

/** The KV key of an epoch's seal. */
export function sealKey(epoch: number): string {
  return `epoch-${epoch}`;
}

function messageId(subject: string, body: string): string {
  return createHash("sha256").update(subject).update("\n").update(body).digest("hex");
}

/** A connection to one replica set. `close()` when done. */
export class JetStreamSet {
  private kvCache: KV | null = null;

  private constructor(
    readonly address: NatsAddress,
    readonly nc: NatsConnection,
    private readonly js: JetStreamClient,
    private readonly jsm: JetStreamManager,
  ) {}

  /**
   * Connects. With `create`, makes the set's stream and seal bucket when missing (publishers do);
   * without, a set that does not exist is an error (readers and sealers must not invent one).
   */
  static async open(address: NatsAddress, options: NatsConnectOptions & { readonly create?: boolean } = {}): Promise<JetStreamSet> {
    const { transport, jetstream } = await loadNats();
    let nc: NatsConnection;
    try {
      nc = await transport.connect({
        servers: [...address.servers],
        ...(address.user !== undefined ? { user: address.user, pass: address.pass ?? "" } : {}),
        ...(address.token !== undefined ? { token: address.token } : {}),
        ...(options.creds !== undefined ? { authenticator: transport.credsAuthenticator(readFileSync(options.creds)) } : {}),
        ...(options.tlsCa !== undefined || options.tlsCert !== undefined
          ? { tls: { ...(options.tlsCa ? { caFile: options.tlsCa } : {}), ...(options.tlsCert ? { certFile: options.tlsCert } : {}), ...(options.tlsKey ? { keyFile: options.tlsKey } : {}) } }
          : {}),
        timeout: options.timeout ?? 5000,
        maxReconnectAttempts: 10,
        reconnectTimeWait: 250,
        name: "calmlog",
      });
    } catch (err) {
      throw new JetStreamError("unreachable", `cannot reach the NATS server at ${address.servers.join(", ")}: ${describe(err)}`);
    }
    try {
      const jsm = await jetstream.jetstreamManager(nc, { timeout: options.timeout ?? 5000 });
      const set = new JetStreamSet(address, nc, jetstream.jetstream(nc, { timeout: options.timeout ?? 5000 }), jsm);
      await set.ensure(options.create === true);
      return set;
    } catch (err) {
      await nc.close().catch(() => undefined);
      if (err instanceof JetStreamError) throw err;
      if (/timeout/i.test(describe(err))) throw new JetStreamError("unreachable", `JetStream at ${address.servers.join(", ")} did not answer in time (a cluster may be electing a leader); nothing acknowledged is lost, so run the command again`);
      throw new JetStreamError("unreachable", `the NATS server at ${address.servers.join(", ")} has no JetStream: ${describe(err)} (start it with \`nats-server -js\`)`);
    }
  }

  private async ensure(create: boolean): Promise<void> {
    const name = streamName(this.address.set);
    try {
      await this.jsm.streams.info(name);
    } catch (err) {
      if (!isNotFound(err)) throw err;
      if (!create) throw new JetStreamError("missing", `replica set \`${this.address.set}\` does not exist on ${this.address.shown} (no stream \`${name}\`); publish facts to it first`);
      try {
        const config = { name, subjects: [`${PREFIX}.${this.address.set}.>`], deny_delete: true, deny_purge: true };
        await this.jsm.streams.add({ ...config, num_replicas: this.clusterSize() }).catch((e: unknown) => {
          // A cluster smaller than three nodes: as many copies as it can hold.
          if (this.clusterSize() > 1 && /insufficient resources|replicas/i.test(describe(e))) return this.jsm.streams.add({ ...config, num_replicas: 1 });
          throw e;
        });
      } catch (e) {
        // Another publisher made it between our look and our add.
        if (!/already in use|exists/i.test(describe(e))) throw e;
      }
    }
  }

  /** Copies of the set's stream and seal bucket: 3 in a cluster (so one node may fail), 1 on a lone server. */
  private clusterSize(): number {
    return (this.nc.info as { cluster?: string } | undefined)?.cluster !== undefined ? 3 : 1;
  }

  private async kv(): Promise<KV> {
    if (this.kvCache !== null) return this.kvCache;
    const kvm = new (nats().kv.Kvm)(this.nc);
    this.kvCache = await kvm.create(sealBucket(this.address.set), { history: 1, replicas: this.clusterSize() });
    return this.kvCache;
  }

  /** Publishes facts (canonical keys) of one relation; resolves when the server has stored them all. */
  async publishFacts(replica: string, epoch: number, relation: string, keys: readonly string[]): Promise<number> {
    const subject = `${PREFIX}.${this.address.set}.${replica}.${epoch}.${relation}`;
    const pending: Promise<unknown>[] = [];
    let stored = 0;
    let body = "";
    let count = 0;
    const flush = async (): Promise<void> => {
      if (count === 0) return;
      const text = body;
      body = "";
      count = 0;
      pending.push(this.js.publish(subject, text, { msgID: messageId(subject, text) }).then((ack) => {
        if (!ack.duplicate) stored++;
      }));
      if (pending.length >= WINDOW) await Promise.all(pending.splice(0));
    };
    for (const key of keys) {
      body += count === 0 ? key : `\n${key}`;
      count++;
      if (count >= BATCH_FACTS || body.length >= BATCH_BYTES) await flush();
    }
    await flush();
    await Promise.all(pending);
    return stored;
  }

  /** Publishes a replica's end-of-epoch marker, with the count and digest of what it delivered. */
  async publishDone(replica: string, epoch: number, facts: number, digest: string): Promise<void> {
    const subject = `${PREFIX}.${this.address.set}.${replica}.${epoch}`;
    const body = JSON.stringify({ format: DONE_FORMAT, facts, digest });
    await this.js.publish(subject, body, { msgID: messageId(subject, body) });
  }

  /** When the set's stream was made: with the address, it names this set's local cache. */
  async created(): Promise<string> {
    const info = await this.jsm.streams.info(streamName(this.address.set));
    return info.created;
  }

  /** The stream's last sequence (0 when empty). */
  async lastSeq(): Promise<number> {
    const info = await this.jsm.streams.info(streamName(this.address.set));
    return info.state.last_seq;
  }

  /** Every subject of the set with its message count, and the stream's last sequence, as of now. */
  async subjects(): Promise<{ counts: Map<string, number>; lastSeq: number }> {
    const info = await this.jsm.streams.info(streamName(this.address.set), { subjects_filter: ">" });
    return { counts: new Map(Object.entries(info.state.subjects ?? {})), lastSeq: info.state.last_seq };
  }

  /** The messages of one subject, in stream order, up to the last one there as the call starts. */
  async readSubject(subject: string): Promise<SetMessage[]> {
    const out: SetMessage[] = [];
    const consumer = await this.js.consumers.get(streamName(this.address.set), { filter_subjects: subject, deliver_policy: nats().jetstream.DeliverPolicy.All });
    const info = await consumer.info();
    if (info.num_pending === 0) return out;
    const iter = await consumer.consume({ max_messages: 1024 });
    try {
      for await (const m of iter) {
        out.push(this.decode(m));
        if (m.info.pending === 0) break;
      }
    } finally {
      await iter.close().catch(() => undefined);
    }
    return out;
  }

  /** The stored value of a KV key in the seal bucket (null when absent). */
  async sealEntry(key: string): Promise<string | null> {
    const entry = await (await this.kv()).get(key);
    return entry === null || entry.operation !== "PUT" ? null : entry.string();
  }

  /** Every key of the seal bucket. */
  async sealKeys(): Promise<string[]> {
    const out: string[] = [];
    for await (const k of await (await this.kv()).keys()) out.push(k);
    return out.sort();
  }

  /** Creates a KV key in the seal bucket once; false when it exists already. */
  async createEntry(key: string, text: string): Promise<boolean> {
    try {
      await (await this.kv()).create(key, text);
      return true;
    } catch (err) {
      if (/wrong last sequence|key exists/i.test(describe(err))) return false;
      throw err;
    }
  }

  /** Every message from `fromSeq` up to the stream's last sequence as of the call. */
  async read(fromSeq = 1, upTo?: number): Promise<{ messages: SetMessage[]; lastSeq: number }> {
    const last = upTo ?? (await this.lastSeq());
    const messages: SetMessage[] = [];
    if (last < fromSeq) return { messages, lastSeq: last };
    const consumer = await this.js.consumers.get(streamName(this.address.set), {
      deliver_policy: fromSeq <= 1 ? nats().jetstream.DeliverPolicy.All : nats().jetstream.DeliverPolicy.StartSequence,
      ...(fromSeq > 1 ? { opt_start_seq: fromSeq } : {}),
    });
    const iter = await consumer.consume({ max_messages: 4096 });
    try {
      for await (const m of iter) {
        if (m.seq > last) break;
        messages.push(this.decode(m));
        if (m.seq >= last) break;
      }
    } finally {
      await iter.close().catch(() => undefined);
    }
    return { messages, lastSeq: last };
  }

  /** Calls `onMessage` for every message from `fromSeq` on, as they arrive, until `signal` aborts. */
  async follow(fromSeq: number, onMessage: (m: SetMessage) => void, signal: AbortSignal): Promise<void> {
    const consumer = await this.js.consumers.get(streamName(this.address.set), {
      deliver_policy: fromSeq <= 1 ? nats().jetstream.DeliverPolicy.All : nats().jetstream.DeliverPolicy.StartSequence,
      ...(fromSeq > 1 ? { opt_start_seq: fromSeq } : {}),
    });
    const iter = await consumer.consume({ max_messages: 4096 });
    const stop = (): void => void iter.close().catch(() => undefined);
    signal.addEventListener("abort", stop, { once: true });
    try {
      for await (const m of iter) onMessage(this.decode(m));
    } finally {
      signal.removeEventListener("abort", stop);
    }
  }

  private decode(m: JsMsg): SetMessage {
    const parts = m.subject.split(".");
    // calmlog . set . replica . epoch [. relation...]
    const replica = parts[2] ?? "";
    const epochText = parts[3] ?? "";
    const epoch = /^[1-9][0-9]{0,14}$/.test(epochText) ? Number(epochText) : NaN;
    if (parts.length < 4 || Number.isNaN(epoch)) return { kind: "stray", seq: m.seq, subject: m.subject, problem: "its subject does not name a replica and an epoch" };
    const text = m.string();
    if (parts.length === 4) {
      try {
        const body = JSON.parse(text) as { format?: unknown; facts?: unknown; digest?: unknown };
        if (body.format === DONE_FORMAT && typeof body.facts === "number" && typeof body.digest === "string") {
          return { kind: "done", seq: m.seq, replica, epoch, facts: body.facts, digest: body.digest };
        }
      } catch {
        // fall through
      }
      return { kind: "stray", seq: m.seq, subject: m.subject, problem: `it is not an end-of-epoch marker (${DONE_FORMAT})` };
    }
    const relation = parts.slice(4).join(".");
    return { kind: "facts", seq: m.seq, replica, epoch, relation, keys: text === "" ? [] : text.split("\n") };
  }

  /** Every seal record in the bucket, by epoch, as the JSON text stored. */
  async seals(): Promise<Map<number, string>> {
    const kv = await this.kv();
    const out = new Map<number, string>();
    const keys = await kv.keys();
    for await (const key of keys) {
      const m = /^epoch-([1-9][0-9]*)$/.exec(key);
      if (m === null) continue;
      const entry = await kv.get(key);
      if (entry !== null && entry.operation === "PUT") out.set(Number(m[1]), entry.string());
    }
    return out;
  }

  /** Creates the seal record of `epoch`; a seal that exists already is a `JetStreamError("exists")`. */
  async createSeal(epoch: number, text: string): Promise<void> {
    const kv = await this.kv();
    try {
      await kv.create(sealKey(epoch), text);
    } catch (err) {
      if (/wrong last sequence|key exists/i.test(describe(err))) throw new JetStreamError("exists", `epoch ${epoch} of \`${this.address.set}\` is already sealed`);
      throw err;
    }
  }

  /** Calls `onSeal` with each seal as it is created, until `signal` aborts. */
  async watchSeals(onSeal: (epoch: number, text: string) => void, signal: AbortSignal): Promise<void> {
    const kv = await this.kv();
    const iter = await kv.watch();
    const stop = (): void => void iter.stop();
    signal.addEventListener("abort", stop, { once: true });
    try {
      for await (const e of iter) {
        const m = /^epoch-([1-9][0-9]*)$/.exec(e.key);
        if (m !== null && e.operation === "PUT") onSeal(Number(m[1]), e.string());
      }
    } finally {
      signal.removeEventListener("abort", stop);
    }
  }

  async close(): Promise<void> {
    await this.nc.drain().catch(() => undefined);
  }
}

function describe(err: unknown): string {
  if (err instanceof Error) {
    const cause = (err as { cause?: unknown }).cause;
    return cause instanceof Error && cause.message !== err.message ? `${err.message} (${cause.message})` : err.message;
  }
  return String(err);
}

function isNotFound(err: unknown): boolean {
  return /not found/i.test(describe(err));
}
