// Partition keys of the strata that need a seal, on small hand-built programs and on programs/.
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { analyze } from "../../src/analysis/analyze.js";
import { describeKey, inferPartitions } from "../../src/analysis/partition.js";
import { check } from "../../src/check/check.js";
import type { CheckedProgram } from "../../src/check/types.js";
import { Diagnostics } from "../../src/diagnostics/diagnostic.js";
import { parse } from "../../src/syntax/parse.js";
import { _, agg, atom, cmp, n, not, pos, ProgramBuilder, v } from "./build.js";

function summary(checked: CheckedProgram): Record<string, string> {
  const analysis = analyze(checked, new Diagnostics());
  const out: Record<string, string> = {};
  for (const s of inferPartitions(checked, analysis).strata) {
    out[s.relations.join(",")] = s.blocker === null ? `key ${describeKey(s.inputs)}` : `not: ${s.blocker.text}: ${s.blocker.reason}`;
  }
  return out;
}

const release = () => new ProgramBuilder().decl("release", "r").decl("blocker", "r", "b").decl("ready", "r");

describe("partition keys of small programs", () => {
  it("`!blocker(r, _)` carries the key", () => {
    const p = release().rule(atom("ready", v("r")), pos("release", v("r")), not("blocker", v("r"), _())).build();
    expect(summary(p)).toEqual({ ready: "key `release.r` (= `blocker.r`)" });
  });

  it("`!blocker(_, _)` does not, and is named", () => {
    const p = release().rule(atom("ready", v("r")), pos("release", v("r")), not("blocker", _(), _())).build();
    expect(summary(p)).toEqual({ ready: "not: !blocker(_, _): `!blocker(_, _)` does not hold `r`" });
  });

  it("an aggregate must be grouped by the key", () => {
    const base = () => new ProgramBuilder().decl("vote", "p", "u").decl("post", "p").decl("total", "p", "n:number");
    const grouped = base().rule(atom("total", v("p"), v("c")), pos("post", v("p")), cmp(v("c"), "=", agg("count", null, pos("vote", v("p"), _())))).build();
    expect(summary(grouped)).toEqual({ total: "key `vote.p` (= `post.p`)" });
    const ungrouped = base().rule(atom("total", v("p"), v("c")), pos("post", v("p")), cmp(v("c"), "=", agg("count", null, pos("vote", _(), _())))).build();
    expect(summary(ungrouped).total).toBe("not: vote(_, _): the aggregate over `vote(_, _)` is not grouped by `p`");
  });

  it("fixed relations need not carry the key", () => {
    const p = release().decl("owner", "who").fact("owner", n(1)).decl("ok", "r")
      .rule(atom("ok", v("r")), pos("release", v("r")), pos("owner", v("w")), not("blocker", v("r"), v("w"))).build();
    expect(summary(p)).toEqual({ ok: "key `release.r` (= `blocker.r`)" });
  });

  it("the key traces through lower strata, and must reach one column of each input", () => {
    const p = new ProgramBuilder().decl("edge", "a", "b").decl("gone", "a").decl("link", "x", "y").decl("live", "x")
      .rule(atom("link", v("x"), v("y")), pos("edge", v("x"), v("y")))
      .rule(atom("link", v("x"), v("y")), pos("edge", v("y"), v("x")))
      .rule(atom("live", v("x")), pos("link", v("x"), _()), not("gone", v("x"))).build();
    expect(summary(p).live).toBe("not: link(x, _): `link(x, _)` holds `x` only in a column of `link` that is not partitioned the same way");
    expect(summary(p).link).toBeUndefined();
  });

  it("a recursive stratum is partitioned when every rule keeps the key in place", () => {
    const p = new ProgramBuilder().decl("edge", "g", "a", "b").decl("reach", "g", "a", "b").decl("cut", "g").decl("unreached", "g", "a", "b")
      .rule(atom("reach", v("g"), v("a"), v("b")), pos("edge", v("g"), v("a"), v("b")))
      .rule(atom("reach", v("g"), v("a"), v("c")), pos("reach", v("g"), v("a"), v("b")), pos("edge", v("g"), v("b"), v("c")))
      .rule(atom("unreached", v("g"), v("a"), v("b")), pos("edge", v("g"), v("a"), _()), pos("edge", v("g"), _(), v("b")), not("reach", v("g"), v("a"), v("b")), not("cut", v("g"))).build();
    expect(summary(p)).toEqual({ unreached: "key `edge.g` (= `cut.g`)" });
  });

  it("a counter is never sealable per key, nor is what reads its numbers; a choice per key is", () => {
    const of = (text: string): Record<string, string> => {
      const d = new Diagnostics();
      return summary(check(parse({ path: "t.dl", text }, d), d));
    };
    const counted = of(`.decl order(id: number, item: symbol)
.input order
.decl ticket(n: number, id: number)
.decl late(id: number)
ticket(autoinc(), id) :- order(id, _).
late(id) :- ticket(n, id), n > 10.
`);
    expect(counted.ticket).toBe("not: autoinc(): `autoinc()` numbers `ticket` with one counter across every key, so a key's numbers depend on the other keys' facts");
    expect(counted.late).toBe("not: ticket(n, id): `ticket(n, id)` holds `id` only in a column of `ticket` that is not partitioned the same way");
    // Without the counter the same rule is keyed by the order.
    expect(of(`.decl order(id: number, item: symbol)
.input order
.decl pick(id: number, item: symbol) choice-domain id
pick(id, i) :- order(id, i).
`)).toEqual({ pick: "key `order.id`" });
  });
});

