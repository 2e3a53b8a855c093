#!/usr/bin/env node
// The installed entry point: runs the compiled CLI (built by `npm install` through `prepare`).
// The version check comes first, so an older Node gets a sentence instead of a SyntaxError.
const [major, minor] = process.versions.node.split(".").map(Number);
if (major < 20 || (major === 20 && minor < 19)) {
  process.stderr.write(`calmlog needs Node 20.19 or newer (package.json "engines"); this is Node ${process.versions.node}.\n`);
  process.exit(2);
}
// dist/bin/ holds one esbuild bundle per command (scripts/bundle-cli.mjs), each loaded with its V8
// code cache (bin/load.js): one file to read and little to compile. This file and bin/load.js are
// CommonJS (bin/package.json): an ES module entry costs every start Node's ES module loader.
const { bundleName, loadBundle } = require("./load.js");
const argv = process.argv.slice(2);
const bundle = loadBundle(bundleName(argv));

/** All of standard input, for a `-` file argument. */
async function readStdin() {
  const chunks = [];
  for await (const chunk of process.stdin) chunks.push(chunk);
  return Buffer.concat(chunks).toString("utf8");
}

bundle.exports
  .main(argv, { stdout: process.stdout, stderr: process.stderr, cwd: process.cwd(), stdin: readStdin })
  .then((code) => {
    process.exitCode = code;
    bundle.saveCache();
  });
