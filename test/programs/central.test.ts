// Differential check on every example: what `calmlog evaluate` writes from replicas equals what
// `calmlog run` computes centrally on the union of all their facts. Monotonic outputs agree before
// any seal (the merged view is complete once every fact is in); every output agrees once every
// epoch is sealed.
import { appendFileSync, cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { main } from "../../src/cli/main.js";
import { copyCommitted } from "../committed.js";

const ROOT = join(dirname(fileURLToPath(import.meta.url)), "../..");
const PROGRAMS = join(ROOT, "programs");
const EXAMPLES = readdirSync(PROGRAMS)
  .filter((name) => statSync(join(PROGRAMS, name)).isDirectory() && existsSync(join(PROGRAMS, name, `${name}.dl`)))
  .sort();

async function calmlog(cwd: string, ...args: string[]): Promise<{ code: number; out: string }> {
  let out = "";
  const code = await main(args, { cwd, env: { NO_COLOR: "1" }, stdout: { write: (t: string) => (out += t) }, stderr: { write: (t: string) => (out += t) } });
  return { code, out };
}

/** name -> contents of every file in `dir`. */
function files(dir: string): Map<string, string> {
  return new Map(readdirSync(dir).map((f) => [f, readFileSync(join(dir, f), "utf8")]));
}

describe.each(EXAMPLES)("programs/%s evaluated on replicas and centrally", (example) => {
  it("gives the central answer: monotonic outputs before any seal, all outputs after every epoch is sealed", async () => {
    const root = mkdtempSync(join(tmpdir(), `calmlog-central-${example}-`));
    try {
      cpSync(join(PROGRAMS, example, `${example}.dl`), join(root, `${example}.dl`));
      copyCommitted(`programs/${example}/replicas`, join(root, "replicas"), { skip: /^seals\// });

      // The union of every replica's facts in every epoch, as one fact directory.
      mkdirSync(join(root, "union"));
      const epochs = new Set<number>();
      for (const replica of readdirSync(join(root, "replicas"))) {
        for (const epoch of readdirSync(join(root, "replicas", replica))) {
          epochs.add(Number(epoch.replace("epoch-", "")));
          for (const file of readdirSync(join(root, "replicas", replica, epoch))) {
            appendFileSync(join(root, "union", file), readFileSync(join(root, "replicas", replica, epoch, file)));
          }
        }
      }
      const central = await calmlog(root, "run", `${example}.dl`, "-F", "union", "-D", "central");
      expect(central.code, central.out).toBe(0);
      const expected = files(join(root, "central"));
      expect(expected.size).toBeGreaterThan(0);

      const open = await calmlog(root, "evaluate", `${example}.dl`, "replicas", "-D", "open");
      expect(open.code, open.out).toBe(0);
      const monotonic = files(join(root, "open"));
      expect(monotonic.size).toBeGreaterThan(0);
      for (const [name, text] of monotonic) expect(text, `${name} before any seal`).toBe(expected.get(name));

      for (const epoch of [...epochs].sort((a, b) => a - b)) {
        expect((await calmlog(root, "seal", "replicas", "--epoch", String(epoch))).code).toBe(0);
      }
      const sealed = await calmlog(root, "evaluate", `${example}.dl`, "replicas", "-D", "sealed");
      expect(sealed.code, sealed.out).toBe(0);
      expect(files(join(root, "sealed"))).toEqual(expected);
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });
});
