// `calmlog explain`: derivations of minimal height down to input files and lines, why-not through
// negation and aggregates, withheld relations over replicas, JSON against its schema, bad input.
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { Ajv } from "ajv";
import { describe, expect, it } from "vitest";
import schema from "../../src/explain/explain-schema.json" with { type: "json" };
import { calmlog, workspace } from "../cli/replica-fixture.js";

const ajv = new Ajv({ allErrors: true, strict: true, allowUnionTypes: true });
const validate = ajv.compile(schema);

function valid(stdout: string): any {
  const report = JSON.parse(stdout);
  expect(validate(report), JSON.stringify(validate.errors, null, 2)).toBe(true);
  return report;
}

const GRAPH = `// Paths, nodes without a blocker, and nodes with enough paths.
.decl edge(a: symbol, b: symbol)
.decl blocked(a: symbol)
.input edge, blocked
.decl path(a: symbol, b: symbol)
path(x, y) :- edge(x, y).
path(x, z) :- path(x, y), edge(y, z).
.decl node(a: symbol)
node(x) :- edge(x, _).
node(y) :- edge(_, y).
.decl ready(a: symbol)
ready(x) :- node(x), !blocked(x).
.decl hub(a: symbol, n: number)
hub(x, n) :- node(x), n = count : { path(x, _) }, n >= 3.
.output ready
`;

function graph(): string {
  const root = mkdtempSync(join(tmpdir(), "calmlog-explain-"));
  const put = (rel: string, text: string): void => {
    mkdirSync(dirname(join(root, rel)), { recursive: true });
    writeFileSync(join(root, rel), text);
  };
  put("graph.dl", GRAPH);
  // A blank line, so line numbers are not row numbers.
  put("facts/edge.facts", "a\tb\nb\tc\n\nc\td\na\td\nd\te\n");
  put("facts/blocked.facts", "c\n");
  return root;
}

