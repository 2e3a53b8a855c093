// Record and ADT types are nominal, as in Soufflé: two record types with the same fields are still
// different types, so one variable cannot stand in columns of both (`.type A = [x: number]` and
// `.type B = [x: number]`: `a(v) :- b(v).` is a mismatch). Aliases (`.type C = A`) are the same type.
import type { Diagnostics, Related } from "../diagnostics/diagnostic.js";
import type { Program, TypeDecl } from "../syntax/ast.js";
import type { Clause } from "../syntax/normalize.js";
import type { Column } from "./types.js";

/** Reports CL203 for a variable used in columns of two different record or ADT types within one clause. */
export function checkRecordIdentity(program: Program, clauses: readonly Clause[], columns: (relation: string) => readonly Column[] | undefined, diags: Diagnostics): void {
  const decls = new Map<string, TypeDecl>();
  for (const item of program.items) if (item.kind === "type" && !decls.has(item.name.name)) decls.set(item.name.name, item);
  if (![...decls.values()].some((d) => d.form === "record" || d.form === "adt")) return;
  const nominal = new Map<string, string | null>();
  const identity = (name: string, depth = 0): string | null => {
    const known = nominal.get(name);
    if (known !== undefined) return known;
    const d = decls.get(name);
    let id: string | null = null;
    if (d !== undefined && (d.form === "record" || d.form === "adt")) id = name;
    else if (d !== undefined && d.form === "alias" && d.bases.length === 1 && depth < 100) id = identity(d.bases[0]!.name, depth + 1);
    nominal.set(name, id);
    return id;
  };
  const reported = new Set<string>();
  for (const clause of clauses) {
    const first = new Map<string, { type: string; declared: string; related: Related }>();
    const atoms = [clause.head, ...clause.body.flatMap((l) => (l.kind === "atom" ? [l.atom] : []))];
    for (const atom of atoms) {
      const cols = columns(atom.relation.name);
      if (cols === undefined || cols.length !== atom.args.length) continue;
      atom.args.forEach((a, i) => {
        if (a.kind !== "var") return;
        const col = cols[i]!;
        const type = identity(col.declaredType);
        if (type === null) return;
        const prior = first.get(a.name);
        if (prior === undefined) {
          first.set(a.name, { type, declared: col.declaredType, related: { span: a.span, message: `\`${a.name}\` has the type \`${col.declaredType}\` here (\`${col.name}\` of \`${atom.relation.name}\`)` } });
          return;
        }
        const key = `${a.span.file}:${a.span.start}`;
        if (prior.type === type || reported.has(key)) return;
        reported.add(key);
        diags.add("CL203", a.span, `\`${a.name}\` has the type \`${prior.declared}\`, but \`${col.name}\` of \`${atom.relation.name}\` has the type \`${col.declaredType}\`, a different record type`, {
          related: [prior.related],
          notes: ["Record and ADT types are told apart by name, as in Soufflé, even when their fields agree."],
          help: "Use one type for both columns, or declare one as an alias of the other (`.type B = A`).",
        });
      });
    }
  }
}
