// The CLI as a separate process, run from the sources (`node --import tsx`), for tests that need
// several calmlog processes at once or a process to kill.
import { main } from "../../src/cli/main.js";

process.exitCode = await main(process.argv.slice(2), { stdout: process.stdout, stderr: process.stderr, cwd: process.cwd() });
