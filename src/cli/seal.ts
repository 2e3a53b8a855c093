// `calmlog seal DIR --epoch N`: the one coordination step. It merges the epoch's files into the
// kept state, then writes a seal record with every replica's digest (temp file + rename).
import { readdirSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import { compileFile } from "../pipeline.js";
import { Diagnostics } from "../report/diagnostic.js";
import { renderDiagnostics } from "../report/text.js";
import { schemaFromTypes, readFacts, type ReplicaSchema } from "../replica/io.js";
import { ReplicaSet } from "../replica/replica.js";
import { renderDiagnosticsText, shown } from "../replica/render.js";
import { replicatedRelations } from "../analysis/fixed.js";
import { formatsOf, readLayout, readSeals, readState, reconcile, scanLayout, schemaOf, sealPath, writeSeal, writeState, type FileFormat } from "../replica/store.js";
import { syntheticSpan } from "../syntax/span.js";
import { EXIT_OK, EXIT_USER_ERROR, parseOptions, UsageError, useColor, type CliContext, type Command } from "./context.js";

const usage = `Usage: calmlog seal DIR --epoch N [--program PROGRAM.dl] [--reason TEXT]

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
  const parsed = parseOptions(args, { epoch: { type: "string" }, program: { type: "string" }, reason: { type: "string" } });
  const { values, positionals } = parsed;
  const [dirArg, ...extra] = positionals;
  if (dirArg === undefined) throw new UsageError("missing DIR");
  if (extra.length > 0) throw new UsageError(`unexpected argument \`${extra[0]}\``);
  if (values.epoch === undefined) throw new UsageError("missing --epoch N");
  if (!/^[1-9][0-9]*$/.test(values.epoch)) throw new UsageError(`--epoch takes a positive integer, got \`${values.epoch}\``);
  const epoch = Number(values.epoch);
  const dir = resolve(ctx.cwd, dirArg);
  const diags = new Diagnostics();
  const show = (p: string): string => shown(p, ctx.cwd);
  const fail = (): number => {
    ctx.stderr.write(renderDiagnosticsText(diags.items, ctx.cwd));
    return EXIT_USER_ERROR;
  };

  const seals = readSeals(dir, diags, show);
  const state = readState(dir, diags, show);
  if (diags.hasErrors()) return fail();
  const sealed = new Set(seals.map((s) => s.epoch));
  if (sealed.has(epoch)) {
    diags.add("CL505", syntheticSpan(sealPath(dir, epoch)), `epoch ${epoch} is already sealed (\`${shown(sealPath(dir, epoch), ctx.cwd)}\`); a seal is written once`);
    return fail();
  }
  const missing: number[] = [];
  for (let e = 1; e < epoch; e++) if (!sealed.has(e)) missing.push(e);
  if (missing.length > 0) {
    const list = missing.length === 1 ? `epoch ${missing[0]} is` : `epochs ${missing.join(", ")} are`;
    diags.add("CL505", syntheticSpan(dir), `cannot seal epoch ${epoch}: ${list} not sealed yet, and epochs are sealed in order`, {
      help: `seal epoch ${missing[0]} first: \`calmlog seal ${dirArg} --epoch ${missing[0]}\``,
    });
    return fail();
  }
  // Column types: the program's when given, else the kept state's; never guessed from the files.
  let schemas: Map<string, ReplicaSchema>;
  let kept: Record<string, readonly string[]>;
  let formats: Record<string, FileFormat>;
  // With the program at hand, only its `.input` relations may have fact files; the kept state was
  // written by an evaluate that already refused any other.
  let accepted: ReadonlySet<string> | null = null;
  if (values.program !== undefined) {
    const compiled = await compileFile(values.program, ctx.cwd);
    if (compiled.diagnostics.hasErrors()) {
      ctx.stderr.write(renderDiagnostics(compiled.diagnostics.sorted().filter((d) => d.severity === "error"), [compiled.source], { color: useColor(ctx.stderr, ctx.env) }));
      return EXIT_USER_ERROR;
    }
    schemas = new Map(compiled.checked.relations);
    accepted = replicatedRelations(compiled.checked);
    kept = schemaOf(compiled.checked.relations);
    formats = formatsOf(compiled.checked.relations);
  } else if (state !== null) {
    schemas = new Map(Object.entries(state.schema).map(([name, types]) => [name, schemaFromTypes(name, types, state.formats[name])]));
    kept = { ...state.schema };
    formats = { ...state.formats };
  } else {
    const program = programNear(dir, ctx.cwd) ?? "PROGRAM.dl";
    diags.add("CL505", syntheticSpan(dir), `\`${dirArg}\` has no kept state yet, so calmlog does not know its relations' column types`, {
      help: `name the program: \`calmlog seal ${dirArg} --epoch ${epoch}${values.reason === undefined ? "" : ` --reason ${JSON.stringify(values.reason)}`} --program ${program}\` (or run \`calmlog evaluate ${program} ${dirArg}\` once first)`,
    });
    return fail();
  }

  // Merge the epoch's files into the kept state, so the seal covers every fact in them.
  const layout = scanLayout(dir, accepted ?? new Set(schemas.keys()), diags, show, new Set(schemas.keys()));
  if (layout === null || diags.hasErrors()) return fail();
  const files = readLayout(layout, schemas, readFacts, diags);
  if (diags.hasErrors()) return fail();
  const previous = ReplicaSet.of(state?.set.replicas.values() ?? [], seals);
  const next = reconcile(dir, previous, files, diags, show);
  if (diags.hasErrors()) return fail();
  const outcome = next.seal(epoch, { sealedAt: new Date().toISOString(), reason: values.reason ?? null });
  if (!outcome.ok) {
    diags.add("CL505", syntheticSpan(dir), outcome.message);
    return fail();
  }
  const retyped = state === null || JSON.stringify(state.schema) !== JSON.stringify(kept) || JSON.stringify(state.formats) !== JSON.stringify(formats);
  if (state === null || retyped || !next.equals(previous)) writeState(dir, next, kept, state?.generation ?? null, formats);
  const path = writeSeal(dir, outcome.record);

  ctx.stderr.write(renderDiagnosticsText(diags.items, ctx.cwd));
  const replicas = Object.entries(outcome.record.replicas);
  const total = replicas.reduce((n, [, r]) => n + r.facts, 0);
  const lines = [`sealed epoch ${epoch}: ${replicas.length} replica(s), ${total} fact(s)${values.reason === undefined ? "" : ` (${values.reason})`}`];
  for (const [name, r] of replicas) lines.push(`  ${name}: ${r.facts} fact(s), ${r.digest}`);
  lines.push(`wrote \`${shown(path, ctx.cwd)}\``);
  const later = next.openEpochs.filter((e) => e > epoch);
  if (later.length > 0) lines.push(`epoch(s) ${later.join(", ")} stay open`);
  ctx.stdout.write(lines.join("\n") + "\n");
  return EXIT_OK;
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
