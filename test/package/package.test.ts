// The package as users get it: `npm pack`, installed into an empty folder, runs an example from the
// CLI, loads with `require` from CommonJS, type-checks under strict TypeScript with only its own
// dependencies, ships LICENSE and the JSON schemas, and works on the lowest Node `engines` names
// (fetched as the npm `node` package at that version).
import { execFileSync, spawnSync } from "node:child_process";
import { copyFileSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";

const ROOT = resolve(import.meta.dirname, "..", "..");
const pkg = JSON.parse(readFileSync(join(ROOT, "package.json"), "utf8")) as { engines: { node: string }; version: string };
const lowest = /^>=(\d+\.\d+(?:\.\d+)?)$/.exec(pkg.engines.node)![1]!;
const npm = process.platform === "win32" ? "npm.cmd" : "npm";
let app = "";
let files: string[] = [];

beforeAll(() => {
  const packs = mkdtempSync(join(tmpdir(), "calmlog-pack-"));
  // `npm pack` runs `prepare`, so the tarball holds a fresh build.
  const out = execFileSync(npm, ["pack", "--json", "--pack-destination", packs], { cwd: ROOT, encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] });
  const info = JSON.parse(out.slice(out.indexOf("["))) as { filename: string; files: { path: string }[] }[];
  files = info[0]!.files.map((f) => f.path);
  app = mkdtempSync(join(tmpdir(), "calmlog-app-"));
  writeFileSync(join(app, "package.json"), JSON.stringify({ name: "app", version: "1.0.0", private: true, type: "commonjs" }));
  execFileSync(npm, ["install", "--prefer-offline", "--no-audit", "--no-fund", join(packs, info[0]!.filename)], { cwd: app, stdio: "ignore" });
  copyFileSync(join(ROOT, "programs/release/release.dl"), join(app, "release.dl"));
}, 600_000);

describe("the packed package", () => {
  it("holds LICENSE and the JSON schemas the README and --help point to", () => {
    for (const f of ["LICENSE", "src/report/lint-schema.json", "src/replica/evaluate-schema.json", "bin/calmlog.js", "dist/index.js", "dist/index.d.ts"]) expect(files, f).toContain(f);
  });

  it("runs an example from its bin", () => {
    const r = spawnSync(process.execPath, [join(app, "node_modules/.bin/calmlog"), "lint", "-f", "json", "release.dl"], { cwd: app, encoding: "utf8" });
    expect(r.stderr).toBe("");
    expect(JSON.parse(r.stdout).files[0].summary.coordinationPoints).toBeGreaterThan(0);
  });

  it("loads with require() from CommonJS", () => {
    const script = 'const c = require("calmlog"); const r = c.compile({ path: "a.dl", text: ".decl a(x: number)\\na(1).\\n" }); console.log(r.diagnostics.items.length, typeof c.Engine);';
    const r = spawnSync(process.execPath, ["-e", script], { cwd: app, encoding: "utf8" });
    expect(r.stderr).toBe("");
    expect(r.stdout.trim()).toBe("0 function");
  });

  it("type-checks under strict TypeScript with only the package's own dependencies", () => {
    writeFileSync(join(app, "use.ts"), 'import { compile } from "calmlog";\nconst r = compile({ path: "a.dl", text: ".decl a(x: number)\\n" });\nexport const n: number = r.diagnostics.items.length;\n');
    writeFileSync(
      join(app, "tsconfig.json"),
      JSON.stringify({ compilerOptions: { strict: true, module: "nodenext", moduleResolution: "nodenext", target: "es2022", noEmit: true, skipLibCheck: false, types: [] }, files: ["use.ts"] }),
    );
    const r = spawnSync(process.execPath, [join(ROOT, "node_modules/typescript/bin/tsc"), "-p", "."], { cwd: app, encoding: "utf8" });
    expect(r.stdout + r.stderr).toBe("");
    expect(r.status).toBe(0);
  }, 300_000);

  it(`works on Node ${lowest}, the lowest version "engines" names`, () => {
    const node = (args: string[]) => spawnSync(npm, ["exec", "--yes", "--package", `node@${lowest}`, "--", "node", ...args], { cwd: app, encoding: "utf8" });
    const version = node(["--version"]);
    expect(version.stdout.trim()).toBe(`v${lowest}`);
    const lint = node([join(app, "node_modules/.bin/calmlog"), "check", "release.dl"]);
    expect(lint.stderr).toBe("");
    expect(lint.status).toBe(0);
    const cjs = node(["-e", 'console.log(typeof require("calmlog").compile)']);
    expect(cjs.stdout.trim()).toBe("function");
  }, 300_000);
});
