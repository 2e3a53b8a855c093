import { mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { commitTempFolder, createFileOnce, writeFileAtomic, writeNewFile } from "../../src/util/atomic-write.js";

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

describe("createFileOnce", () => {
  it("writes a new file once; a second writer gets false and the first bytes stay, with no temporary file left", () => {
    const dir = mkdtempSync(join(tmpdir(), "calmlog-atomic-"));
    const path = join(dir, "epoch-1.json");
    expect(createFileOnce(path, "first\n")).toBe(true);
    expect(createFileOnce(path, "second\n")).toBe(false);
    expect(readFileSync(path, "utf8")).toBe("first\n");
    expect(readdirSync(dir)).toEqual(["epoch-1.json"]);
  });
});

describe("commitTempFolder", () => {
  it("swaps a filled folder in for the old one, whole", () => {
    const dir = mkdtempSync(join(tmpdir(), "calmlog-atomic-"));
    mkdirSync(join(dir, "g1"));
    writeFileSync(join(dir, "g1", "old.jsonl"), "old\n");
    mkdirSync(join(dir, ".g1.tmp-1-ab"));
    writeNewFile(join(dir, ".g1.tmp-1-ab", "new.jsonl"), "new\n");
    expect(() => writeNewFile(join(dir, ".g1.tmp-1-ab", "new.jsonl"), "again\n")).toThrow(/EEXIST/);
    commitTempFolder(join(dir, ".g1.tmp-1-ab"), join(dir, "g1"));
    expect(readdirSync(dir)).toEqual(["g1"]);
    expect(readdirSync(join(dir, "g1"))).toEqual(["new.jsonl"]);
    expect(readFileSync(join(dir, "g1", "new.jsonl"), "utf8")).toBe("new\n");
  });
});
