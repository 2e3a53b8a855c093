// The package version, in a module of its own so that commands (`lint`'s SARIF) and the front
// door can both read it without importing each other.
import { readFileSync } from "node:fs";

/** The package version, read from package.json next to `dist/` or `src/`. */
export function version(): string {
  try {
    const pkg = JSON.parse(readFileSync(new URL("../../package.json", import.meta.url), "utf8")) as { version?: string };
    return pkg.version ?? "unknown";
  } catch {
    return "unknown";
  }
}
