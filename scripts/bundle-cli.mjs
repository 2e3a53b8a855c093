// Bundles the CLI into dist/bin/ with esbuild (part of `npm run build` and `prepare`): one
// CommonJS file per command (`run.cjs`, `lint.cjs`, ...) holding the dispatcher and that command
// only, plus `main.cjs` for usage, version and unknown names. `bin/load.js` runs the one a command
// line needs through `vm.Script` with V8's code cache beside it (`NAME.cjs.cache`, made here by
// running each command once on a small program; scripts/code-cache.mjs), so `calmlog run` reads
// one file and compiles almost nothing. Z3, NATS and the language server stay external: they load
// from node_modules only when a command needs them. The library (`dist/index.js`, `calmlog/node`)
// stays tsc's module-per-file output.
import { build } from "esbuild";
import { spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

const ROOT = join(dirname(fileURLToPath(import.meta.url)), "..");
const OUT = join(ROOT, "dist", "bin");
const MAIN = join(ROOT, "src", "cli", "main.ts");

// What chevrotain derives from the grammar (the recorded rules, recovery's follow sets, the lookahead
// paths, each token's first characters), recorded from tsc's output of the same sources (run just
// before), so the CLI does not derive it on every start (src/syntax/prebuilt.ts).
const dist = (path) => import(pathToFileURL(join(ROOT, "dist", "syntax", path)).href);
const { CalmlogParser } = await dist("parser.js");
const { makeLexer } = await dist("tokens.js");
const { recordPrebuilt } = await dist("prebuilt.js");
const lookahead = {};
const prebuilt = recordPrebuilt(new CalmlogParser({ lookahead }), lookahead, makeLexer(true));

// The commands are the dispatcher's table (src/cli/main.ts), each loaded as `import("./NAME.js")`.
const COMMANDS = [...readFileSync(MAIN, "utf8").matchAll(/await import\("\.\/([a-z]+)\.js"\)/g)].map((m) => m[1]);
if (COMMANDS.length === 0) throw new Error("scripts/bundle-cli.mjs: no commands found in src/cli/main.ts");

// The first line names the bundle by a digest of its text; bin/load.js uses a code cache only when
// the cache starts with the same line (a placeholder of the same length stands in while building).
const ID_PREFIX = "// calmlog-bundle ";
const PLACEHOLDER = ID_PREFIX + "0".repeat(64);

/** Every other command's module, in a bundle that serves one: never loaded (bin/load.js routes). */
function onlyCommand(keep) {
  return {
    name: "only-command",
    setup(b) {
      b.onResolve({ filter: /^\.\/[a-z]+\.js$/ }, (args) => {
        const name = args.path.slice(2, -3);
        if (args.importer !== MAIN || !COMMANDS.includes(name) || name === keep) return undefined;
        return { path: name, namespace: "other-command" };
      });
      b.onLoad({ filter: /.*/, namespace: "other-command" }, (args) => ({
        contents: `throw new Error("calmlog: \`${args.path}\` is served by dist/bin/${args.path}.cjs");`,
        loader: "js",
      }));
    },
  };
}

/**
 * The bundle as ASCII text: one character outside ASCII makes the whole source a two-byte string in
 * V8, twice the memory and slower to read and to check against its code cache (about 5 ms of a
 * start here). esbuild writes every string, regular expression and name in ASCII already; what is
 * left is comments, whose other characters are written as `\u` escapes.
 */
function asciiComments(text, path) {
  return text.replace(/^.*[^\x00-\x7f].*$/gm, (line) => {
    if (!/^\s*(\/\/|\/\*\*?|\*)/.test(line)) throw new Error(`${path}: a line of code with characters outside ASCII: ${line.trim()}`);
    return line.replace(/[^\x00-\x7f]/gu, (c) => `\\u{${c.codePointAt(0).toString(16)}}`);
  });
}

// Built beside dist/bin/ and swapped in at the end, so a CLI started meanwhile (a test beside
// `npm pack`) finds the old bundles or the new ones, never a half-written folder.
const NEXT = `${OUT}.tmp-${process.pid}`;
rmSync(NEXT, { recursive: true, force: true });
mkdirSync(NEXT, { recursive: true });
const bundles = ["main", ...COMMANDS];
await Promise.all(
  bundles.map(async (name) => {
    const result = await build({
      entryPoints: { [name]: MAIN },
      outdir: NEXT,
      outExtension: { ".js": ".cjs" },
      bundle: true,
      format: "cjs",
      platform: "node",
      target: "node20",
      write: false,
      external: ["z3-solver", "@nats-io/*", "vscode-languageserver", "vscode-languageserver/*", "vscode-languageserver-textdocument"],
      legalComments: "none",
      // `import.meta.url` (the package's own files, Z3's module) is this file's URL in CommonJS too.
      define: { __CALMLOG_PREBUILT__: JSON.stringify(JSON.stringify(prebuilt)), "import.meta.url": "__calmlog_import_meta_url" },
      // The file is one function expression, CommonJS's wrapper written out, so bin/load.js compiles
      // the text as read instead of a wrapped copy of it; strict, as the ES modules it was built from.
      banner: { js: `${PLACEHOLDER}\n(function (exports, require, module, __filename, __dirname) {\n"use strict";\nvar __calmlog_import_meta_url = require("node:url").pathToFileURL(__filename).href;` },
      footer: { js: "})" },
      logLevel: "warning",
      plugins: [onlyCommand(name)],
    });
    for (const file of result.outputFiles) {
      let text = file.text;
      if (file.path.endsWith(".cjs")) {
        if (!text.startsWith(PLACEHOLDER + "\n")) throw new Error(`${file.path}: the bundle does not start with its id line`);
        text = asciiComments(text, file.path);
        const digest = createHash("sha256").update(text.slice(PLACEHOLDER.length)).digest("hex");
        text = ID_PREFIX + digest + text.slice(PLACEHOLDER.length);
      }
      writeFileSync(file.path, text);
    }
  }),
);

// Code caches: each bundle runs once on a small program (scripts/code-cache.mjs), so the cache holds
// what that command compiles. A failure here only costs start-up time, never the build.
const work = mkdtempSync(join(tmpdir(), "calmlog-cache-"));
try {
  for (const name of bundles) {
    const r = spawnSync(process.execPath, [join(ROOT, "scripts", "code-cache.mjs"), name, work, NEXT], { cwd: ROOT, encoding: "utf8" });
    if (r.status !== 0) process.stderr.write(`scripts/bundle-cli.mjs: no code cache for \`${name}\` (it starts slower):\n${r.stderr}${r.stdout}`);
  }
} finally {
  rmSync(work, { recursive: true, force: true });
}
const OLD = `${OUT}.old-${process.pid}`;
if (existsSync(OUT)) renameSync(OUT, OLD);
renameSync(NEXT, OUT);
rmSync(OLD, { recursive: true, force: true });
