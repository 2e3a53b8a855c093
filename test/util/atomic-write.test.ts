import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { writeFileAtomic } from "../../src/util/atomic-write.js";

describe("writeFileAtomic", () => {
  it("replaces a file's bytes and leaves no temporary file beside it", () => {
    const dir = mkdtempSync(join(tmpdir(), "calmlog-atomic-"));
    const path = join(dir, "out.csv");
    writeFileSync(path, "old\n");
    writeFileAtomic(path, "new\n");
    writeFileAtomic(path, new TextEncoder().encode("bytes ü\n"));
    expect(readFileSync(path, "utf8")).toBe("bytes ü\n");
    expect(readdirSync(dir)).toEqual(["out.csv"]);
  });

  it("refuses to replace a file when exclusive, keeping the old bytes and no temporary file", () => {
    const dir = mkdtempSync(join(tmpdir(), "calmlog-atomic-"));
    const path = join(dir, "seal.json");
    writeFileAtomic(path, "first", { exclusive: true });
    expect(() => writeFileAtomic(path, "second", { exclusive: true })).toThrow(/refusing to replace/);
    expect(readFileSync(path, "utf8")).toBe("first");
    expect(readdirSync(dir)).toEqual(["seal.json"]);
  });

  it("throws the fs error when the folder does not exist, leaving nothing behind", () => {
    const dir = mkdtempSync(join(tmpdir(), "calmlog-atomic-"));
    expect(() => writeFileAtomic(join(dir, "missing", "x"), "x")).toThrow(/ENOENT/);
    expect(readdirSync(dir)).toEqual([]);
  });
});
