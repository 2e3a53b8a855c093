// Checking a large document part by part gives exactly the whole file's lint, and an edit re-lints
// only the part it touches; anything the split could get wrong sends the file back to a whole lint.
import { fc, test } from "@fast-check/vitest";
import { describe, expect, it } from "vitest";
import { checkDocument, independentParts, PartCache } from "../../src/lsp/check.js";
import { scanItems } from "../../src/syntax/items.js";
import { lintProgram } from "../../src/lint.js";

/** `n` independent blocks: recursion, a negation, a threshold, a single-use variable, and an invariant in the last. */
function program(n: number): string {
  const blocks: string[] = [".type Node <: symbol"];
  for (let i = 0; i < n; i++) {
    blocks.push(
      [
        `// block ${i}`,
        `.decl edge${i}(from: Node, to: Node)`,
        `.decl path${i}(from: Node, to: Node) btree`,
        `.decl blocked${i}(node: symbol)`,
        `.decl open${i}(from: symbol, to: symbol)`,
        `.decl busy${i}(node: symbol)`,
        `.input edge${i}, blocked${i}`,
        `path${i}(x, y) :- edge${i}(x, y).  path${i}(x, z) :- path${i}(x, y), edge${i}(y, z).`,
        `open${i}(x, y) :- path${i}(x, y), !blocked${i}(x),`,
        `    !blocked${i}(y).`,
        `busy${i}(x) :- edge${i}(x, w), c = count : { edge${i}(x, _) }, c >= 3.`,
        `.output open${i}`,
      ].join("\n"),
    );
  }
  blocks.push(`.decl loop(x: symbol)\nloop(x) :- edge0(x, x), !blocked1(x).\n.invariant loop "no self-loop unless blocked"`);
  return blocks.join("\n\n") + "\n";
}

