// The README's "Running across machines" walk-through shows real output: its ```shell-session
// blocks run in order against a nats-server started here, in a scratch copy of `programs/`. The
// README names the server 127.0.0.1:4222; the test's own port is put in its place both ways.
//   UPDATE_README=1 npx vitest run test/readme-jetstream.test.ts    (then review the diff)
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { main } from "../src/cli/main.js";
import { startNats, type NatsServer } from "./replica/jetstream/server.js";
import { copyCommitted } from "./committed.js";

const ROOT = join(import.meta.dirname, "..");
const README = join(ROOT, "README.md");
const UPDATE = process.env["UPDATE_README"] === "1";
const SHOWN = "127.0.0.1:4222";

let server: NatsServer;
beforeAll(async () => {
  server = await startNats();
});
afterAll(async () => {
  await server.stop();
});

const masked = (s: string): string => s.replace(/\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z/g, "<time>");

describe("README.md, Running across machines", () => {
  it("shows the real output of every walk-through command", async () => {
    const readme = readFileSync(README, "utf8");
    const start = readme.indexOf("### Running across machines");
    const end = readme.indexOf("\n## ", start);
    expect(start).toBeGreaterThan(0);
    const section = readme.slice(start, end);
    const blocks = [...section.matchAll(/```shell-session\n\$ npx (calmlog [^\n]*)\n([\s\S]*?)```/g)];
    expect(blocks.length).toBeGreaterThan(5);
    const root = mkdtempSync(join(tmpdir(), "calmlog-readme-js-"));
    const actualHost = `127.0.0.1:${server.port}`;
    try {
      copyCommitted("programs", join(root, "programs"));
      let updated = "";
      let last = 0;
      for (const block of blocks) {
        const [whole, command, shown] = block as unknown as [string, string, string];
        const args = command.split(/\s+/).slice(1).map((a) => a.replaceAll(SHOWN, actualHost));
        let out = "";
        const stream = { write: (t: string) => ((out += t), true), isTTY: false };
        const ctx = { stdout: stream, stderr: stream, cwd: root, env: { NO_COLOR: "1", XDG_CACHE_HOME: join(root, "cache") } };
        if (args.includes("--follow")) {
          // `--follow` runs until stopped: its first report is what the README shows.
          const stop = new AbortController();
          const running = main(args, { ...ctx, signal: stop.signal } as never);
          for (let i = 0; i < 600 && !out.includes("\n\n"); i++) await new Promise((r) => setTimeout(r, 50));
          await new Promise((r) => setTimeout(r, 500));
          stop.abort();
          await running;
        } else await main(args, ctx);
        const actual = out.replaceAll(actualHost, SHOWN).replace(/\n*$/, "\n");
        updated += section.slice(last, block.index) + whole.replace(`$ npx ${command}\n${shown}`, `$ npx ${command}\n${actual}`);
        last = block.index! + whole.length;
        if (!UPDATE) expect(masked(actual), `README.md: \`${command}\` (UPDATE_README=1 rewrites it)`).toBe(masked(shown));
      }
      updated += section.slice(last);
      if (UPDATE && updated !== section) writeFileSync(README, readme.slice(0, start) + updated + readme.slice(end));
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });
});
