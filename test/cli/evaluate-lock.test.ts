// One run at a time per replica directory: a live owner's lock refuses a second run (CL507); a
// lock and temporary files left by a crashed run are taken over and removed.
import { existsSync, mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { calmlog, workspace } from "./replica-fixture.js";

describe("the kept state's lock", () => {
  it("refuses a second run while the owner lives, and takes over a crashed run's lock", async () => {
    const w = workspace();
    w.put("data/a/epoch-1/edge.facts", "x\ty\n");
    const state = join(w.root, "data/.calmlog/state");
    mkdirSync(state, { recursive: true });
    writeFileSync(join(state, "lock"), `${process.ppid}\n`);
    const busy = await calmlog(w.root, "evaluate", "tasks.dl", "data");
    expect(busy.code).toBe(1);
    expect(busy.stderr).toContain("error CL507");
    expect(busy.stderr).toContain(`process ${process.ppid}`);

    writeFileSync(join(state, "lock"), "2147480000\n");
    writeFileSync(join(state, "state.log.tmp-2147480000-0badf00d"), "partial");
    const ok = await calmlog(w.root, "evaluate", "tasks.dl", "data");
    expect(ok.code).toBe(0);
    expect(existsSync(join(state, "lock"))).toBe(false);
    expect(existsSync(join(state, "state.log.tmp-2147480000-0badf00d"))).toBe(false);
    expect(existsSync(join(state, "state.log"))).toBe(true);
  });
});
