// `calmlog seal DIR --epoch N`: the one coordination step. It merges the epoch's files into the
// kept state, then writes a seal record with every replica's digest (temp file + rename).
import { readdirSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import { Diagnostics } from "../diagnostics/diagnostic.js";
import type { ProgramUnit } from "../replica/evaluate.js";
import { shownPath } from "../report/text.js";
import { diagnosticsText } from "./diagnostics.js";
import { DirectorySource } from "../replica/source.js";
import { parseKeySpec, sealKeys, type KeySpec } from "../replica/keyseal.js";
import { sealPath } from "../replica/store.js";
import { keyName } from "../analysis/partition.js";
import { openReplicas, type ReplicaWorkspace } from "../replica/workflow.js";
import { wholeFile } from "../diagnostics/span.js";
import { isNatsUrl, parseNatsUrl } from "../replica/jetstream/address.js";
import { JetStreamSet } from "../replica/jetstream/client.js";
import { JetStreamSource } from "../replica/jetstream/source.js";
import { connectOptions, natsFlags, natsOptions, reportJetStreamError, stateDirOf } from "./nats.js";
import { loadProgram } from "./program.js";
import { EXIT_OK, EXIT_USER_ERROR, parseOptions, UsageError, type CliContext, type Command } from "./context.js";

const usage = `Usage: calmlog seal DIR --epoch N [--program PROGRAM.dl] [--reason TEXT]
       calmlog seal nats://HOST:PORT/SET --epoch N --program PROGRAM.dl [--reason TEXT]
       calmlog seal DIR|nats://HOST:PORT/SET --epoch N --key REL.ATTR=VALUE... --program PROGRAM.dl [--reason TEXT]

Seals epoch N of the replica directory DIR: from now on its facts are final, and relations that
read absence or totals are evaluated over epochs 1..N. Epochs are sealed in order, once each.
The seal record DIR/seals/epoch-N.json holds, for every replica, a sha256 digest of its facts in
the epoch, the time and the reason. calmlog never seals on its own.

The seal reads the fact files with the program's column types: give the program with --program,
or run \`calmlog evaluate PROGRAM.dl DIR\` once before, whose kept state records them. (Types are
never guessed from the files: a symbol such as \`007\` read as a number would seal other facts.)

Options:
  --epoch N               The epoch to seal (required)
  --program PROGRAM.dl    Read the fact files with this program's column types and \`.input\` options
  --reason TEXT           Why the epoch is closed (recorded in the seal)
${natsFlags}
A JetStream replica set is sealed only once every replica it knows has delivered the epoch
(\`calmlog publish ... --done\`); the seal is a create-once key, so of two sealers one wins.
A key seal (--key) needs no end-of-epoch marker: it is the sealer's word that the key's facts are in,
and facts of the key published after it are late.
  --key REL.ATTR=VALUE    Seal only this key of the epoch (repeatable): no more facts whose key
                          column holds VALUE, from any replica. The key is one \`calmlog lint\`
                          reports as "sealable per key"; the record goes to DIR/seals/keys/
                          (on JetStream, to the set's seal bucket).
                          A later whole-epoch seal subsumes key seals.

Exit codes: 0 sealed, 1 not sealed (the message says why), 2 a usage error or an internal failure.
`;

/** The `seal` command. */
export const command: Command = {
  name: "seal",
  summary: "Seal an epoch of a replica directory (the one coordination step)",
  usage,
  run,
};

async function run(args: readonly string[], ctx: CliContext): Promise<number> {
  const parsed = parseOptions(args, { epoch: { type: "string" }, program: { type: "string" }, reason: { type: "string" }, key: { type: "string", multiple: true }, ...natsOptions });
  const { values, positionals } = parsed;
  const [dirArg, ...extra] = positionals;
  if (dirArg === undefined) throw new UsageError("missing DIR");
  if (extra.length > 0) throw new UsageError(`unexpected argument \`${extra[0]}\``);
  if (values.epoch === undefined) throw new UsageError("missing --epoch N");
  if (!/^[1-9][0-9]*$/.test(values.epoch)) throw new UsageError(`--epoch takes a positive integer, got \`${values.epoch}\``);
  const epoch = Number(values.epoch);
  // Past 2^53 an epoch number would stand for several.
  if (!Number.isSafeInteger(epoch)) throw new UsageError(`--epoch takes a positive integer up to ${Number.MAX_SAFE_INTEGER}, got \`${values.epoch.length > 40 ? `${values.epoch.slice(0, 40)}...` : values.epoch}\``);
  const keySpecs: KeySpec[] = [];
  for (const k of values.key ?? []) {
    const spec = parseKeySpec(k);
    if (typeof spec === "string") throw new UsageError(spec);
    keySpecs.push(spec);
  }
  if (keySpecs.length > 0 && values.program === undefined) throw new UsageError("--key needs --program PROGRAM.dl: the key is checked against the program's partitions");
  if (isNatsUrl(dirArg)) return sealJetStream(dirArg, epoch, values, keySpecs, ctx);
  const dir = resolve(ctx.cwd, dirArg);
  const diags = new Diagnostics();
  const show = (p: string): string => shownPath(p, ctx.cwd);
  const fail = (): number => {
    ctx.stderr.write(diagnosticsText(ctx, diags.items));
    return EXIT_USER_ERROR;
  };

  // With the program at hand, facts are read with its column types and only its `.input`
  // relations may have fact files; without it, with the types the kept state records.
  let unit: ProgramUnit | undefined;
  if (values.program !== undefined) {
    const loaded = await loadProgram(values.program, ctx);
    if (loaded === null) return EXIT_USER_ERROR;
    unit = loaded;
  }
  const workspace = await openReplicas(new DirectorySource(dir), { ...(unit === undefined ? {} : { unit }), diagnostics: diags, show });
  if (workspace === null) return fail();
  try {
    return await withWorkspace(workspace);
  } finally {
    workspace.close();
  }

  async function sealKeys(workspace: ReplicaWorkspace): Promise<number> {
    const lines = await sealKeysOf(workspace, keySpecs, epoch, values.reason ?? null, diags, show);
    if (lines === null) return fail();
    ctx.stderr.write(diagnosticsText(ctx, diags.items));
    ctx.stdout.write(lines.join("\n") + "\n");
    return EXIT_OK;
  }

  async function withWorkspace(workspace: ReplicaWorkspace): Promise<number> {
    // A seal record the kept state remembers must be there before another epoch is sealed (CL517).
    if (!workspace.verifySeals()) return fail();
    const sealed = new Set(workspace.sealedEpochs);
    if (keySpecs.length > 0 && sealed.has(epoch)) {
      diags.add("CL551", wholeFile(sealPath(dir, epoch)), `epoch ${epoch} is sealed as a whole already (\`${shownPath(sealPath(dir, epoch), ctx.cwd)}\`), which covers every key; a key seal adds nothing`, {
        help: "seal keys of an open epoch",
      });
      return fail();
    }
    if (sealed.has(epoch)) {
      diags.add("CL505", wholeFile(sealPath(dir, epoch)), `epoch ${epoch} is already sealed (\`${shownPath(sealPath(dir, epoch), ctx.cwd)}\`); a seal is written once`);
      return fail();
    }
    const missing = unsealedBelow(sealed, epoch);
    if (missing.length > 0 && keySpecs.length === 0) {
      const first = missing[0]![0];
      const single = missing.length === 1 && missing[0]![0] === missing[0]![1];
      const list = single ? `epoch ${first} is` : `epochs ${showRanges(missing)} are`;
      diags.add("CL505", wholeFile(dir), `cannot seal epoch ${epoch}: ${list} not sealed yet, and epochs are sealed in order`, {
        help: `seal epoch ${first} first: \`calmlog seal ${dirArg} --epoch ${first}\``,
      });
      return fail();
    }
    // Column types are never guessed from the files.
    if (!workspace.typesKnown) {
      const program = programNear(dir, ctx.cwd) ?? "PROGRAM.dl";
      diags.add("CL505", wholeFile(dir), `\`${dirArg}\` has no kept state yet, so calmlog does not know its relations' column types`, {
        help: `name the program: \`calmlog seal ${dirArg} --epoch ${epoch}${values.reason === undefined ? "" : ` --reason ${JSON.stringify(values.reason)}`} --program ${program}\` (or run \`calmlog evaluate ${program} ${dirArg}\` once first)`,
      });
      return fail();
    }

    // Merge the epoch's files into the kept state, so the seal covers every fact in them.
    if (!(await workspace.reconcile()) || diags.hasErrors()) return fail();
    if (keySpecs.length > 0) return await sealKeys(workspace);
    const outcome = await workspace.seal(epoch, { reason: values.reason ?? null });
    if (!outcome.ok) {
      if (outcome.code === "CL506") {
        diags.add("CL506", wholeFile(outcome.files![0]!), `${outcome.message}: \`${outcome.files!.map(show).join("`, `")}\``, {
          help: `write the kept facts back into the files with \`calmlog restore ${dirArg}\` (or remove the facts properly, as tombstones), then seal again`,
        });
      } else if (outcome.code === "CL515") {
        diags.add("CL515", wholeFile(sealPath(dir, epoch)), outcome.message);
      } else if (outcome.code === "CL508") {
        // CL508 above says why; this says what it means for the seal.
        diags.add("CL505", wholeFile(dir), outcome.message, { help: "make the folder writable or free disk space, then seal again" });
      } else diags.add("CL505", wholeFile(dir), outcome.message);
      return fail();
    }
    const path = outcome.location;

    ctx.stderr.write(diagnosticsText(ctx, diags.items));
    const replicas = Object.entries(outcome.record.replicas);
    const total = replicas.reduce((n, [, r]) => n + r.facts, 0);
    const lines = [`sealed epoch ${epoch}: ${replicas.length} replica(s), ${total} fact(s)${values.reason === undefined ? "" : ` (${values.reason})`}`];
    for (const [name, r] of replicas) lines.push(`  ${name}: ${r.facts} fact(s), ${r.digest}`);
    lines.push(`wrote \`${shownPath(path, ctx.cwd)}\``);
    const later = workspace.openEpochs.filter((e) => e > epoch);
    if (later.length > 0) lines.push(`epoch(s) ${later.join(", ")} stay open`);
    ctx.stdout.write(lines.join("\n") + "\n");
    return EXIT_OK;
  }
}


/** The unsealed epochs below `epoch`, as ranges `[from, to]`: counted from the sealed ones, never one by one. */
function unsealedBelow(sealed: ReadonlySet<number>, epoch: number): [number, number][] {
  const out: [number, number][] = [];
  let next = 1;
  for (const e of [...sealed].filter((x) => x < epoch).sort((a, b) => a - b)) {
    if (e > next) out.push([next, e - 1]);
    next = e + 1;
  }
  if (next < epoch) out.push([next, epoch - 1]);
  return out;
}

/** `1-3, 5, 7-999999`, shortened after a few ranges. */
function showRanges(ranges: readonly [number, number][]): string {
  const shown = ranges.slice(0, 5).map(([a, b]) => (a === b ? `${a}` : `${a}-${b}`));
  return shown.join(", ") + (ranges.length > 5 ? ` and ${ranges.length - 5} more range(s)` : "");
}

/**
 * `calmlog seal nats://HOST:PORT/SET --epoch N --program P`: seals once every replica the set
 * knows has delivered epoch N (its end-of-epoch marker); the seal is a create-once KV key, so of
 * two racing sealers exactly one wins and the other is told the epoch is sealed.
 */
async function sealJetStream(url: string, epoch: number, values: { program?: string | undefined; reason?: string | undefined; state?: string | undefined } & Parameters<typeof connectOptions>[0], keySpecs: readonly KeySpec[], ctx: CliContext): Promise<number> {
  const address = parseNatsUrl(url);
  if (typeof address === "string") throw new UsageError(address);
  const diags = new Diagnostics();
  const fail = (): number => {
    ctx.stderr.write(diagnosticsText(ctx, diags.items));
    return EXIT_USER_ERROR;
  };
  if (values.program === undefined) {
    diags.add("CL505", wholeFile(address.shown), `sealing \`${address.set}\` needs the program, to check its facts against the \`.input\` declarations`, {
      help: `name it: \`calmlog seal ${url} --epoch ${epoch} --program PROGRAM.dl\``,
    });
    return fail();
  }
  const unit = await loadProgram(values.program, ctx);
  if (unit === null) return EXIT_USER_ERROR;
  let set: JetStreamSet;
  try {
    set = await JetStreamSet.open(address, connectOptions(values));
  } catch (err) {
    return reportJetStreamError(ctx, err, address.shown);
  }
  try {
    const source = new JetStreamSource(set, await stateDirOf(set, values.state, ctx));
    const workspace = await openReplicas(source, { unit, diagnostics: diags, show: (p) => p });
    if (workspace === null || !(await workspace.reconcile()) || diags.hasErrors()) return fail();
    // A key seal is the sealer's word that the key's facts of the epoch are in; no end-of-epoch marker is needed.
    if (keySpecs.length > 0) {
      const lines = await sealKeysOf(workspace, keySpecs, epoch, values.reason ?? null, diags, (p) => p);
      if (lines === null) return fail();
      ctx.stdout.write(lines.join("\n") + "\n");
      return EXIT_OK;
    }
    // Every replica the set knows must have said it delivered the epoch.
    const deliveries = await source.deliveries();
    const known = new Set([...workspace.snapshot().names, ...deliveries.keys()]);
    const waiting = [...known].filter((r) => deliveries.get(r)?.get(epoch) === undefined).sort();
    if (waiting.length > 0 && !workspace.sealedEpochs.includes(epoch)) {
      const list = waiting.map((r) => `\`${r}\``).join(", ");
      diags.add("CL505", wholeFile(address.shown), `cannot seal epoch ${epoch} of \`${address.set}\` yet: ${waiting.length === 1 ? "replica" : "replicas"} ${list} ${waiting.length === 1 ? "has" : "have"} not delivered it (no end-of-epoch marker)`, {
        help: `each replica marks the epoch delivered with \`calmlog publish ${values.program} ${url} --replica NAME --epoch ${epoch} --done\``,
      });
      return fail();
    }
    const outcome = await workspace.seal(epoch, { reason: values.reason ?? null });
    if (!outcome.ok) {
      diags.add("CL505", wholeFile(address.shown), outcome.message);
      return fail();
    }
    const replicas = Object.entries(outcome.record.replicas);
    const total = replicas.reduce((n, [, r]) => n + r.facts, 0);
    const lines = [`sealed epoch ${epoch}: ${replicas.length} replica(s), ${total} fact(s)${values.reason === undefined ? "" : ` (${values.reason})`}`];
    for (const [name, r] of replicas) lines.push(`  ${name}: ${r.facts} fact(s), ${r.digest}`);
    lines.push(`wrote \`${outcome.location}\``);
    ctx.stdout.write(lines.join("\n") + "\n");
    return EXIT_OK;
  } catch (err) {
    return reportJetStreamError(ctx, err, address.shown);
  } finally {
    await set.close();
  }
}

/** Seals each `--key` (see `sealKeys`); the lines to print, or null with the refusal in `diags`. */
async function sealKeysOf(workspace: ReplicaWorkspace, specs: readonly KeySpec[], epoch: number, reason: string | null, diags: Diagnostics, show: (p: string) => string): Promise<string[] | null> {
  const outcome = await sealKeys(workspace, specs, epoch, { reason });
  if (!outcome.ok) {
    diags.add(outcome.code, wholeFile(outcome.location), outcome.message.replace(/\(`([^`]+)`\)/, (_, p: string) => `(\`${show(p)}\`)`), outcome.help === undefined ? {} : { help: outcome.help });
    return null;
  }
  const lines: string[] = [];
  for (const { record, columns, location } of outcome.sealed) {
    const replicas = Object.entries(record.replicas);
    lines.push(`sealed key \`${record.key}\` = \`${record.value}\` of epoch ${epoch} (covers ${columns.map((c) => `\`${keyName(c)}\``).join(", ")}): ${replicas.length} replica(s), ${replicas.reduce((n, [, r]) => n + r.facts, 0)} fact(s)`);
    for (const [name, r] of replicas) lines.push(`  ${name}: ${r.facts} fact(s), ${r.digest}`);
    lines.push(`wrote \`${show(location)}\``);
  }
  return lines;
}

/** The one `.dl` file next to DIR (the examples' layout), as the user would name it; null when not exactly one. */
function programNear(dir: string, cwd: string): string | null {
  const parent = dirname(dir);
  let found: string[];
  try {
    found = readdirSync(parent).filter((f) => f.endsWith(".dl"));
  } catch {
    return null;
  }
  if (found.length !== 1) return null;
  const path = join(parent, found[0]!);
  const rel = relative(cwd, path);
  return rel.startsWith("..") ? path : rel;
}