describe("calmlog explain -F", () => {
  it("shows a derivation of minimal height, down to input files and lines, for a relation that is not an output", async () => {
    const root = graph();
    const r = await calmlog(root, "explain", "graph.dl", "-F", "facts", 'path("a", "e")');
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    // a -> d directly, then d -> e: height 2, not a -> b -> c -> d -> e (height 4).
    expect(r.stdout).toContain('path("a", "e") holds; a derivation of minimal height 2:');
    expect(r.stdout).toContain('edge("a", "d")  input fact, facts/edge.facts:5');
    expect(r.stdout).toContain('edge("d", "e")  input fact, facts/edge.facts:6');
    expect(r.stdout).toContain("path(x, z) :- path(x, y), edge(y, z).");
    expect(r.stdout).toContain('with x = "a", z = "e", y = "d"');
    expect(r.stdout).toContain("by the rule at graph.dl:7:1");
    expect(r.stdout).not.toContain('edge("b", "c")');
  });

  it("goes through negation and aggregates, listing the rows an aggregate ranged over, cut to --rows", async () => {
    const root = graph();
    const r = await calmlog(root, "explain", "graph.dl", "-F", "facts", 'hub("a", 4)', "--rows", "2");
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('4 = count : { path("a", _) }  holds');
    expect(r.stdout).toContain('count : { path("a", _) } = 4, over 4 rows:');
    expect(r.stdout).toContain("... and 2 more");
    const ready = await calmlog(root, "explain", "graph.dl", "-F", "facts", 'ready("a")');
    expect(ready.stdout).toContain('!blocked("a")  no such fact');
  });

  it("says why not: the fact that blocks a negation, with where it was read", async () => {
    const root = graph();
    const r = await calmlog(root, "explain", "graph.dl", "-F", "facts", "--why-not", 'ready("c")');
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('ready("c") does not hold: no rule derives it');
    expect(r.stdout).toContain('fails at `!blocked(x)` (graph.dl:12:22): `!blocked("c")` fails: a fact matches `blocked("c")`');
    expect(r.stdout).toContain('blocked("c")  input fact, facts/blocked.facts:1');
  });

  it("says why not: an aggregate below its threshold, and a missing fact followed into its own rules", async () => {
    const root = graph();
    const hub = await calmlog(root, "explain", "graph.dl", "-F", "facts", "--why-not", 'hub("c", 2)');
    expect(hub.stdout).toContain('fails at `n >= 3` (graph.dl:14:51): `2 >= 3` is false: 2 >= 3');
    expect(hub.stdout).toContain('count : { path("c", _) } = 2, over 2 rows:');
    const path = await calmlog(root, "explain", "graph.dl", "-F", "facts", "--why-not", 'path("e", "a")');
    expect(path.stdout).toContain('`edge("e", "a")` does not hold');
    expect(path.stdout).toContain("`edge` is an input relation and no input file holds this fact");
    expect(path.stdout).toContain('no `path` fact matches `path("e", y)`');
  });

  it("writes JSON that follows explain-schema.json, for a derivation and a why-not", async () => {
    const root = graph();
    const why = valid((await calmlog(root, "explain", "graph.dl", "-F", "facts", 'hub("a", 4)', "--format", "json")).stdout);
    expect(why.holds).toBe(true);
    expect(why.derivation.height).toBe(2);
    expect(why.derivation.body[1].aggregates[0].rowCount).toBe(4);
    const not = valid((await calmlog(root, "explain", "graph.dl", "-F", "facts", "--why-not", 'ready("c")', "--format", "json")).stdout);
    expect(not.holds).toBe(false);
    expect(not.whyNot.rules[0].kind).toBe("blocked");
    expect(not.whyNot.rules[0].blocking[0].text).toBe('blocked("c")');
  });

  it("reports a fact that is not one of the program as CL701, with a frame of the fact", async () => {
    const root = graph();
    const bad = await calmlog(root, "explain", "graph.dl", "-F", "facts", 'path("a")');
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain("error CL701: `path` has 2 columns, but the fact gives 1");
    const typo = await calmlog(root, "explain", "graph.dl", "-F", "facts", 'pth("a", "b")');
    expect(typo.stderr).toContain("relation `pth` is not declared; did you mean `path`?");
    const type = await calmlog(root, "explain", "graph.dl", "-F", "facts", "path(1, 2)");
    expect(type.stderr).toContain("column 1 of `path` (`a: symbol`) takes a string in double quotes");
    const limit = await calmlog(root, "explain", "graph.dl", "-F", "facts", 'path("a", "e")', "--max-facts", "2");
    expect(limit.code).toBe(1);
    expect(limit.stderr).toContain('error CL702: the search for a derivation of `path("a", "e")` reached 2 facts and stopped (--max-facts 2)');
    const usage = await calmlog(root, "explain", "graph.dl", "-F", "facts");
    expect(usage.code).toBe(2);
    expect(usage.stderr).toContain("missing FACT");
  });
});

