// `calmlog lsp --stdio` driven over stdio by a JSON-RPC client, as an editor drives it: documents are
// opened, changed and closed; the diagnostics it publishes are compared with `calmlog lint --format
// json` on every example, every lint fixture and a corpus of broken programs (positions included),
// both when a file is linted whole and when it is checked part by part; hover, definition,
// references, symbols, completion and quick fixes are checked on known programs.
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { main } from "../../src/cli/main.js";
import { TestClient, type LspDiagnostic } from "./client.js";

const ROOT = fileURLToPath(new URL("../../", import.meta.url));

/** Every rule file the comparison runs on: examples, lint fixtures and the broken corpus. */
function corpus(): string[] {
  const examples = readdirSync(join(ROOT, "programs"), { withFileTypes: true })
    .filter((d) => d.isDirectory())
    .flatMap((d) => readdirSync(join(ROOT, "programs", d.name)).filter((f) => f.endsWith(".dl")).map((f) => join(ROOT, "programs", d.name, f)));
  const dir = (d: string): string[] => readdirSync(join(ROOT, d)).filter((f) => f.endsWith(".dl")).map((f) => join(ROOT, d, f));
  return [...examples, ...dir("test/analysis/fixtures"), ...dir("test/check/fixtures"), ...dir("test/invariant/fixtures"), ...dir("test/lsp/broken")];
}

interface JsonDiagnostic {
  code: string;
  severity: string;
  message: string;
  file: string;
  line: number;
  column: number;
  endLine: number;
  endColumn: number;
  help: string | null;
  notes: string[];
  related: { message: string; file: string; line: number; column: number; endLine: number; endColumn: number }[];
}

/** `calmlog lint --format json FILE`, run in-process. */
async function lintJson(path: string): Promise<JsonDiagnostic[]> {
  let out = "";
  await main(["lint", "--format", "json", path], { cwd: ROOT, env: {}, stdout: { write: (s: string) => (out += s) }, stderr: { write: () => true } });
  return (JSON.parse(out) as { files: { diagnostics: JsonDiagnostic[] }[] }).files[0]!.diagnostics;
}

const range = (d: { line: number; column: number; endLine: number; endColumn: number }) => ({
  start: { line: d.line - 1, character: d.column - 1 },
  end: { line: d.endLine - 1, character: d.endColumn - 1 },
});
const SEVERITY: Record<string, number> = { error: 1, warning: 2, note: 3 };

/** Lint's diagnostics in the shape the server publishes them. */
function expected(ds: readonly JsonDiagnostic[]): unknown[] {
  return ds.map((d) => ({
    code: d.code,
    severity: SEVERITY[d.severity],
    message: d.message,
    range: range(d),
    related: d.related.map((r) => ({ uri: pathToFileURL(r.file).href, message: r.message, range: range(r) })),
    help: d.help,
    notes: counterexampleShape(d.code, d.notes),
  }));
}

/**
 * A counterexample found from Z3's model may name other facts in another process (the model is
 * one of many); its notes are compared by what they say, not by the facts they name.
 */
function counterexampleShape(code: string, notes: readonly string[]): readonly string[] {
  return code === "CL602" ? notes.map((n) => n.replace(/"[^"]*"/g, "\"…\"").replace(/^(start \(valid\)|replica [AB] inserts|merged).*$/, "$1 …")) : notes;
}

function published(ds: readonly LspDiagnostic[]): unknown[] {
  return ds.map((d) => ({
    code: d.code,
    severity: d.severity,
    message: d.message,
    range: d.range,
    related: (d.relatedInformation ?? []).map((r) => ({ uri: r.location.uri, message: r.message, range: r.location.range })),
    help: d.data?.help ?? null,
    notes: counterexampleShape(String(d.code), d.data?.notes ?? []),
  }));
}

describe.each([
  { mode: "whole files", options: {} },
  { mode: "files checked part by part", options: { splitThreshold: 0 } },
])("diagnostics equal `calmlog lint --format json` ($mode)", ({ options }) => {
  let client: TestClient;
  beforeAll(async () => {
    client = await TestClient.start({ debounceMs: 10, ...options });
  }, 60_000);
  afterAll(async () => {
    expect(await client.stop()).toBe(0);
  });

  it.each(corpus().map((p) => [p.slice(ROOT.length), p]))("%s", async (_name, path) => {
    const text = readFileSync(path, "utf8");
    const uri = pathToFileURL(path).href;
    const lint = await lintJson(path);
    const got = await client.open(uri, text);
    expect(published(got.diagnostics)).toEqual(expected(lint));
    expect(got.diagnostics.every((d) => d.source === "calmlog")).toBe(true);
    await client.close(uri);
  });
});

