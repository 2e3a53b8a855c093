// The playground in a real browser (Debian's headless Chromium): built into a temp folder, opened
// from file:// with every non-file request refused and counted, the release example run, epoch 1
// sealed, the withheld relations released; then the inventory example from the menu. The HTML
// lint report is opened the same way and must not ask the network for anything either.
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { BrowserContext, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildPlayground } from "../../playground/build.js";
import { cli } from "../cli/in-process.js";
import { hasChromium, launch } from "./chromium.js";

describe.skipIf(!hasChromium())("the playground in headless Chromium", () => {
  let context: BrowserContext;
  const requests: string[] = [];
  const errors: string[] = [];

  beforeAll(async () => {
    context = await launch({ width: 1400, height: 1000 });
    await context.route("**/*", (route) => {
      const url = route.request().url();
      if (url.startsWith("file:") || url.startsWith("data:")) return route.continue();
      requests.push(url);
      return route.abort();
    });
  }, 120_000);

  afterAll(async () => {
    await context?.close();
  });

  async function open(path: string): Promise<Page> {
    const page = await context.newPage();
    page.on("pageerror", (e) => errors.push(e.message));
    await page.goto(`file://${path}`);
    return page;
  }

  it("runs the release example, seals epoch 1 and releases what was withheld", async () => {
    const page = await open(await buildPlayground(mkdtempSync(join(tmpdir(), "calmlog-playground-"))));
    await page.waitForSelector("body[data-ready=true]", { timeout: 60_000 });
    expect(await page.inputValue("#program")).toContain(".decl open_blocker");
    expect(await page.textContent("#coordination-count")).toBe("2");
    expect(await page.locator("#graph svg g.node.coordination").evaluateAll((els) => els.map((e) => e.getAttribute("data-relation")).sort())).toEqual(["open_blocker", "ready"]);
    expect(await page.locator("#withheld .withheld-relation").evaluateAll((els) => els.map((e) => e.getAttribute("data-relation")))).toEqual(["open_blocker", "ready", "blocked_but_ready"]);
    expect(await page.textContent("#sealed")).toContain("Nothing sealed yet");
    expect(await page.locator(".replica-result").count()).toBe(2);

    expect(await page.textContent("#seal")).toBe("Seal epoch 1");
    await page.click("#seal");
    await page.waitForSelector(".sealed-relation");
    expect(await page.textContent("#withheld")).toContain("Nothing withheld");
    const readyRow = page.locator("#sealed tr", { has: page.locator('[data-relation="ready"]') });
    expect(await readyRow.textContent()).toContain('("v2.0")');
    expect(await page.textContent("#seal")).toBe("Seal epoch 2");
    expect(await page.textContent("#status")).toContain("epoch 1 sealed");

    // A fact typed after the seal goes into epoch 2, and `ready` waits again for it.
    const dublin = page.locator("#replicas .replica textarea").first();
    await dublin.fill((await dublin.inputValue()) + 'blocker("v2.0", "late-bug").\n');
    await page.click("#run");
    await page.waitForSelector("#withheld .withheld-relation");
    expect(await page.locator("#withheld .withheld-relation").evaluateAll((els) => els.map((e) => e.getAttribute("data-relation")))).toContain("ready");

    await page.selectOption("#example", "inventory");
    await page.waitForFunction('document.getElementById("program").value.includes("remaining")');
    expect(await page.textContent("#lint")).toContain("CL303 count : { sale(_, _, p) }");
    expect(await page.textContent("#seal")).toBe("Seal epoch 1");
    await page.click("#seal");
    await page.waitForSelector('.sealed-relation[data-relation="remaining"]');
    expect(await page.textContent("#withheld")).toContain("Nothing withheld");
    expect(errors).toEqual([]);
    expect(requests).toEqual([]);
  }, 180_000);

  it("opens the HTML lint report without any request to the network", async () => {
    const r = await cli(["lint", "programs/inventory/inventory.dl", "--format", "html", "--trials", "100"]);
    const path = join(mkdtempSync(join(tmpdir(), "calmlog-report-")), "report.html");
    writeFileSync(path, r.stdout);
    const page = await open(path);
    await page.waitForSelector("svg.timeline");
    expect(await page.locator("g.node.coordination").count()).toBe(1);
    expect(errors).toEqual([]);
    expect(requests).toEqual([]);
  }, 120_000);
});
