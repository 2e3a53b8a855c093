import { createHash as nodeHash } from "node:crypto";
import { test } from "@fast-check/vitest";
import fc from "fast-check";
import { describe, expect } from "vitest";
import { Sha256 } from "../../src/util/sha256.js";

const createHash = (_: "sha256"): Sha256 => new Sha256();

describe("sha256 without node:crypto", () => {
  test("matches the known digests of the empty string and `abc`", () => {
    expect(createHash("sha256").digest("hex")).toBe("e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
    expect(createHash("sha256").update("abc").digest("hex")).toBe("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  });

  test.prop([fc.array(fc.string({ unit: "grapheme", maxLength: 150 }), { maxLength: 8 })])("equals node:crypto over any sequence of updates", (parts) => {
    const ours = createHash("sha256");
    const theirs = nodeHash("sha256");
    for (const p of parts) {
      ours.update(p);
      theirs.update(p);
    }
    expect(ours.digest("hex")).toBe(theirs.digest("hex"));
  });
});
