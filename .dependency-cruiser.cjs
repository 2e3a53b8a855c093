// Import direction in src/: every import runs down this list (a module may import its own folder
// and any layer below it, never one above), so no two folders import each other. Checked by
// `npm run depcheck` in CI and by test/architecture.test.ts; ARCHITECTURE.md explains the layers.
/** Top to bottom. Each entry: a name and the paths (regular expressions) it holds. */
const LAYERS = [
  ["entry points", "^src/(index|node)\\.ts$"],
  ["cli", "^src/cli/"],
  ["lsp", "^src/lsp/"],
  ["report", "^src/report/"],
  ["graph", "^src/graph/"],
  ["orchestration", "^src/(pipeline|compile|lint)\\.ts$"],
  ["explain", "^src/explain/"],
  ["replica", "^src/replica/"],
  ["invariant", "^src/invariant/"],
  ["io", "^src/io/"],
  ["eval", "^src/eval/"],
  ["plan", "^src/plan/"],
  ["analysis", "^src/analysis/"],
  ["check", "^src/check/"],
  ["syntax", "^src/syntax/"],
  ["builtins", "^src/builtins/"],
  ["diagnostics", "^src/diagnostics/"],
  ["util", "^src/util/"],
];

const downward = LAYERS.slice(1).map(([name, path], i) => ({
  name: `no-upward-import-from-${name.replace(/ /g, "-")}`,
  comment: `${name} may import only the layers below it (${LAYERS.slice(i + 2).map(([n]) => n).join(", ") || "nothing"})`,
  severity: "error",
  from: { path },
  to: { path: LAYERS.slice(0, i + 1).map(([, p]) => `(${p})`).join("|") },
}));

module.exports = {
  forbidden: [
    ...downward,
    {
      name: "every-module-in-a-layer",
      comment: "a new folder or top-level file of src/ needs its place in LAYERS",
      severity: "error",
      from: { path: "^src/", pathNot: LAYERS.map(([, p]) => `(${p})`).join("|") },
      to: {},
    },
    {
      name: "no-unresolvable-import",
      severity: "error",
      from: { path: "^src/" },
      to: { couldNotResolve: true },
    },
  ],
  options: {
    doNotFollow: { path: "node_modules" },
    exclude: { path: "\\.json$" },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: "tsconfig.json" },
    enhancedResolveOptions: { extensions: [".ts", ".js"], exportsFields: ["exports"], conditionNames: ["import", "require", "node", "default", "types"], mainFields: ["module", "main", "types", "typings"] },
  },
};
