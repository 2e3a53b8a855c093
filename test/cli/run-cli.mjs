// Runs the CLI from the TypeScript sources in a child process (`node --import tsx run-cli.mjs ARGS`),
// for tests that need process-level settings such as a small heap, several calmlog processes at
// once, or a process to kill.
import { main } from "../../src/cli/main.ts";

process.exitCode = await main(process.argv.slice(2), { stdout: process.stdout, stderr: process.stderr, cwd: process.cwd() });
