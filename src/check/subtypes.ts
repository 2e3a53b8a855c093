// Soufflé's subtype discipline on user types: a value flows from a positive body atom into a column
// only if its deduced type is a subtype of the column's declared type (Soufflé 2.5's TypeChecker,
// "Atom's argument type is not a subtype of its declared type"). The primitive roots are checked by
// `infer.ts`; this pass only compares user types (`.type A <: symbol`, unions, records) with each other.
import type { Diagnostics } from "../diagnostics/diagnostic.js";
import type { Span } from "../diagnostics/span.js";
import type { Atom, Program, Term, TypeDecl } from "../syntax/ast.js";
import { PRIMITIVE_TYPES } from "../syntax/ast.js";
import type { Clause } from "../syntax/normalize.js";
import { allVariables, literalTerms } from "../syntax/visit.js";
import type { RelationSchema } from "./types.js";

/** A declared type as Soufflé's type environment sees it. */
type TypeNode =
  | { readonly kind: "primitive" }
  | { readonly kind: "subset"; readonly base: string }
  | { readonly kind: "alias"; readonly of: string }
  | { readonly kind: "union"; readonly members: readonly string[] }
  | { readonly kind: "record" | "adt" };

/** The type lattice of one program: subtype tests and greatest common subtypes, as in Soufflé's TypeSystem.cpp. */
class Lattice {
  private readonly nodes = new Map<string, TypeNode>();
  private readonly memo = new Map<string, boolean>();

  constructor(decls: Iterable<TypeDecl>) {
    for (const p of PRIMITIVE_TYPES) this.nodes.set(p, { kind: "primitive" });
    for (const d of decls) {
      if (this.nodes.has(d.name.name)) continue;
      const bases = d.bases.map((b) => b.name);
      // A broken declaration (reported by `typedecls.ts`) relates to nothing.
      if ((d.form === "subtype" || d.form === "alias") && bases.length === 0) {
        this.nodes.set(d.name.name, { kind: "record" });
        continue;
      }
      this.nodes.set(
        d.name.name,
        d.form === "subtype" ? { kind: "subset", base: bases[0]! } : d.form === "alias" ? { kind: "alias", of: bases[0]! } : d.form === "union" ? { kind: "union", members: bases } : { kind: d.form },
      );
    }
  }

  node(name: string): TypeNode | undefined {
    return this.nodes.get(name);
  }

  /** The type an alias stands for (a cycle or an unknown name ends the walk). */
  skipAliases(name: string): string {
    const seen = new Set<string>();
    let n = this.nodes.get(name);
    while (n?.kind === "alias" && !seen.has(name)) {
      seen.add(name);
      name = n.of;
      n = this.nodes.get(name);
    }
    return name;
  }

  /** Whether `a` is `b` or lies below it through subset bases (Soufflé's isOfRootType). */
  private ofRoot(a: string, b: string, depth = 0): boolean {
    if (a === b) return true;
    if (depth > 64) return false;
    const n = this.nodes.get(a);
    if (n?.kind === "subset") return this.ofRoot(n.base, b, depth + 1);
    if (n?.kind === "alias") return this.ofRoot(n.of, b, depth + 1);
    if (n?.kind === "union") return n.members.length > 0 && n.members.every((m) => this.ofRoot(m, b, depth + 1));
    return false;
  }

  isSubtype(ta: string, tb: string, depth = 0): boolean {
    const key = `${ta}\u0000${tb}`;
    const known = this.memo.get(key);
    if (known !== undefined) return known;
    if (depth > 64) return false;
    const a = this.skipAliases(ta);
    const b = this.skipAliases(tb);
    let r = this.ofRoot(a, b);
    if (!r) {
      const na = this.nodes.get(a);
      const nb = this.nodes.get(b);
      if (na?.kind === "union") r = na.members.length > 0 && na.members.every((m) => this.isSubtype(m, b, depth + 1));
      else if (nb?.kind === "union") r = nb.members.some((m) => this.isSubtype(a, m, depth + 1));
    }
    this.memo.set(key, r);
    return r;
  }

