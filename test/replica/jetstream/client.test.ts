import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parseNatsUrl, type NatsAddress } from "../../../src/replica/jetstream/address.js";
import { JetStreamError, JetStreamSet } from "../../../src/replica/jetstream/client.js";
import { startNats, type NatsServer } from "./server.js";

let server: NatsServer;
beforeAll(async () => {
  server = await startNats();
});
afterAll(async () => {
  await server.stop();
});

function address(set: string): NatsAddress {
  const a = parseNatsUrl(`${server.url}/${set}`);
  if (typeof a === "string") throw new Error(a);
  return a;
}

describe("JetStreamSet", () => {
  it("stores batches once, deduplicates a re-send and reads them back in order", async () => {
    const set = await JetStreamSet.open(address("t1"), { create: true });
    const keys = Array.from({ length: 2500 }, (_, i) => JSON.stringify([`u${i}`, i]));
    expect(await set.publishFacts("eu", 1, "follows", keys)).toBe(3);
    expect(await set.publishFacts("eu", 1, "follows", keys)).toBe(0);
    await set.publishDone("eu", 1, 2500, "sha256:x");
    const { messages } = await set.read();
    const facts = messages.filter((m) => m.kind === "facts");
    expect(facts.flatMap((m) => (m.kind === "facts" ? m.keys : []))).toEqual(keys);
    expect(messages.at(-1)).toMatchObject({ kind: "done", replica: "eu", epoch: 1, facts: 2500 });
    await set.close();
  });

  it("refuses to shrink: the stream denies purge", async () => {
    const set = await JetStreamSet.open(address("t2"), { create: true });
    await set.publishFacts("eu", 1, "r", ["[1]"]);
    await expect(set["jsm"].streams.purge("CALMLOG_t2")).rejects.toThrow(/purge/);
    await set.close();
  });

  it("creates a seal once; the second sealer is told it is sealed", async () => {
    const a = await JetStreamSet.open(address("t3"), { create: true });
    const b = await JetStreamSet.open(address("t3"));
    const results = await Promise.allSettled([a.createSeal(1, "{\"a\":1}"), b.createSeal(1, "{\"b\":1}")]);
    expect(results.filter((r) => r.status === "fulfilled")).toHaveLength(1);
    const lost = results.find((r) => r.status === "rejected") as PromiseRejectedResult;
    expect(lost.reason).toBeInstanceOf(JetStreamError);
    expect((lost.reason as JetStreamError).kind).toBe("exists");
    expect((await a.seals()).size).toBe(1);
    await a.close();
    await b.close();
  });

  it("says a set that does not exist is missing, without creating it", async () => {
    await expect(JetStreamSet.open(address("nope"))).rejects.toMatchObject({ kind: "missing" });
  });

  it("says a server that is down is unreachable", async () => {
    const a = parseNatsUrl("nats://127.0.0.1:1/x") as NatsAddress;
    await expect(JetStreamSet.open(a, { timeout: 500 })).rejects.toMatchObject({ kind: "unreachable" });
  });
});
