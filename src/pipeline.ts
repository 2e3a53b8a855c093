// The pipeline from a file: read -> `compile` (parse -> check -> analyze, in `compile.ts`). Reading
// is the only Node-specific step, so it lives here, outside the browser-safe core.
import { readFile } from "node:fs/promises";
import { resolve } from "node:path";
import { compile, type Compiled } from "./compile.js";
import { fileErrorReason, ReadError } from "./report/diagnostic.js";

export { compile, ReadError, type Compiled };

/** Reads a rule file as the user named it (relative to `cwd`) and compiles it. */
export async function compileFile(path: string, cwd: string): Promise<Compiled> {
  let text: string;
  try {
    text = await readFile(resolve(cwd, path), "utf8");
  } catch (err) {
    throw new ReadError(path, fileErrorReason(err));
  }
  return compile({ path, text });
}
