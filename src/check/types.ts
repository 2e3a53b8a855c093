// What the semantic checks hand to the later stages: resolved schemas and normalized clauses.
import type { InvariantDirective, IoDirective, PrimitiveType, Program, RelationDecl } from "../syntax/ast.js";
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
}
