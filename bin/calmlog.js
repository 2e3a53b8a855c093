#!/usr/bin/env node
// The installed entry point: runs the compiled CLI (built by `npm install` through `prepare`).
// The version check comes first, so an older Node gets a sentence instead of a SyntaxError.
const [major, minor] = process.versions.node.split(".").map(Number);
if (major < 20 || (major === 20 && minor < 19)) {
  process.stderr.write(`calmlog needs Node 20.19 or newer (package.json "engines"); this is Node ${process.versions.node}.\n`);
  process.exit(2);
}
// dist/bin/ is the CLI bundled by esbuild (scripts/bundle-cli.mjs): few files to load, no loader hook.
const { main } = await import("../dist/bin/main.js");

/** All of standard input, for a `-` file argument. */
async function readStdin() {
  const chunks = [];
  for await (const chunk of process.stdin) chunks.push(chunk);
  return Buffer.concat(chunks).toString("utf8");
}

process.exitCode = await main(process.argv.slice(2), {
  stdout: process.stdout,
  stderr: process.stderr,
  cwd: process.cwd(),
  stdin: readStdin,
});
