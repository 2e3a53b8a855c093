// `calmlog restore DIR`: writes the facts the kept state holds back into the fact files of open
// epochs whose files lost some (CL501), each file atomically, so the files and the state agree
// again (for example before sealing the epoch).
import { resolve } from "node:path";
import { Diagnostics } from "../diagnostics/diagnostic.js";
import type { ProgramUnit } from "../replica/evaluate.js";
import { shownPath } from "../report/text.js";
import { diagnosticsText } from "./diagnostics.js";
import { DirectorySource } from "../replica/source.js";
import { openReplicas, type ReplicaWorkspace } from "../replica/workflow.js";
import { wholeFile } from "../diagnostics/span.js";
import { loadProgram } from "./program.js";
import { EXIT_OK, EXIT_USER_ERROR, parseOptions, UsageError, type CliContext, type Command } from "./context.js";

const usage = `Usage: calmlog restore DIR [--program PROGRAM.dl]

Writes the facts that the kept state of the replica directory DIR holds back into the fact files
of open epochs that lack some of them (warning CL501), so that the files hold every kept fact again,
and writes back seal records that were deleted (error CL517) as the kept state remembers them.
Each file is replaced atomically; files that lack nothing are left alone. Run it before
\`calmlog seal\` when seal refuses with CL506.

Options:
  --program PROGRAM.dl    Read the fact files with this program's column types (default: the kept state's)

Exit codes: 0 restored (or nothing to restore), 1 errors in the files or layout, 2 internal failure.
`;

/** The `restore` command. */
export const command: Command = {
  name: "restore",
  summary: "Write a replica directory's kept facts back into files that lost some",
  usage,
  run,
};

async function run(args: readonly string[], ctx: CliContext): Promise<number> {
  const { values, positionals } = parseOptions(args, { program: { type: "string" } });
  const [dirArg, ...extra] = positionals;
  if (dirArg === undefined) throw new UsageError("missing DIR");
  if (extra.length > 0) throw new UsageError(`unexpected argument \`${extra[0]}\``);
  const dir = resolve(ctx.cwd, dirArg);
  const diags = new Diagnostics();
  const show = (p: string): string => shownPath(p, ctx.cwd);
  const fail = (): number => {
    ctx.stderr.write(diagnosticsText(ctx, diags.items));
    return EXIT_USER_ERROR;
  };
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

  async function withWorkspace(workspace: ReplicaWorkspace): Promise<number> {
    if (!workspace.typesKnown) {
      diags.add("CL504", wholeFile(dir), `\`${dirArg}\` has no kept state, so there is nothing to restore`);
      return fail();
    }
    // Seal records the kept state remembers and the directory lost come back first (CL517).
    const seals = await workspace.restoreSeals();
    if (!(await workspace.reconcile()) || diags.hasErrors()) return fail();
    const lacking = workspace.lackingFacts();
    const written = await workspace.restore();
    await workspace.commit();
    const lines = written.length === 0 && seals.length === 0 ? ["nothing to restore: every file holds the facts the kept state holds"] : [];
    for (const s of seals) lines.push(`restored seal record \`${show(s)}\` from the kept state`);
    lacking.forEach((l, i) => lines.push(`restored ${l.lacking} fact(s) of \`${l.relation}\` (replica \`${l.replica}\`, epoch ${l.epoch}) into \`${show(written[i]!)}\``));
    ctx.stdout.write(lines.join("\n") + "\n");
    return EXIT_OK;
  }
}
