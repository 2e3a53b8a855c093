// Writes that fail: a read-only replica directory and a full disk. `evaluate` still prints its
// report and says the kept state could not be written (CL508, exit 1); `seal` seals nothing
// (CL515 or CL508, exit 1); nothing kept is lost and no temporary file is left. Tests run as root,
// where `chmod` does not block writes, so the faults are injected by a preload that wraps `fs`
// (test/replica/fault-preload.mjs) and, where the machine allows mounting, by a small tmpfs.
import { execFileSync, spawnSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { afterAll, describe, expect, it } from "vitest";

const PROGRAM = `.decl edge(a: symbol, b: symbol)
.decl blocked(a: symbol)
.decl ready(a: symbol)
.input edge
.input blocked
.output ready
ready(x) :- edge(x, _), !blocked(x).
`;
const tsx = pathToFileURL(createRequire(import.meta.url).resolve("tsx")).href;
const entry = resolve("test/cli/run-cli.mjs");
const preload = pathToFileURL(resolve("test/replica/fault-preload.mjs")).href;

interface Run {
  readonly status: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** `calmlog ARGS` in a child process; `fault` is `CODE:TEXT` for the preload (writes to paths containing TEXT fail). */
function calmlog(cwd: string, args: string[], fault?: string): Run {
  const r = spawnSync(process.execPath, ["--import", tsx, ...(fault === undefined ? [] : ["--import", preload]), entry, ...args], {
    cwd,
    encoding: "utf8",
    timeout: 120_000,
    env: { ...process.env, NO_COLOR: "1", ...(fault === undefined ? {} : { CALMLOG_TEST_FAULT: fault }) },
  });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

function setup(root: string = mkdtempSync(join(tmpdir(), "calmlog-faults-"))): { root: string; put: (rel: string, text: string) => void } {
  const put = (rel: string, text: string): void => {
    mkdirSync(join(root, rel, ".."), { recursive: true });
    writeFileSync(join(root, rel), text);
  };
  put("p.dl", PROGRAM);
  put("d/a/epoch-1/edge.facts", "x\ty\n");
  put("d/a/epoch-1/blocked.facts", "x\n");
  put("d/b/epoch-1/edge.facts", "y\tz\n");
  return { root, put };
}

/** Every file under `dir` whose name marks it temporary (`*.tmp-*`). */
function temporaries(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return (readdirSync(dir, { recursive: true }) as string[]).filter((f) => /\.tmp-/.test(f));
}

// Each case runs the CLI in two to four child processes.
const SLOW = 180_000;

describe("a replica directory that cannot be written (injected EROFS)", () => {
  it("evaluate prints the report, says the state was not kept (CL508, exit 1) and leaves nothing behind", () => {
    const { root } = setup();
    const r = calmlog(root, ["evaluate", "p.dl", "d"], "EROFS:.calmlog");
    expect(r.status).toBe(1);
    expect(r.stdout).toContain("replica `a`: 2 fact(s), 2 new since the last run");
    expect(r.stderr).toContain("error CL508: the kept state `d/.calmlog/state/state.log` could not be written (the file system is read-only)");
    expect(r.stderr).not.toContain("internal error");
    expect(existsSync(join(root, "d/.calmlog"))).toBe(false);
    // Once the folder is writable, the same run keeps everything.
    const ok = calmlog(root, ["evaluate", "p.dl", "d"]);
    expect(ok.status).toBe(0);
    expect(ok.stdout).toContain("replica `a`: 2 fact(s), 2 new since the last run");
  }, SLOW);

  it("seal seals nothing and says why (CL515, exit 1), not an internal error", () => {
    const { root } = setup();
    expect(calmlog(root, ["evaluate", "p.dl", "d"]).status).toBe(0);
    const r = calmlog(root, ["seal", "d", "--epoch", "1"], "EROFS:seals");
    expect(r.status).toBe(1);
    expect(r.stderr).toContain("error CL515: the seal record of epoch 1 could not be written (the file system is read-only); epoch 1 stays open");
    expect(r.stderr).toContain("help: Make `DIR/seals` writable");
    expect(r.stderr).not.toContain("internal error");
    expect(existsSync(join(root, "d/seals/epoch-1.json"))).toBe(false);
    expect(calmlog(root, ["seal", "d", "--epoch", "1"]).status).toBe(0);
  }, SLOW);
});

describe("a full disk (injected ENOSPC: files are created, then a write fails halfway)", () => {
  it("evaluate keeps the previous state byte for byte, leaves no temporary file, and the next run catches up", () => {
    const { root, put } = setup();
    expect(calmlog(root, ["evaluate", "p.dl", "d"]).status).toBe(0);
    const log = join(root, "d/.calmlog/state/state.log");
    const before = readFileSync(log);
    put("d/b/epoch-1/edge.facts", "y\tz\nz\tw\n");
    const r = calmlog(root, ["evaluate", "p.dl", "d"], "ENOSPC:.calmlog");
    expect(r.status).toBe(1);
    expect(r.stdout).toContain("replica `b`: 2 fact(s), 1 new since the last run");
    expect(r.stderr).toContain("could not be written (no space left on the device); these results are not kept, and the previous state is intact");
    expect(r.stderr).not.toContain("internal error");
    // The half-written append is cut off at once, and the report's temporary file removed.
    expect(readFileSync(log).equals(before)).toBe(true);
    expect(temporaries(join(root, "d"))).toEqual([]);
    expect(existsSync(join(root, "d/.calmlog/state/lock"))).toBe(false);
    const next = calmlog(root, ["evaluate", "p.dl", "d"]);
    expect(next.status).toBe(0);
    expect(next.stdout).toContain("replica `b`: 2 fact(s), 1 new since the last run");
  }, SLOW);

  it("evaluate on a fresh directory leaves no state folder and no temporary file", () => {
    const { root } = setup();
    const r = calmlog(root, ["evaluate", "p.dl", "d"], "ENOSPC:.calmlog");
    expect(r.status).toBe(1);
    expect(r.stderr).toContain("error CL508");
    expect(existsSync(join(root, "d/.calmlog"))).toBe(false);
  }, SLOW);

  it("seal writes no seal record and no temporary file when the seal's folder is full (CL515)", () => {
    const { root } = setup();
    expect(calmlog(root, ["evaluate", "p.dl", "d"]).status).toBe(0);
    const r = calmlog(root, ["seal", "d", "--epoch", "1"], "ENOSPC:seals");
    expect(r.status).toBe(1);
    expect(r.stderr).toContain("error CL515: the seal record of epoch 1 could not be written (no space left on the device)");
    expect(readdirSync(join(root, "d/seals"))).toEqual([]);
    const ok = calmlog(root, ["seal", "d", "--epoch", "1"]);
    expect(ok.status).toBe(0);
    expect(ok.stdout).toContain("sealed epoch 1: 2 replica(s), 3 fact(s)");
  }, SLOW);

  it("seal does not seal over facts the kept state could not keep (CL508, then CL505)", () => {
    const { root, put } = setup();
    expect(calmlog(root, ["evaluate", "p.dl", "d"]).status).toBe(0);
    put("d/b/epoch-1/edge.facts", "y\tz\nz\tw\n");
    const r = calmlog(root, ["seal", "d", "--epoch", "1"], "ENOSPC:.calmlog");
    expect(r.status).toBe(1);
    expect(r.stderr).toContain("error CL508");
    expect(r.stderr).toContain("error CL505: epoch 1 is not sealed, because the kept state could not be written");
    expect(existsSync(join(root, "d/seals/epoch-1.json"))).toBe(false);
    expect(temporaries(join(root, "d"))).toEqual([]);
    const ok = calmlog(root, ["seal", "d", "--epoch", "1"]);
    expect(ok.stdout).toContain("sealed epoch 1: 2 replica(s), 4 fact(s)");
  }, SLOW);
});

// A real file system: a small tmpfs, filled up, then remounted read-only. Mounting needs root
// and a container that allows it; otherwise these are skipped with the reason.
const mountPoint = mkdtempSync(join(tmpdir(), "calmlog-tmpfs-"));
const mountError = ((): string | null => {
  if (process.platform !== "linux") return "tmpfs needs Linux";
  try {
    execFileSync("mount", ["-t", "tmpfs", "-o", "size=512k", "tmpfs", mountPoint], { stdio: "pipe" });
    return null;
  } catch (err) {
    return `cannot mount a tmpfs here (${String((err as { stderr?: Buffer }).stderr ?? err).trim()})`;
  }
})();
afterAll(() => {
  if (mountError === null) spawnSync("umount", [mountPoint]);
  rmSync(mountPoint, { recursive: true, force: true });
});

describe.skipIf(mountError !== null)(`a small tmpfs${mountError === null ? "" : ` (skipped: ${mountError})`}`, () => {
  it("full: evaluate and seal report it, keep the previous state and leave no temporary file; read-only: the same", () => {
    const { root, put } = setup(mountPoint);
    let facts = "";
    for (let i = 0; i < 2000; i++) facts += `n${i}\tm${i}\n`;
    put("d/a/epoch-1/edge.facts", facts);
    expect(calmlog(root, ["evaluate", "p.dl", "d"]).status).toBe(0);
    const log = join(root, "d/.calmlog/state/state.log");
    const kept = readFileSync(log);
    put("d/b/epoch-1/edge.facts", "y\tz\n" + facts.replaceAll("n", "k"));
    // Fill the disk: one file as large as the space left.
    const fill = join(root, "fill");
    try {
      writeFileSync(fill, Buffer.alloc(1 << 20));
    } catch {
      // ENOSPC: it holds what fitted.
    }
    const r = calmlog(root, ["evaluate", "p.dl", "d"]);
    expect(r.status).toBe(1);
    expect(r.stdout).toContain("replica `b`: 2001 fact(s), 2000 new since the last run");
    expect(r.stderr).toContain("(no space left on the device); these results are not kept");
    expect(readFileSync(log).equals(kept)).toBe(true);
    expect(temporaries(join(root, "d"))).toEqual([]);
    const s = calmlog(root, ["seal", "d", "--epoch", "1"]);
    expect(s.status).toBe(1);
    expect(s.stderr).not.toContain("internal error");
    expect(existsSync(join(root, "d/seals/epoch-1.json"))).toBe(false);
    expect(temporaries(join(root, "d"))).toEqual([]);
    rmSync(fill);
    // Read-only: the same report, nothing written.
    execFileSync("mount", ["-o", "remount,ro", mountPoint]);
    try {
      const ro = calmlog(root, ["evaluate", "p.dl", "d"]);
      expect(ro.status).toBe(1);
      expect(ro.stdout).toContain("replica `b`: 2001 fact(s), 2000 new since the last run");
      expect(ro.stderr).toContain("(the file system is read-only)");
      const rs = calmlog(root, ["seal", "d", "--epoch", "1"]);
      expect(rs.status).toBe(1);
      expect(rs.stderr).not.toContain("internal error");
    } finally {
      execFileSync("mount", ["-o", "remount,rw", mountPoint]);
    }
    const ok = calmlog(root, ["evaluate", "p.dl", "d"]);
    expect(ok.status).toBe(0);
    expect(ok.stdout).toContain("replica `b`: 2001 fact(s), 2000 new since the last run");
    const sealed = calmlog(root, ["seal", "d", "--epoch", "1"]);
    expect(sealed.stderr).toBe("");
    expect(sealed.stdout).toContain("sealed epoch 1: 2 replica(s), 4002 fact(s)");
    expect(temporaries(join(root, "d"))).toEqual([]);
  }, 300_000);
});
