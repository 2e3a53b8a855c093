import { describe, expect, test } from "vitest";
import type { InvariantResult } from "../../src/invariant/types.js";
import { checkFixture } from "./load.js";

function only(name: string, options = {}): { r: InvariantResult; codes: string[]; notes: string[] } {
  const { results, diags } = checkFixture(name, options);
  expect(results).toHaveLength(1);
  return { r: results[0]!, codes: diags.items.map((d) => d.code), notes: diags.items.flatMap((d) => [d.message, ...d.notes]) };
}

describe("proved by a sound condition", () => {
  test("adding reactions to a post: one reaction fact, negations of growing or fixed relations", () => {
    const { r, codes } = only("reactions.dl");
    expect(r.verdict).toBe("proved");
    expect(r.condition).toBe("single-replicated-read");
    expect(r.reason).toContain("`reaction`");
    expect(r.reason).toContain("`!post`");
    expect(r.counterexample).toBeNull();
    expect(codes).toContain("CL601");
  });

  test("every log entry from any replica is shown: the negated `shown` grows with `entry`", () => {
    const { r, codes } = only("log.dl");
    expect(r.verdict).toBe("proved");
    expect(r.condition).toBe("single-replicated-read");
    expect(r.reason).toContain("`!shown`");
    expect(codes).toEqual(["CL601", "CL605"]);
    expect(r.checkNeedsSeal).toBe(true);
  });

  test("a grow-only audit log where every record has a valid id: monotone, no seal needed", () => {
    const { r, codes } = only("audit.dl");
    expect(r.verdict).toBe("proved");
    expect(r.condition).toBe("single-replicated-read");
    expect(r.checkNeedsSeal).toBe(false);
    expect(codes).toEqual(["CL601"]);
  });

  test("every order references an existing customer, via the negation condition", () => {
    const { r, codes } = only("orders.dl");
    expect(r.verdict).toBe("proved");
    expect(r.condition).toBe("single-replicated-read");
    expect(r.reason).toContain("`!customer`");
    expect(codes).toEqual(["CL601", "CL605"]);
  });

  test("a count compared only as `c < 1` can only shrink in a smaller state", () => {
    const { r } = only("staffed.dl");
    expect(r.verdict).toBe("proved");
    expect(r.condition).toBe("single-replicated-read");
    expect(r.reason).toContain("count : { assigned(s, _) }");
  });

  test("an invariant over the program's own facts holds everywhere", () => {
    const { r } = only("limits.dl");
    expect(r.verdict).toBe("proved");
    expect(r.condition).toBe("no-replicated-reads");
  });
});

describe("counterexamples", () => {
  test("each username belongs to at most one account: two replicas claim the same name, so one replica must own each name", () => {
    const { r, codes } = only("usernames.dl");
    expect(r.verdict).toBe("escrow");
    expect(r.escrow!.kind).toBe("authority");
    expect(r.escrow!.split).toContain("one replica owns each `n`");
    expect(codes).toEqual(["CL603"]);
    const c = r.counterexample!;
    expect(c.base).toEqual({});
    expect(c.replicaA["account"]).toHaveLength(1);
    expect(c.replicaB["account"]).toHaveLength(1);
    const [[idA, nameA]] = c.replicaA["account"] as [[string, string]];
    const [[idB, nameB]] = c.replicaB["account"] as [[string, string]];
    expect(nameA).toBe(nameB);
    expect(idA).not.toBe(idB);
    expect(c.violation.relation).toBe("name_clash");
    expect(c.support).toHaveLength(2);
    expect(c.explanation.join("\n")).toContain("is missing (only B has it)");
    expect(r.method).toBe("search");
  });

  test("closing a customer while another replica takes an order: a negation of a shrinking relation", () => {
    const { r } = only("closed.dl");
    expect(r.verdict).toBe("counterexample");
    expect(r.reason).toContain("`!active(c)`");
    const c = r.counterexample!;
    const inserted = new Set([...Object.keys(c.replicaA), ...Object.keys(c.replicaB)]);
    expect(inserted.has("closed") && inserted.has("order")).toBe(true);
    expect(Object.keys(c.replicaA).includes("closed") !== Object.keys(c.replicaB).includes("closed")).toBe(true);
  });

  test("stock replicated too: the bound moves, so no rights can be fixed", () => {
    const { r } = only("restock.dl");
    expect(r.verdict).toBe("counterexample");
    expect(r.escrow).toBeNull();
  });
});

