// Builds native/calmlog_map.node (see native/map.cc), which maps kept state instead of reading it,
// with the node-gyp npm ships and runs install scripts with. It is an optimisation only: without a
// C++ compiler, on Windows, or when the build fails, calmlog reads kept state into memory instead,
// so this script says why in one line and never fails the install.
import { spawnSync } from "node:child_process";
import { existsSync, rmSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const native = join(dirname(fileURLToPath(import.meta.url)), "..", "native");
const skip = (why) => {
  process.stderr.write(`calmlog: kept state will be read, not mapped: ${why}\n`);
  process.exit(0);
};

if (process.platform === "win32") skip("the memory-map addon is built on Linux and macOS only");
if (!existsSync(join(native, "binding.gyp"))) skip("native/binding.gyp is missing");
// npm names its own node-gyp for scripts it runs; otherwise the one bundled with npm next to node.
const gyp = [process.env.npm_config_node_gyp, join(dirname(process.execPath), "..", "lib", "node_modules", "npm", "node_modules", "node-gyp", "bin", "node-gyp.js")].find((p) => p !== undefined && p !== "" && existsSync(p));
if (gyp === undefined) skip("node-gyp was not found (run this through npm)");
// Node's own headers where this Node has them (a distribution's package), so nothing is downloaded.
const prefix = join(dirname(process.execPath), "..");
const local = !process.env.npm_config_nodedir && existsSync(join(prefix, "include", "node", "node_api.h")) ? [`--nodedir=${prefix}`] : [];
const r = spawnSync(process.execPath, [gyp, "rebuild", "--loglevel=error", ...local], { cwd: native, encoding: "utf8" });
if (r.status !== 0) {
  rmSync(join(native, "build"), { recursive: true, force: true });
  const last = `${r.stderr ?? ""}${r.stdout ?? ""}`.split("\n").map((l) => l.trim()).filter((l) => l !== "" && !l.startsWith("gyp ERR! ") && !l.startsWith("gyp info"));
  skip(`its build failed${last.length > 0 ? ` (${last[last.length - 1]})` : r.error !== undefined ? ` (${r.error.message})` : ""}`);
}
