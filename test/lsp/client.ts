// A language client for tests: starts `calmlog lsp --stdio` as a process and talks to it with
// `vscode-jsonrpc`, collecting the diagnostics it publishes.
import { spawn, type ChildProcess } from "node:child_process";
import { fileURLToPath } from "node:url";
import { createMessageConnection, StreamMessageReader, StreamMessageWriter, type MessageConnection } from "vscode-jsonrpc/node";

const ROOT = fileURLToPath(new URL("../../", import.meta.url));

export interface Published {
  readonly uri: string;
  readonly version?: number;
  readonly diagnostics: readonly LspDiagnostic[];
}

export interface LspDiagnostic {
  readonly range: { start: { line: number; character: number }; end: { line: number; character: number } };
  readonly severity: number;
  readonly code: string;
  readonly source: string;
  readonly message: string;
  readonly relatedInformation?: readonly { location: { uri: string; range: LspDiagnostic["range"] }; message: string }[];
  readonly data?: { help: string | null; notes: string[] };
}

export class TestClient {
  readonly connection: MessageConnection;
  private readonly waiters: { uri: string; version: number | undefined; resolve: (p: Published) => void }[] = [];
  readonly published: Published[] = [];
  stderr = "";

  private constructor(readonly child: ChildProcess) {
    this.connection = createMessageConnection(new StreamMessageReader(child.stdout!), new StreamMessageWriter(child.stdin!));
    child.stderr!.on("data", (b: Buffer) => (this.stderr += b.toString()));
    this.connection.onNotification("textDocument/publishDiagnostics", (p: Published) => {
      this.published.push(p);
      for (const w of [...this.waiters]) {
        if (w.uri === p.uri && (w.version === undefined || p.version === w.version)) {
          this.waiters.splice(this.waiters.indexOf(w), 1);
          w.resolve(p);
        }
      }
    });
    this.connection.listen();
  }

  /** Starts the server and completes the `initialize` handshake. */
  static async start(initializationOptions: Record<string, unknown> = {}): Promise<TestClient> {
    const child = spawn(process.execPath, ["--import", "tsx", "test/lsp/cli.ts", "lsp", "--stdio"], { cwd: ROOT, stdio: ["pipe", "pipe", "pipe"] });
    const client = new TestClient(child);
    await client.connection.sendRequest("initialize", { processId: process.pid, rootUri: null, capabilities: {}, initializationOptions });
    await client.connection.sendNotification("initialized", {});
    return client;
  }

  /** Resolves with the next diagnostics published for `uri` (at `version`, when given). */
  diagnostics(uri: string, version?: number): Promise<Published> {
    return new Promise((resolve) => this.waiters.push({ uri, version, resolve }));
  }

  async open(uri: string, text: string, version = 1): Promise<Published> {
    const next = this.diagnostics(uri, version);
    await this.connection.sendNotification("textDocument/didOpen", { textDocument: { uri, languageId: "calmlog", version, text } });
    return next;
  }

  async change(uri: string, version: number, changes: readonly unknown[]): Promise<Published> {
    const next = this.diagnostics(uri, version);
    await this.connection.sendNotification("textDocument/didChange", { textDocument: { uri, version }, contentChanges: changes });
    return next;
  }

  async close(uri: string): Promise<Published> {
    const next = this.diagnostics(uri);
    await this.connection.sendNotification("textDocument/didClose", { textDocument: { uri } });
    return next;
  }

  request<R>(method: string, params: unknown): Promise<R> {
    return this.connection.sendRequest(method, params) as Promise<R>;
  }

  /** Shuts the server down as a client does and waits for the process to end; resolves with its exit code. */
  async stop(): Promise<number | null> {
    const ended = new Promise<number | null>((resolve) => this.child.once("exit", (code) => resolve(code)));
    await this.connection.sendRequest("shutdown");
    await this.connection.sendNotification("exit");
    const code = await ended;
    this.connection.dispose();
    return code;
  }
}
