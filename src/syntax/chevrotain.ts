// chevrotain, loaded from its single-file bundle. The package's entry loads lodash-es module by
// module (about 0.3 s before the first line is parsed); the bundle that ships in the same package
// loads in about 15 ms. Every module of calmlog takes chevrotain's values from here, so one copy
// is loaded; its types still come from the package ("chevrotain"). Loaded with `require` (an ES
// module without top-level await, Node >= 20.19), so calmlog itself has no top-level await and
// `require("calmlog")` works from CommonJS.
import { existsSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import type * as Chevrotain from "chevrotain";

function load(): typeof Chevrotain {
  const require = createRequire(import.meta.url);
  // The entry is `lib/src/api.js`; the bundle is `lib/chevrotain.mjs`.
  const candidate = join(dirname(require.resolve("chevrotain")), "..", "chevrotain.mjs");
  return (existsSync(candidate) ? require(candidate) : require("chevrotain")) as typeof Chevrotain;
}

const chevrotain = load();

export const { CstParser, createToken, createTokenInstance, createSyntaxDiagramsCode, EOF, Lexer, tokenMatcher } = chevrotain;
