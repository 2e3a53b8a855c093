// `calmlog graph --format mermaid` rendered by Mermaid itself: the local `mermaid` package (no
// network) runs in headless Chromium on every example's flowchart. Each must parse and render, and
// every coordination point `lint --format json` reports must be a node of the rendered SVG with the
// `coordination` class, its relation name and its code and literal; per-key edges show their key.
import { readdirSync } from "node:fs";
import { createRequire } from "node:module";
import { join } from "node:path";
import type { BrowserContext, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { cli } from "../cli/in-process.js";
import { hasChromium, launch } from "./chromium.js";

const EXAMPLES = readdirSync("programs", { withFileTypes: true })
  .filter((d) => d.isDirectory())
  .flatMap((d) => readdirSync(join("programs", d.name)).filter((f) => f.endsWith(".dl")).map((f) => join("programs", d.name, f)));

const MERMAID = createRequire(import.meta.url).resolve("mermaid/dist/mermaid.min.js");

interface LintJson {
  files: { coordination: { kind: string; relation: string; text: string; heads: string[]; partition: { sealable: boolean; key: string | null } }[] }[];
}

/** What Mermaid drew: each node's flowchart id, classes and text, and every edge label's text. */
interface Rendered {
  nodes: { id: string; classes: string[]; text: string }[];
  edgeLabels: string[];
}

describe.skipIf(!hasChromium())("Mermaid renders `calmlog graph --format mermaid`", () => {
  let context: BrowserContext;
  let page: Page;
  const requests: string[] = [];
  const errors: string[] = [];

  beforeAll(async () => {
    context = await launch();
    await context.route("**/*", (route) => {
      const url = route.request().url();
      if (url.startsWith("file:") || url.startsWith("data:") || url === "about:blank") return route.continue();
      requests.push(url);
      return route.abort();
    });
    page = await context.newPage();
    page.on("pageerror", (e) => errors.push(e.message));
    await page.setContent("<!doctype html><html><body><div id=out></div></body></html>");
    await page.addScriptTag({ path: MERMAID });
    await page.evaluate(() => (globalThis as unknown as { mermaid: { initialize(c: object): void } }).mermaid.initialize({ startOnLoad: false }));
  }, 120_000);

  afterAll(async () => {
    await context?.close();
  });

  /** Parses and renders `text` with Mermaid in the page; rejects with Mermaid's own message on a parse error. */
  async function render(text: string, id: string): Promise<Rendered> {
    return page.evaluate(
      async ([text, id]) => {
        const mermaid = (globalThis as unknown as { mermaid: { parse(t: string): Promise<unknown>; render(id: string, t: string): Promise<{ svg: string }> } }).mermaid;
        await mermaid.parse(text);
        const { svg } = await mermaid.render(id, text);
        interface El {
          id: string;
          innerHTML: string;
          textContent: string | null;
          classList: Iterable<string>;
          querySelectorAll(selector: string): Iterable<El>;
        }
        const host = (globalThis as unknown as { document: { getElementById(id: string): El } }).document.getElementById("out");
        host.innerHTML = svg;
        const nodes = [...host.querySelectorAll("g.node")].map((g) => ({ id: g.id, classes: [...g.classList], text: g.textContent ?? "" }));
        const edgeLabels = [...host.querySelectorAll("g.edgeLabel")].map((g) => g.textContent ?? "");
        return { nodes, edgeLabels };
      },
      [text, id] as const,
    );
  }

  it("finds the examples", () => expect(EXAMPLES.length).toBeGreaterThanOrEqual(8));

  for (const [i, program] of EXAMPLES.entries()) {
    it(`${program}: renders, with every coordination point's node and every per-key edge`, async () => {
      const text = (await cli(["graph", program, "--format", "mermaid"])).stdout;
      const lint = JSON.parse((await cli(["lint", program, "--format", "json", "--trials", "0"])).stdout) as LintJson;
      const rendered = await render(text, `graph${i}`);
      // The flowchart's own ids (`r6`) by relation name, from the node definitions.
      const ids = new Map<string, string>();
      for (const m of text.matchAll(/^\s+(r\d+)(?:\[\/|\[\[|\(|\{\{)"([^"<]*)/gm)) ids.set(m[2]!, m[1]!);
      expect(rendered.nodes.length).toBe(ids.size);
      for (const c of lint.files[0]!.coordination) {
        const label = `${c.kind === "negation" ? "CL302" : "CL303"} ${c.text}`;
        for (const head of c.heads) {
          const id = ids.get(head);
          expect(id, `${head} has a node in the Mermaid text`).toBeDefined();
          const node = rendered.nodes.find((n) => new RegExp(`-${id}-\\d+$`).test(n.id));
          expect(node, `${head} (${id}) is a node of the rendered SVG`).toBeDefined();
          expect(node!.classes).toContain("coordination");
          expect(node!.text).toContain(head);
          expect(node!.text).toContain(label);
        }
        if (c.partition.sealable) expect(rendered.edgeLabels.some((l) => l.includes(label) && l.includes(`key ${c.partition.key}`)), `an edge label shows ${label} and key ${c.partition.key}`).toBe(true);
      }
    }, 60_000);
  }

  it("reports Mermaid's parse error for text that is not a flowchart, so a broken rendering cannot pass", async () => {
    await expect(render("flowchart LR\n  r0[/\"a\"/] -->|\"unclosed| r1\n", "broken")).rejects.toThrow(/Parse error|Expecting|Lexical error/);
  });

  it("asked the network for nothing and threw nothing", () => {
    expect(requests).toEqual([]);
    expect(errors).toEqual([]);
  });
});
