// Bundles the CLI into dist/bin/ with esbuild (part of `npm run build` and `prepare`): one file
// for what every command shares plus one chunk per lazily loaded command, so `calmlog run` starts
// without resolving hundreds of modules (chevrotain alone is about 100 through lodash-es) and
// without a module loader hook. Z3, NATS and the language server stay external: they load from
// node_modules only when a command needs them. The library (`dist/index.js`, `calmlog/node`)
// stays tsc's module-per-file output.
import { build } from "esbuild";
import { rmSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

const ROOT = join(dirname(fileURLToPath(import.meta.url)), "..");
const OUT = join(ROOT, "dist", "bin");

// The parser's lookahead paths, recorded from tsc's output of the same sources (run just before),
// so the CLI does not derive them from the grammar on every start (src/syntax/lookahead.ts).
const { CalmlogParser } = await import(pathToFileURL(join(ROOT, "dist", "syntax", "parser.js")).href);
const lookahead = {};
new CalmlogParser({ lookahead });

rmSync(OUT, { recursive: true, force: true });
await build({
  entryPoints: { main: join(ROOT, "src", "cli", "main.ts") },
  outdir: OUT,
  bundle: true,
  splitting: true,
  format: "esm",
  platform: "node",
  target: "node20",
  // Chunks sit next to the entry, so `new URL("../../package.json", import.meta.url)` still finds the package.
  chunkNames: "[name]-[hash]",
  external: ["z3-solver", "@nats-io/*", "vscode-languageserver", "vscode-languageserver/*", "vscode-languageserver-textdocument"],
  sourcemap: true,
  legalComments: "none",
  define: { __CALMLOG_LOOKAHEAD__: JSON.stringify(lookahead) },
  logLevel: "warning",
  // Bundled CommonJS dependencies (dagre) call `require`; ESM output has none unless given one.
  banner: { js: 'import { createRequire as __calmlogRequire } from "node:module"; const require = __calmlogRequire(import.meta.url);' },
});
