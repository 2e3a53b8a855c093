// The fact a user asks about, `ready("v2.1")`, read with the rule-file parser and checked against
// the relation's declaration; a mistake is a CL701 diagnostic pointing into the query text.
import type { CheckedProgram } from "../check/types.js";
import { nearest } from "../check/names.js";
import { Diagnostics, type Diagnostic } from "../diagnostics/diagnostic.js";
import type { Term } from "../syntax/ast.js";
import { isStructured, makeBranch, makeRecord, NIL } from "../eval/records.js";
import { parse } from "../syntax/parse.js";
import type { Location } from "../diagnostics/span.js";
import { INT32_MAX, INT32_MIN, UINT32_MAX, type Tuple, type Value } from "../eval/values.js";

/** A fact asked about: its relation and values. */
export interface FactQuery {
  readonly relation: string;
  readonly tuple: Tuple;
}

/** Reads `text` (one fact, the final `.` optional) as a fact of a declared relation; errors are CL701 diagnostics. */
export function parseFactQuery(text: string, checked: CheckedProgram, file = "<query>"): FactQuery | Diagnostic[] {
  const source = text.trim().endsWith(".") ? text : `${text.trimEnd()}.`;
  const diags = new Diagnostics();
  const program = parse({ path: file, text: source }, diags);
  const errors = diags.items.filter((d) => d.severity === "error");
  const fail = (span: Location, message: string, help?: string): Diagnostic[] => [new Diagnostics().add("CL701", span, message, help === undefined ? {} : { help })];
  if (errors.length > 0) return fail(errors[0]!.span, `\`${text}\` is not a fact: ${errors[0]!.message}`, "write the fact as in a rule file, e.g. `ready(\"v2.1\")` or `edge(1, 2)`");
  const rules = program.items.filter((i) => i.kind === "rule");
  const rule = rules[0];
  if (rules.length !== 1 || program.items.length !== 1 || rule === undefined || rule.kind !== "rule" || rule.body !== null || rule.heads.length !== 1) {
    return fail(program.span, `\`${text}\` is not one fact; give one, e.g. \`ready("v2.1")\``);
  }
  const atom = rule.heads[0]!;
  const name = atom.relation.name;
  const schema = checked.relations.get(name);
  if (schema === undefined) {
    const hint = nearest(name, [...checked.relations.keys()]);
    return fail(atom.relation.span, `relation \`${name}\` is not declared${hint ? `; did you mean \`${hint}\`?` : ""}`);
  }
  if (atom.args.length !== schema.columns.length) {
    return fail(atom.span, `\`${name}\` has ${schema.columns.length} column${schema.columns.length === 1 ? "" : "s"}, but the fact gives ${atom.args.length}`);
  }
  const tuple: Value[] = [];
  for (let i = 0; i < atom.args.length; i++) {
    const col = schema.columns[i]!;
    const v = constant(atom.args[i]!);
    const ok =
      v !== null &&
      (col.type === "symbol"
        ? typeof v === "string" && (col.shape === undefined) === !isStructured(v)
        : typeof v === "number" &&
          (col.type === "float" || (Number.isInteger(v) && (col.type === "number" ? v >= INT32_MIN && v <= INT32_MAX : v >= 0 && v <= UINT32_MAX))));
    if (!ok) {
      const what = col.shape !== undefined ? "a record or ADT value, e.g. `[1, 2]` or `$Some(1)`" : col.type === "symbol" ? 'a string in double quotes, e.g. `"v2.1"`' : col.type === "float" ? "a number" : col.type === "number" ? "a signed 32-bit integer" : "an unsigned 32-bit integer";
      return fail(atom.args[i]!.span, `column ${i + 1} of \`${name}\` (\`${col.name}: ${col.declaredType}\`) takes ${what}`);
    }
    tuple.push(v === 0 ? 0 : v!);
  }
  return { relation: name, tuple };
}

/** A constant term's value (a number with a leading minus included), or null. */
function constant(t: Term): Value | null {
  if (t.kind === "string" || t.kind === "number") return t.value;
  if (t.kind === "call" && (t.name === "record" || t.name === "nil" || t.name.startsWith("$"))) {
    // A record, `nil` or an ADT value, built as the engine builds it.
    const fields = t.args.map(constant);
    if (fields.some((f) => f === null)) return null;
    const values = fields as Value[];
    return t.name === "record" ? makeRecord(values) : t.name === "nil" ? NIL : makeBranch(t.name.slice(1), values);
  }
  if (t.kind === "unary" && t.op === "-" && t.operand.kind === "number") return -t.operand.value;
  return null;
}