  /** Soufflé's getGreatestCommonSubtypes: the largest types below both. */
  commonSubtypes(ta: string, tb: string): string[] {
    const a = this.skipAliases(ta);
    const b = this.skipAliases(tb);
    if (this.isSubtype(a, b)) return [a];
    if (this.isSubtype(b, a)) return [b];
    const na = this.nodes.get(a);
    const nb = this.nodes.get(b);
    if (na?.kind !== "union" || nb?.kind !== "union") return [];
    const out: string[] = [];
    const collect = (t: string, depth: number): void => {
      if (depth > 64) return;
      if (this.isSubtype(t, b)) {
        if (!out.includes(t)) out.push(t);
        return;
      }
      const n = this.nodes.get(this.skipAliases(t));
      if (n?.kind === "union") for (const m of n.members) collect(m, depth + 1);
    };
    collect(a, 0);
    return out;
  }
}

/** Union-find over a clause's variables; `x = y` joins two. */
class Classes {
  private readonly parent = new Map<string, string>();
  find(x: string): string {
    let p = this.parent.get(x) ?? x;
    if (p !== x) {
      p = this.find(p);
      this.parent.set(x, p);
    }
    return p;
  }
  join(a: string, b: string): void {
    const ra = this.find(a);
    const rb = this.find(b);
    if (ra !== rb) this.parent.set(ra, rb);
  }
}

/**
 * Variables whose type this pass does not follow: those inside aggregates and inside record or ADT
 * constructors, which Soufflé narrows further. A functor's or operator's argument is only bounded by
 * a primitive type (checked by `infer.ts`), which leaves a user type as it is.
 */
function untracked(clause: Clause): Set<string> {
  const out = new Set<string>();
  const all = (t: Term): void => {
    for (const v of allVariables(t)) out.add(v.name);
  };
  const nested = (t: Term): void => {
    switch (t.kind) {
      case "aggregate":
        all(t);
        return;
      case "call":
        if (t.name === "record" || t.name === "nil" || t.name.startsWith("$")) all(t);
        else for (const a of t.args) nested(a);
        return;
      case "binary":
        nested(t.left);
        nested(t.right);
        return;
      case "unary":
        nested(t.operand);
        return;
      default:
        return;
    }
  };
  for (const a of clause.head.args) nested(a);
  for (const l of clause.body) for (const t of literalTerms(l)) nested(t);
  return out;
}

