// Loads one command's CLI bundle (dist/bin/<name>.cjs, built by scripts/bundle-cli.mjs) with V8's
// code cache beside it (<name>.cjs.cache), so a start compiles almost nothing: Node 20 has no
// compile cache for modules, but `vm.Script` takes `cachedData`. A cache is used only when its
// first line names the bundle it was made from (the bundle's first line, a digest of its text) and
// V8 accepts it (same V8 version and flags); otherwise the bundle compiles from source as usual
// and the cache is written again after the command, so a stale or missing cache costs one slow
// start and never changes what the command does.
// CommonJS (bin/package.json), as bin/calmlog.js: Node starts an ES module entry through its ES
// module loader, which costs a few milliseconds and megabytes that a CommonJS one does not.
"use strict";
const { existsSync, readFileSync, renameSync, rmSync, writeFileSync } = require("node:fs");
const { createRequire } = require("node:module");
const { dirname, join } = require("node:path");
const { constants, Script } = require("node:vm");
const { crc32 } = require("node:zlib");

const DIR = join(__dirname, "..", "dist", "bin");
/** The bundle for anything that is not a command: usage, version, an unknown name. */
const BASE = "main";

/** Which bundle serves `argv`: the command's own (`help NAME` is NAME's), else the base one. */
function bundleName(argv) {
  const [first, second] = argv;
  const name = first === "help" && second !== undefined ? second : first;
  return name !== undefined && /^[a-z]+$/.test(name) && existsBundle(name) ? name : BASE;
}

/**
 * The cache's second line: the Node that made it and the CRC-32 of the rest. V8 checks only its own
 * version and flags, and checksums nothing: a cache from Node 20.20 passes V8's check in Node 20.19
 * and crashes it, and so does a damaged one.
 */
function runtimeLine(data) {
  return `node ${process.version} ${process.versions.v8} ${process.platform}-${process.arch} crc32 ${crc32(data).toString(16).padStart(8, "0")}\n`;
}

function existsBundle(name) {
  return existsSync(join(DIR, `${name}.cjs`));
}

/**
 * V8 rejects a cache made under other flags (`--max-old-space-size` too), so a process started with
 * Node options keeps its own cache, named by them, and never overwrites the plain one.
 */
function flagsSuffix() {
  const flags = [...process.execArgv, process.env["NODE_OPTIONS"] ?? ""].join(" ").trim();
  if (flags === "") return "";
  // node:crypto only here: loading it costs a plain start milliseconds.
  const { createHash } = require("node:crypto");
  return `-${createHash("sha256").update(flags).digest("hex").slice(0, 12)}`;
}

/**
 * Runs bundle `name`'s top level (from `dir`, dist/bin/ by default) and returns its exports, with `saveCache(force)`: writes the code
 * cache when it was missing, stale or rejected (or always, with `force`); never throws.
 */
function loadBundle(name, dir = DIR) {
  const file = join(dir, `${name}.cjs`);
  const source = readFileSync(file, "utf8");
  // The bundle's first line is `// calmlog-bundle <digest>`; a cache starts with the same line.
  const idLine = source.slice(0, source.indexOf("\n") + 1);
  const cacheFile = `${file}${flagsSuffix()}.cache`;
  let cachedData;
  try {
    const cache = readFileSync(cacheFile);
    const nl = cache.indexOf(10, idLine.length);
    const data = cache.subarray(nl + 1);
    if (idLine.startsWith("// calmlog-bundle ") && cache.subarray(0, idLine.length).toString("latin1") === idLine && cache.subarray(idLine.length, nl + 1).toString("latin1") === runtimeLine(data)) cachedData = data;
  } catch {
    // No cache: compile from source.
  }
  // The bundle is one function expression, Node's CommonJS wrapper written out (`require`, `module`, `__filename`).
  const script = new Script(source, { filename: file, cachedData, importModuleDynamically: constants.USE_MAIN_CONTEXT_DEFAULT_LOADER });
  const accepted = cachedData !== undefined && !script.cachedDataRejected;
  const module = { exports: {} };
  script.runInThisContext().call(module.exports, module.exports, createRequire(file), module, file, dirname(file));
  return {
    exports: module.exports,
    cached: accepted,
    saveCache(force = false) {
      if (accepted && !force) return;
      if (!idLine.startsWith("// calmlog-bundle ")) return;
      const tmp = `${cacheFile}.tmp-${process.pid}-${Math.floor(Math.random() * 0xffffffff).toString(16)}`;
      try {
        const data = script.createCachedData();
        writeFileSync(tmp, Buffer.concat([Buffer.from(idLine + runtimeLine(data), "latin1"), data]));
        renameSync(tmp, cacheFile);
      } catch {
        // A read-only install keeps compiling from source; nothing else changes.
        try {
          rmSync(tmp, { force: true });
        } catch {
          // Nothing to clean up.
        }
      }
    },
  };
}

module.exports = { bundleName, loadBundle };
