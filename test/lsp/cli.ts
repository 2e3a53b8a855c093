// The CLI from its sources, for tests that start `calmlog` as a process (`node --import tsx test/lsp/cli.ts ...`).
import { main } from "../../src/cli/main.js";

process.exitCode = await main(process.argv.slice(2), { stdout: process.stdout, stderr: process.stderr, cwd: process.cwd() });
