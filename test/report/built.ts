// Lint results from hand-built programs, for renderer tests that need no parser.
import { analyze } from "../../src/analysis/analyze.js";
import { Diagnostics } from "../../src/diagnostics/diagnostic.js";
import { buildLintFile, combine, type LintResult } from "../../src/lint.js";
import { _, agg, atom, cmp, n, not, pos, ProgramBuilder, v } from "../analysis/build.js";

/** A release program with a negation, a reader of it, an accepted threshold and an upper bound. */
export function builtResult(): LintResult {
  const b = new ProgramBuilder()
    .decl("release", "r").decl("blocker", "r", "b").decl("ready", "r").decl("notify", "r")
    .decl("approval", "r", "u").decl("approved", "r").decl("sale", "w", "b").decl("accepted", "w", "b")
    .rule(atom("ready", v("r")), pos("release", v("r")), not("blocker", v("r"), _()))
    .rule(atom("notify", v("r")), pos("ready", v("r")))
    .rule(atom("approved", v("r")), pos("release", v("r")), cmp(agg("count", null, pos("approval", v("r"), _())), ">=", n(2)))
    .rule(atom("accepted", v("w"), v("b")), pos("sale", v("w"), v("b")), cmp(agg("count", null, pos("sale", v("w"), _())), "<=", n(10)))
    .fact("release", { kind: "string", value: "v1", span: atom("x").span });
  const checked = b.build();
  const diags = new Diagnostics();
  const analysis = analyze(checked, diags);
  return combine([buildLintFile("test.dl", checked, analysis, [], diags)]);
}

/** An unstratifiable program: `a` negates `c`, which reads `a`. */
export function cyclicResult(): LintResult {
  const b = new ProgramBuilder().decl("a", "x").decl("b", "x").decl("c", "x")
    .rule(atom("a", v("x")), pos("b", v("x")), not("c", v("x")))
    .rule(atom("c", v("x")), pos("a", v("x")));
  const checked = b.build();
  const diags = new Diagnostics();
  return combine([buildLintFile("cycle.dl", checked, analyze(checked, diags), [], diags)]);
}
