import { closeSync, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { canMapFiles, mapFile } from "../../src/util/map-file.js";

// The addon is built by `npm install` wherever a C compiler is (CI installs one): on Linux mapping
// must be there, or continuing runs silently lose what it saves.
const dirs: string[] = [];
afterEach(() => {
  delete process.env["CALMLOG_NO_MMAP"];
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

function file(bytes: Buffer): string {
  const dir = mkdtempSync(join(tmpdir(), "calmlog-map-"));
  dirs.push(dir);
  const path = join(dir, "part.bin");
  writeFileSync(path, bytes);
  return path;
}

function mapped(path: string, length: number): Buffer | null {
  const fd = openSync(path, "r");
  try {
    return mapFile(fd, length);
  } finally {
    closeSync(fd);
  }
}

describe("mapFile", () => {
  it.runIf(process.platform === "linux")("maps on Linux, where install builds the addon", () => {
    expect(canMapFiles()).toBe(true);
  });

  it.runIf(process.platform === "linux")("gives the file's bytes, and writes change only the process's copy", () => {
    const bytes = Buffer.alloc(3 * 4096 + 17);
    for (let i = 0; i < bytes.length; i++) bytes[i] = (i * 31) & 0xff;
    const path = file(bytes);
    const m = mapped(path, bytes.length)!;
    // The descriptor is closed: the mapping outlives it.
    expect(m.equals(bytes)).toBe(true);
    const view = new Int32Array(m.buffer, m.byteOffset + 4096, 8);
    view.fill(-1);
    expect(m.readInt32LE(4096)).toBe(-1);
    expect(readFileSync(path).equals(bytes)).toBe(true);
    // A second mapping sees the file, not the first one's writes.
    expect(mapped(path, bytes.length)!.equals(bytes)).toBe(true);
  });

  it("gives null when turned off, for an empty file, or for a descriptor it cannot map", () => {
    const path = file(Buffer.from("CLDERIV1"));
    process.env["CALMLOG_NO_MMAP"] = "1";
    expect(canMapFiles()).toBe(false);
    expect(mapped(path, 8)).toBeNull();
    delete process.env["CALMLOG_NO_MMAP"];
    expect(mapped(path, 0)).toBeNull();
    // A closed descriptor: mmap fails with EBADF, and the caller reads instead.
    const fd = openSync(path, "r");
    closeSync(fd);
    expect(mapFile(fd, 8)).toBeNull();
  });
});
