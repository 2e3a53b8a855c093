// Sealed stays sealed: the kept state remembers every seal record, so deleting or replacing one is
// CL517 (never a silent unseal), `calmlog restore` writes it back, a malformed record shows its own
// help, and `seals` being a plain file is a clear error.
import { existsSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { calmlog, workspace } from "../cli/replica-fixture.js";

async function sealedDir() {
  const w = workspace();
  w.put("data/a/epoch-1/edge.facts", "x\ty\n");
  w.put("data/a/epoch-2/edge.facts", "y\tz\n");
  expect((await calmlog(w.root, "evaluate", "tasks.dl", "data")).code).toBe(0);
  expect((await calmlog(w.root, "seal", "data", "--epoch", "1")).code).toBe(0);
  return w;
}

describe("a seal record deleted or replaced", () => {
  it("is CL517 on evaluate and seal, and restore writes the same record back", async () => {
    const w = await sealedDir();
    const path = join(w.root, "data/seals/epoch-1.json");
    const original = readFileSync(path, "utf8");
    rmSync(path);
    // The files of the sealed epoch changed too: without the record this would pass unnoticed.
    w.put("data/a/epoch-1/edge.facts", "x\ty\nlate\tfact\n");
    const r = await calmlog(w.root, "evaluate", "tasks.dl", "data");
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/error CL517: the seal record of epoch 1 \(`data\/seals\/epoch-1\.json`\) is missing: epoch 1 was sealed at .*, the kept state records it/);
    expect(r.stderr).toContain("help: write it back from the kept state with `calmlog restore DIR`");
    const s = await calmlog(w.root, "seal", "data", "--epoch", "2");
    expect(s.code).toBe(1);
    expect(s.stderr).toContain("error CL517");
    expect(existsSync(join(w.root, "data/seals/epoch-2.json"))).toBe(false);

    w.put("data/a/epoch-1/edge.facts", "x\ty\n");
    const restored = await calmlog(w.root, "restore", "data");
    expect(restored.code).toBe(0);
    expect(restored.stdout).toContain("restored seal record `data/seals/epoch-1.json` from the kept state");
    expect(readFileSync(path, "utf8")).toBe(original);
    const ok = await calmlog(w.root, "evaluate", "tasks.dl", "data");
    expect(ok.code).toBe(0);
    expect(ok.stdout).toContain("epoch 1 sealed");
  });

  it("a replaced record (another digest) is CL517 too", async () => {
    const w = await sealedDir();
    const path = join(w.root, "data/seals/epoch-1.json");
    const record = JSON.parse(readFileSync(path, "utf8")) as { replicas: Record<string, { digest: string }> };
    record.replicas["a"]!.digest = "sha256:" + "0".repeat(64);
    writeFileSync(path, JSON.stringify(record, null, 2) + "\n");
    const r = await calmlog(w.root, "evaluate", "tasks.dl", "data");
    expect(r.code).toBe(1);
    expect(r.stderr).toContain("(`data/seals/epoch-1.json`) differs from the one sealed");
    expect(r.stderr).toContain("help: move the replaced record away");
  });

  it("a malformed record is CL505 with a help about the record, not about sealing order", async () => {
    const w = await sealedDir();
    writeFileSync(join(w.root, "data/seals/epoch-1.json"), "{}\n");
    const r = await calmlog(w.root, "evaluate", "tasks.dl", "data");
    expect(r.code).toBe(1);
    expect(r.stderr).toContain("error CL505: seal record `data/seals/epoch-1.json` is malformed or names another epoch");
    expect(r.stderr).toContain("help: restore it from the copy you keep");
    expect(r.stderr).not.toContain("Seal the earlier epochs first");
  });

  it("a seal's temporary file left by a killed seal is removed with a note (CL518), never an error", async () => {
    const w = await sealedDir();
    const tmp = join(w.root, "data/seals/epoch-2.json.tmp-2147480000-0badf00d");
    writeFileSync(tmp, '{"format": "calmlog-se');
    const r = await calmlog(w.root, "evaluate", "tasks.dl", "data");
    expect(r.code).toBe(0);
    expect(r.stderr).toContain("note CL518: removed `data/seals/epoch-2.json.tmp-2147480000-0badf00d`");
    expect(existsSync(tmp)).toBe(false);
    writeFileSync(tmp, "partial");
    const s = await calmlog(w.root, "seal", "data", "--epoch", "2");
    expect(s.code).toBe(0);
    expect(s.stdout).toContain("sealed epoch 2");
    expect(existsSync(tmp)).toBe(false);
    // A running seal's file (this process) is left alone and ignored.
    const mine = join(w.root, `data/seals/epoch-3.json.tmp-${process.pid}-0badf00d`);
    writeFileSync(mine, "partial");
    const again = await calmlog(w.root, "evaluate", "tasks.dl", "data");
    expect(again.code).toBe(0);
    expect(existsSync(mine)).toBe(true);
  });

  it("`seals` as a plain file is CL504, not silence", async () => {
    const w = await sealedDir();
    rmSync(join(w.root, "data/seals"), { recursive: true });
    writeFileSync(join(w.root, "data/seals"), "x");
    const r = await calmlog(w.root, "evaluate", "tasks.dl", "data");
    expect(r.code).toBe(1);
    expect(r.stderr).toContain("error CL504: `data/seals` is a file, but it is the folder of seal records");
  });
});
