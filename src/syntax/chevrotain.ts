// chevrotain, loaded from its single-file bundle. The package's entry loads lodash-es module by
// module (about 0.3 s before the first line is parsed); the bundle that ships in the same package
// loads in about 15 ms. Every module of calmlog takes chevrotain's values from here, so one copy
// is loaded; its types still come from the package ("chevrotain").
import { existsSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { pathToFileURL } from "node:url";
import type * as Chevrotain from "chevrotain";

async function load(): Promise<typeof Chevrotain> {
  let bundle: string | null = null;
  try {
    // The entry is `lib/src/api.js`; the bundle is `lib/chevrotain.mjs`.
    const entry = createRequire(import.meta.url).resolve("chevrotain");
    const candidate = join(dirname(entry), "..", "chevrotain.mjs");
    if (existsSync(candidate)) bundle = candidate;
  } catch {
    // Resolution failed: fall back to the package entry below.
  }
  if (bundle !== null) return (await import(pathToFileURL(bundle).href)) as typeof Chevrotain;
  return await import("chevrotain");
}

const chevrotain = await load();

export const { CstParser, createToken, createTokenInstance, createSyntaxDiagramsCode, EOF, Lexer, tokenMatcher } = chevrotain;
