// `calmlog/node`: everything in `calmlog` plus what needs Node: reading rule and fact files,
// writing relation files and counterexamples, SARIF with paths relative to a folder, and the CLI.
export * from "./index.js";
export { compileFile } from "./pipeline.js";
export { readFactFile, writeRelationFile } from "./io/index.js";
export { renderLintSarif } from "./report/sarif.js";
export { writeCounterexample } from "./invariant/facts.js";
export { main as runCli } from "./cli/main.js";
