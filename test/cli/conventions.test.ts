// The conventions every command shares: exit 2 for usage errors with a did-you-mean, `-` for
// standard input, folders and globs as FILE, the same option names, colour off for TERM=dumb.
import { existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { useColor, type CliContext } from "../../src/cli/context.js";
import { main } from "../../src/cli/main.js";

const GOOD = ".decl e(a: number, b: number)\n.decl p(a: number, b: number)\ne(1, 2).\np(x, y) :- e(x, y).\n.output p\n";
const BAD = ".decl e(a: number)\np(x) :- e(x).\n";

function workspace(files: Record<string, string> = {}): string {
  const dir = mkdtempSync(join(tmpdir(), "calmlog-conv-"));
  for (const [name, text] of Object.entries(files)) {
    mkdirSync(join(dir, name, ".."), { recursive: true });
    writeFileSync(join(dir, name), text);
  }
  return dir;
}

async function calmlog(cwd: string, args: string[], stdin?: string) {
  let stdout = "";
  let stderr = "";
  const ctx: CliContext = {
    cwd,
    stdout: { write: (s: string) => (stdout += s) },
    stderr: { write: (s: string) => (stderr += s) },
    env: {},
    ...(stdin === undefined ? {} : { stdin: async () => stdin }),
  };
  const code = await main(args, ctx);
  return { code, stdout, stderr };
}

describe("usage errors", () => {
  it("exit 2, as ESLint's do; input errors exit 1", async () => {
    const dir = workspace({ "bad.dl": BAD });
    expect((await calmlog(dir, ["check", "bad.dl"])).code).toBe(1);
    for (const cmd of ["check", "lint", "run", "evaluate", "seal"]) {
      const r = await calmlog(dir, [cmd, "--frobnicate", "bad.dl"]);
      expect(r.code, cmd).toBe(2);
      expect(r.stderr, cmd).toContain(`calmlog ${cmd}: unknown option \`--frobnicate\``);
      expect(r.stderr, cmd).toContain(`Run \`calmlog ${cmd} --help\` for usage.`);
    }
  });

  it("an unknown flag gets a did-you-mean instead of Node's raw text", async () => {
    const r = await calmlog(workspace(), ["lint", "--max-warning", "0", "a.dl"]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("unknown option `--max-warning`; did you mean `--max-warnings`?");
    expect(r.stderr).not.toContain("To specify a positional argument");
  });

  it("a flag without its value says which", async () => {
    const r = await calmlog(workspace(), ["check", "a.dl", "--format"]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("option `--format` needs a value");
  });
});

describe("`-` reads the program from standard input", () => {
  it("for check, lint and run, naming it <stdin>", async () => {
    const dir = workspace();
    const check = await calmlog(dir, ["check", "-"], BAD);
    expect(check.code).toBe(1);
    expect(check.stdout).toContain("<stdin>:2:1: error CL201");
    const lint = await calmlog(dir, ["lint", "-f", "json", "-"], GOOD);
    expect(lint.code).toBe(0);
    expect(JSON.parse(lint.stdout).files[0].file).toBe("<stdin>");
    const run = await calmlog(dir, ["run", "-", "-D", "-"], GOOD);
    expect(run.code).toBe(0);
    expect(run.stdout).toContain("1\t2");
  });
});

describe("folders and globs as FILE", () => {
  it("a folder stands for its .dl files (not node_modules or dot-folders); a glob for its matches", async () => {
    const dir = workspace({ "rules/a.dl": GOOD, "rules/deep/b.dl": BAD, "rules/node_modules/x/c.dl": BAD, "rules/.hidden/d.dl": BAD, "rules/notes.txt": "x" });
    const folder = await calmlog(dir, ["check", "-f", "json", "rules"]);
    expect(JSON.parse(folder.stdout).files).toEqual(["rules/a.dl", "rules/deep/b.dl"]);
    expect(folder.code).toBe(1);
    const glob = await calmlog(dir, ["lint", "-f", "json", "rules/*.dl"]);
    expect(JSON.parse(glob.stdout).files.map((f: { file: string }) => f.file)).toEqual(["rules/a.dl"]);
    expect(glob.code).toBe(0);
    const none = await calmlog(dir, ["check", "nothing/*.dl"]);
    expect(none.code).toBe(1);
    expect(none.stderr).toContain("cannot read nothing/*.dl: no such file");
  });
});

describe("the same option names on every command", () => {
  it("-f/--format, -o and --color/--no-color are accepted by check, lint, run and evaluate", async () => {
    const dir = workspace({ "p.dl": GOOD, "facts/.keep": "" });
    const cases: [string, string[]][] = [
      ["check", ["check", "p.dl", "-f", "json"]],
      ["lint", ["lint", "p.dl", "-f", "json"]],
      ["run", ["run", "p.dl", "-f", "tsv", "-D", "-"]],
      ["evaluate", ["evaluate", "p.dl", "--replica", "a=facts", "-f", "json"]],
    ];
    for (const [name, args] of cases) {
      const out = join(dir, `${name}.out`);
      const r = await calmlog(dir, [...args, "-o", out, "--no-color"]);
      expect(r.code, `${name}: ${r.stderr}`).toBe(0);
      expect(r.stdout, name).toBe("");
      expect(existsSync(out), name).toBe(true);
      if (name !== "run") JSON.parse(readFileSync(out, "utf8"));
      expect((await calmlog(dir, [...args, "--color", "--no-color"])).code, name).toBe(2);
    }
  });
});

describe("colour", () => {
  it("is off for TERM=dumb even on a terminal, unless FORCE_COLOR asks", () => {
    expect(useColor({ write: () => true, isTTY: true }, { TERM: "xterm" })).toBe(true);
    expect(useColor({ write: () => true, isTTY: true }, { TERM: "dumb" })).toBe(false);
    expect(useColor({ write: () => true, isTTY: true }, { TERM: "dumb", FORCE_COLOR: "1" })).toBe(true);
  });
});

describe("evaluate --format json", () => {
  it("prints a document with the diagnostics when the program has errors", async () => {
    const dir = workspace({ "bad.dl": BAD, "facts/.keep": "" });
    const r = await calmlog(dir, ["evaluate", "bad.dl", "--replica", "a=facts", "--format", "json"]);
    expect(r.code).toBe(1);
    const doc = JSON.parse(r.stdout);
    expect(doc.format).toBe("calmlog-evaluate/1");
    expect(doc.diagnostics[0]).toMatchObject({ code: "CL201", line: 2 });
    expect(doc.summary.errors).toBe(1);
  });

  it("prints a document with the diagnostics when a fact file has errors", async () => {
    const dir = workspace({ "p.dl": ".decl e(a: number)\n.input e\n.decl q(a: number)\nq(x) :- e(x).\n.output q\n", "facts/e.facts": "1\nnot-a-number\n" });
    const r = await calmlog(dir, ["evaluate", "p.dl", "--replica", "a=facts", "-f", "json"]);
    expect(r.code).toBe(1);
    const doc = JSON.parse(r.stdout);
    expect(doc.diagnostics.map((d: { code: string }) => d.code)).toContain("CL402");
  });
});