describe("escrow", () => {
  test("at most 10 seats for a workshop: 10 seats over 2 replicas, 5 each", () => {
    const { r, codes } = only("workshop.dl");
    expect(r.verdict).toBe("escrow");
    expect(codes).toEqual(["CL603"]);
    expect(r.escrow!.bound).toBe("10");
    expect(r.escrow!.split).toContain("10 over 2 replicas: 5 each");
    expect(r.escrow!.tradeoff).toContain("refuse");
    const c = r.counterexample!;
    const total = (c.replicaA["booking"]?.length ?? 0) + (c.replicaB["booking"]?.length ?? 0) + (c.base["booking"]?.length ?? 0);
    expect(total).toBe(11);
    expect(c.explanation.at(-1)).toContain("11 > 10 holds");
  });

  test("splits over more replicas when asked", () => {
    const { r } = only("workshop.dl", { replicas: 3 });
    expect(r.escrow!.split).toContain("10 over 3 replicas: 4 for replica 1, 3 for replica 2, 3 for replica 3");
  });

  test("no overselling with sales as events: stock 1, A sells one, B sells one", () => {
    const { r } = only("sales.dl");
    expect(r.verdict).toBe("escrow");
    expect(r.escrow!.bound).toBe("stock(p, n)");
    expect(r.escrow!.split).toContain(`for p = "widget": 1 over 2 replicas: 1 for replica 1, 0 for replica 2`);
    const c = r.counterexample!;
    expect(c.base).toEqual({});
    expect(c.replicaA["sale"]).toHaveLength(1);
    expect(c.replicaB["sale"]).toHaveLength(1);
    const story = c.explanation.join("\n");
    expect(story).toContain(`stock("widget", 1)`);
    expect(story).toContain("1 > 1 is false");
    expect(story).toContain("2 > 1 holds");
  });

  test("no overselling with a sold counter per replica: merged sold is 2 > 1, and it needs a seal", () => {
    const { r, codes } = only("stock.dl");
    expect(r.verdict).toBe("escrow");
    expect(codes).toEqual(["CL603", "CL605"]);
    const story = r.counterexample!.explanation.join("\n");
    expect(story).toContain("1 > 1 is false");
    expect(story).toContain("2 > 1 holds");
  });
});

describe("solver", () => {
  test("contradicting comparisons over two replicated facts: no sufficient condition applies, Z3 proves it", () => {
    const { r, codes, notes } = only("inverted.dl");
    expect(r.verdict).toBe("proved");
    expect(r.method).toBe("solver");
    expect(r.solver!.result).toBe("unsat");
    expect(codes).toEqual(["CL601"]);
    expect(notes.join("\n")).toContain("proved by Z3");
  });
});

describe("unknown", () => {
  test("no condition applies, Z3 is not asked and the search finds nothing: says so, and that it is not a proof", () => {
    const { r, codes, notes } = only("inverted.dl", { trials: 150, solver: false });
    expect(r.verdict).toBe("unknown");
    expect(codes[0]).toBe("CL604");
    expect(r.search!.trials).toBeGreaterThan(0);
    expect(notes.join("\n")).toContain("not a proof");
  });
});

describe("determinism", () => {
  test("the same seed gives the same counterexample", () => {
    const first = only("usernames.dl", { seed: 7 }).r.counterexample;
    const second = only("usernames.dl", { seed: 7 }).r.counterexample;
    expect(second).toEqual(first);
  });
});