/** Reports CL235 where a variable's deduced user type is not a subtype of the column it flows into. */
export function checkSubtypes(program: Program, clauses: readonly Clause[], schemas: ReadonlyMap<string, RelationSchema>, diags: Diagnostics): void {
  const decls = program.items.filter((i): i is TypeDecl => i.kind === "type");
  // Without user types there is nothing to compare beyond the primitive roots.
  if (decls.length === 0) return;
  const lattice = new Lattice(decls);
  checkSubsetBases(decls, lattice, diags);
  const declared = (rel: string, i: number): string | undefined => {
    const t = schemas.get(rel)?.columns[i]?.declaredType;
    return t !== undefined && lattice.node(t) !== undefined ? t : undefined;
  };
  for (const clause of clauses) {
    if (clause.body.length === 0) continue;
    const skip = untracked(clause);
    const classes = new Classes();
    for (const l of clause.body) if (l.kind === "cmp" && l.op === "=" && !l.negated && plainVar(l.left) && plainVar(l.right)) classes.join(l.left.name, l.right.name);
    // Each class's type set, narrowed by every positive body atom it appears in (null: not yet bound).
    const sets = new Map<string, string[] | null>();
    const bounds = new Map<string, { type: string; span: Span; relation: string }[]>();
    const empty: { c: string; name: string; span: Span }[] = [];
    const poisoned = new Set<string>();
    for (const l of clause.body) {
      if (l.kind !== "atom" || l.negated) continue;
      l.atom.args.forEach((a, i) => {
        if (!plainVar(a)) return;
        const c = classes.find(a.name);
        const t = declared(l.atom.relation.name, i);
        if (t === undefined) {
          poisoned.add(c);
          return;
        }
        const prev = sets.get(c);
        const next = prev === undefined || prev === null ? [lattice.skipAliases(t)] : [...new Set(prev.flatMap((p) => lattice.commonSubtypes(p, t)))];
        sets.set(c, next);
        const seen = bounds.get(c) ?? [];
        seen.push({ type: t, span: a.span, relation: l.atom.relation.name });
        bounds.set(c, seen);
        if (next.length === 0 && prev !== undefined && prev !== null && prev.length > 0) empty.push({ c, name: a.name, span: a.span });
      });
    }
    for (const v of skip) poisoned.add(classes.find(v));
    for (const e of empty) {
      if (poisoned.has(e.c)) continue;
      poisoned.add(e.c);
      const from = bounds.get(e.c) ?? [];
      const types = [...new Set(from.map((b) => b.type))];
      diags.add("CL235", e.span, `no type fits \`${e.name}\`: it must be a subtype of ${types.map((t) => `\`${t}\``).join(" and ")}, which have no common subtype`, {
        related: from.slice(0, -1).map((b) => ({ span: b.span, message: `here it must be a \`${b.type}\` (a column of \`${b.relation}\`)` })),
        help: "Join values of one type only, or declare the columns with a common type (a union or a shared base type).",
      });
    }
    const sink = (atom: Atom): void => {
      atom.args.forEach((a, i) => {
        if (!plainVar(a)) return;
        const c = classes.find(a.name);
        if (poisoned.has(c) || skip.has(a.name)) return;
        const types = sets.get(c);
        const col = declared(atom.relation.name, i);
        // An empty set is a variable no type fits; Soufflé reports that separately.
        if (types === undefined || types === null || types.length === 0 || col === undefined) return;
        const ok = types.every((t) => lattice.isSubtype(t, col) || (lattice.isSubtype(col, t) && isUnsubsettedRecord(lattice, t)));
        if (ok) return;
        const schema = schemas.get(atom.relation.name)!;
        const column = schema.columns[i]!;
        const attr = schema.decl.attributes[i];
        const shown = types.map((t) => `\`${t}\``).join(" or ");
        diags.add("CL235", a.span, `\`${a.name}\` is of type ${shown}, which is not a subtype of \`${col}\`, the declared type of column \`${column.name}\` of \`${atom.relation.name}\``, {
          related: attr === undefined ? [] : [{ span: attr.type.span, message: `\`${column.name}\` is declared \`${col}\` here` }],
          help: `Declare the column with a type that includes ${shown} (a union such as \`.type T = ${[...types, col].join(" | ")}\`), or convert the value with \`as(${a.name}, ${col})\`.`,
        });
      });
    };
    sink(clause.head);
  }
}

/**
 * A variable as written. The parser reads `as(x, T)` as `x` spanning the whole cast; the cast gives
 * the value the type `T`, so it neither narrows `x` nor is checked against the column.
 */
function plainVar(t: Term): t is Term & { kind: "var" } {
  return t.kind === "var" && t.span.end - t.span.start === t.name.length;
}

function isUnsubsettedRecord(lattice: Lattice, t: string): boolean {
  const n = lattice.node(lattice.skipAliases(t));
  return n?.kind === "record" || n?.kind === "adt";
}

/** Soufflé rejects a subset type whose base is a union or a record type (`TypeDeclarationChecker::checkSubsetType`). */
function checkSubsetBases(decls: readonly TypeDecl[], lattice: Lattice, diags: Diagnostics): void {
  for (const d of decls) {
    if (d.form !== "subtype") continue;
    const base = d.bases[0];
    if (base === undefined) continue;
    const n = lattice.node(base.name);
    if (n?.kind !== "union" && n?.kind !== "record") continue;
    const what = n.kind === "union" ? "union" : "record type";
    diags.add("CL236", base.span, `subtype \`${d.name.name}\` cannot be derived from the ${what} \`${base.name}\``, {
      help: n.kind === "union" ? `Make \`${d.name.name}\` a subtype of one member of \`${base.name}\`, or an alias: \`.type ${d.name.name} = ${base.name}\`.` : `Use \`${base.name}\` itself, or declare an alias: \`.type ${d.name.name} = ${base.name}\`.`,
    });
  }
}
