// The package as users install it: `require("calmlog")` works from CommonJS, `calmlog/node` is
// its own entry, and the shipped `.d.ts` files compile under strict TypeScript with no type
// packages at all (`"types": []`, `skipLibCheck: false`), so users need no `@types/node`.
import { execFileSync } from "node:child_process";
import { copyFileSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";

const ROOT = resolve(".");
const TSC = join(ROOT, "node_modules", "typescript", "bin", "tsc");
let app = "";

beforeAll(() => {
  app = mkdtempSync(join(tmpdir(), "calmlog-package-"));
  const pkg = join(app, "node_modules", "calmlog");
  mkdirSync(pkg, { recursive: true });
  copyFileSync(join(ROOT, "package.json"), join(pkg, "package.json"));
  execFileSync(process.execPath, [TSC, "-p", join(ROOT, "tsconfig.build.json"), "--outDir", join(pkg, "dist")], { stdio: "pipe" });
  // Every runtime dependency, as an install would bring it.
  const deps = Object.keys((JSON.parse(readFileSync(join(ROOT, "package.json"), "utf8")) as { dependencies: Record<string, string> }).dependencies);
  for (const dep of deps) {
    mkdirSync(join(app, "node_modules", dep, ".."), { recursive: true });
    symlinkSync(join(ROOT, "node_modules", dep), join(app, "node_modules", dep));
  }
  // The dependencies' own dependencies resolve from the repository's node_modules through the links.
}, 300_000);

describe("calmlog as an installed package", () => {
  it("loads with require() from CommonJS (no top-level await in the core)", () => {
    writeFileSync(join(app, "use.cjs"), `const c = require("calmlog"); const n = require("calmlog/node");\nconst r = c.compile({ path: "a.dl", text: ".decl a(x: number)\\n.decl b(x: number)\\nb(x) :- a(x), !a(x).\\n" });\nconsole.log(typeof c.ReplicaSet, typeof n.compileFile, r.diagnostics.items.length, typeof c.renderSvg);\n`);
    const out = execFileSync(process.execPath, [join(app, "use.cjs")], { cwd: app, encoding: "utf8" });
    expect(out.trim()).toMatch(/^function function \d+ function$/);
  });

  it("ships .d.ts files that compile under strict TypeScript without @types/node", () => {
    writeFileSync(join(app, "package.json"), JSON.stringify({ type: "module" }));
    writeFileSync(
      join(app, "use.ts"),
      `import { compile, lintProgram, graphOfSource, renderSvg, ReplicaSet, Engine, checkInvariants, renderLintHtml } from "calmlog";
import { compileFile, runCli, readFactFile } from "calmlog/node";
const c = compile({ path: "a.dl", text: ".decl a(x: number)\\n" });
const g = graphOfSource({ path: "a.dl", text: "" }).graph;
export const all: unknown[] = [c.analysis, lintProgram, g === null ? "" : renderSvg(g), ReplicaSet.empty(), Engine, checkInvariants, renderLintHtml, compileFile, runCli, readFactFile];
`,
    );
    writeFileSync(
      join(app, "tsconfig.json"),
      JSON.stringify({ compilerOptions: { strict: true, module: "NodeNext", moduleResolution: "NodeNext", target: "ES2022", lib: ["ES2023"], types: [], noEmit: true, skipLibCheck: false, exactOptionalPropertyTypes: true }, files: ["use.ts"] }),
    );
    const run = (): string => {
      try {
        return execFileSync(process.execPath, [TSC, "-p", app], { cwd: app, encoding: "utf8" });
      } catch (err) {
        return String((err as { stdout?: string }).stdout ?? err);
      }
    };
    expect(run()).toBe("");
  }, 600_000);

  it("no shipped .d.ts names a Node module or a dev-only type package", () => {
    const dist = join(app, "node_modules", "calmlog", "dist");
    const offenders: string[] = [];
    const walk = (dir: string): void => {
      for (const e of readdirSync(dir, { withFileTypes: true })) {
        const p = join(dir, e.name);
        if (e.isDirectory()) walk(p);
        else if (e.name.endsWith(".d.ts") && /from "(?:node:[^"]+|sarif|vitest)"|reference types="node"|\bNodeJS\./.test(readFileSync(p, "utf8"))) offenders.push(p.slice(dist.length + 1));
      }
    };
    walk(dist);
    // Only modules reached from `calmlog/node` through values, never through its types, may need Node's.
    const reachable = ["index.d.ts", "node.d.ts", "compile.d.ts", "graph/", "report/html", "report/lint.d.ts", "replica/replica.d.ts", "replica/evaluate.d.ts", "invariant/check.d.ts", "eval/", "syntax/", "analysis/", "check/"];
    expect(offenders.filter((o) => reachable.some((r) => o.startsWith(r)))).toEqual([]);
  });
});
