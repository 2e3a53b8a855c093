// What the semantic checks hand to the later stages: resolved schemas and normalized clauses.
import type { InvariantDirective, IoDirective, PrimitiveType, Program, RelationDecl, Term } from "../syntax/ast.js";
import type { Clause } from "../syntax/normalize.js";

/** The fields of a record type, or the branches of an ADT, for taking a value apart. */
export type RecordShape =
  | { readonly kind: "record"; readonly fields: readonly FieldShape[] }
  | { readonly kind: "adt"; readonly branches: ReadonlyMap<string, readonly FieldShape[]> };

/** One field: how it is stored, and its own shape when it is a record or ADT (looked up lazily: types may be recursive). */
export interface FieldShape {
  readonly type: PrimitiveType;
  readonly shape: () => RecordShape | null;
}

/** One column of a relation, its user type resolved to the primitive type it is stored as. */
export interface Column {
  readonly name: string;
  /** The type as declared (`Id`, `number`, ...). */
  readonly declaredType: string;
  readonly type: PrimitiveType;
  /** For a record or ADT column: its fields. */
  readonly shape?: FieldShape;
}

/** Everything known about one declared relation. */
export interface RelationSchema {
  readonly name: string;
  readonly decl: RelationDecl;
  readonly columns: readonly Column[];
  /** The `.input` directive that names it, if any (its params say where the facts are). */
  readonly input: IoDirective | null;
  /** The `.output` directive that names it, if any. */
  readonly output: IoDirective | null;
  /** Every `.input` directive that names it, in order (Soufflé reads each); absent means `input` alone. */
  readonly inputs?: readonly IoDirective[];
  /** Every `.output` directive that names it, in order (Soufflé writes each); absent means `output` alone. */
  readonly outputs?: readonly IoDirective[];
  readonly printsize: boolean;
  /** Soufflé's `.limitsize r(n=N)`: the recursive stratum deriving `r` ends after the iteration in which `r` reaches N tuples. */
  readonly limitsize?: number;
  readonly invariant: InvariantDirective | null;
  /** `choice-domain` keys as column indexes: a tuple whose key some stored tuple has is not added. */
  readonly choice?: readonly (readonly number[])[];
}

/** A program that passed the checks (or the best effort when it did not; see the diagnostics). */
export interface CheckedProgram {
  readonly program: Program;
  /** Declared relations, in declaration order. */
  readonly relations: ReadonlyMap<string, RelationSchema>;
  /** Rules and facts, normalized. */
  readonly clauses: readonly Clause[];
  /** What type inference found, per clause (by `Clause.id`). */
  readonly types: readonly ClauseTypes[];
}

/**
 * Inference's result for one clause: for every term of it (variable occurrences, literals,
 * expressions, aggregates), the primitive types that fit it. One type: the term's type. Several:
 * nothing fixed it (a bare `1` takes its type from where it is used; a record field's variable
 * from the record's declaration).
 */
export interface ClauseTypes {
  readonly terms: ReadonlyMap<Term, readonly PrimitiveType[]>;
}

/** The one type inference left for `t`, null when several fit; throws for a term inference never saw. */
export function fixedType(types: ClauseTypes, t: Term): PrimitiveType | null {
  const fits = types.terms.get(t);
  if (fits === undefined) throw new Error(`no inferred type for a \`${t.kind}\` term: a clause made after checking needs \`inferTypes\``);
  return fits.length === 1 ? fits[0]! : null;
}

/**
 * The type a term's value is stored as: inference's; a number nothing narrows (a bare `1`) is a
 * `number`; null when nothing is known (a record field's variable).
 */
export function storedType(types: ClauseTypes, t: Term): PrimitiveType | null {
  const fits = types.terms.get(t) ?? [];
  if (fits.length === 1) return fits[0]!;
  return fits.length > 0 && !fits.includes("symbol") ? "number" : null;
}

/** Each variable of a clause (inside aggregates too) and its type, where one is known; the first occurrence decides. */
export function variableTypes(types: ClauseTypes): Map<string, PrimitiveType> {
  const out = new Map<string, PrimitiveType>();
  for (const t of types.terms.keys()) {
    if (t.kind !== "var" || out.has(t.name)) continue;
    const type = storedType(types, t);
    if (type !== null) out.set(t.name, type);
  }
  return out;
}
