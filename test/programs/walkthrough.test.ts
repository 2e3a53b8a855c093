// The README's quick start and tour, run as a user runs them in the repository, leave the committed
// examples as they were, and the checks that read `programs/` see the same examples afterwards, even
// when someone also sealed an epoch in place there.
import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { main } from "../../src/cli/main.js";
import { copyCommitted, ROOT, trackedFiles } from "../committed.js";

const repo = mkdtempSync(join(tmpdir(), "calmlog-walkthrough-"));
afterAll(() => rmSync(repo, { recursive: true, force: true }));

async function calmlog(cwd: string, ...args: string[]): Promise<{ code: number; out: string }> {
  let out = "";
  const stream = { write: (t: string) => ((out += t), true) };
  const code = await main(args, { cwd, env: { NO_COLOR: "1" }, stdout: stream, stderr: stream });
  return { code, out };
}

const args = (command: string): string[] => [...command.matchAll(/"([^"]*)"|'([^']*)'|(\S+)/g)].map((m) => m[1] ?? m[2] ?? m[3]!).slice(2);
const masked = (s: string): string => s.replace(/\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z/g, "<time>");

describe("running the quick start and the tour", () => {
  it("changes no committed file under programs/, and the tests' copies stay as committed", async () => {
    expect(trackedFiles(), "the tests copy the files git tracks").not.toBeNull();
    copyCommitted("programs", join(repo, "programs"));
    const readme = readFileSync(join(ROOT, "README.md"), "utf8");
    const quick = /## Quick start[\s\S]*?```sh\n([\s\S]*?)```/.exec(readme)![1]!.split("\n").filter((l) => l !== "");
    // Quick start: the copy, then the evaluation (npm install and npm test are not replayed here).
    for (const line of quick) {
      if (line.startsWith("cp -r ")) {
        const [from, to] = line.slice("cp -r ".length).split(" ") as [string, string];
        cpSync(join(repo, from), join(repo, to), { recursive: true });
      } else if (line.startsWith("node bin/calmlog.js ")) expect((await calmlog(repo, ...args(line))).code).toBe(0);
    }
    expect(existsSync(join(repo, "tour", "replicas", ".calmlog"))).toBe(true);
    // The tour's commands, in order, as written.
    const tour = readme.slice(readme.indexOf("## A guided tour"), readme.indexOf("## The language"));
    const commands = [...tour.matchAll(/```console\n\$ (node bin\/calmlog\.js [^\n]*)\n/g)].map((m) => m[1]!);
    expect(commands.some((c) => c.includes(" seal "))).toBe(true);
    for (const c of commands) await calmlog(repo, ...args(c));
    expect(existsSync(join(repo, "tour", "replicas", "seals", "epoch-2.json"))).toBe(true);
    // And what the tour used to do, in place: keep state in programs/ and seal epoch 2 there.
    expect((await calmlog(repo, "evaluate", "programs/release/release.dl", "programs/release/replicas")).code).toBe(0);
    expect((await calmlog(repo, "seal", "programs/release/replicas", "--epoch", "2")).code).toBe(0);

    for (const path of trackedFiles()!.filter((p) => p.startsWith("programs/"))) {
      expect(readFileSync(join(repo, path), "utf8"), path).toBe(readFileSync(join(ROOT, path), "utf8"));
    }

    // The checks that read `programs/`: a copy taken from that repository evaluates to the golden report...
    const copy = mkdtempSync(join(tmpdir(), "calmlog-walkthrough-copy-"));
    try {
      copyCommitted("programs", join(copy, "programs"), { base: repo });
      expect(existsSync(join(copy, "programs/release/replicas/seals/epoch-2.json"))).toBe(false);
      expect(existsSync(join(copy, "programs/release/replicas/.calmlog"))).toBe(false);
      const evaluated = await calmlog(copy, "evaluate", "programs/release/release.dl", "programs/release/replicas");
      expect(evaluated.out).toBe(readFileSync(join(ROOT, "test/programs/golden/release/evaluate.txt"), "utf8"));
      // ...and the tour replayed from it shows what the README shows (epoch 2 still open, every fact new).
      copyCommitted("programs/release", join(copy, "tour"), { base: repo });
      const first = await calmlog(copy, ...args(commands.find((c) => c.includes(" evaluate "))!));
      const shown = /```console\n\$ node bin\/calmlog\.js evaluate tour\/release\.dl tour\/replicas\n([\s\S]*?)```/.exec(tour)![1]!;
      expect(masked(first.out)).toBe(masked(shown));
    } finally {
      rmSync(copy, { recursive: true, force: true });
    }
  });
});
