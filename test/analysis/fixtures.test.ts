// The classification of each example rule file under test/analysis/fixtures, parsed and checked as users write them.
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { lintProgram, type LintFile } from "../../src/lint.js";

function lint(name: string): LintFile {
  const path = `test/analysis/fixtures/${name}.dl`;
  return lintProgram({ path, text: readFileSync(new URL(`./fixtures/${name}.dl`, import.meta.url), "utf8") });
}

const status = (f: LintFile) => Object.fromEntries(f.relations.filter((r) => !r.isInput).map((r) => [r.name, r.requiresSeal ? "needs seal" : "monotonic"]));
const codes = (f: LintFile) => f.diagnostics.map((d) => d.code);

describe("example programs", () => {
  it("capacities and a ban list from the program's facts need no seal; only the total of sales does", () => {
    const f = lint("capacity");
    expect(status(f)).toEqual({ capacity: "monotonic", banned: "monotonic", full: "monotonic", accepted: "monotonic", seats: "monotonic", left: "needs seal" });
    expect(f.relations.filter((r) => r.fixed).map((r) => r.name)).toEqual(["capacity", "banned", "seats"]);
    expect(codes(f)).toEqual(["CL304", "CL303"]);
    expect(f.coordination.map((c) => c.heads)).toEqual([["left"]]);
    expect(f.thresholds[0]).toMatchObject({ heads: ["full"], fixedBounds: [{ variable: "n", relation: "capacity" }] });
  });

  it("adding reactions to a post is monotonic", () => {
    const f = lint("reactions");
    expect(codes(f)).toEqual([]);
    expect(status(f)).toEqual({ shown: "monotonic" });
    expect(f.summary).toMatchObject({ rules: 1, monotonicRules: 1, relationsNeedingSeal: 0, coordinationPoints: 0 });
  });

  it("every log entry shown is monotonic", () => {
    const f = lint("log");
    expect(codes(f)).toEqual([]);
    expect(status(f)).toEqual({ shown: "monotonic", alert: "monotonic" });
  });

  it("unique usernames need coordination, by a total or by absence", () => {
    const f = lint("usernames");
    expect(status(f)).toEqual({ granted: "needs seal", taken: "monotonic", available: "needs seal" });
    expect(codes(f)).toEqual(["CL303", "CL302"]);
    const [total, absence] = f.coordination;
    expect(total!.use).toMatchObject({ kind: "aggregation", relation: "claim", text: "count : { claim(_, n) }" });
    expect(total!.use.reason).toMatch(/compared with `=` against 1/);
    expect(absence!.use).toMatchObject({ kind: "negation", relation: "taken", text: "!taken(n)" });
  });

  it("selling at most 10 seats is aggregation, not a threshold; escrow applies", () => {
    const f = lint("workshop");
    expect(status(f)).toEqual({ confirmed: "needs seal" });
    expect(codes(f)).toEqual(["CL303"]);
    expect(f.thresholds).toEqual([]);
    expect(f.coordination[0]!.remedies).toEqual(["seal", "threshold", "escrow", "authority"]);
  });

  it("a release ready when no blockers remain is negation, and its reader waits with it", () => {
    const f = lint("release");
    expect(status(f)).toEqual({ ready: "needs seal", notify: "needs seal" });
    expect(codes(f)).toEqual(["CL302", "CL305"]);
    const notify = f.relations.find((r) => r.name === "notify")!;
    expect(notify.causeText).toBe("notify <- ready <- !blocker(r, _)");
    expect(f.coordination[0]!.withheld).toEqual(["ready", "notify"]);
    const d = f.diagnostics[0]!;
    expect(d.message).toBe("rule for `ready` negates `blocker`, so `ready` waits for a sealed epoch");
    expect(d.span).toMatchObject({ line: 7, column: 25, endLine: 7, endColumn: 39 });
  });

  it("an observed-remove wish list is negation", () => {
    const f = lint("wishlist");
    expect(status(f)).toEqual({ visible: "needs seal" });
    expect(f.coordination[0]!.use).toMatchObject({ kind: "negation", relation: "removed", text: "!removed(tag)" });
  });

  it("approved once at least 2 approvals is a monotone threshold, inline or through a variable", () => {
    const f = lint("approvals");
    expect(status(f)).toEqual({ approved: "monotonic", endorsed: "monotonic" });
    expect(codes(f)).toEqual(["CL304", "CL304"]);
    expect(f.thresholds.map((t) => t.heads)).toEqual([["approved"], ["endorsed"]]);
    expect(f.summary.coordinationPoints).toBe(0);
  });

  it("negation through recursion is an error that names each cycle", () => {
    const f = lint("unstratifiable");
    expect(f.summary.stratified).toBe(false);
    const errors = f.diagnostics.filter((d) => d.code === "CL301");
    expect(errors.map((d) => d.message)).toEqual([
      "rule for `win` negates `win`, its own relation: the cycle `win -> win` has no stratified meaning",
      "rule for `a` negates `c`, which depends on `a` again: the cycle `a -> c -> a` has no stratified meaning",
    ]);
    expect(errors[1]!.related).toHaveLength(1);
    expect(errors[1]!.related[0]!.span.line).toBe(13);
  });
});
