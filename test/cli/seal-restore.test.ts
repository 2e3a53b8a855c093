// Sealing after a file lost facts: `seal` refuses (CL506) instead of sealing facts the files do
// not hold, `restore` writes the kept facts back, and the seal that follows keeps verifying.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { calmlog, workspace } from "./replica-fixture.js";

describe("seal after a shrink", () => {
  it("refuses, names the file and the way out; restore makes the files whole and the seal verifies", async () => {
    const w = workspace();
    w.put("data/a/epoch-1/edge.facts", "x\ty\ny\tz\n");
    w.put("data/b/epoch-1/edge.facts", "z\tw\n");
    expect((await calmlog(w.root, "evaluate", "tasks.dl", "data")).code).toBe(0);
    w.put("data/a/epoch-1/edge.facts", "x\ty\n");
    const shrunk = await calmlog(w.root, "evaluate", "tasks.dl", "data");
    expect(shrunk.code).toBe(0);
    expect(shrunk.stderr).toContain("CL501");

    const refused = await calmlog(w.root, "seal", "data", "--epoch", "1");
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain("error CL506");
    expect(refused.stderr).toContain("data/a/epoch-1/edge.facts");
    expect(refused.stderr).toContain("calmlog restore data");
    expect(() => readFileSync(join(w.root, "data/seals/epoch-1.json"))).toThrow();

    const restored = await calmlog(w.root, "restore", "data");
    expect(restored.code).toBe(0);
    expect(restored.stdout).toContain("restored 1 fact(s) of `edge` (replica `a`, epoch 1)");
    expect(readFileSync(join(w.root, "data/a/epoch-1/edge.facts"), "utf8")).toBe("x\ty\ny\tz\n");
    expect((await calmlog(w.root, "restore", "data")).stdout).toContain("nothing to restore");

    const sealed = await calmlog(w.root, "seal", "data", "--epoch", "1");
    expect(sealed.code).toBe(0);
    const after = await calmlog(w.root, "evaluate", "tasks.dl", "data");
    expect(after.stderr).toBe("");
    expect(after.code).toBe(0);
    expect(after.stdout).toContain("epoch 1 sealed");
  });

  it("restores a file that was removed altogether", async () => {
    const w = workspace();
    w.put("data/a/epoch-1/edge.facts", "x\ty\n");
    w.put("data/a/epoch-1/blocked.facts", "q\n");
    await calmlog(w.root, "evaluate", "tasks.dl", "data");
    w.put("data/a/epoch-1/blocked.facts", "");
    expect((await calmlog(w.root, "seal", "data", "--epoch", "1")).stderr).toContain("CL506");
    expect((await calmlog(w.root, "restore", "data")).code).toBe(0);
    expect(readFileSync(join(w.root, "data/a/epoch-1/blocked.facts"), "utf8")).toBe("q\n");
    expect((await calmlog(w.root, "seal", "data", "--epoch", "1")).code).toBe(0);
  });
});