describe("calmlog explain REPLICA_DIR", () => {
  it("explains a coordination-free relation over the merged view, with each fact's replica, epoch, file and line", async () => {
    const w = workspace();
    w.put("data/a/epoch-1/edge.facts", "x\ty\n");
    w.put("data/b/epoch-1/edge.facts", "q\tr\ny\tz\n");
    const r = await calmlog(w.root, "explain", "tasks.dl", "data", 'reach("x", "z")');
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('reach("x", "z") holds in the merged view of every replica; a derivation of minimal height 2:');
    expect(r.stdout).toContain('edge("y", "z")  input fact, data/b/epoch-1/edge.facts:2 (replica b, epoch 1)');
    expect(existsSync(join(w.root, "data", ".calmlog"))).toBe(false);
  });

  it("says why a fact is withheld: the literal, the epoch to seal, the open facts and the replicas that have not delivered", async () => {
    const w = workspace();
    w.put("data/a/epoch-1/edge.facts", "x\ty\ny\tz\n");
    w.put("data/b/epoch-1/blocked.facts", "y\n");
    w.put("data/a/epoch-2/edge.facts", "w\tx\n");
    const seal = await calmlog(w.root, "seal", "data", "--epoch", "1", "--program", "tasks.dl");
    expect(seal.code).toBe(0);
    const r = await calmlog(w.root, "explain", "tasks.dl", "data", 'ready("w")');
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('ready("w") does not hold in the sealed results (final as of epoch 1)');
    expect(r.stdout).toContain("`ready` waits for a sealed epoch: its rule reads `!blocked(x)` at tasks.dl:12:");
    expect(r.stdout).toContain("to release it, seal epoch 2");
    expect(r.stdout).toContain("no facts yet in epoch 2 from: b");
    expect(r.stdout).toContain('edge("w", "x")  replica a, epoch 2, data/a/epoch-2/edge.facts:1');
    expect(r.stdout).toContain('if every epoch were sealed with the facts seen so far, ready("w") would hold:');
    const json = valid((await calmlog(w.root, "explain", "tasks.dl", "data", 'ready("w")', "--format", "json")).stdout);
    expect(json.view).toBe("sealed");
    expect(json.withheld.release).toEqual({ from: 2, to: 2 });
    expect(json.withheld.undelivered).toEqual([{ epoch: 2, replicas: ["b"] }]);
    expect(json.withheld.ifSealedNow.holds).toBe(true);
    // `ready(x) :- edge(x, _), !blocked(x)` is partitioned by `edge.a` (= `blocked.a`).
    expect(json.withheld.keySeal).toEqual({ sealable: true, key: "edge.a", column: 0, value: "w", epochs: { from: 2, to: 2 } });
    expect(r.stdout).toContain("per key: `calmlog seal data --epoch 2 --key edge.a=w --program tasks.dl` would release it");
    const sealed = await calmlog(w.root, "explain", "tasks.dl", "data", "--why-not", 'ready("y")');
    expect(sealed.stdout).toContain('`!blocked("y")` fails: a fact matches `blocked("y")`');
    expect(sealed.stdout).toContain('blocked("y")  input fact, data/b/epoch-1/blocked.facts:1 (replica b, epoch 1)');
  });

  it("names the key seal that would release a withheld fact, and that command seals that key", async () => {
    const root = mkdtempSync(join(tmpdir(), "calmlog-explain-key-"));
    cpSync(new URL("../../programs/release", import.meta.url), join(root, "release"), { recursive: true });
    const r = await calmlog(root, "explain", "release/release.dl", "release/replicas", 'ready("v2.1")', "--format", "json");
    expect(r.code).toBe(0);
    const json = valid(r.stdout);
    expect(json.withheld.keySeal).toEqual({ sealable: true, key: "release.r", column: 0, value: "v2.1", epochs: { from: 2, to: 2 } });
    const text = (await calmlog(root, "explain", "release/release.dl", "release/replicas", 'ready("v2.1")')).stdout;
    const command = /per key: `calmlog (seal [^`]*)` would release it/.exec(text);
    expect(command?.[1]).toBe("seal release/replicas --epoch 2 --key release.r=v2.1 --program release/release.dl");
    const seal = await calmlog(root, ...command![1]!.split(" "));
    expect(seal.stderr).toBe("");
    expect(seal.code).toBe(0);
    expect(readdirSync(join(root, "release/replicas/seals/keys/epoch-2/release.r")).length).toBe(1);
  });

  it("takes ad-hoc replicas as evaluate does: one open epoch, or a closed one with --sealed", async () => {
    const w = workspace();
    w.put("a/edge.facts", "x\ty\n");
    w.put("b/blocked.facts", "y\n");
    const open = await calmlog(w.root, "explain", "tasks.dl", "--replica", "a=a", "--replica", "b=b", 'ready("x")');
    expect(open.code).toBe(0);
    expect(open.stdout).toContain('ready("x") is withheld: no epoch is sealed yet\n\n`ready` waits for a sealed epoch');
    expect(open.stdout).toContain("to release it, seal epoch 1");
    expect(open.stdout).toContain('edge("x", "y")  replica a, epoch 1, a/edge.facts:1');
    const sealed = await calmlog(w.root, "explain", "tasks.dl", "--replica", "a=a", "--replica", "b=b", "--sealed", 'ready("x")');
    expect(sealed.stdout).toContain('ready("x") holds in the sealed results (final as of epoch 1); a derivation of minimal height 1:');
    expect(sealed.stdout).not.toContain("waits for a sealed epoch");
    const both = await calmlog(w.root, "explain", "tasks.dl", "-F", "a", "--replica", "a=a", 'ready("x")');
    expect(both.code).toBe(2);
    expect(both.stderr).toContain("give either -F DIR or --replica options, not both");
  });
});
