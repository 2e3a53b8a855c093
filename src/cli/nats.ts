// What every command that talks to a NATS JetStream replica set shares: the connection flags
// and how a JetStream failure reads to the user (a diagnostic with its code, never a stack trace).
import { createHash } from "node:crypto";
import { mkdirSync } from "node:fs";
import { homedir } from "node:os";
import { join, resolve } from "node:path";
import { Diagnostics } from "../diagnostics/diagnostic.js";
import type { NatsConnectOptions } from "../replica/jetstream/address.js";
import { JetStreamError, type JetStreamSet } from "../replica/jetstream/client.js";
import { diagnosticsText } from "./diagnostics.js";
import { wholeFile } from "../diagnostics/span.js";
import { EXIT_USER_ERROR, type CliContext } from "./context.js";

/** The connection flags' help lines (credentials in the URL: nats://user:pass@HOST:PORT/SET). */
export const natsFlags = `  --state DIR             Keep the set's merged facts here between runs (default: a folder
                          under $XDG_CACHE_HOME/calmlog, or ~/.cache/calmlog, named for the set)
  --creds FILE            NATS credentials file (JWT and NKey seed)
  --tls-ca FILE           CA certificate to verify a TLS server
  --tls-cert FILE         Client certificate for TLS (with --tls-key)
  --tls-key FILE          Client key for TLS
`;

/** The connection flags as `parseOptions` takes them. */
export const natsOptions = {
  state: { type: "string" },
  creds: { type: "string" },
  "tls-ca": { type: "string" },
  "tls-cert": { type: "string" },
  "tls-key": { type: "string" },
} as const;

/** Connection options from the parsed flags. */
export function connectOptions(values: { creds?: string | undefined; "tls-ca"?: string | undefined; "tls-cert"?: string | undefined; "tls-key"?: string | undefined }): NatsConnectOptions {
  return {
    ...(values.creds !== undefined ? { creds: values.creds } : {}),
    ...(values["tls-ca"] !== undefined ? { tlsCa: values["tls-ca"] } : {}),
    ...(values["tls-cert"] !== undefined ? { tlsCert: values["tls-cert"] } : {}),
    ...(values["tls-key"] !== undefined ? { tlsKey: values["tls-key"] } : {}),
  };
}

/** Prints a JetStream failure as a diagnostic and returns exit 1; anything else is rethrown as a crash. */
export function reportJetStreamError(ctx: CliContext, err: unknown, where: string): number {
  const diags = new Diagnostics();
  if (err instanceof JetStreamError) {
    if (err.kind === "missing") diags.add("CL531", wholeFile(where), err.message);
    else if (err.kind === "exists") diags.add("CL505", wholeFile(where), err.message);
    else diags.add("CL530", wholeFile(where), err.message);
  } else if (err instanceof Error && /timeout|connection|closed|disconnect|no responders/i.test(`${err.name} ${err.message}`)) {
    diags.add("CL530", wholeFile(where), `lost the NATS server at ${where}: ${err.message}; nothing acknowledged is lost, so run the command again`);
  } else throw err;
  ctx.stderr.write(diagnosticsText(ctx, diags.items));
  return EXIT_USER_ERROR;
}

/**
 * Where a JetStream set's kept state lives on this machine: `--state DIR`, else a cache folder
 * named for the servers, the set and the stream's creation time, so a set made anew (same name,
 * new stream) never reads another's state.
 */
export async function stateDirOf(set: JetStreamSet, state: string | undefined, ctx: CliContext): Promise<string> {
  const dir = state !== undefined ? resolve(ctx.cwd, state) : await cacheDir(set, ctx);
  // Unwritable folders are reported by the state writer (CL508) with the results still shown.
  try {
    mkdirSync(dir, { recursive: true });
  } catch {
    // reported when the state is written
  }
  return dir;
}

async function cacheDir(set: JetStreamSet, ctx: CliContext): Promise<string> {
  const env = (k: string): string | undefined => ctx.env?.[k] ?? process.env[k];
  const cache = env("XDG_CACHE_HOME") || join(env("HOME") || homedir(), ".cache");
  const id = createHash("sha256").update(`${set.address.servers.join(",")}\n${set.address.set}\n${await set.created()}`).digest("hex").slice(0, 16);
  return join(cache, "calmlog", "jetstream", `${set.address.set}-${id}`);
}
