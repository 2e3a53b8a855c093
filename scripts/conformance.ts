// Runs a local checkout of Soufflé's test suite through `calmlog run`, the way Soufflé's own harness
// runs it: `-D <out> -F <case>/facts <case>/<case>.dl` in the output directory; the `.csv` files
// written must be as many as expected and equal after sorting, stdout equal after sorting;
// negative cases must fail with an error (exit 1; a crash is no pass). The tests are not part of
// this repository: `npm run conformance -- PATH/TO/souffle` (a checkout, or its `tests` folder).
import { spawn, spawnSync, type ChildProcessWithoutNullStreams } from "node:child_process";
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { basename, dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";

const CATEGORIES = ["evaluation", "semantic", "syntactic", "example"] as const;

/** One run of one test directory, as one `souffle_run_test_helper` call in Soufflé's CMake files. */
interface Case {
  readonly id: string;
  readonly category: string;
  readonly name: string;
  readonly dir: string;
  readonly negative: boolean;
  /** Where the expected `.csv` files are: the case folder, or its facts folder for multi-tests. */
  readonly checkDir: string;
  readonly factsDir: string;
  readonly stdoutOutput: boolean;
  readonly noPreprocessor: boolean;
  readonly includeDirs: readonly string[];
  /** Why Soufflé's harness does not run it here (a functor library, another platform), or null. */
  readonly skip: string | null;
}

interface Outcome {
  readonly case: Case;
  readonly pass: boolean;
  readonly cause: string;
  readonly features: readonly string[];
  readonly ms: number;
}

// ---- reading Soufflé's CMake test lists ------------------------------------------------------

function cmakeCalls(text: string): { fn: string; args: string[]; disabled: string | null }[] {
  const out: { fn: string; args: string[]; disabled: string | null }[] = [];
  const clean = text.replace(/#[^\n]*/g, "");
  const re = /(\w+)\s*\(([^()]*(?:\([^()]*\)[^()]*)*)\)/g;
  const conds: (string | null)[] = [];
  let m: RegExpExecArray | null;
  while ((m = re.exec(clean)) !== null) {
    const fn = m[1]!.toLowerCase();
    const args = m[2]!.split(/\s+/).filter((a) => a !== "");
    if (fn === "if") {
      const cond = args.join(" ");
      // Only what a Linux build with zlib and SQLite runs.
      const off = cond === "FALSE" || /NOT \$\{CMAKE_SYSTEM_NAME\} MATCHES "Linux"/.test(cond) ? `\`if (${cond})\` in CMakeLists.txt` : null;
      conds.push(off);
      continue;
    }
    if (fn === "endif") {
      conds.pop();
      continue;
    }
    if (fn === "function" || fn === "endfunction") {
      if (fn === "function") conds.push("function body");
      else conds.pop();
      continue;
    }
    const disabled = conds.find((c) => c !== null) ?? null;
    if (disabled === "function body") continue;
    out.push({ fn, args, disabled });
  }
  return out;
}

function casesOf(testsDir: string, category: string): Case[] {
  const file = join(testsDir, category, "CMakeLists.txt");
  if (!existsSync(file)) return [];
  const cases: Case[] = [];
  const add = (name: string, o: { negative?: boolean; factsName?: string; multi?: boolean; stdout?: boolean; noPre?: boolean; include?: string[]; skip?: string | null }): void => {
    const dir = join(testsDir, category, name);
    const factsName = o.factsName ?? "facts";
    cases.push({
      id: `${category}/${name}${o.multi ? `_${factsName}` : ""}`,
      category,
      name,
      dir,
      negative: o.negative === true,
      checkDir: o.multi ? join(dir, factsName) : dir,
      factsDir: join(dir, factsName),
      stdoutOutput: o.stdout === true,
      noPreprocessor: o.noPre === true,
      includeDirs: (o.include ?? []).map((d) => join(dir, d)),
      skip: o.skip ?? null,
    });
  };
  for (const { fn, args, disabled } of cmakeCalls(readFileSync(file, "utf8"))) {
    const skip = disabled;
    const named = (key: string): string | undefined => {
      const i = args.indexOf(key);
      return i >= 0 ? args[i + 1] : undefined;
    };
    const list = (key: string): string[] => {
      const i = args.indexOf(key);
      if (i < 0) return [];
      const out: string[] = [];
      for (const a of args.slice(i + 1)) {
        if (/^[A-Z_]+$/.test(a)) break;
        out.push(a);
      }
      return out;
    };
    if (fn === "positive_test" || fn === "negative_test" || fn === "positive_output_stdout_test") {
      add(args[0]!, { negative: fn === "negative_test", stdout: fn === "positive_output_stdout_test", skip });
    } else if (fn === "souffle_run_test" || fn === "souffle_run_test_helper") {
      const name = named("TEST_NAME");
      if (name === undefined || name.startsWith("$")) continue;
      const extra = named("EXTRA_DATA");
      const functors = args.includes("FUNCTORS");
      add(name, {
        negative: args.includes("NEGATIVE"),
        noPre: args.includes("NO_PREPROCESSOR"),
        include: list("INCLUDE_DIRS"),
        stdout: args.includes("OUTPUT_STDOUT"),
        skip: skip ?? (functors ? "needs a compiled C++ functor library" : extra === "json" ? "checks Soufflé's JSON writer" : null),
      });
    } else if (fn === "souffle_positive_functor_test") {
      add(args[0]!, { skip: "needs a compiled C++ functor library" });
    } else if (fn === "souffle_positive_multi_test") {
      const name = named("TEST_NAME")!;
      for (const f of list("FACTS_DIR_NAMES")) add(name, { factsName: f, multi: true, skip });
    }
  }
  return cases;
}

// ---- what a case uses ------------------------------------------------------------------------

/** Language features beyond the core, each with the test that spots it in the source text. */
const FEATURES: readonly [string, RegExp][] = [
  ["preprocessor", /^\s*#\s*(include|define|if|ifdef|ifndef|undef)\b/m],
  ["components", /\.(comp|init|override)\b/],
  ["pragma", /\.pragma\b/],
  ["ADTs", /\$[A-Za-z_]\w*|\.type\s+\w+\s*=\s*[A-Za-z_]\w*\s*\{/],
  ["records", /\[|\bnil\b/],
  ["match/contains", /\b(match|contains)\s*\(/],
  ["choice-domain", /choice-domain/],
  ["subsumption", /\)\s*<=\s*[A-Za-z_][\w.]*\s*\([^)]*\)\s*:-/],
  ["range", /\brange\s*\(/],
  ["conversions", /\b(to_float|to_unsigned|itou|itof|ftoi|ftou|utoi|utof|as)\s*\(/],
  ["autoinc", /\bautoinc\s*\(|\$(?![A-Za-z_])/],
  ["user functors", /\.functor\b/],
  ["IO options", /IO\s*=\s*"?(sqlite|stdin|stdout)|compress|rfc4180|headers\s*=/],
  [".plan", /\.plan\b/],
  ["eqrel", /\beqrel\b/],
];

function featuresOf(source: string): string[] {
  const code = source.replace(/\/\/[^\n]*|\/\*[\s\S]*?\*\//g, "").replace(/"(?:[^"\\\n]|\\.)*"/g, '""');
  return FEATURES.filter(([, re]) => re.test(code)).map(([name]) => name);
}

// ---- comparing outputs as Soufflé's harness does ----------------------------------------------

/** Lines as Python iterates a file, right-stripped and sorted (`sort_file` then `compare_files`). */
function sortedLines(text: string): string {
  const rows = text.split(/(?<=\n)/).filter((l) => l !== "").map((l) => l.trimEnd());
  rows.sort();
  return rows.join("\n").split("\n").map((l) => l.trimEnd()).join("\n");
}

function csvFiles(dir: string): string[] {
  return existsSync(dir) ? readdirSync(dir).filter((f) => f.endsWith(".csv")).sort() : [];
}

// ---- running a case --------------------------------------------------------------------------

interface Reply {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
  readonly timedOut: boolean;
}

const here = dirname(fileURLToPath(import.meta.url));

/** A long-lived `calmlog run` process; replaced when a case runs past its time limit. */
class Worker {
  private child: ChildProcessWithoutNullStreams | null = null;
  private buffer = "";
  private waiting: ((r: Reply) => void) | null = null;
  private nextId = 0;

  private start(): ChildProcessWithoutNullStreams {
    const child = spawn(process.execPath, ["--import", "tsx", join(here, "conformance-worker.ts")], { stdio: ["pipe", "pipe", "pipe"] });
    child.stdout.setEncoding("utf8");
    child.stdout.on("data", (chunk: string) => {
      // A killed worker's last words must not answer the next case.
      if (this.child !== child) return;
      this.buffer += chunk;
      let nl: number;
      while ((nl = this.buffer.indexOf("\n")) >= 0) {
        const line = this.buffer.slice(0, nl);
        this.buffer = this.buffer.slice(nl + 1);
        const r = JSON.parse(line) as { code: number; stdout: string; stderr: string };
        const w = this.waiting;
        this.waiting = null;
        w?.({ ...r, timedOut: false });
      }
    });
    child.stderr.resume();
    child.on("exit", () => {
      if (this.child !== child) return;
      this.child = null;
      const w = this.waiting;
      this.waiting = null;
      w?.({ code: 2, stdout: "", stderr: "worker exited", timedOut: false });
    });
    return child;
  }

  run(args: readonly string[], cwd: string, timeoutMs: number): Promise<Reply> {
    this.child ??= this.start();
    const child = this.child;
    return new Promise((resolveReply) => {
      const timer = setTimeout(() => {
        this.waiting = null;
        this.child = null;
        child.kill("SIGKILL");
        this.buffer = "";
        resolveReply({ code: 2, stdout: "", stderr: "timed out", timedOut: true });
      }, timeoutMs);
      this.waiting = (r) => {
        clearTimeout(timer);
        resolveReply(r);
      };
      child.stdin.write(JSON.stringify({ id: this.nextId++, args, cwd }) + "\n");
    });
  }

  stop(): void {
    this.child?.stdin.end();
  }
}

function argsFor(c: Case, out: string, extra: readonly string[]): string[] {
  const args = [...extra];
  if (c.noPreprocessor) args.push("--no-preprocessor");
  for (const d of c.includeDirs) args.push(`-I${d}`);
  args.push(...(c.stdoutOutput ? ["-D-"] : ["-D", out]), "-F", c.factsDir, join(c.dir, `${c.name}.dl`));
  return args;
}

/** Where a failure comes from: the first error's code and message shape, or what differed. */
function errorCause(stderr: string): string {
  const m = /error (CL\d+): ([^\n]*)/.exec(stderr) ?? /^calmlog run: ([^\n]*)/m.exec(stderr);
  if (m === null) return `error: ${stderr.split("\n")[0]!.slice(0, 80)}`;
  const code = m.length > 2 ? m[1]! : "usage";
  const msg = (m.length > 2 ? m[2]! : m[1]!).replace(/`[^`]*`/g, "`…`").replace(/\d+/g, "N").slice(0, 90);
  return `${code} ${msg}`;
}

function judge(c: Case, r: Reply, out: string): { pass: boolean; cause: string } {
  if (r.timedOut) return { pass: false, cause: "timed out" };
  if (r.code === 2) return { pass: false, cause: `crash: ${r.stderr.split("\n").find((l) => /Error|error/.test(l))?.slice(0, 100) ?? r.stderr.slice(0, 100)}` };
  if (c.negative) return r.code === 1 ? { pass: true, cause: "" } : { pass: false, cause: "negative case accepted" };
  if (r.code !== 0) return { pass: false, cause: errorCause(r.stderr) };
  const expected = csvFiles(c.checkDir);
  const written = csvFiles(out);
  for (const f of expected) {
    if (!written.includes(f)) return { pass: false, cause: "an expected .csv is not written" };
    if (sortedLines(readFileSync(join(c.checkDir, f), "utf8")) !== sortedLines(readFileSync(join(out, f), "utf8"))) return { pass: false, cause: "output differs" };
  }
  if (written.length !== expected.length) return { pass: false, cause: "more .csv files written than expected" };
  const outFile = join(c.checkDir, `${c.name}.out`);
  if (existsSync(outFile) && sortedLines(readFileSync(outFile, "utf8")) !== sortedLines(r.stdout)) return { pass: false, cause: "stdout differs" };
  return { pass: true, cause: "" };
}

/** Soufflé's own verdict on a case, when a Soufflé binary is given: the same harness, same checks. */
function souffleVerdict(bin: string, c: Case, root: string): boolean {
  const out = join(root, "souffle", c.id);
  rmSync(out, { recursive: true, force: true });
  mkdirSync(out, { recursive: true });
  const args: string[] = [];
  if (c.noPreprocessor) args.push("--no-preprocessor");
  for (const d of c.includeDirs) args.push(`-I${d}`);
  args.push(...(c.stdoutOutput ? ["-D-"] : ["-D", "."]), "-F", c.factsDir, join(c.dir, `${c.name}.dl`));
  const p = spawnSync(bin, args, { cwd: out, encoding: "utf8", timeout: 120_000 });
  const r: Reply = { code: p.status === 0 ? 0 : p.status === null ? 2 : 1, stdout: p.stdout ?? "", stderr: p.stderr ?? "", timedOut: p.status === null };
  return judge(c, r, out).pass;
}

// ---- main ------------------------------------------------------------------------------------

const USAGE = `Usage: npm run conformance -- PATH [options]

PATH is a checkout of souffle-lang/souffle (or its \`tests\` folder).

Options:
  --filter TEXT        only cases whose id contains TEXT
  --timeout SECONDS    per case (default 60)
  --souffle BIN        also run Soufflé itself, to count only the cases it passes
  --souffle-cache FILE where Soufflé's verdicts are kept between runs (default: <tmp>/calmlog-conformance/souffle.json)
  --json FILE          write every case's outcome as JSON
  --quiet              print the summary only
  --arg ARG            pass ARG to \`calmlog run\` (repeatable)
  --failed FILE        only the cases that failed in an earlier \`--json FILE\`
`;

async function mainRun(): Promise<number> {
  const { values, positionals } = parseArgs({
    options: {
      filter: { type: "string" },
      timeout: { type: "string" },
      souffle: { type: "string" },
      "souffle-cache": { type: "string" },
      json: { type: "string" },
      quiet: { type: "boolean" },
      arg: { type: "string", multiple: true },
      failed: { type: "string" },
      help: { type: "boolean", short: "h" },
    },
    allowPositionals: true,
  });
  if (values.help === true || positionals.length !== 1) {
    process.stdout.write(USAGE);
    return values.help === true ? 0 : 2;
  }
  let testsDir = resolve(positionals[0]!);
  if (existsSync(join(testsDir, "tests", "evaluation"))) testsDir = join(testsDir, "tests");
  if (!existsSync(join(testsDir, "evaluation"))) {
    process.stderr.write(`conformance: no \`evaluation\` folder under \`${testsDir}\`; give a Soufflé checkout or its \`tests\` folder\n`);
    return 2;
  }
  const timeoutMs = Number(values.timeout ?? "60") * 1000;
  const root = join(tmpdir(), "calmlog-conformance");
  const cachePath = values["souffle-cache"] ?? join(root, "souffle.json");
  mkdirSync(root, { recursive: true });
  const cache: Record<string, boolean> = existsSync(cachePath) ? (JSON.parse(readFileSync(cachePath, "utf8")) as Record<string, boolean>) : {};

  let cases = CATEGORIES.flatMap((cat) => casesOf(testsDir, cat));
  if (values.filter !== undefined) cases = cases.filter((c) => c.id.includes(values.filter!));
  if (values.failed !== undefined) {
    // `--failed` reads the `--json` file of an earlier run; a wrong path is a usage error, not a crash.
    let earlier: { id: string; pass: boolean }[];
    try {
      earlier = JSON.parse(readFileSync(values.failed, "utf8")) as { id: string; pass: boolean }[];
    } catch (err) {
      process.stderr.write(`conformance: cannot read \`${values.failed}\` (${(err as Error).message}); \`--failed\` takes the file an earlier run wrote with \`--json\`\n`);
      return 2;
    }
    const failed = new Set(earlier.filter((o) => !o.pass).map((o) => o.id));
    cases = cases.filter((c) => failed.has(c.id));
  }
  const worker = new Worker();
  const outcomes: Outcome[] = [];
  const skipped: Case[] = [];
  for (const c of cases) {
    if (c.skip !== null || !existsSync(join(c.dir, `${c.name}.dl`))) {
      skipped.push(c);
      continue;
    }
    if (values.souffle !== undefined && cache[c.id] === undefined) {
      cache[c.id] = souffleVerdict(values.souffle, c, root);
      writeFileSync(cachePath, JSON.stringify(cache, null, 1));
    }
    const out = join(root, "calmlog", c.id);
    rmSync(out, { recursive: true, force: true });
    mkdirSync(out, { recursive: true });
    const t0 = performance.now();
    const r = await worker.run(argsFor(c, out, values.arg ?? []), out, timeoutMs);
    const { pass, cause } = judge(c, r, out);
    const features = featuresOf(readFileSync(join(c.dir, `${c.name}.dl`), "utf8"));
    const o: Outcome = { case: c, pass, cause, features, ms: performance.now() - t0 };
    outcomes.push(o);
    if (values.quiet !== true) {
      const soufflé = cache[c.id] === false ? " (Soufflé fails it too)" : "";
      process.stdout.write(`${pass ? "PASS" : "FAIL"} ${c.id}${c.negative ? " [negative]" : ""}${pass ? "" : `  ${cause}`}${features.length > 0 && !pass ? `  {${features.join(", ")}}` : ""}${soufflé}\n`);
    }
  }
  worker.stop();

  const counted = outcomes.filter((o) => cache[o.case.id] !== false);
  const core = counted.filter((o) => o.features.length === 0);
  const passed = counted.filter((o) => o.pass);
  const pct = (a: number, b: number): string => (b === 0 ? "-" : `${((100 * a) / b).toFixed(1)}%`);
  const byCause = new Map<string, string[]>();
  for (const o of counted) {
    if (o.pass) continue;
    const key = o.features.length > 0 ? `uses ${o.features[0]}` : o.cause;
    byCause.set(key, [...(byCause.get(key) ?? []), o.case.id]);
  }
  const lines: string[] = [];
  lines.push("", "failures by cause (the first non-core feature the case uses, else the first error):");
  for (const [cause, ids] of [...byCause].sort((a, b) => b[1].length - a[1].length)) {
    lines.push(`  ${String(ids.length).padStart(4)}  ${cause}: ${ids.slice(0, 6).map((i) => basename(i)).join(" ")}${ids.length > 6 ? " ..." : ""}`);
  }
  const basis = values.souffle !== undefined || Object.keys(cache).length > 0 ? "cases Soufflé 2.5 passes" : "cases listed in Soufflé's CMake files (no Soufflé verdicts: give --souffle BIN)";
  lines.push(
    "",
    `skipped: ${skipped.length} (${[...new Set(skipped.map((s) => s.skip ?? "no .dl file"))].join("; ")})`,
    `${basis}: ${counted.length}; Soufflé fails ${outcomes.length - counted.length} more`,
    `calmlog passes ${passed.length}/${counted.length} (${pct(passed.length, counted.length)})`,
    `core-language cases: ${core.filter((o) => o.pass).length}/${core.length} (${pct(core.filter((o) => o.pass).length, core.length)})`,
  );
  process.stdout.write(lines.join("\n") + "\n");
  if (values.json !== undefined) {
    writeFileSync(values.json, JSON.stringify(outcomes.map((o) => ({ id: o.case.id, negative: o.case.negative, pass: o.pass, cause: o.cause, features: o.features, souffle: cache[o.case.id] ?? null, ms: Math.round(o.ms) })), null, 1));
  }
  return 0;
}

process.exitCode = await mainRun();
