// The calmlog extension: starts `calmlog lsp --stdio` for `.dl` files and hands it to VS Code's
// language client; highlighting comes from the TextMate grammar, brackets and comments from the
// language configuration.
import { existsSync } from "node:fs";
import { join } from "node:path";
import { workspace, type ExtensionContext } from "vscode";
import { LanguageClient, TransportKind, type LanguageClientOptions, type ServerOptions } from "vscode-languageclient/node";

let client: LanguageClient | undefined;

/** The `calmlog` to run: the setting, else the workspace's own install, else the one on the PATH. */
function serverCommand(): string {
  const configured = workspace.getConfiguration("calmlog").get<string>("server.path", "").trim();
  if (configured !== "") return configured;
  for (const folder of workspace.workspaceFolders ?? []) {
    const local = join(folder.uri.fsPath, "node_modules", ".bin", process.platform === "win32" ? "calmlog.cmd" : "calmlog");
    if (existsSync(local)) return local;
  }
  return "calmlog";
}

export async function activate(context: ExtensionContext): Promise<void> {
  const command = serverCommand();
  // The client adds `--stdio` for the stdio transport: the server runs as `calmlog lsp --stdio`.
  const run = { command, args: ["lsp"], transport: TransportKind.stdio, options: { shell: process.platform === "win32" } };
  const serverOptions: ServerOptions = { run, debug: run };
  const clientOptions: LanguageClientOptions = {
    documentSelector: [{ language: "calmlog" }],
    initializationOptions: { debounceMs: workspace.getConfiguration("calmlog").get<number>("server.debounceMs", 30) },
  };
  client = new LanguageClient("calmlog", "calmlog", serverOptions, clientOptions);
  context.subscriptions.push(client);
  await client.start();
}

export async function deactivate(): Promise<void> {
  await client?.stop();
  client = undefined;
}
