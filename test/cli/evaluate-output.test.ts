// `evaluate -D` places and formats `.output` relations as `run` does: `filename`, `delimiter`,
// `IO=stdout`, and `-D -`.
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { calmlog, workspace } from "./replica-fixture.js";

const PROGRAM = `.decl edge(a: symbol, b: symbol)
.decl reach(a: symbol, b: symbol)
.decl root(a: symbol)
.input edge
.output reach(filename="paths.txt", delimiter=",")
.output root(IO=stdout)
reach(x, y) :- edge(x, y).
reach(x, z) :- reach(x, y), edge(y, z).
root(x) :- edge(x, _), !reach(_, x).
`;

describe("calmlog evaluate -D", () => {
  it("honours filename, delimiter and IO=stdout as run does", async () => {
    const w = workspace();
    writeFileSync(join(w.root, "p.dl"), PROGRAM);
    w.put("data/a/epoch-1/edge.facts", "x\ty\n");
    w.put("data/b/epoch-1/edge.facts", "y\tz\n");
    expect((await calmlog(w.root, "seal", "data", "--epoch", "1", "--program", "p.dl")).code).toBe(0);
    const r = await calmlog(w.root, "evaluate", "p.dl", "data", "-D", "out");
    expect(r.code).toBe(0);
    expect(readFileSync(join(w.root, "out/paths.txt"), "utf8")).toBe("x,y\nx,z\ny,z\n");
    expect(r.stdout).toContain("---------------\nroot\n===============\nx\n===============\n");
    const run = await calmlog(w.root, "run", "p.dl", "-F", "data/a/epoch-1", "-D", "runout");
    expect(run.code).toBe(0);
    expect(readFileSync(join(w.root, "runout/paths.txt"), "utf8")).toBe("x,y\n");
  });

  it("prints every output after the text report with -D -, and refuses it with --format json", async () => {
    const w = workspace();
    writeFileSync(join(w.root, "p.dl"), PROGRAM);
    w.put("data/a/epoch-1/edge.facts", "x\ty\n");
    const r = await calmlog(w.root, "evaluate", "p.dl", "data", "-D", "-");
    expect(r.code).toBe(0);
    // The column names too, joined by the `delimiter` parameter, as Soufflé's `-D-` prints them.
    expect(r.stdout).toContain("---------------\nreach\na,b\n===============\nx,y\n===============\n");
    const j = await calmlog(w.root, "evaluate", "p.dl", "data", "-D", "-", "--format", "json");
    expect(j.code).toBe(2);
    expect(j.stderr).toContain("--format json");
  });
});
