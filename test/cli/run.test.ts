import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, test } from "vitest";
import { main } from "../../src/cli/main.js";

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

/** A working directory holding `files` (path -> text). */
function workspace(files: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), "calmlog-run-"));
  dirs.push(dir);
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(join(dir, path, ".."), { recursive: true });
    writeFileSync(join(dir, path), text);
  }
  return dir;
}

async function calmlog(cwd: string, ...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = "";
  let stderr = "";
  const code = await main(args, {
    cwd,
    stdout: { write: (s: string) => (stdout += s) },
    stderr: { write: (s: string) => (stderr += s) },
    env: { NO_COLOR: "1" },
  });
  return { code, stdout, stderr };
}

const TC = `// transitive closure
.decl edge(x: number, y: number)
.input edge
.decl tc(x: number, y: number)
.output tc
.printsize tc
tc(x, y) :- edge(x, y).
tc(x, y) :- tc(x, z), edge(z, y).
`;

describe("calmlog run", () => {
  test("reads -F facts, writes sorted .csv to -D, prints sizes like Soufflé", async () => {
    const cwd = workspace({ "tc.dl": TC, "facts/edge.facts": "3\t4\n1\t2\n2\t3\n10\t-1\n" });
    const r = await calmlog(cwd, "run", "tc.dl", "-F", "facts", "-D", "out");
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    expect(r.stdout).toBe("tc\t7\n");
    expect(readFileSync(join(cwd, "out/tc.csv"), "utf8")).toBe("1\t2\n1\t3\n1\t4\n2\t3\n2\t4\n3\t4\n10\t-1\n");
    expect(readdirSync(join(cwd, "out"))).toEqual(["tc.csv"]);
  });

  test("-D - and IO=stdout print each output under a header box; --format jsonl", async () => {
    const cwd = workspace({ "tc.dl": TC, "edge.facts": "1\t2\n" });
    const r = await calmlog(cwd, "run", "tc.dl", "-D", "-");
    // `-D -` prints the column names under the name, as Soufflé's `-D-` does; `IO=stdout` only with `headers=true`.
    expect(r.stdout).toBe("---------------\ntc\nx\ty\n===============\n1\t2\n===============\ntc\t1\n");
    const io = workspace({ "tc.dl": TC.replace(".output tc", ".output tc(IO=stdout)"), "edge.facts": "1\t2\n" });
    expect((await calmlog(io, "run", "tc.dl", "-D", "out")).stdout).toBe("---------------\ntc\n===============\n1\t2\n===============\ntc\t1\n");
    expect(readdirSync(io)).not.toContain("out");
    const headed = workspace({ "tc.dl": TC.replace(".output tc", ".output tc(IO=stdout, headers=true)"), "edge.facts": "1\t2\n" });
    expect((await calmlog(headed, "run", "tc.dl", "-D", "out")).stdout).toBe(r.stdout);
    const j = await calmlog(cwd, "run", "tc.dl", "--format", "jsonl", "-D", "o");
    expect(j.code).toBe(0);
    expect(readFileSync(join(cwd, "o/tc.jsonl"), "utf8")).toBe("[1,2]\n");
  });

  test("IO=stdin reads facts from standard input; two `.input`s of one relation both read; rfc4180 in and out", async () => {
    const program = `.decl e(a: symbol, b: number)
.input e(IO=stdin, rfc4180=true)
.input e(filename="more.facts")
.output e(rfc4180=true)
.output e(filename="e.tsv", headers=true)
`;
    const cwd = workspace({ "p.dl": program, "more.facts": "c\\d\t3\n" });
    let stdout = "";
    let stderr = "";
    const io = { cwd, stdout: { write: (t: string) => (stdout += t) }, stderr: { write: (t: string) => (stderr += t) }, env: { NO_COLOR: "1" } };
    const code = await main(["run", "p.dl", "-D", "out"], { ...io, stdin: async () => '"a,\nb",1\nx,2\n' });
    expect([code, stderr]).toEqual([0, ""]);
    expect(readFileSync(join(cwd, "out/e.csv"), "utf8")).toBe('"a,\nb",1\n"c\\d",3\n"x",2\n');
    expect(readFileSync(join(cwd, "out/e.tsv"), "utf8")).toBe("a\tb\na,\nb\t1\nc\\d\t3\nx\t2\n");
    // Without standard input (or with the program read from it) it is an error at the directive.
    const none = await calmlog(cwd, "run", "p.dl", "-D", "out");
    expect(none.code).toBe(1);
    expect(none.stderr).toMatch(/p\.dl:2:1: error CL404: `e` reads standard input \(`IO=stdin`\), but there is none/);
  });

  test("filename and delimiter parameters; .jsonl inputs", async () => {
    const cwd = workspace({
      "p.dl": `.decl e(a: symbol, b: number)
.input e(IO=file, filename="edges.txt", delimiter=",")
.decl f(a: symbol, b: number)
.input f
.decl both(a: symbol)
.output both
both(a) :- e(a, n), f(a, n).`,
      "edges.txt": "x,1\ny,2\n",
      "f.jsonl": '["x", 1]\n{"a": "y", "b": 3}\n',
    });
    const r = await calmlog(cwd, "run", "p.dl", "-D", "-");
    expect(r.stderr).toBe("");
    expect(r.stdout).toContain("===============\nx\n===============");
    // On .output, as in Soufflé: the file is named by `filename` and its columns split by `delimiter`.
    const out = workspace({ "tc.dl": TC.replace(".output tc", '.output tc(filename="closure.txt", delimiter=",")'), "edge.facts": "1\t2\n2\t3\n" });
    expect((await calmlog(out, "run", "tc.dl", "-D", "o")).code).toBe(0);
    expect(readFileSync(join(out, "o/closure.txt"), "utf8")).toBe("1,2\n1,3\n2,3\n");
  });

  test("a fact file error names file, line and column, exits 1 and leaves earlier output intact", async () => {
    const cwd = workspace({ "tc.dl": TC, "edge.facts": "1\t2\n", "out/tc.csv": "previous\n" });
    const ok = await calmlog(cwd, "run", "tc.dl", "-D", "out");
    expect(ok.code).toBe(0);
    writeFileSync(join(cwd, "edge.facts"), "1\t2\n2\tthree\n");
    const bad = await calmlog(cwd, "run", "tc.dl", "-D", "out");
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain("edge.facts:2:3: error CL402");
    expect(readFileSync(join(cwd, "out/tc.csv"), "utf8")).toBe("1\t2\n");
  });

  test("--order insertion writes tuples as they were added; symbols are written from their bytes, escaped", async () => {
    const program = `.decl e(a: symbol, b: symbol, n: number)
.input e
.decl f(b: symbol, a: symbol, n: number)
.output f
f(b, a, n) :- e(a, b, n).
`;
    const cwd = workspace({ "p.dl": program, "e.facts": "zoé\tb\\tc\t-3\nab\t😀\t2\nab\t😀\t2\nm\tx\t2147483647\n" });
    const sorted = await calmlog(cwd, "run", "p.dl", "-D", "s");
    expect(sorted.stderr).toBe("");
    expect(readFileSync(join(cwd, "s/f.csv"), "utf8")).toBe("b\\tc\tzoé\t-3\nx\tm\t2147483647\n😀\tab\t2\n");
    const inserted = await calmlog(cwd, "run", "p.dl", "-D", "i", "--order", "insertion");
    expect(inserted.code).toBe(0);
    expect(readFileSync(join(cwd, "i/f.csv"), "utf8")).toBe("b\\tc\tzoé\t-3\n😀\tab\t2\nx\tm\t2147483647\n");
    const bad = await calmlog(cwd, "run", "p.dl", "--order", "random");
    expect(bad.stderr).toContain("unknown order `random`");
  });

  test("a program that cannot be read is a mistake in the input (exit 1), said in one line", async () => {
    const cwd = workspace({});
    const r = await calmlog(cwd, "run", "missing.dl");
    expect(r.code).toBe(1);
    expect(r.stderr).toBe("calmlog run: cannot read `missing.dl`: no such file\n");
  });

  test("a missing fact file is CL404; an arithmetic error is CL405 at the rule", async () => {
    const cwd = workspace({
      "tc.dl": TC,
      "div.dl": `.decl a(x: number)
.decl b(x: number)
.output b
a(0).
b(1 / x) :- a(x).
`,
    });
    const missing = await calmlog(cwd, "run", "tc.dl");
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain("CL404");
    const div = await calmlog(cwd, "run", "div.dl", "-D", "out");
    expect(div.code).toBe(1);
    expect(div.stderr).toMatch(/div\.dl:5:1: error CL405/);
    expect(readdirSync(cwd)).not.toContain("out");
  });

  test("program errors are rendered and exit 1; bad flags are usage errors", async () => {
    const cwd = workspace({ "bad.dl": ".decl a(x: number)\nb(x) :- a(x).\n", "tc.dl": TC });
    const r = await calmlog(cwd, "run", "bad.dl");
    expect(r.code).toBe(1);
    expect(r.stderr).toContain("CL201");
    const u = await calmlog(cwd, "run", "tc.dl", "--frobnicate");
    expect(u.code).toBe(2);
    expect(u.stderr).toMatch(/--help/);
    const f = await calmlog(cwd, "run", "tc.dl", "--format", "xml");
    expect(f.code).toBe(2);
  });

  test("--stats lists strata, rules and the hottest rules on stderr", async () => {
    const cwd = workspace({ "tc.dl": TC, "edge.facts": "1\t2\n2\t3\n" });
    const r = await calmlog(cwd, "run", "tc.dl", "--stats", "-D", "-");
    expect(r.code).toBe(0);
    expect(r.stderr).toMatch(/stratum \d+ \[tc\]: 3 iterations, 3 tuples/);
    expect(r.stderr).toContain("hottest rules:");
    expect(r.stderr).toContain("tc(x, y) :- tc(x, z), edge(z, y).");
  });

  test("a `filename` in a folder of the output directory is written there, as `evaluate -D` does", async () => {
    const cwd = workspace({
      "p.dl": '.decl e(x: number, y: number)\n.input e\n.decl t(x: number, y: number)\n.output t(filename="deep/er/t.tsv", delimiter=";")\nt(x, y) :- e(x, y).\n',
      "in/e.facts": "2\t1\n1\t2\n",
    });
    const r = await calmlog(cwd, "run", "p.dl", "-F", "in", "-D", "out");
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    expect(readFileSync(join(cwd, "out/deep/er/t.tsv"), "utf8")).toBe("1;2\n2;1\n");
  });
});

