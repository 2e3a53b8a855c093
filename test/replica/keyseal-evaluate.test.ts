// Key seals in `evaluate`: a sealed key's part of every relation it decides is released before its
// epoch is sealed as a whole, other keys wait; late facts of a sealed key are CL552, facts that no
// longer match a key seal CL554; a whole-epoch seal subsumes key seals; the report says which keys
// are final and which wait, in text, JSON (against its schema) and HTML.
import { existsSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import Ajv from "ajv";
import addFormats from "ajv-formats";
import { HtmlValidate } from "html-validate";
import { describe, expect, it } from "vitest";
import schema from "../../src/replica/evaluate-schema.json" with { type: "json" };
import { calmlog, workspace } from "../cli/replica-fixture.js";

const RELEASE = `.decl release(r: symbol)
.decl approval(r: symbol, who: symbol)
.decl blocker(r: symbol, issue: symbol)
.input release, approval, blocker
.decl ready(r: symbol)
ready(r) :- release(r), approval(r, _), !blocker(r, _).
.decl approvals(r: symbol, n: number)
approvals(r, n) :- release(r), n = count : { approval(r, _) }.
.output ready, approvals
`;

/** Epoch 1 sealed as a whole; epoch 2 holds facts of v2 and v3. */
async function setUp() {
  const w = workspace();
  w.put("rel.dl", RELEASE);
  w.put("data/a/epoch-1/release.facts", "v1\n");
  w.put("data/a/epoch-1/approval.facts", "v1\tana\n");
  w.put("data/a/epoch-2/release.facts", "v2\nv3\n");
  w.put("data/b/epoch-2/approval.facts", "v2\tsean\nv3\tana\n");
  w.put("data/b/epoch-2/blocker.facts", "v3\tbug-1\n");
  const s = await calmlog(w.root, "seal", "data", "--epoch", "1", "--program", "rel.dl");
  expect(s.code).toBe(0);
  return w;
}

type Report = {
  sealedEpoch: number;
  sealed: { epoch: number; sealedAt: string | null; relations: { relation: string; tuples: unknown[][] }[] } | null;
  keys: { key: string; final: { value: string; epoch: number }[]; waiting: { value: string; epochs: number[]; seal: number[] }[] }[];
  withheld: { relation: string; openFacts: number; perKey: { key: string; final: number; waiting: number } | null }[];
  diagnostics: { code: string; message: string; file: string }[];
};

async function report(root: string): Promise<Report> {
  const r = await calmlog(root, "evaluate", "rel.dl", "data", "--format", "json");
  return JSON.parse(r.stdout) as Report;
}

const tuples = (r: Report, relation: string): unknown[][] => r.sealed?.relations.find((x) => x.relation === relation)?.tuples ?? [];

describe("evaluate with key seals", () => {
  it("releases a sealed key's results while other keys wait, and says which is which", async () => {
    const w = await setUp();
    const before = await report(w.root);
    expect(tuples(before, "ready")).toEqual([["v1"]]);
    expect(before.keys).toEqual([]);
    const s = await calmlog(w.root, "seal", "data", "--epoch", "2", "--key", "release.r=v2", "--program", "rel.dl");
    expect(s.stderr).toBe("");
    expect(s.code).toBe(0);
    const after = await report(w.root);
    expect(after.diagnostics).toEqual([]);
    expect(after.sealedEpoch).toBe(1);
    expect(tuples(after, "ready")).toEqual([["v1"], ["v2"]]);
    expect(tuples(after, "approvals")).toEqual([["v1", 1], ["v2", 1]]);
    expect(after.keys).toEqual([
      { key: "release.r", columns: ["release.r", "approval.r", "blocker.r"], relations: ["ready", "approvals"], final: [{ value: "v2", epoch: 2 }], waiting: [{ value: "v3", epochs: [2], seal: [2] }] },
    ]);
    const ready = after.withheld.find((x) => x.relation === "ready")!;
    expect(ready.perKey).toEqual({ key: "release.r", final: 1, waiting: 1 });
    // Only v3's three facts are still open.
    expect(ready.openFacts).toBe(3);
    const text = await calmlog(w.root, "evaluate", "rel.dl", "data");
    expect(text.stdout).toContain("sealed results (final as of epoch 1, sealed ");
    expect(text.stdout).toContain("1 value(s) of key `release.r` released by key seals)");
    expect(text.stdout).toContain("    final:   `v2` (sealed for the key through epoch 2)\n");
    expect(text.stdout).toContain("    waiting: `v3` has facts in epoch 2 (next: `calmlog seal data --epoch 2 --key release.r=v3 --program rel.dl`)\n");
    const html = await calmlog(w.root, "evaluate", "rel.dl", "data", "--format", "html");
    expect(html.stdout).toContain("<h2>Keys</h2>");
    expect(html.stdout).toMatch(/<code>v3<\/code><\/td><td><span class="badge withheld">waiting<\/span>/);
    const validation = await new HtmlValidate({ extends: ["html-validate:recommended"] }).validateString(html.stdout);
    expect(validation.results.flatMap((r) => r.messages.map((m) => `${m.ruleId}: ${m.message}`))).toEqual([]);
  });

  it("sealing every key of the epoch gives what sealing the epoch as a whole gives; a later whole seal subsumes the key seals", async () => {
    const w = await setUp();
    const r = await calmlog(w.root, "seal", "data", "--epoch", "2", "--key", "release.r=v2", "--key", "release.r=v3", "--program", "rel.dl");
    expect(r.code).toBe(0);
    const keyed = await report(w.root);
    expect(keyed.withheld.filter((x) => x.relation === "ready" || x.relation === "approvals")).toEqual([]);
    expect(keyed.keys[0]!.waiting).toEqual([]);
    const whole = await calmlog(w.root, "seal", "data", "--epoch", "2", "--program", "rel.dl");
    expect(whole.code).toBe(0);
    const sealed = await report(w.root);
    expect(sealed.sealedEpoch).toBe(2);
    expect(sealed.keys).toEqual([]);
    expect(sealed.sealed!.relations).toEqual(keyed.sealed!.relations);
    expect(tuples(sealed, "ready")).toEqual([["v1"], ["v2"]]);
    // A key seal of an epoch sealed as a whole is refused.
    const late = await calmlog(w.root, "seal", "data", "--epoch", "2", "--key", "release.r=v3", "--program", "rel.dl");
    expect(late.code).toBe(1);
    expect(late.stderr).toContain("error CL551: epoch 2 is sealed as a whole already");
  });

  it("a late fact of a sealed key is CL552 naming key, replica, epoch and file; late facts of other keys are fine", async () => {
    const w = await setUp();
    await calmlog(w.root, "seal", "data", "--epoch", "2", "--key", "release.r=v2", "--program", "rel.dl");
    w.append("data/b/epoch-2/blocker.facts", "v3\tbug-2\n");
    const ok = await calmlog(w.root, "evaluate", "rel.dl", "data");
    expect(ok.stderr).toBe("");
    expect(ok.code).toBe(0);
    w.append("data/b/epoch-2/blocker.facts", "v2\tbug-9\n");
    const bad = await calmlog(w.root, "evaluate", "rel.dl", "data", "--format", "json");
    expect(bad.code).toBe(1);
    const doc = JSON.parse(bad.stdout) as Report;
    const d = doc.diagnostics.find((x) => x.code === "CL552")!;
    expect(d.file).toBe("data/b/epoch-2/blocker.facts");
    expect(d.message).toContain("1 fact(s) of `blocker` with key `release.r` = `v2` appeared in `data/b/epoch-2/blocker.facts` (replica `b`, epoch 2) after the key was sealed at ");
    // The late fact is not merged: v2 stays ready, as sealed.
    expect(tuples(doc, "ready")).toEqual([["v1"], ["v2"]]);
    // A late fact of a sealed key also keeps the whole epoch from being sealed until it moves.
    const whole = await calmlog(w.root, "seal", "data", "--epoch", "2", "--program", "rel.dl");
    expect(whole.code).toBe(1);
    expect(whole.stderr).toContain("CL552");
  });

  it("verifies key seals on every run: a fresh copy adopts matching files, and a changed key is CL554 and not released", async () => {
    const w = await setUp();
    await calmlog(w.root, "seal", "data", "--epoch", "2", "--key", "release.r=v2", "--program", "rel.dl");
    rmSync(join(w.root, "data/.calmlog"), { recursive: true, force: true });
    const fresh = await report(w.root);
    expect(fresh.diagnostics).toEqual([]);
    expect(tuples(fresh, "ready")).toEqual([["v1"], ["v2"]]);
    // The sealed approval of v2 disappears from a fresh copy's files: the key no longer matches its seal.
    rmSync(join(w.root, "data/.calmlog"), { recursive: true, force: true });
    writeFileSync(join(w.root, "data/b/epoch-2/approval.facts"), "v3\tana\n");
    const changed = await report(w.root);
    const d = changed.diagnostics.find((x) => x.code === "CL554")!;
    expect(d.message).toBe("replica `b`'s facts of key `release.r` = `v2` in epoch 2 do not match the key seal (0 fact(s) here, 1 sealed); the key is not released for epoch 2");
    expect(tuples(changed, "ready")).toEqual([["v1"]]);
    expect(changed.keys[0]!.final).toEqual([]);
  });

  it("with no epoch sealed as a whole, releases only the sealed keys' relations; JSON follows the schema", async () => {
    const w = workspace();
    w.put("rel.dl", RELEASE);
    w.put("data/a/epoch-1/release.facts", "v1\nv2\n");
    w.put("data/b/epoch-1/approval.facts", "v1\tana\nv2\tsean\n");
    w.put("data/b/epoch-1/blocker.facts", "v2\tbug\n");
    const s = await calmlog(w.root, "seal", "data", "--epoch", "1", "--key", "release.r=v1", "--program", "rel.dl");
    expect(s.code).toBe(0);
    const r = await calmlog(w.root, "evaluate", "rel.dl", "data", "--format", "json", "-D", "out");
    const doc = JSON.parse(r.stdout) as Report;
    expect(doc.sealedEpoch).toBe(0);
    expect(doc.sealed).toMatchObject({ epoch: 0, sealedAt: null });
    expect(tuples(doc, "ready")).toEqual([["v1"]]);
    expect(readFileSync(join(w.root, "out/ready.csv"), "utf8")).toBe("v1\n");
    const ajv = new Ajv.default({ allErrors: true, strict: false });
    addFormats.default(ajv);
    const validate = ajv.compile(schema);
    expect(validate(doc), JSON.stringify(validate.errors)).toBe(true);
    const text = await calmlog(w.root, "evaluate", "rel.dl", "data");
    expect(text.stdout).toContain("sealed results (no epoch sealed as a whole; final per key only; 1 value(s) of key `release.r` released by key seals)");
    expect(existsSync(join(w.root, "data/seals/keys"))).toBe(true);
    expect(readdirSync(join(w.root, "data/seals/keys/epoch-1"))).toEqual(["release.r"]);
  });

  it("a key seal record that no longer fits the program is CL553 and releases nothing", async () => {
    const w = await setUp();
    await calmlog(w.root, "seal", "data", "--epoch", "2", "--key", "release.r=v2", "--program", "rel.dl");
    // The program changes: `ready` now reads blockers of any release, so nothing is partitioned.
    w.put("rel.dl", RELEASE.replace("!blocker(r, _)", "!blocker(_, _)"));
    const doc = await report(w.root);
    const d = doc.diagnostics.find((x) => x.code === "CL553")!;
    expect(d.message).toContain("the key seal of `release.r` = `v2` in epoch 2 is not used");
    expect(tuples(doc, "ready")).toEqual([["v1"]]);
  });
});

describe("keySealsToRelease", () => {
  it("names the key seals that would release a withheld relation or fact, or the literal that prevents it", async () => {
    const { openReplicas } = await import("../../src/replica/workflow.js");
    const { DirectorySource } = await import("../../src/replica/source.js");
    const { keySealsToRelease } = await import("../../src/replica/keyrelease.js");
    const { compile } = await import("../../src/pipeline.js");
    const w = await setUp();
    w.put("data/a/epoch-3/release.facts", "v2\nv4\n");
    await calmlog(w.root, "seal", "data", "--epoch", "2", "--key", "release.r=v2", "--program", "rel.dl");
    const { checked, analysis } = compile({ path: "rel.dl", text: RELEASE });
    const unit = { checked: checked!, analysis: analysis! };
    const ws = (await openReplicas(new DirectorySource(join(w.root, "data")), { unit }))!;
    expect(await ws.reconcile()).toBe(true);
    const state = { set: ws.snapshot(), keySeals: ws.keySeals };
    ws.close();
    const all = keySealsToRelease(unit, state, "ready");
    expect(all).toEqual({
      partitioned: true,
      seals: [
        { relation: "release", attribute: "r", value: "v2", epoch: 3 },
        { relation: "release", attribute: "r", value: "v3", epoch: 2 },
        { relation: "release", attribute: "r", value: "v4", epoch: 2 },
        { relation: "release", attribute: "r", value: "v4", epoch: 3 },
      ],
    });
    expect(keySealsToRelease(unit, state, "ready", ["v3"])).toEqual({ partitioned: true, seals: [{ relation: "release", attribute: "r", value: "v3", epoch: 2 }] });
    expect(keySealsToRelease(unit, state, "ready", ["v1"])).toEqual({ partitioned: true, seals: [] });
    const other = compile({ path: "rel.dl", text: RELEASE.replace("!blocker(r, _)", "!blocker(_, _)") });
    expect(keySealsToRelease({ checked: other.checked!, analysis: other.analysis! }, state, "ready")).toEqual({ partitioned: false, literal: "!blocker(_, _)", reason: "`!blocker(_, _)` does not hold `r`" });
  });
});
