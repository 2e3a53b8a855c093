// Import direction is enforced by dependency-cruiser with the rules in .dependency-cruiser.cjs:
// the tree passes them, and a tree with an upward import or a folder outside the layers does not.
import { execFileSync } from "node:child_process";
import { copyFileSync, mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { createRequire } from "node:module";
import { describe, expect, it } from "vitest";

const require = createRequire(import.meta.url);

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

describe("one type inference, one reads graph", () => {
  const files = (dir: string): string[] => {
    const { readdirSync, statSync } = require("node:fs") as typeof import("node:fs");
    return readdirSync(dir).flatMap((e) => (statSync(join(dir, e)).isDirectory() ? files(join(dir, e)) : e.endsWith(".ts") ? [join(dir, e)] : []));
  };
  const imports = (file: string): string[] => {
    const { readFileSync } = require("node:fs") as typeof import("node:fs");
    return [...readFileSync(file, "utf8").matchAll(/from "([^"]+)"/g)].map((m) => resolve(dirname(file), m[1]!.replace(/\.js$/, ".ts")));
  };
  const src = (p: string): string => join(ROOT, "src", p);

  it("types are inferred in check/ only: the type sets stay inside it, and the planner, engine, graph and language server read CheckedProgram.types", () => {
    const offenders: string[] = [];
    for (const f of files(join(ROOT, "src"))) {
      const rel = f.slice(ROOT.length + 1);
      const deps = imports(f);
      if (!rel.startsWith("src/check/") && deps.includes(src("check/typeset.ts"))) offenders.push(`${rel} imports check/typeset.ts`);
      if (/^src\/(plan|eval|graph|lsp|analysis)\//.test(rel) && deps.includes(src("check/infer.ts"))) offenders.push(`${rel} imports check/infer.ts`);
    }
    expect(offenders).toEqual([]);
  });

  it("the reads graph is built in analysis/reads.ts only: nothing else imports the old walkers", () => {
    const offenders: string[] = [];
    const { readFileSync } = require("node:fs") as typeof import("node:fs");
    for (const f of files(join(ROOT, "src"))) {
      const rel = f.slice(ROOT.length + 1);
      if (rel === "src/analysis/reads.ts") continue;
      // An edge of kind "aggregation" or "negation" is only ever made by the builder.
      if (/kind: "(aggregation|negation)", span/.test(readFileSync(f, "utf8"))) offenders.push(rel);
    }
    expect(offenders).toEqual([]);
  });
});
