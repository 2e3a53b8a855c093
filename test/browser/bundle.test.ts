// The core runs outside Node: an esbuild bundle of `src/index.ts` for the browser resolves without
// any `node:` module, none of calmlog's own modules in it touches `process`, and it also bundles as
// CommonJS, which esbuild refuses when a module uses top-level await.
import { readFileSync } from "node:fs";
import { build } from "esbuild";
import { describe, expect, it } from "vitest";

async function bundle(format: "esm" | "cjs") {
  return build({ entryPoints: ["src/index.ts"], bundle: true, write: false, metafile: true, format, platform: "browser", logLevel: "silent", outfile: `core.${format}.js` });
}

describe("the core bundle for the browser", () => {
  it("has no `node:` import, and calmlog's modules in it never touch `process`", async () => {
    const result = await bundle("esm");
    expect(result.errors).toEqual([]);
    const inputs = Object.keys(result.metafile.inputs);
    expect(inputs).toContain("src/replica/replica.js".replace(".js", ".ts"));
    for (const [path, input] of Object.entries(result.metafile.inputs)) {
      for (const imp of input.imports) expect(imp.path, `${path} imports ${imp.path}`).not.toMatch(/^node:/);
    }
    const text = result.outputFiles[0]!.text;
    expect(text).not.toMatch(/(?:\bfrom\s*|\bimport\s*\(\s*|\brequire\s*\(\s*)["']node:/);
    const own = inputs.filter((p) => p.startsWith("src/"));
    expect(own.length).toBeGreaterThan(40);
    for (const path of own) expect(readFileSync(path, "utf8"), path).not.toMatch(/\bprocess\s*[.[]|typeof process\b/);
  });

  it("bundles as CommonJS too, so no module of the core uses top-level await", async () => {
    const result = await bundle("cjs");
    expect(result.errors).toEqual([]);
  });

  it("the graph and HTML renderers are browser-safe as well (the playground bundles them)", async () => {
    const result = await build({ stdin: { contents: 'export * from "./src/index.ts"; export * from "./src/graph/index.ts"; export * from "./src/report/html-lint.ts";', resolveDir: ".", loader: "ts" }, bundle: true, write: false, metafile: true, format: "esm", platform: "browser", logLevel: "silent" });
    expect(result.errors).toEqual([]);
    for (const input of Object.values(result.metafile.inputs)) for (const imp of input.imports) expect(imp.path).not.toMatch(/^node:/);
  });
});
