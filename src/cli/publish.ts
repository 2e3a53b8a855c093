// `calmlog publish PROGRAM.dl nats://HOST:PORT/SET --replica NAME --epoch N [FILES...]`: a replica
// appends its facts to a JetStream replica set. Files are checked against the program's `.input`
// declarations before anything is sent, so a bad line publishes nothing.
import { basename, resolve } from "node:path";
import { replicatedRelations } from "../analysis/fixed.js";
import { Diagnostics, UserError, type Diagnostic } from "../diagnostics/diagnostic.js";
import { epochDigest, tupleKey } from "../replica/tuple-keys.js";
import { readFacts } from "../replica/io.js";
import { isNatsUrl, isToken, parseNatsUrl } from "../replica/jetstream/address.js";
import { JetStreamSet } from "../replica/jetstream/client.js";
import { formatOf, type FileFormat } from "../replica/store.js";
import { parseFacts } from "../io/read-facts.js";
import { diagnosticsText } from "./diagnostics.js";
import { wholeFile } from "../diagnostics/span.js";
import { loadProgram } from "./program.js";
import { connectOptions, natsFlags, natsOptions, reportJetStreamError } from "./nats.js";
import { EXIT_OK, EXIT_USER_ERROR, parseOptions, UsageError, type CliContext, type Command } from "./context.js";

const usage = `Usage: calmlog publish PROGRAM.dl nats://HOST:PORT/SET --replica NAME --epoch N [FILES...] [--done]
       calmlog publish PROGRAM.dl nats://HOST:PORT/SET --replica NAME --epoch N --relation R -

Appends facts of replica NAME, epoch N, to the replica set SET on a NATS JetStream server. Each
FILE is <relation>.facts (tab-separated, or as the relation's .input says) or <relation>.jsonl;
with --relation R, the facts of R are read from standard input ("-"). Every file is checked
against the program's .input declarations first: a bad line publishes nothing.

The set's stream is made on first use; it refuses deletes and purges, so a replica only grows.
A re-sent file is deduplicated. Publishing into an epoch that is sealed is refused.

--done writes the replica's end-of-epoch marker (its fact count and digest for epoch N): the
replica has delivered the epoch. \`calmlog seal nats://.../SET --epoch N\` seals only when every
replica of the set has.

Options:
  --replica NAME          The publishing replica (letters, digits, _ and -)
  --epoch N               The epoch the facts belong to
  --relation R            With "-": the relation whose facts arrive on standard input
  --done                  Mark epoch N as delivered by this replica (after publishing any FILES)
${natsFlags}
Exit codes: 0 published, 1 refused (bad facts, sealed epoch, server unreachable), 2 usage or internal failure.
`;

/** The `publish` command. */
export const command: Command = {
  name: "publish",
  summary: "Append a replica's facts to a NATS JetStream replica set",
  usage,
  run,
};

/** Standard input as text; tests inject it through the context. */
async function readStdin(ctx: CliContext): Promise<string> {
  if (ctx.stdin !== undefined) return ctx.stdin();
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString("utf8");
}