describe("a document through open, change and close", () => {
  let client: TestClient;
  beforeAll(async () => {
    client = await TestClient.start({ debounceMs: 20 });
  }, 60_000);
  afterAll(async () => {
    await client.stop();
  });

  const uri = pathToFileURL(resolve(ROOT, "test/lsp/edited.dl")).href;
  const lines = [
    ".decl task(t: symbol)",
    ".decl done(t: symbol)",
    ".decl todo(t: symbol)",
    ".input task, done",
    "todo(t) :- task(t).",
    ".output todo",
  ];

  it("publishes the lint of each version and clears it on close", async () => {
    const first = await client.open(uri, lines.join("\n"), 1);
    expect(first.diagnostics).toEqual([]);

    // Typing a negation makes `todo` wait for a seal: a coordination point, as a warning on the literal.
    const second = await client.change(uri, 2, [{ range: { start: { line: 4, character: 18 }, end: { line: 4, character: 18 } }, text: ", !done(t)" }]);
    expect(second.diagnostics.map((d) => [d.code, d.severity, d.range])).toEqual([["CL302", 2, { start: { line: 4, character: 20 }, end: { line: 4, character: 28 } }]]);
    expect(second.diagnostics[0]!.message).toContain("`todo`");

    // Quick edits in a row are checked once, at the last version.
    const seen = client.published.length;
    const last = client.diagnostics(uri, 5);
    const edit = (version: number, range: { start: { line: number; character: number }; end: { line: number; character: number } }, text: string) =>
      client.connection.sendNotification("textDocument/didChange", { textDocument: { uri, version }, contentChanges: [{ range, text }] });
    await edit(3, { start: { line: 4, character: 20 }, end: { line: 4, character: 21 } }, "");
    await edit(4, { start: { line: 0, character: 0 }, end: { line: 0, character: 0 } }, "// a\n");
    await edit(5, { start: { line: 5, character: 19 }, end: { line: 5, character: 19 } }, " t2 = t,");
    const settled = await last;
    expect(client.published.slice(seen).map((p) => p.version)).toEqual([5]);
    // `!` removed, `t2` used once: a single-use warning, no coordination point; positions on the shifted line.
    expect(settled.diagnostics.map((d) => [d.code, d.range.start])).toEqual([["CL206", { line: 5, character: 20 }]]);

    const closed = await client.close(uri);
    expect(closed.diagnostics).toEqual([]);
  });
});

