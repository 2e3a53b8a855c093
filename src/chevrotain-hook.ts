// A module resolution hook for the CLI: `chevrotain` resolves to the single-file bundle that
// ships in the same package (`lib/chevrotain.mjs`, about 15 ms to load) instead of its entry,
// which loads lodash-es module by module (about 0.3 s). Library users get the package's entry.
import { existsSync } from "node:fs";
import type { ResolveHook } from "node:module";
import { fileURLToPath } from "node:url";

export const resolve: ResolveHook = async (specifier, context, next) => {
  const result = await next(specifier, context);
  if (specifier !== "chevrotain" || !result.url.startsWith("file:")) return result;
  // The entry is `lib/src/api.js`; the bundle is `lib/chevrotain.mjs`.
  const bundle = new URL("../chevrotain.mjs", result.url);
  if (!existsSync(fileURLToPath(bundle))) return result;
  return { url: bundle.href, format: "module", shortCircuit: true };
};
