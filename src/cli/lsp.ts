// `calmlog lsp --stdio`: the language server for editors. The server and its protocol library load
// only here, so the other commands do not pay for them.
import { EXIT_OK, parseOptions, UsageError, type CliContext, type Command } from "./context.js";

const USAGE = `Usage: calmlog lsp --stdio

Runs the calmlog language server, speaking the Language Server Protocol on stdin and stdout.
Editors start it; the VS Code extension in editors/vscode does so. It checks each open rule file
as \`calmlog lint\` does (same codes, positions and messages), shows coordination points as
warnings with quick fixes where a rewrite is mechanical, and answers hover, go to definition,
find references, document symbols and completion.

Options:
      --stdio    talk over stdin/stdout (the only transport)
  -h, --help     show this help

The client may pass \`initializationOptions\`: \`debounceMs\` (quiet time after an edit before the
re-check, default 75) and \`splitThreshold\` (files at least this many characters long are
checked part by part, default 65536).
`;

export const command: Command = {
  name: "lsp",
  summary: "Run the language server for editors (diagnostics, hover, definitions) over stdio",
  usage: USAGE,
  async run(args: readonly string[], _ctx: CliContext): Promise<number> {
    const { values, positionals } = parseOptions(args, { stdio: { type: "boolean" } });
    if (positionals.length > 0) throw new UsageError(`unexpected argument \`${positionals[0]}\``);
    if (values.stdio !== true) throw new UsageError("give --stdio: the server talks over stdin and stdout");
    const { startServer } = await import("../lsp/server.js");
    const connection = startServer(process.stdin, process.stdout);
    // The protocol library ends the process on `exit`; until then the command keeps running.
    await new Promise<void>((resolve) => connection.onExit(() => resolve()));
    return EXIT_OK;
  },
};
