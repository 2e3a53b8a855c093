// `lint --format html`, `evaluate --format html` and `graph --format html`: one valid,
// self-contained page (html-validate's recommended rules; nothing fetched from anywhere).
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { HtmlValidate } from "html-validate";
import { describe, expect, it } from "vitest";
import { cli } from "../cli/in-process.js";
import { copyCommitted } from "../committed.js";

const validator = new HtmlValidate({ extends: ["html-validate:recommended"] });

async function expectValid(html: string): Promise<void> {
  const report = await validator.validateString(html);
  const messages = report.results.flatMap((r) => r.messages.map((m) => `${m.line}:${m.column} ${m.ruleId}: ${m.message}`));
  expect(messages).toEqual([]);
}

/** Nothing in the page would make the browser fetch: no external script, style, image, font or frame. */
function expectSelfContained(html: string): void {
  expect(html).not.toMatch(/<script\b[^>]*\bsrc=/i);
  expect(html).not.toMatch(/<link\b/i);
  expect(html).not.toMatch(/<(?:img|iframe|object|embed)\b/i);
  expect(html).not.toMatch(/url\(\s*["']?(?:https?:)?\/\//i);
  expect(html).not.toMatch(/\b(?:src|href)="(?:https?:)?\/\//i);
}

describe("HTML reports", () => {
  it("lint --format html over every example: valid, self-contained, with graph, code frames and counterexample timelines", async () => {
    const r = await cli(["lint", "programs/release/release.dl", "programs/inventory/inventory.dl", "programs/usernames/usernames.dl", "programs/workshop/workshop.dl", "programs/orders/orders.dl", "programs/reactions/reactions.dl", "programs/wishlist/wishlist.dl", "programs/audit-feed/audit-feed.dl", "programs/inventory-escrow/inventory-escrow.dl", "--format", "html", "--trials", "200"]);
    expect(r.stderr).toBe("");
    await expectValid(r.stdout);
    expectSelfContained(r.stdout);
    expect(r.stdout.match(/<div class="graph" id="f\d+g-graph">/g)?.length).toBe(9);
    expect(r.stdout).toContain('data-code="CL302" data-heads="open_blocker"');
    expect(r.stdout).toContain('<pre class="frame">');
    expect(r.stdout).toMatch(/<svg [^>]*class="timeline"/);
    expect(r.stdout).toContain("replica A inserts");
    expect(r.stdout).toContain("merge: S1 ∪ S2 derives");
  });

  it("evaluate --format html shows per-replica lower bounds, sealed results and what is withheld", async () => {
    const dir = mkdtempSync(join(tmpdir(), "calmlog-html-"));
    copyCommitted("programs/release", dir);
    const r = await cli(["evaluate", join(dir, "release.dl"), join(dir, "replicas"), "--format", "html"]);
    expect(r.code).toBe(0);
    await expectValid(r.stdout);
    expectSelfContained(r.stdout);
    expect(r.stdout).toContain("Per replica (lower bounds)");
    expect(r.stdout).toMatch(/replica <code>dublin<\/code>/);
    expect(r.stdout).toContain("Sealed results");
    expect(r.stdout).toContain("<h2>Rule graph</h2>");
    expect(r.stdout).toMatch(/<h2>Withheld<\/h2>/);
  });

  it("evaluate --format html before any seal lists the withheld relations and the epochs that release them", async () => {
    const r = await cli(["evaluate", "programs/release/release.dl", "--replica", "a=test/graph/fixtures/release-a", "--replica", "b=test/graph/fixtures/release-b", "--format", "html"]);
    expect(r.code).toBe(0);
    await expectValid(r.stdout);
    expect(r.stdout).toContain("No epoch is sealed yet");
    expect(r.stdout).toMatch(/<code>ready<\/code> <span class="badge withheld">withheld<\/span>/);
    expect(r.stdout).toMatch(/<td>epoch 1<\/td>/);
  });

  it("graph --format html is the same page without the invariant search", async () => {
    const r = await cli(["graph", "programs/workshop/workshop.dl", "--format", "html"]);
    expect(r.code).toBe(0);
    await expectValid(r.stdout);
    expectSelfContained(r.stdout);
    expect(r.stdout).toContain("CL303 count : { booking(w, _) }");
  });
});
