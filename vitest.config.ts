import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { defineConfig } from "vitest/config";

// As `bin/calmlog.js` does: load chevrotain from the single-file bundle in its package (fast start).
const chevrotainBundle = join(dirname(createRequire(import.meta.url).resolve("chevrotain")), "..", "chevrotain.mjs");

export default defineConfig({
  resolve: { alias: [{ find: /^chevrotain$/, replacement: chevrotainBundle }] },
  test: {
    include: ["test/**/*.test.ts"],
    testTimeout: 60_000,
    pool: "forks",
    globalSetup: ["test/global-setup.ts"],
    // Tests call the core directly; give it Z3 as the CLI and `calmlog/node` do.
    setupFiles: ["test/setup-solver.ts"],
  },
});
