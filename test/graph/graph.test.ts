// `calmlog graph`: every example renders as DOT, Mermaid and SVG, and the nodes each format marks
// as coordination points are exactly the heads `lint --format json` reports, each with its code and literal.
import { spawnSync } from "node:child_process";
import { readdirSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { cli } from "../cli/in-process.js";

const EXAMPLES = readdirSync("programs", { withFileTypes: true })
  .filter((d) => d.isDirectory())
  .flatMap((d) => readdirSync(join("programs", d.name)).filter((f) => f.endsWith(".dl")).map((f) => join("programs", d.name, f)));

interface LintJson {
  files: { coordination: { kind: string; relation: string; text: string; heads: string[]; partition: { sealable: boolean; key: string | null } }[]; relations: { name: string; requiresSeal: boolean }[] }[];
}

/** `from -> head: key` for every edge into a coordination point lint says is sealable per key. */
function expectedKeys(lint: LintJson): string[] {
  const out = new Set<string>();
  for (const c of lint.files[0]!.coordination) if (c.partition.sealable) for (const h of c.heads) out.add(`${c.relation} -> ${h}: ${c.partition.key}`);
  return [...out].sort();
}

function dotKeys(dot: string): string[] {
  return [...dot.matchAll(/^\s+("(?:[^"\\]|\\.)*") -> ("(?:[^"\\]|\\.)*") \[.*label="[^"]*🔑 key ([\w.]+)".*class="[^"]*\bkeyed\b/gm)].map((m) => `${unquote(m[1]!)} -> ${unquote(m[2]!)}: ${m[3]}`).sort();
}

function mermaidKeys(text: string): string[] {
  const names = new Map<string, string>();
  for (const m of text.matchAll(/^\s+(r\d+)(?:\[\/|\[\[|\(|\{\{)"([^"<]*)/gm)) names.set(m[1]!, m[2]!);
  return [...text.matchAll(/^\s+(r\d+) [-.=]+>\|"[^"]*🔑 key ([\w.]+)"\| (r\d+)$/gm)].map((m) => `${names.get(m[1]!)} -> ${names.get(m[3]!)}: ${m[2]}`).sort();
}

function svgKeys(svg: string): string[] {
  return [...svg.matchAll(/<g class="edge [^"]*\bkeyed\b[^"]*" data-from="([^"]*)" data-to="([^"]*)" data-key="([^"]*)">/g)].map((m) => `${unxml(m[1]!)} -> ${unxml(m[2]!)}: ${unxml(m[3]!)}`).sort();
}

/** head -> the labels (`CL302 !blocker(r, _)`) lint reports for it. */
function expectedMarks(lint: LintJson): Map<string, Set<string>> {
  const marks = new Map<string, Set<string>>();
  for (const c of lint.files[0]!.coordination) {
    const label = `${c.kind === "negation" ? "CL302" : "CL303"} ${c.text}`;
    for (const h of c.heads) {
      if (!marks.has(h)) marks.set(h, new Set());
      marks.get(h)!.add(label);
    }
  }
  return marks;
}

const unquote = (s: string): string => JSON.parse(s) as string;

/** DOT: nodes with `class="coordination"`, and the `⚑` lines of their labels. */
function dotMarks(dot: string): Map<string, Set<string>> {
  const marks = new Map<string, Set<string>>();
  for (const m of dot.matchAll(/^\s+("(?:[^"\\]|\\.)*") \[id=.*label=("(?:[^"\\]|\\.)*").*class="coordination"/gm)) {
    const lines = unquote(m[2]!).split("\n");
    marks.set(unquote(m[1]!), new Set(lines.filter((l) => l.startsWith("⚑ ")).map((l) => l.slice(2))));
  }
  return marks;
}

/** Mermaid: the ids in `class ... coordination`, named by their node definitions. */
function mermaidMarks(text: string): Map<string, Set<string>> {
  const labels = new Map<string, string[]>();
  for (const m of text.matchAll(/^\s+(r\d+)(?:\[\/|\[\[|\(|\{\{)"([^"]*)"/gm)) labels.set(m[1]!, m[2]!.split("<br/>"));
  const marks = new Map<string, Set<string>>();
  const line = /^\s+class ([\w,]+) coordination$/m.exec(text);
  for (const id of line?.[1]!.split(",") ?? []) {
    const [name, ...rest] = labels.get(id)!;
    marks.set(name!, new Set(rest.map((l) => l.replace(/^⚑ /, "").replace(/#quot;/g, '"').replace(/#lt;/g, "<").replace(/#gt;/g, ">").replace(/#35;/g, "#"))));
  }
  return marks;
}

const unxml = (s: string): string => s.replace(/&quot;/g, '"').replace(/&lt;/g, "<").replace(/&gt;/g, ">").replace(/&amp;/g, "&");

/** SVG: `<g class="node ... coordination" data-relation=... data-coordination=...>`. */
function svgMarks(svg: string): Map<string, Set<string>> {
  const marks = new Map<string, Set<string>>();
  for (const m of svg.matchAll(/<g class="node [^"]*\bcoordination\b[^"]*" id="[^"]*" data-relation="([^"]*)" data-coordination="([^"]*)">/g)) marks.set(unxml(m[1]!), new Set(unxml(m[2]!).split("; ")));
  return marks;
}

describe("calmlog graph on every example", () => {
  it("finds the examples", () => expect(EXAMPLES.length).toBeGreaterThanOrEqual(8));

  for (const program of EXAMPLES) {
    it(`${program}: dot, mermaid and svg mark exactly lint's coordination points`, async () => {
      const lint = await cli(["lint", program, "--format", "json", "--trials", "0"]);
      const json = JSON.parse(lint.stdout) as LintJson;
      const expected = expectedMarks(json);
      const dot = await cli(["graph", program]);
      const mermaid = await cli(["graph", program, "--format", "mermaid"]);
      const svg = await cli(["graph", program, "--format", "svg", "--layout", "dagre"]);
      for (const r of [dot, mermaid, svg]) {
        expect(r.stderr).toBe("");
        expect(r.code).toBe(0);
      }
      expect(dotMarks(dot.stdout)).toEqual(expected);
      expect(mermaidMarks(mermaid.stdout)).toEqual(expected);
      expect(svgMarks(svg.stdout)).toEqual(expected);
      // Per-key seals: the key on each edge into a partitioned coordination point, in every format.
      const keys = expectedKeys(json);
      expect(dotKeys(dot.stdout)).toEqual(keys);
      expect(mermaidKeys(mermaid.stdout)).toEqual(keys);
      expect(svgKeys(svg.stdout)).toEqual(keys);
      // Every relation lint says waits for a seal is drawn amber (class `seal` in the SVG).
      const sealed = json.files[0]!.relations.filter((r) => r.requiresSeal).map((r) => r.name).sort();
      const drawn = [...svg.stdout.matchAll(/<g class="node [^"]*\bseal\b[^"]*" id="[^"]*" data-relation="([^"]*)"/g)].map((m) => unxml(m[1]!)).sort();
      expect(drawn).toEqual(sealed);
      expect(svg.stdout).toContain("Laid out with dagre");
    });
  }
});

describe("calmlog graph", () => {
  it("draws negation, aggregation and threshold edges differently and labels threshold reads", async () => {
    const dot = (await cli(["graph", "programs/release/release.dl"])).stdout;
    expect(dot).toMatch(/"resolved" -> "open_blocker" \[.*style=dashed.*class="edge-negation coordination keyed"/);
    expect(dot).toContain('label="CL302 !open_blocker(r, _)\\n🔑 key release.r"');
    expect(dot).toMatch(/"approval" -> "approved" \[.*label="threshold: count : \{ approval\(r, who\), reviewer\(who\) \}".*class="edge-threshold"/);
    const inventory = (await cli(["graph", "programs/inventory/inventory.dl"])).stdout;
    expect(inventory).toMatch(/style=bold, arrowhead=diamond/);
    expect(inventory).toContain("subgraph \"cluster_stratum_0\"");
  });

  it("says what is wrong with a bad command line or program", async () => {
    const bad = await cli(["graph", "programs/release/release.dl", "--format", "png"]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain("unknown format `png`");
    const missing = await cli(["graph", "nope.dl"]);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain("cannot read nope.dl");
    const broken = await cli(["graph", "test/analysis/fixtures/unstratifiable.dl"]);
    expect(broken.code).toBe(1);
    expect(broken.stderr).toContain("CL301");
  });
});

const HAS_DOT = spawnSync("dot", ["-V"], { stdio: "ignore" }).status === 0;

describe("calmlog graph --format svg with Graphviz", () => {
  it.skipIf(!HAS_DOT)("lays out with `dot` when it is installed and keeps the coordination marks", async () => {
    for (const program of EXAMPLES) {
      const lint = JSON.parse((await cli(["lint", program, "--format", "json", "--trials", "0"])).stdout) as LintJson;
      const svg = await cli(["graph", program, "--format", "svg"]);
      expect(svg.code).toBe(0);
      expect(svg.stdout).toContain("Laid out with Graphviz dot");
      const marked = [...svg.stdout.matchAll(/<g id="node(?:-|&#45;)([^"]*)" class="node coordination">/g)].map((m) => unxml(m[1]!)).sort();
      expect(marked, program).toEqual([...expectedMarks(lint).keys()].sort());
    }
  });

  it("--layout dot without Graphviz says how to get it, and dagre needs nothing", async () => {
    const path = process.env["PATH"];
    process.env["PATH"] = "/nonexistent";
    try {
      const r = await cli(["graph", "programs/release/release.dl", "--format", "svg", "--layout", "dot"]);
      expect(r.code).toBe(2);
      expect(r.stderr).toContain("--layout dot needs Graphviz `dot`");
      const auto = await cli(["graph", "programs/release/release.dl", "--format", "svg"]);
      expect(auto.code).toBe(0);
      expect(auto.stdout).toContain("Laid out with dagre");
    } finally {
      process.env["PATH"] = path;
    }
  });
});