describe("partition keys of programs/", () => {
  const dir = join(import.meta.dirname, "../../programs");
  const of = (name: string): Record<string, string> => {
    const d = new Diagnostics();
    const path = join(dir, name, `${name}.dl`);
    return summary(check(parse({ path, text: readFileSync(path, "utf8") }, d), d));
  };
  it("release: `ready` is sealable per release", () => {
    expect(of("release")).toEqual({
      open_blocker: "key `blocker.r` (= `resolved.r`)",
      ready: "key `release.r` (= `approval.r`, `blocker.r`, `resolved.r`)",
      blocked_but_ready: "key `release.r` (= `approval.r`, `blocker.r`, `resolved.r`)",
    });
  });
  it("wishlist: `visible` is not, because of `!removed(tag)`", () => {
    expect(of("wishlist")).toEqual({
      visible: "not: !removed(tag): `!removed(tag)` does not hold `i`",
      dangling_remove: "key `added.tag` (= `removed.tag`)",
    });
  });
  it("orders: revenue and orphan_order are not partitioned, the rest by order", () => {
    const o = of("orders");
    expect(o.unpaid).toBe("key `order.id` (= `payment.order`)");
    expect(o.revenue).toBe("not: payment(_, o, a): the aggregate over `payment(_, o, a)` is not grouped by `r`");
    expect(o.orphan_order).toBe("not: !known_customer(c): `!known_customer(c)` does not hold `o`");
  });
  it("every program has an answer for each stratum that needs a seal", () => {
    for (const name of readdirSync(dir).filter((f) => !f.includes("."))) {
      for (const s of Object.values(of(name))) expect(s).toMatch(/^(key `|not: )/);
    }
  });
});

describe("README table of partitioned strata", () => {
  it("matches the analysis of every program in programs/", () => {
    const root = join(import.meta.dirname, "../..");
    const readme = readFileSync(join(root, "README.md"), "utf8");
    const names = readdirSync(join(root, "programs")).filter((f) => !f.includes(".")).sort();
    for (const name of names) {
      const path = join(root, "programs", name, `${name}.dl`);
      const d = new Diagnostics();
      const checked = check(parse({ path, text: readFileSync(path, "utf8") }, d), d);
      const s = analyze(checked, d).partitions.strata;
      const ok = s.filter((x) => x.blocker === null);
      const keys = [...new Set(ok.map((x) => describeKey(x.inputs)))];
      const quote = (rs: readonly string[]): string => rs.map((r) => `\`${r}\``).join(", ");
      const byKey = keys.map((k) => `${k}: ${ok.filter((x) => describeKey(x.inputs) === k).map((x) => quote(x.relations)).join(", ")}`).join("; ");
      const not = s.filter((x) => x.blocker !== null).map((x) => `${quote(x.relations)}: \`${x.blocker!.text}\``).join("; ");
      expect(readme).toContain(`| ${name} | ${s.length} | ${ok.length} | ${byKey || "-"} | ${not || "-"} |`);
    }
  });
});
