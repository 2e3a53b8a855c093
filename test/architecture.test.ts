// Import direction is enforced by dependency-cruiser with the rules in .dependency-cruiser.cjs:
// the tree passes them, and a tree with an upward import or a folder outside the layers does not.
import { execFileSync } from "node:child_process";
import { copyFileSync, mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { describe, expect, it } from "vitest";

const ROOT = resolve(import.meta.dirname, "..");
const DEPCRUISE = join(ROOT, "node_modules", "dependency-cruiser", "bin", "dependency-cruise.mjs");

function depcruise(cwd: string): { code: number; output: string } {
  try {
    const output = execFileSync(process.execPath, [DEPCRUISE, "src", "--config", ".dependency-cruiser.cjs", "--output-type", "err"], { cwd, encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] });
    return { code: 0, output };
  } catch (err) {
    const e = err as { status: number; stdout: string; stderr: string };
    return { code: e.status, output: e.stdout + e.stderr };
  }
}

describe("import direction", () => {
  it("src/ imports only down the layers", () => {
    const r = depcruise(ROOT);
    expect(r.output).toContain("no dependency violations found");
    expect(r.code).toBe(0);
  });

  it("fails on an upward import, on a folder outside the layers and on an import that does not resolve", () => {
    const dir = mkdtempSync(join(tmpdir(), "calmlog-depcruise-"));
    copyFileSync(join(ROOT, ".dependency-cruiser.cjs"), join(dir, ".dependency-cruiser.cjs"));
    const put = (rel: string, text: string): void => {
      mkdirSync(dirname(join(dir, rel)), { recursive: true });
      writeFileSync(join(dir, rel), text);
    };
    put("tsconfig.json", JSON.stringify({ compilerOptions: { module: "NodeNext", moduleResolution: "NodeNext", strict: true } }));
    put("src/cli/main.ts", 'export const main = 1;\n');
    put("src/eval/engine.ts", 'import { main } from "../cli/main.js";\nexport const engine = main;\n');
    put("src/stray/x.ts", 'import { engine } from "../eval/engine.js";\nexport const x = engine;\n');
    put("src/syntax/parse.ts", 'import { gone } from "./missing.js";\nexport const parse = gone;\n');
    const r = depcruise(dir);
    expect(r.code).not.toBe(0);
    expect(r.output).toContain("no-upward-import-from-eval: src/eval/engine.ts → src/cli/main.ts");
    expect(r.output).toContain("every-module-in-a-layer: src/stray/x.ts");
    expect(r.output).toContain("no-unresolvable-import: src/syntax/parse.ts");
  });
});

describe("ARCHITECTURE.md", () => {
  it("names every folder and top-level module of src/ and every layer of the import rules", async () => {
    const { readdirSync, readFileSync, statSync } = await import("node:fs");
    const doc = readFileSync(join(ROOT, "ARCHITECTURE.md"), "utf8");
    const entries = readdirSync(join(ROOT, "src")).filter((e) => e.endsWith(".ts") || statSync(join(ROOT, "src", e)).isDirectory());
    const missing = entries.map((e) => (e.endsWith(".ts") ? e : `${e}/`)).filter((name) => !doc.includes(`\`${name}\``) && !doc.includes(`\`src/${name}\``));
    expect(missing).toEqual([]);
    const rules = readFileSync(join(ROOT, ".dependency-cruiser.cjs"), "utf8");
    for (const folder of entries.filter((e) => !e.endsWith(".ts"))) expect(rules).toContain(`"^src/${folder}/"`);
  });
});