describe("checking part by part", () => {
  it("splits independent blocks and links those sharing a relation or a declared type", () => {
    const scan = scanItems(program(4));
    expect(scan.clean).toBe(true);
    const parts = independentParts(scan.items);
    // `.type Node` links every block using it; blocks 2 and 3 use no shared name beyond it.
    expect(parts.length).toBe(1);
    const untyped = scanItems(program(4).replace(/: Node/g, ": symbol").replace(".type Node <: symbol", ""));
    // Blocks 0 and 1 are linked by `loop`; 2 and 3 stand alone.
    expect(independentParts(untyped.items).length).toBe(3);
  });

  it("gives the whole file's diagnostics, and an edit re-lints only its part", () => {
    const text = program(6).replace(/: Node/g, ": symbol").replace(".type Node <: symbol", "");
    const cache = new PartCache();
    const first = checkDocument("big.dl", text, cache, { splitThreshold: 0 });
    expect(first.mode).toBe("parts");
    expect(first.parts).toBe(5);
    expect(first.diagnostics).toEqual(lintProgram({ path: "big.dl", text }).diagnostics);

    const edited = text.replace("open3(x, y) :- path3(x, y), !blocked3(x),", "open3(x, y) :- path3(x, y), !blocked3(x), !edge3(y, x),");
    const second = checkDocument("big.dl", edited, cache, { splitThreshold: 0 });
    expect(second.mode).toBe("parts");
    expect(second.linted).toBe(1);
    expect(second.diagnostics).toEqual(lintProgram({ path: "big.dl", text: edited }).diagnostics);
    expect(second.diagnostics.filter((d) => d.code === "CL302").length).toBe(first.diagnostics.filter((d) => d.code === "CL302").length + 1);

    // Inserting lines above moves every later part without re-linting it.
    const shifted = "// a new first line\n\n" + edited;
    const third = checkDocument("big.dl", shifted, cache, { splitThreshold: 0 });
    expect(third.linted).toBe(1);
    expect(third.diagnostics).toEqual(lintProgram({ path: "big.dl", text: shifted }).diagnostics);
  });

  it("keeps a syntax error local: only the part around it is linted again, with the whole file's diagnostics", () => {
    const text = program(6).replace(/: Node/g, ": symbol").replace(".type Node <: symbol", "");
    const cache = new PartCache();
    const first = checkDocument("big.dl", text, cache, { splitThreshold: 0 });
    // A clause left without its `.`, a doubled `:-`, a stray character in an unclosed bracket, an unclosed string.
    for (const broken of [
      text.replace("path3(x, y) :- edge3(x, y).", "path3(x, y) :- edge3(x, y)"),
      text.replace("busy2(x) :-", "busy2(x) :- :-"),
      text.replace("open4(x, y) :- path4(x, y), !blocked4(x),", "open4(x, y) :- path4(x, y @ !blocked4(x),"),
      text.replace(".output open1", '.output open1\nopen1("a, "b").'),
    ]) {
      const check = checkDocument("big.dl", broken, cache, { splitThreshold: 0, previous: first });
      expect(check.mode).toBe("parts");
      expect(check.linted).toBeLessThanOrEqual(3);
      expect(check.diagnostics).toEqual(lintProgram({ path: "big.dl", text: broken }).diagnostics);
      // An error anywhere stops the analysis everywhere, as in a whole-file lint.
      expect(check.diagnostics.some((d) => d.code === "CL302")).toBe(false);
    }
    const repaired = checkDocument("big.dl", text, cache, { splitThreshold: 0 });
    expect(repaired.diagnostics).toEqual(first.diagnostics);
  });

  it("reads `calmlog-ignore` comments from the whole document", () => {
    const text = program(3).replace(/: Node/g, ": symbol").replace(".type Node <: symbol", "").replace("open1(x, y) :-", "// calmlog-ignore CL302: sealed nightly\nopen1(x, y) :-");
    const check = checkDocument("big.dl", text, new PartCache(), { splitThreshold: 0 });
    expect(check.mode).toBe("parts");
    expect(check.diagnostics).toEqual(lintProgram({ path: "big.dl", text }).diagnostics);
  });

  test.prop([fc.array(fc.tuple(fc.nat(), fc.nat({ max: 6 }), fc.constantFrom("", ".", "(", ")", ",", ":-", "!", "x", "\"", "@", ".decl", ".output", "\n", "/*", "}")), { minLength: 1, maxLength: 3 })], { numRuns: 40 })(
    "gives a whole-file lint's diagnostics after any edits, broken ones included",
    (edits) => {
      const text = program(4).replace(/: Node/g, ": symbol").replace(".type Node <: symbol", "");
      const cache = new PartCache();
      let previous = checkDocument("big.dl", text, cache, { splitThreshold: 0 });
      let current = text;
      for (const [at, remove, insert] of edits) {
        const start = at % (current.length + 1);
        current = current.slice(0, start) + insert + current.slice(start + remove);
        previous = checkDocument("big.dl", current, cache, { splitThreshold: 0, previous });
        expect(previous.diagnostics).toEqual(lintProgram({ path: "big.dl", text: current }).diagnostics);
      }
    },
  );

  it("reads a name right before a directive as the whole file does: one qualified name (`x.decl`), not a name and a directive", () => {
    const text = program(4).replace(/: Node/g, ": symbol").replace(".type Node <: symbol", "");
    const cache = new PartCache();
    const previous = checkDocument("big.dl", text, cache, { splitThreshold: 0 });
    const at = text.indexOf(".decl busy2");
    const edited = text.slice(0, at) + "x" + text.slice(at);
    const check = checkDocument("big.dl", edited, cache, { splitThreshold: 0, previous });
    const whole = lintProgram({ path: "big.dl", text: edited }).diagnostics;
    expect(whole.some((d) => d.code === "CL101")).toBe(true);
    expect(check.diagnostics).toEqual(whole);
  });

  it("reads `.word` right after a clause as the whole file does: a `.` and a name, not an unknown directive", () => {
    const text = program(4).replace(/: Node/g, ": symbol").replace(".type Node <: symbol", "");
    const cache = new PartCache();
    const first = checkDocument("big.dl", text, cache, { splitThreshold: 0 });
    // The `.` starts an item of its own; on its own line it would lex as the directive `.outputinvariant`.
    const broken = text.replace('!blocked1(x).\n.invariant loop "', '!blocked1(x)..outputinvariant loop "');
    expect(broken).not.toBe(text);
    for (const check of [checkDocument("big.dl", broken, cache, { splitThreshold: 0, previous: first }), checkDocument("big.dl", broken, new PartCache(), { splitThreshold: 0 })]) {
      expect(check.mode).toBe("parts");
      expect(check.diagnostics).toEqual(lintProgram({ path: "big.dl", text: broken }).diagnostics);
      expect(check.diagnostics.filter((d) => d.severity === "error").map((d) => d.message)).toEqual(["expected a clause or a directive but found `.`", "expected `(` but found `loop`"]);
    }
  });

  it("lints the file whole when a name only the whole file can suggest, or a component, is involved", () => {
    const text = program(3).replace(/: Node/g, ": symbol").replace(".type Node <: symbol", "");
    for (const broken of [text.replace("!blocked2(y)", "!blocked(y)"), text.replace(".output open0", ".output opn0"), text + "\n.comp C {}\n"]) {
      const check = checkDocument("big.dl", broken, new PartCache(), { splitThreshold: 0 });
      expect(check.mode).toBe("whole");
      expect(check.diagnostics).toEqual(lintProgram({ path: "big.dl", text: broken }).diagnostics);
    }
  });
});