async function run(args: readonly string[], ctx: CliContext): Promise<number> {
  const { values, positionals } = parseOptions(args, {
    replica: { type: "string" },
    epoch: { type: "string" },
    relation: { type: "string" },
    done: { type: "boolean", default: false },
    ...natsOptions,
  });
  const [program, url, ...files] = positionals;
  if (program === undefined) throw new UsageError("missing PROGRAM.dl");
  if (url === undefined) throw new UsageError("missing nats://HOST:PORT/SET");
  if (!isNatsUrl(url)) throw new UsageError(`\`${url}\` is not a NATS address; publish writes to nats://HOST:PORT/SET (a replica directory takes files directly)`);
  const address = parseNatsUrl(url);
  if (typeof address === "string") throw new UsageError(address);
  if (values.replica === undefined) throw new UsageError("missing --replica NAME");
  if (!isToken(values.replica)) throw new UsageError(`replica name \`${values.replica}\` may hold only letters, digits, \`_\` and \`-\``);
  if (values.epoch === undefined) throw new UsageError("missing --epoch N");
  if (!/^[1-9][0-9]{0,14}$/.test(values.epoch)) throw new UsageError(`--epoch takes a positive integer below 10^15, got \`${values.epoch}\``);
  const epoch = Number(values.epoch);
  const stdin = files.includes("-");
  if (stdin && (values.relation === undefined || files.length > 1)) throw new UsageError("`-` reads one relation's facts from standard input: give --relation R and no other FILES");
  if (!stdin && values.relation !== undefined) throw new UsageError("--relation goes with `-` (facts on standard input)");
  if (files.length === 0 && !values.done) throw new UsageError("nothing to publish: give FILES, `--relation R -`, or --done");

  const unit = await loadProgram(program, ctx);
  if (unit === null) return EXIT_USER_ERROR;
  const schemas = unit.checked.relations;
  const inputs = replicatedRelations(unit.checked);
  const diags = new Diagnostics();

  // Read and check everything before connecting: a bad line publishes nothing.
  const batches: { relation: string; keys: string[] }[] = [];
  const relationOf = (file: string): string | null => /^(.+)\.(facts|jsonl)$/.exec(basename(file))?.[1] ?? null;
  for (const file of files) {
    const relation = stdin ? values.relation! : relationOf(file);
    const where = stdin ? "<stdin>" : file;
    if (relation === null) {
      diags.add("CL504", wholeFile(where), `\`${file}\` is not a fact file: name it \`<relation>.facts\` or \`<relation>.jsonl\``, { help: "name each file after the relation whose facts it holds, e.g. `approval.facts`" });
      continue;
    }
    const schema = schemas.get(relation);
    if (schema === undefined || !inputs.has(relation)) {
      diags.add("CL504", wholeFile(where), schema === undefined ? `\`${relation}\` is not declared in \`${program}\`` : `\`${relation}\` is not an \`.input\` relation: replicas insert only into \`.input\` relations`, {
        help: schema === undefined ? "publish only facts of the program's `.input` relations" : `add \`.input ${relation}\` to the program if replicas should insert into it`,
      });
      continue;
    }
    try {
      const tuples = stdin ? parseFacts(await readStdin(ctx), "<stdin>", schema, { format: "tsv", ...definedFormat(formatOf(schema)) }) : readFacts(resolve(ctx.cwd, file), schema);
      batches.push({ relation, keys: [...new Set(tuples.map(tupleKey))] });
    } catch (err) {
      if (!(err instanceof UserError)) throw err;
      diags.push(err.diagnostic);
    }
  }
  if (diags.hasErrors()) return fail(ctx, diags.items);

  let set: JetStreamSet;
  try {
    set = await JetStreamSet.open(address, { ...connectOptions(values), create: true });
  } catch (err) {
    return reportJetStreamError(ctx, err, address.shown);
  }
  try {
    const seals = await set.seals();
    if (seals.has(epoch)) {
      diags.add("CL533", wholeFile(address.shown), `epoch ${epoch} of \`${address.set}\` is sealed: its facts are final, so nothing more can be published into it`, {
        help: `publish into the next open epoch: \`--epoch ${Math.max(...seals.keys()) + 1}\``,
      });
      return fail(ctx, diags.items);
    }
    let facts = 0;
    for (const b of batches) {
      await set.publishFacts(values.replica, epoch, b.relation, b.keys);
      facts += b.keys.length;
      ctx.stdout.write(`published ${b.keys.length} fact${b.keys.length === 1 ? "" : "s"} of \`${b.relation}\` to ${address.shown} (replica \`${values.replica}\`, epoch ${epoch})\n`);
    }
    if (values.done) {
      // The marker covers everything this replica holds in the epoch, not only this call's files.
      const { messages } = await set.read();
      const mine = new Map<string, Set<string>>();
      for (const m of messages) {
        if (m.kind !== "facts" || m.replica !== values.replica || m.epoch !== epoch) continue;
        let keys = mine.get(m.relation);
        if (keys === undefined) mine.set(m.relation, (keys = new Set()));
        for (const k of m.keys) keys.add(k);
      }
      let count = 0;
      for (const keys of mine.values()) count += keys.size;
      await set.publishDone(values.replica, epoch, count, epochDigest(mine));
      ctx.stdout.write(`replica \`${values.replica}\` delivered epoch ${epoch} of ${address.shown}: ${count} fact${count === 1 ? "" : "s"}\n`);
    } else if (facts === 0 && batches.length > 0) ctx.stdout.write("nothing new to publish\n");
    return EXIT_OK;
  } catch (err) {
    return reportJetStreamError(ctx, err, address.shown);
  } finally {
    await set.close();
  }
}

/** A file format without its unset parts, as the fact reader's options take it. */
function definedFormat(f: FileFormat): { delimiter?: string; headers?: boolean } {
  return { ...(f.delimiter === undefined ? {} : { delimiter: f.delimiter }), ...(f.headers === true ? { headers: true } : {}) };
}

function fail(ctx: CliContext, items: readonly Diagnostic[]): number {
  ctx.stderr.write(diagnosticsText(ctx, items));
  return EXIT_USER_ERROR;
}
