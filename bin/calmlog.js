#!/usr/bin/env node
// The installed entry point: runs the compiled CLI (built by `npm install` through `prepare`).
// The hook makes `chevrotain` load from its single-file bundle, so the CLI starts fast.
import { register } from "node:module";

register("../dist/chevrotain-hook.js", import.meta.url);
const { main } = await import("../dist/cli/main.js");

process.exitCode = await main(process.argv.slice(2), {
  stdout: process.stdout,
  stderr: process.stderr,
  cwd: process.cwd(),
});
