// `calmlog graph PROGRAM.dl`: the rule graph with its coordination points, as DOT, Mermaid, SVG
// or a self-contained HTML page. SVG is laid out by Graphviz `dot` when it is installed, else by
// dagre in JavaScript; `--layout` chooses, and the SVG says which laid it out.
import { spawnSync } from "node:child_process";
import { readFile } from "node:fs/promises";
import { resolve } from "node:path";
import { renderDot } from "../graph/dot.js";
import { renderMermaid } from "../graph/mermaid.js";
import { graphOfSource, type RuleGraph } from "../graph/model.js";
import { renderSvg } from "../graph/svg.js";
import { fileErrorReason } from "../diagnostics/diagnostic.js";
import { renderLintHtml } from "../report/html-lint.js";
import { lintPrograms } from "../lint.js";
import { renderDiagnostics } from "../report/text.js";
import { writeFileAtomic } from "../util/atomic-write.js";
import { EXIT_CRASH, EXIT_OK, EXIT_USER_ERROR, parseOptions, UsageError, useColor, type CliContext, type Command } from "./context.js";

const FORMATS = ["dot", "mermaid", "svg", "html"] as const;
type Format = (typeof FORMATS)[number];
const LAYOUTS = ["auto", "dot", "dagre"] as const;
type Layout = (typeof LAYOUTS)[number];

const USAGE = `Usage: calmlog graph PROGRAM.dl [--format dot|mermaid|svg|html] [-o FILE]

Draws the rule graph: one node per relation (inputs as boxes, fixed relations as components,
derived ones rounded, invariants as octagons; \`.output\` relations with a double border), one
edge per dependency from the relation read to the rule's head (negation dashed, aggregation bold,
threshold reads green and labelled), strata grouped. Relations that wait for a sealed epoch are
amber; every coordination point is red, on its edge and its head, with its code and literal
(e.g. \`CL302 !blocker(r, _)\`).

Options:
  -f, --format FORMAT   dot (default), mermaid, svg or html (one self-contained page)
      --layout LAYOUT   for svg: auto (default: Graphviz \`dot\` when installed, else dagre),
                        dot (require Graphviz) or dagre (JavaScript, no Graphviz needed)
  -o, --output FILE     write to FILE (atomically) instead of stdout
  -h, --help            show this help

Exit codes: 0 drawn, 1 errors in the program (printed as \`calmlog check\` does) or a usage error,
2 the output could not be written, or an internal failure.
`;

/** True when Graphviz's `dot` runs. */
function hasDot(): boolean {
  const r = spawnSync("dot", ["-V"], { stdio: "ignore" });
  return r.error === undefined && r.status === 0;
}

/** SVG from Graphviz `dot`, with a comment saying so; throws when `dot` fails. */
function dotSvg(graph: RuleGraph): string {
  const r = spawnSync("dot", ["-Tsvg"], { input: renderDot(graph), encoding: "utf8", maxBuffer: 256 * 1024 * 1024 });
  if (r.error !== undefined || r.status !== 0) throw new UsageError(`Graphviz \`dot\` failed: ${r.error?.message ?? r.stderr.trim()}`);
  return r.stdout.replace(/(<svg\b)/, "<!-- Laid out with Graphviz dot; drawn by calmlog. -->\n$1");
}

export const command: Command = {
  name: "graph",
  summary: "Draw the rule graph with its coordination points (dot, mermaid, svg, html)",
  usage: USAGE,
  async run(args: readonly string[], ctx: CliContext): Promise<number> {
    const { values, positionals } = parseOptions(args, {
      format: { type: "string", short: "f" },
      layout: { type: "string" },
      output: { type: "string", short: "o" },
    });
    const format = (values.format ?? "dot") as Format;
    if (!FORMATS.includes(format)) throw new UsageError(`unknown format \`${values.format}\`; use one of ${FORMATS.map((f) => `\`${f}\``).join(", ")}`);
    const layout = (values.layout ?? "auto") as Layout;
    if (!LAYOUTS.includes(layout)) throw new UsageError(`unknown layout \`${values.layout}\`; use one of ${LAYOUTS.map((f) => `\`${f}\``).join(", ")}`);
    if (values.layout !== undefined && format !== "svg") throw new UsageError("--layout applies to --format svg only");
    if (positionals.length === 0) throw new UsageError("no rule file given");
    if (positionals.length > 1) throw new UsageError(`one rule file at a time; got ${positionals.length}`);
    const path = positionals[0]!;
    let text: string;
    try {
      text = await readFile(resolve(ctx.cwd, path), "utf8");
    } catch (err) {
      ctx.stderr.write(`calmlog graph: cannot read ${path}: ${fileErrorReason(err)}\n`);
      return EXIT_USER_ERROR;
    }
    const source = { path, text };
    const { graph, diagnostics } = graphOfSource(source);
    if (graph === null) {
      const errors = diagnostics.sorted().filter((d) => d.severity === "error");
      ctx.stderr.write(renderDiagnostics(errors, [source], { color: useColor(ctx.stderr, ctx.env) }));
      return EXIT_USER_ERROR;
    }
    let out: string;
    switch (format) {
      case "dot":
        out = renderDot(graph);
        break;
      case "mermaid":
        out = renderMermaid(graph);
        break;
      case "svg":
        if (layout === "dot" && !hasDot()) throw new UsageError("--layout dot needs Graphviz `dot` on PATH (Debian: `apt-get install graphviz`); --layout dagre needs nothing");
        out = layout === "dagre" || (layout === "auto" && !hasDot()) ? renderSvg(graph) : dotSvg(graph);
        break;
      case "html":
        // The invariant search is lint's job; the graph page shows the program's structure only.
        out = renderLintHtml(lintPrograms([source], { trials: 0 }), [source]);
        break;
    }
    if (values.output === undefined) ctx.stdout.write(out);
    else {
      try {
        writeFileAtomic(resolve(ctx.cwd, values.output), out);
      } catch (err) {
        ctx.stderr.write(`calmlog graph: cannot write ${values.output}: ${fileErrorReason(err)}\n`);
        return EXIT_CRASH;
      }
    }
    return EXIT_OK;
  },
};
