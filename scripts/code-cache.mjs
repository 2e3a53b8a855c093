// Makes one bundle's V8 code cache (dist/bin/NAME.cjs.cache): runs the command in this process on a
// small program with a join, recursion, a negation, a count and symbols, so the cache holds the
// functions that command compiles, then writes it. Run by scripts/bundle-cli.mjs, one process per
// bundle (a cache records what one process compiled).
//   node scripts/code-cache.mjs NAME WORKDIR [BUNDLEDIR]     (BUNDLEDIR: dist/bin/ by default)
import { appendFileSync, mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { loadBundle } from "../bin/load.js";

const [name, workdir, bundleDir] = process.argv.slice(2);
const cwd = join(workdir, name);

const PROGRAM = `// Training program for the code cache.
.decl edge(x: number, y: number)
.input edge
.decl label(x: number, s: symbol)
.input label
.decl path(x: number, y: number)
.output path
path(x, y) :- edge(x, y).
path(x, z) :- path(x, y), edge(y, z).
.decl node(x: number)
node(x) :- edge(x, _).
node(y) :- edge(_, y).
.decl sink(x: number)
.output sink
sink(x) :- node(x), !edge(x, _).
.decl outdeg(x: number, n: number)
.output outdeg
outdeg(x, n) :- node(x), n = count : { edge(x, _) }.
.decl reached(s: symbol)
.output reached
reached(s) :- path(1, x), label(x, s).
`;
const EDGES = ["1\t2", "2\t3", "3\t4", "2\t5"];
const LABELS = ["2\ttwo", "3\tthree", "4\tfour", "5\tfive"];

function write(path, text) {
  mkdirSync(join(path, ".."), { recursive: true });
  writeFileSync(path, text);
}
write(join(cwd, "p.dl"), PROGRAM);
write(join(cwd, "facts", "edge.facts"), EDGES.join("\n") + "\n");
write(join(cwd, "facts", "label.facts"), LABELS.join("\n") + "\n");
for (const [replica, part] of [["a", 0], ["b", 1]]) {
  write(join(cwd, "reps", replica, "epoch-1", "edge.facts"), EDGES.filter((_, i) => i % 2 === part).join("\n") + "\n");
  write(join(cwd, "reps", replica, "epoch-1", "label.facts"), LABELS.filter((_, i) => i % 2 === part).join("\n") + "\n");
}

/** Not a command line: appends a fact to one replica's file, so the next `evaluate` continues the kept state from it. */
const APPEND = ["(append)"];

/** The command lines each bundle runs, in order; a bundle not listed shows its help. */
const RUNS = {
  main: [["--help"], ["--version"]],
  check: [["check", "p.dl"]],
  lint: [["lint", "p.dl"], ["lint", "p.dl", "--format", "json"]],
  run: [["run", "p.dl", "-F", "facts", "-D", "out"]],
  evaluate: [["evaluate", "p.dl", "reps", "-D", "out"], ["evaluate", "p.dl", "reps"], APPEND, ["evaluate", "p.dl", "reps"]],
  explain: [["explain", "p.dl", "-F", "facts", "path(1, 4)"], ["explain", "p.dl", "-F", "facts", "--why-not", "path(4, 1)"]],
  seal: [["seal", "reps", "--epoch", "1", "--program", "p.dl"]],
  restore: [["restore", "reps", "--program", "p.dl"]],
  graph: [["graph", "p.dl"], ["graph", "p.dl", "--format", "mermaid"]],
};

const sink = { write: () => true };
const stderr = {
  text: "",
  write(s) {
    this.text += s;
    return true;
  },
};
const bundle = bundleDir === undefined ? loadBundle(name) : loadBundle(name, bundleDir);
for (const argv of RUNS[name] ?? [[name, "--help"]]) {
  if (argv === APPEND) {
    appendFileSync(join(cwd, "reps", "a", "epoch-1", "edge.facts"), "5\t6\n");
    appendFileSync(join(cwd, "reps", "a", "epoch-1", "label.facts"), "6\tsix\n");
    continue;
  }
  const code = await bundle.exports.main(argv, { stdout: sink, stderr, cwd, stdin: async () => "" });
  // 1 is a finding (a lint point, an error in the input); 2 is a crash or a usage error.
  if (code > 1) {
    process.stderr.write(`calmlog ${argv.join(" ")}: exit ${code}\n${stderr.text}`);
    process.exit(1);
  }
}
bundle.saveCache(true);
