// Runs SMT-LIB 2 scripts on Z3 (the `z3-solver` package, WebAssembly) synchronously. Z3's API is
// asynchronous, so it lives in a worker thread and the caller blocks on a shared flag until the
// answer arrives. The worker starts on the first script, so a lint without invariants never pays for it.
import { createRequire } from "node:module";
import { pathToFileURL } from "node:url";
import type { MessagePort, Worker } from "node:worker_threads";
import { nodeWorkerThreads } from "../util/node-builtins.js";

/**
 * Runs SMT-LIB commands and returns Z3's output, or null when no solver answered in time. The context
 * persists between calls (a model can be queried after `check-sat`); start a new query with `(reset)`.
 */
export type SmtRunner = (script: string, timeoutMs: number) => string | null;

// The worker: load z3-solver once, then answer each script on the port and raise the flag.
const WORKER = `
const { workerData } = require("node:worker_threads");
const { port, flag, url } = workerData;
const cell = new Int32Array(flag);
let z3 = null;
async function ready() {
  if (z3 === null) {
    const { init } = await import(url);
    const { Z3 } = await init();
    const cfg = Z3.mk_config();
    const ctx = Z3.mk_context(cfg);
    Z3.del_config(cfg);
    z3 = { Z3, ctx };
  }
  return z3;
}
port.on("message", async (script) => {
  let reply;
  try {
    const { Z3, ctx } = await ready();
    reply = { out: await Z3.eval_smtlib2_string(ctx, script) };
  } catch (e) {
    reply = { error: String(e && e.message || e) };
  }
  port.postMessage(reply);
  Atomics.store(cell, 0, 1);
  Atomics.notify(cell, 0);
});
`;

interface Bridge {
  readonly worker: Worker;
  readonly port: MessagePort;
  readonly flag: Int32Array;
  /** Whether Z3 has answered once (so it has loaded). */
  loaded: boolean;
}

let bridge: Bridge | null = null;
let unavailable: string | null = null;

function start(): Bridge | null {
  if (bridge !== null) return bridge;
  if (unavailable !== null) return null;
  try {
    const url = pathToFileURL(createRequire(import.meta.url).resolve("z3-solver")).href;
    const shared = new SharedArrayBuffer(4);
    const { MessageChannel, Worker } = nodeWorkerThreads();
    const { port1, port2 } = new MessageChannel();
    const worker = new Worker(WORKER, { eval: true, workerData: { port: port2, flag: shared, url }, transferList: [port2] });
    worker.unref();
    port1.unref();
    bridge = { worker, port: port1, flag: new Int32Array(shared), loaded: false };
    return bridge;
  } catch (e) {
    unavailable = e instanceof Error ? e.message : String(e);
    return null;
  }
}

/** True once the Z3 worker has been started in this process. */
export function z3Started(): boolean {
  return bridge !== null;
}

/** Why Z3 cannot run here, or null when it can (or has not been tried). */
export function z3Unavailable(): string | null {
  return unavailable;
}

/** Z3 in a worker thread; the first call includes Z3's start-up (about a second). */
export const runZ3: SmtRunner = (script, timeoutMs) => {
  const b = start();
  if (b === null) return null;
  Atomics.store(b.flag, 0, 0);
  b.port.postMessage(script);
  // The first script also waits for Z3 to load.
  const r = Atomics.wait(b.flag, 0, 0, timeoutMs + (b.loaded ? 0 : 60_000));
  const msg = nodeWorkerThreads().receiveMessageOnPort(b.port);
  if (r === "timed-out" || msg === undefined) {
    // A worker stuck in a query is dropped; the next query starts a fresh one.
    void b.worker.terminate();
    bridge = null;
    return null;
  }
  b.loaded = true;
  const reply = msg.message as { out?: string; error?: string };
  if (reply.error !== undefined) {
    if (/Cannot find|ERR_MODULE_NOT_FOUND|init/.test(reply.error) && reply.out === undefined) unavailable = reply.error;
    return null;
  }
  return reply.out ?? null;
};
