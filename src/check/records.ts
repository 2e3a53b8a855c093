// Records and ADT values in atoms are checked against their column's record or ADT type, as
// Soufflé's type checker does: `nil` only where a record is expected, a record only in a record
// column and with its type's number of fields, a branch only of its column's ADT, and a constant
// field of the field's kind (number or symbol).
import type { Term } from "../syntax/ast.js";
import type { Clause } from "../syntax/normalize.js";
import type { Diagnostics } from "../diagnostics/diagnostic.js";
import type { Column, FieldShape } from "./types.js";

/** Reports CL203 for record, `nil` and ADT terms that do not fit the column (or field) they stand in. */
export function checkRecordTerms(clauses: readonly Clause[], columns: (relation: string) => readonly Column[] | undefined, diags: Diagnostics): void {
  const seen = new Set<Term>();
  for (const clause of clauses) {
    const atoms = [clause.head, ...clause.body.flatMap((l) => (l.kind === "atom" ? [l.atom] : []))];
    for (const atom of atoms) {
      const cols = columns(atom.relation.name);
      if (cols === undefined || cols.length !== atom.args.length) continue;
      atom.args.forEach((a, i) => {
        // A clause of a rule with several heads or disjuncts shares its terms: report each once.
        if (seen.has(a)) return;
        seen.add(a);
        const col = cols[i]!;
        // A record in a numeric column is already a type mismatch (CL203 from inference).
        if (col.type !== "symbol") return;
        checkTerm(a, col.shape ?? null, col.type, `\`${col.name}: ${col.declaredType}\` of \`${atom.relation.name}\``, diags);
      });
    }
  }
}

function checkTerm(t: Term, field: FieldShape | null, type: string, where: string, diags: Diagnostics): void {
  if (t.kind !== "call") return;
  const shape = field?.shape() ?? null;
  if (t.name === "nil") {
    if (shape === null || shape.kind !== "record") diags.add("CL203", t.span, `\`nil\` is used as a non-record: ${where} is not a record type`, { help: "`nil` is the empty record; use it only where a record type is expected." });
    return;
  }
  if (t.name === "record") {
    if (shape === null || shape.kind !== "record") {
      diags.add("CL203", t.span, `a record is used where ${where} is expected, which is not a record type`);
      return;
    }
    if (shape.fields.length !== t.args.length) {
      diags.add("CL203", t.span, `the record has ${t.args.length} field${t.args.length === 1 ? "" : "s"} but ${where} has ${shape.fields.length}`);
      return;
    }
    t.args.forEach((a, i) => checkField(a, shape.fields[i]!, `field ${i + 1} of ${where}`, diags));
    return;
  }
  if (t.name.startsWith("$")) {
    if (shape === null || shape.kind !== "adt") {
      diags.add("CL203", t.span, `the ADT value \`${t.name}\` is used where ${where} is expected, which is not an ADT`);
      return;
    }
    const fields = shape.branches.get(t.name.slice(1));
    if (fields === undefined) {
      diags.add("CL203", t.span, `\`${t.name}\` is no branch of the type of ${where} (branches: ${[...shape.branches.keys()].map((b) => `\`$${b}\``).join(", ")})`);
      return;
    }
    if (fields.length === t.args.length) t.args.forEach((a, i) => checkField(a, fields[i]!, `field ${i + 1} of \`${t.name}\` in ${where}`, diags));
  }
  void type;
}

function checkField(t: Term, field: FieldShape, where: string, diags: Diagnostics): void {
  if (t.kind === "call") return checkTerm(t, field, field.type, where, diags);
  const record = field.shape() !== null;
  if (t.kind === "string" && (record || field.type !== "symbol")) diags.add("CL203", t.span, `the symbol ${JSON.stringify(t.value)} is given for ${where}, which is not a symbol`);
  if (t.kind === "number" && (record || field.type === "symbol")) diags.add("CL203", t.span, `the number \`${t.text}\` is given for ${where}, which is not a number`);
}
