// Starts and stops real nats-server processes (Debian's `nats-server`) on 127.0.0.1 with
// temporary stores, one server or a three-node JetStream cluster, for the JetStream tests.
import { spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createServer, connect as tcpConnect } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";

export interface NatsServer {
  readonly port: number;
  readonly url: string;
  readonly store: string;
  /** SIGKILLs the process (its store stays). */
  kill(): Promise<void>;
  /** Starts it again on the same port and store. */
  restart(): Promise<void>;
  /** Kills it and removes its store. */
  stop(): Promise<void>;
}

/** A free TCP port on 127.0.0.1. */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.unref();
    srv.on("error", reject);
    srv.listen(0, "127.0.0.1", () => {
      const port = (srv.address() as { port: number }).port;
      srv.close(() => resolve(port));
    });
  });
}

async function waitForPort(port: number, ms = 10_000): Promise<void> {
  const end = Date.now() + ms;
  for (;;) {
    const ok = await new Promise<boolean>((resolve) => {
      const s = tcpConnect(port, "127.0.0.1");
      s.once("connect", () => {
        s.destroy();
        resolve(true);
      });
      s.once("error", () => resolve(false));
    });
    if (ok) return;
    if (Date.now() > end) throw new Error(`nats-server did not listen on 127.0.0.1:${port} within ${ms} ms`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

function launch(args: readonly string[]): ChildProcess {
  const child = spawn("nats-server", [...args], { stdio: ["ignore", "ignore", "pipe"] });
  child.on("error", (err) => {
    throw new Error(`cannot start nats-server (install Debian's nats-server package): ${err.message}`);
  });
  return child;
}

async function killed(child: ChildProcess | null): Promise<void> {
  if (child === null || child.exitCode !== null || child.signalCode !== null) return;
  await new Promise<void>((resolve) => {
    child.once("exit", () => resolve());
    child.kill("SIGKILL");
  });
}

/** One JetStream server on a free loopback port with a temporary store. */
export async function startNats(): Promise<NatsServer> {
  const port = await freePort();
  const store = mkdtempSync(join(tmpdir(), "calmlog-nats-"));
  const server = managed(["-js", "-a", "127.0.0.1", "-p", String(port), "-sd", store], port, store);
  await waitForPort(port);
  return server;
}

/** A server process with its port and store, started now; kill, restart and stop act on it. */
function managed(args: readonly string[], port: number, store: string): NatsServer {
  let child: ChildProcess | null = launch(args);
  return {
    port,
    url: `nats://127.0.0.1:${port}`,
    store,
    async kill() {
      await killed(child);
      child = null;
    },
    async restart() {
      await killed(child);
      child = launch(args);
      await waitForPort(port);
    },
    async stop() {
      await killed(child);
      child = null;
      rmSync(store, { recursive: true, force: true });
    },
  };
}

/** A three-node JetStream cluster on loopback, each node with its own store and config file. */
export async function startCluster(): Promise<NatsServer[]> {
  const ports = [await freePort(), await freePort(), await freePort()];
  const routes = [await freePort(), await freePort(), await freePort()];
  const nodes: NatsServer[] = [];
  for (let i = 0; i < 3; i++) {
    const store = mkdtempSync(join(tmpdir(), `calmlog-nats-n${i}-`));
    const conf = join(store, "node.conf");
    writeFileSync(
      conf,
      [
        `server_name: n${i}`,
        `listen: 127.0.0.1:${ports[i]}`,
        `jetstream { store_dir: "${join(store, "js")}" }`,
        `cluster {`,
        `  name: calmlog`,
        `  listen: 127.0.0.1:${routes[i]}`,
        `  routes: [${routes.map((p) => `nats-route://127.0.0.1:${p}`).join(", ")}]`,
        `}`,
      ].join("\n"),
    );
    nodes.push(managed(["-c", conf], ports[i]!, store));
  }
  for (const p of ports) await waitForPort(p);
  return nodes;
}