describe("the command", () => {
  it("wants --stdio, and loads the server only for `lsp`", async () => {
    let err = "";
    const code = await main(["lsp"], { cwd: ROOT, env: {}, stdout: { write: () => true }, stderr: { write: (s: string) => (err += s) } });
    expect(code).toBe(2);
    expect(err).toContain("calmlog lsp: give --stdio");
    // Only src/lsp/ imports the protocol library, and the command reaches it through a dynamic import.
    const { readdirSync: list } = await import("node:fs");
    const offenders = list(join(ROOT, "src"), { recursive: true })
      .map(String)
      .filter((f) => f.endsWith(".ts") && !f.startsWith("lsp/") && /from "vscode-/.test(readFileSync(join(ROOT, "src", f), "utf8")));
    expect(offenders).toEqual([]);
    expect(readFileSync(join(ROOT, "src/cli/lsp.ts"), "utf8")).toContain('await import("../lsp/server.js")');
    expect(readFileSync(join(ROOT, "src/cli/lsp.ts"), "utf8")).not.toMatch(/^import .*\/lsp\//m);
  });
});

describe("features", () => {
  let client: TestClient;
  const path = join(ROOT, "programs/release/release.dl");
  const uri = pathToFileURL(path).href;
  const text = readFileSync(path, "utf8");
  const lineOf = (needle: string): number => text.split("\n").findIndex((l) => l.startsWith(needle));
  beforeAll(async () => {
    client = await TestClient.start();
    await client.open(uri, text);
  }, 60_000);
  afterAll(async () => {
    await client.stop();
  });

  it("hover on a relation shows its declaration, CALM class, cause chain, stratum and seal", async () => {
    let out = "";
    await main(["lint", "--format", "json", path], { cwd: ROOT, env: {}, stdout: { write: (s: string) => (out += s) }, stderr: { write: () => true } });
    const relations = (JSON.parse(out) as { files: { relations: { name: string; stratum: number }[] }[] }).files[0]!.relations;
    const line = lineOf("blocked_but_ready(r, i) :-");
    const character = text.split("\n")[line]!.indexOf("ready(r)", 20) + 2;
    const hover = await client.request<{ contents: { kind: string; value: string }; range: unknown }>("textDocument/hover", { textDocument: { uri }, position: { line, character } });
    expect(hover.contents.kind).toBe("markdown");
    expect(hover.contents.value).toContain(".decl ready(r: symbol)");
    expect(hover.contents.value).toContain("**`ready`**: non-monotonic (negation)");
    expect(hover.contents.value).toContain("cause: `ready <- !open_blocker(r, _)`");
    expect(hover.contents.value).toContain(`stratum: ${relations.find((r) => r.name === "ready")!.stratum}\n`);
    expect(hover.contents.value).toContain("needs a seal: **yes**");

    const withheld = await client.request<{ contents: { value: string } }>("textDocument/hover", { textDocument: { uri }, position: { line: lineOf(".invariant blocked_but_ready"), character: 12 } });
    expect(withheld.contents.value).toContain("non-monotonic: reads `ready`, which waits for a seal");
    expect(withheld.contents.value).toContain("cause: `blocked_but_ready <- ready <- !open_blocker(r, _)`");

    const approved = await client.request<{ contents: { value: string } }>("textDocument/hover", { textDocument: { uri }, position: { line: lineOf("approved(r) :-"), character: 3 } });
    expect(approved.contents.value).toContain("monotonic (coordination-free)");
    expect(approved.contents.value).toContain("needs a seal: no");

    const blank = await client.request("textDocument/hover", { textDocument: { uri }, position: { line: 0, character: 5 } });
    expect(blank).toBeNull();
  });

  it("hover inside a coordination point lists its options", async () => {
    const line = lineOf("ready(r) :-");
    const character = text.split("\n")[line]!.indexOf("!open_blocker");
    const hover = await client.request<{ contents: { value: string } }>("textDocument/hover", { textDocument: { uri }, position: { line, character } });
    expect(hover.contents.value).toContain("**Coordination point**: `!open_blocker(r, _)`");
    expect(hover.contents.value).toContain("seal an epoch");
  });

  it("go to definition leads from a use to the `.decl`, and references find every use", async () => {
    const line = lineOf("ready(r) :-");
    const character = text.split("\n")[line]!.indexOf("open_blocker") + 4;
    const defs = await client.request<{ uri: string; range: { start: { line: number; character: number } } }[]>("textDocument/definition", { textDocument: { uri }, position: { line, character } });
    expect(defs).toEqual([{ uri, range: { start: { line: lineOf(".decl open_blocker"), character: 6 }, end: { line: lineOf(".decl open_blocker"), character: 18 } } }]);

    const refs = await client.request<{ range: { start: { line: number } } }[]>("textDocument/references", { textDocument: { uri }, position: { line, character }, context: { includeDeclaration: true } });
    const expectedLines = text.split("\n").flatMap((l, i) => (/\bopen_blocker\b/.test(l.replace(/\/\/.*/, "")) ? [i] : []));
    expect(refs.map((r) => r.range.start.line)).toEqual(expectedLines.flatMap((i) => Array(text.split("\n")[i]!.replace(/\/\/.*/, "").split(/\bopen_blocker\b/).length - 1).fill(i)));
    const uses = await client.request<unknown[]>("textDocument/references", { textDocument: { uri }, position: { line, character }, context: { includeDeclaration: false } });
    expect(uses.length).toBe(refs.length - 1);

    const none = await client.request("textDocument/definition", { textDocument: { uri }, position: { line: 0, character: 3 } });
    expect(none).toBeNull();
  });

  it("lists declarations, invariants and rules as document symbols", async () => {
    const symbols = await client.request<{ name: string; kind: number; detail: string }[]>("textDocument/documentSymbol", { textDocument: { uri } });
    expect(symbols.find((s) => s.name === "ready")).toMatchObject({ kind: 23, detail: "(r: symbol) · needs a sealed epoch" });
    expect(symbols.find((s) => s.name === "approved")).toMatchObject({ detail: "(r: symbol) · coordination-free" });
    expect(symbols.some((s) => s.name === ".invariant blocked_but_ready")).toBe(true);
    expect(symbols.some((s) => s.name === "open_blocker :- …" && s.kind === 12)).toBe(true);
  });

  it("completes relation names and directives", async () => {
    const scratch = pathToFileURL(join(ROOT, "test/lsp/completion.dl")).href;
    await client.open(scratch, `${text}\n.ou\nx(r) :- rea`);
    const lines = `${text}\n.ou\nx(r) :- rea`.split("\n");
    const directives = await client.request<{ label: string; textEdit: { range: unknown } }[]>("textDocument/completion", { textDocument: { uri: scratch }, position: { line: lines.length - 2, character: 3 } });
    expect(directives.map((c) => c.label)).toEqual([".output"]);
    expect(directives[0]!.textEdit.range).toEqual({ start: { line: lines.length - 2, character: 0 }, end: { line: lines.length - 2, character: 3 } });
    await client.change(scratch, 2, [{ text: `${text}\n.nu\nx(r) :- rea` }]);
    const deprecated = await client.request<{ label: string }[]>("textDocument/completion", { textDocument: { uri: scratch }, position: { line: lines.length - 2, character: 3 } });
    expect(deprecated.map((c) => c.label)).toEqual([".number_type"]);
    await client.change(scratch, 3, [{ text: `${text}\n.ou\nx(r) :- rea` }]);
    const names = await client.request<{ label: string; detail: string }[]>("textDocument/completion", { textDocument: { uri: scratch }, position: { line: lines.length - 1, character: 11 } });
    expect(names.map((c) => c.label)).toEqual(["ready"]);
    expect(names[0]!.detail).toBe(".decl ready(r: symbol)");
    await client.close(scratch);
  });
});

describe("quick fixes", () => {
  let client: TestClient;
  beforeAll(async () => {
    client = await TestClient.start();
  }, 60_000);
  afterAll(async () => {
    await client.stop();
  });

  interface Action {
    title: string;
    isPreferred?: boolean;
    diagnostics: { code: string }[];
    edit: { changes: Record<string, { range: { start: { line: number; character: number }; end: { line: number; character: number } }; newText: string }[]> };
  }

  /** Applies one action's edits (sorted, non-overlapping) to `text`. */
  function apply(text: string, uri: string, a: Action): string {
    const lines = text.split("\n");
    const offset = (p: { line: number; character: number }): number => lines.slice(0, p.line).reduce((n, l) => n + l.length + 1, 0) + p.character;
    let out = text;
    for (const e of [...a.edit.changes[uri]!].sort((x, y) => offset(y.range.start) - offset(x.range.start))) out = out.slice(0, offset(e.range.start)) + e.newText + out.slice(offset(e.range.end));
    return out;
  }

  async function actions(name: string, text: string): Promise<{ uri: string; list: Action[] }> {
    const uri = pathToFileURL(join(ROOT, "test/lsp", name)).href;
    const published = await client.open(uri, text);
    const end = { line: text.split("\n").length, character: 0 };
    const list = await client.request<Action[]>("textDocument/codeAction", { textDocument: { uri }, range: { start: { line: 0, character: 0 }, end }, context: { diagnostics: published.diagnostics } });
    return { uri, list };
  }

  async function lintText(text: string): Promise<string[]> {
    const { mkdtempSync, writeFileSync } = await import("node:fs");
    const { tmpdir } = await import("node:os");
    const file = join(mkdtempSync(join(tmpdir(), "calmlog-lsp-")), "fixed.dl");
    writeFileSync(file, text);
    return (await lintJson(file)).map((d) => d.code);
  }

  it("replaces a single-use variable with `_`, and the warning goes away", async () => {
    const text = ".decl a(x: number, y: number)\n.decl b(x: number)\n.input a\nb(x) :- a(x, y).\n";
    const { uri, list } = await actions("single.dl", text);
    const fix = list.find((a) => a.diagnostics[0]!.code === "CL206" && a.isPreferred)!;
    expect(fix.title).toBe("Replace `y` with `_`");
    const fixed = apply(text, uri, fix);
    expect(fixed).toContain("b(x) :- a(x, _).");
    expect(await lintText(fixed)).toEqual([]);
    await client.close(uri);
  });

  it("rewrites an exact count as a monotone threshold, and the coordination point goes away", async () => {
    const text = ".decl vote(p: symbol, who: symbol)\n.decl passed(p: symbol)\n.input vote\npassed(p) :- vote(p, _), c = count : { vote(p, _) }, c = 3.\n";
    const { uri, list } = await actions("threshold.dl", text);
    const fix = list.find((a) => a.diagnostics[0]!.code === "CL303")!;
    expect(fix.title).toContain("as the monotone threshold `c >= 3`");
    const fixed = apply(text, uri, fix);
    expect(fixed).toContain("c >= 3.");
    expect(await lintText(fixed)).toEqual(["CL304"]);
    await client.close(uri);
  });

  it("adds the missing `.input` and suggests the nearest name for a typo", async () => {
    const text = ".decl order(id: symbol)\n.decl paid(id: symbol)\n.decl unpaid(id: symbol)\n.input order\nunpaid(o) :- order(o), !paid(o).\n";
    const { uri, list } = await actions("input.dl", text);
    const fix = list.find((a) => a.diagnostics[0]!.code === "CL213")!;
    expect(fix.title).toBe("Add `.input paid` (its facts come from `paid.facts`)");
    expect(await lintText(apply(text, uri, fix))).toEqual(["CL302"]);
    await client.close(uri);

    const typo = ".decl edge(x: symbol, y: symbol)\n.input edge\n.decl path(x: symbol, y: symbol)\npath(x, y) :- egde(x, y).\n";
    const t = await actions("typo.dl", typo);
    const rename = t.list.find((a) => a.diagnostics[0]!.code === "CL201")!;
    expect(rename.title).toBe("Change `egde` to `edge`");
    expect(await lintText(apply(typo, t.uri, rename))).toEqual([]);
    await client.close(t.uri);
  });
});

describe("a large file edited into a syntax error in the middle", () => {
  let client: TestClient;
  let dir: string;
  beforeAll(async () => {
    client = await TestClient.start({ debounceMs: 10 });
    dir = mkdtempSync(join(tmpdir(), "calmlog-lsp-large-"));
  }, 60_000);
  afterAll(async () => {
    await client.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it("publishes a whole-file lint's diagnostics after each edit (the file is checked part by part)", async () => {
    const blocks = Array.from({ length: 330 }, (_, i) =>
      [`.decl e${i}(a: symbol, b: symbol)`, `.decl p${i}(a: symbol, b: symbol)`, `.decl q${i}(a: symbol)`, `.input e${i}`,
        `p${i}(x, y) :- e${i}(x, y).`, `p${i}(x, z) :- p${i}(x, y), e${i}(y, z).`, `q${i}(x) :- p${i}(x, w), !e${i}(x, x).`, `.output q${i}`].join("\n"));
    const text = blocks.join("\n\n") + "\n";
    expect(text.length).toBeGreaterThan(64 * 1024);
    const path = join(dir, "large.dl");
    const uri = pathToFileURL(path).href;
    const compare = async (got: { diagnostics: readonly LspDiagnostic[] }, now: string): Promise<void> => {
      writeFileSync(path, now);
      expect(published(got.diagnostics)).toEqual(expected(await lintJson(path)));
    };
    await compare(await client.open(uri, text), text);
    // Line of `p200(x, y) :- e200(x, y).`: drop its `.`, then also break the next rule's bracket, then repair both.
    const line = text.split("\n").indexOf("p200(x, y) :- e200(x, y).");
    expect(line).toBeGreaterThan(0);
    const noDot = text.replace("p200(x, y) :- e200(x, y).", "p200(x, y) :- e200(x, y)");
    const broken = await client.change(uri, 2, [{ range: { start: { line, character: 24 }, end: { line, character: 25 } }, text: "" }]);
    expect(broken.diagnostics.some((d) => d.code === "CL101")).toBe(true);
    await compare(broken, noDot);
    const worse = noDot.replace("p200(x, z) :- p200(x, y), e200(y, z).", "p200(x, z) :- p200(x, y, e200(y, z).");
    await compare(await client.change(uri, 3, [{ range: { start: { line: line + 1, character: 23 }, end: { line: line + 1, character: 24 } }, text: "" }]), worse);
    await compare(await client.change(uri, 4, [{ text }]), text);
  }, 120_000);
});
