// `calmlog evaluate` leaves out relations that nothing the program outputs, prints or checks reads,
// as `calmlog run` does, and says so in each format; a continuing run agrees with a fresh one.
import { appendFileSync, cpSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { calmlog, workspace } from "./replica-fixture.js";

const PROGRAM = `.decl follows(a: symbol, b: symbol)
.input follows
.decl reach(a: symbol, b: symbol)
reach(a, c) :- follows(a, b), follows(b, c), a != c.
.decl fans(a: symbol)
fans(b) :- follows(_, b).
.output fans
`;

describe("calmlog evaluate on a program with a relation nothing reads", () => {
  it("names it in the text and JSON reports, lists it nowhere else, and continues as a fresh run would", async () => {
    const w = workspace();
    writeFileSync(join(w.root, "p.dl"), PROGRAM);
    w.put("data/a/epoch-1/follows.facts", "x\ty\ny\tz\n");
    w.put("data/b/epoch-1/follows.facts", "z\tx\n");
    const text = await calmlog(w.root, "evaluate", "p.dl", "data");
    expect(text.code).toBe(0);
    expect(text.stdout).toContain("not evaluated (no output, printed relation or invariant reads them, as in `calmlog run`): `reach`\n");
    expect(text.stdout).not.toMatch(/^ {2}reach /m);
    // New facts continue the kept state; the report equals a fresh evaluation of a copy.
    appendFileSync(join(w.root, "data/b/epoch-1/follows.facts"), "z\tw\n");
    cpSync(join(w.root, "data"), join(w.root, "fresh"), { recursive: true, filter: (p) => !p.includes(".calmlog") });
    const json = JSON.parse((await calmlog(w.root, "evaluate", "p.dl", "data", "--format", "json")).stdout);
    const fresh = JSON.parse((await calmlog(w.root, "evaluate", "p.dl", "fresh", "--format", "json")).stdout);
    expect(json.unevaluated).toEqual(["reach"]);
    const html = await calmlog(w.root, "evaluate", "p.dl", "data", "--format", "html");
    expect(html.stdout).toContain("Not evaluated (no output, printed relation or invariant reads them, as in <code>calmlog run</code>): <code>reach</code>");
    expect(json.merged).toEqual(fresh.merged);
    expect(json.merged.map((m: { relation: string }) => m.relation)).toEqual(["follows", "fans"]);
    expect(json.replicas.map((r: { relations: { relation: string; size: number }[] }) => r.relations.map((x) => [x.relation, x.size]))).toEqual(
      fresh.replicas.map((r: { relations: { relation: string; size: number }[] }) => r.relations.map((x) => [x.relation, x.size])),
    );
  });
});
