// The top-level README shows real output: every ```console block whose command is `node bin/calmlog.js ...` (or `npx calmlog ...`)
// is replayed in order, from the repository root, in a scratch copy of `programs/`, and compared.
// Seal times differ run to run and are masked. To paste new output after a deliberate change:
//   UPDATE_README=1 npx vitest run test/readme.test.ts    (then review the diff)
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { main } from "../src/cli/main.js";
import { CODE_LIST } from "../src/diagnostics/codes.js";
import { compile } from "../src/pipeline.js";
import { copyCommitted } from "./committed.js";

/** The quick start's copy of the release example (the tour seals its epoch 2, so it works on a copy). */
const QUICK_START_COPY = "cp -r programs/release tour";

const ROOT = join(import.meta.dirname, "..");
const README = join(ROOT, "README.md");
const UPDATE = process.env["UPDATE_README"] === "1";

async function calmlog(cwd: string, args: string[]): Promise<{ code: number; out: string }> {
  let out = "";
  const stream = { write: (s: string) => ((out += s), true), isTTY: false };
  const code = await main(args, { stdout: stream, stderr: stream, cwd, env: { NO_COLOR: "1" } });
  return { code, out };
}

const masked = (s: string) => s.replace(/\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z/g, "<time>");

describe("README.md", () => {
  it("shows the real output of every `npx calmlog` console block", async () => {
    const readme = readFileSync(README, "utf8");
    const blocks = [...readme.matchAll(/```console\n\$ ((?:npx calmlog|node bin\/calmlog\.js) [^\n]*)\n([\s\S]*?)```/g)];
    expect(blocks.length).toBeGreaterThan(3);
    const root = mkdtempSync(join(tmpdir(), "calmlog-readme-"));
    try {
      copyCommitted("programs", join(root, "programs"));
      // The quick start's scratch copy, which the tour then works in.
      expect(readme).toContain(`\n${QUICK_START_COPY}`);
      copyCommitted("programs/release", join(root, "tour"));
      // Rebuilt from the match positions, since one command may appear in several blocks.
      let updated = "";
      let last = 0;
      for (const block of blocks) {
        const [whole, command, shown] = block as unknown as [string, string, string];
        const args = [...command.matchAll(/"([^"]*)"|'([^']*)'|(\S+)/g)].map((m) => m[1] ?? m[2] ?? m[3]!).slice(2);
        const r = await calmlog(root, args);
        const actual = r.out.replace(/\n*$/, "\n");
        updated += readme.slice(last, block.index) + whole.replace(`$ ${command}\n${shown}`, `$ ${command}\n${actual}`);
        last = block.index! + whole.length;
        if (!UPDATE) expect(masked(actual), `README.md: \`${command}\` (UPDATE_README=1 rewrites it)`).toBe(masked(shown));
      }
      updated += readme.slice(last);
      if (UPDATE && updated !== readme) writeFileSync(README, updated);
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });

  it("has a language sample that checks clean, and shows the real output of `calmlog check` on its bad.dl", async () => {
    const readme = readFileSync(README, "utf8");
    const sample = /```datalog\n(\/\/ comments: line[\s\S]*?)```/.exec(readme)![1]!;
    const { diagnostics, analysis } = compile({ path: "sample.dl", text: sample });
    expect(diagnostics.items.filter((d) => /^CL[12]/.test(d.code)).map((d) => `${d.code} ${d.message}`)).toEqual([]);
    expect(analysis).not.toBeNull();

    const bad = /For this `bad.dl`:\n\n```datalog\n([\s\S]*?)```\n\n```console\n\$ calmlog check bad.dl\n([\s\S]*?)```/.exec(readme)!;
    const root = mkdtempSync(join(tmpdir(), "calmlog-readme-check-"));
    try {
      writeFileSync(join(root, "bad.dl"), bad[1]!);
      const r = await calmlog(root, ["check", "bad.dl"]);
      expect(r.code).toBe(1);
      expect(r.out).toBe(bad[2]!);
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });

  it("lists every diagnostic code of the catalog with its severity", () => {
    const readme = readFileSync(README, "utf8");
    for (const c of CODE_LIST) expect(readme, c.id).toContain(`| ${c.id} | ${c.name} | ${c.severity} |`);
  });
});
