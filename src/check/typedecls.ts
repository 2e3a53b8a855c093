// Every `.type` resolves to exactly one primitive root or to null (broken: reported once, at its
// own declaration, so types built on a broken one stay silent instead of cascading).
import type { Ident, PrimitiveType, Program, TypeDecl } from "../syntax/ast.js";
import type { FieldShape, RecordShape } from "./types.js";
import { PRIMITIVE_TYPES } from "../syntax/ast.js";
import type { Diagnostics } from "../diagnostics/diagnostic.js";
import { didYouMean } from "./names.js";

/** Declared types by name: the primitive root, or null when the declaration is in error. */
export type TypeTable = ReadonlyMap<string, PrimitiveType | null>;

/** Resolves every `.type` declaration; reports CL204 (duplicates), CL208 (unknown base, cycle), CL203 (mixed union). */
export function resolveTypes(program: Program, diags: Diagnostics): TypeTable {
  const decls = new Map<string, TypeDecl>();
  for (const item of program.items) {
    if (item.kind !== "type") continue;
    const name = item.name.name;
    if ((PRIMITIVE_TYPES as readonly string[]).includes(name)) {
      diags.add("CL204", item.name.span, `\`${name}\` is a primitive type and cannot be declared again`, {
        help: "Pick another name for the type.",
      });
      continue;
    }
    const first = decls.get(name);
    if (first !== undefined) {
      diags.add("CL204", item.name.span, `type \`${name}\` is declared twice`, {
        related: [{ span: first.name.span, message: `\`${name}\` is first declared here` }],
      });
      continue;
    }
    decls.set(name, item);
  }

  const table = new Map<string, PrimitiveType | null>();
  const active = new Set<string>();
  const knownNames = [...PRIMITIVE_TYPES, ...decls.keys()];

  const baseRoot = (base: Ident, owner: TypeDecl): PrimitiveType | null => {
    if ((PRIMITIVE_TYPES as readonly string[]).includes(base.name)) return base.name as PrimitiveType;
    const decl = decls.get(base.name);
    if (decl === undefined) {
      diags.add("CL208", base.span, `unknown type \`${base.name}\` in the declaration of \`${owner.name.name}\``, {
        help: didYouMean(base.name, knownNames, null),
      });
      return null;
    }
    if (active.has(base.name)) {
      diags.add("CL208", base.span, `type \`${owner.name.name}\` is defined in terms of itself through \`${base.name}\``, {
        related: [{ span: decl.name.span, message: `\`${base.name}\` is declared here` }],
        help: "Base the type on a primitive type (`symbol`, `number`, `unsigned`, `float`) or on a type that does not lead back to it.",
      });
      return null;
    }
    return resolve(decl);
  };

  const resolve = (decl: TypeDecl): PrimitiveType | null => {
    const name = decl.name.name;
    if (table.has(name)) return table.get(name)!;
    // A record or ADT value is one interned value, stored as a `symbol` is (its fields inside it).
    if (decl.form === "record" || decl.form === "adt") {
      table.set(name, "symbol");
      const fields = decl.form === "record" ? (decl.fields ?? []) : (decl.branches ?? []).flatMap((b) => b.fields);
      for (const f of fields) {
        if ((PRIMITIVE_TYPES as readonly string[]).includes(f.type.name) || decls.has(f.type.name)) continue;
        diags.add("CL208", f.type.span, `unknown type \`${f.type.name}\` for field \`${f.name.name}\` of \`${name}\``, { help: didYouMean(f.type.name, knownNames, null) });
      }
      return "symbol";
    }
    active.add(name);
    let root: PrimitiveType | null = null;
    let broken = decl.bases.length === 0;
    let rootFrom: Ident | null = null;
    for (const base of decl.bases) {
      const r = baseRoot(base, decl);
      if (r === null) {
        broken = true;
        continue;
      }
      if (root === null) {
        root = r;
        rootFrom = base;
      } else if (r !== root && !broken) {
        const which = base.name === r ? "" : `: \`${base.name}\` is a \`${r}\``;
        diags.add("CL203", base.span, `union \`${name}\` mixes \`${root}\` and \`${r}\`${which}`, {
          related: rootFrom && rootFrom.name !== root ? [{ span: rootFrom.span, message: `\`${rootFrom.name}\` is a \`${root}\`` }] : [],
          help: "Every member of a union must have the same primitive type.",
        });
        broken = true;
      }
    }
    active.delete(name);
    const result = broken ? null : root;
    table.set(name, result);
    return result;
  };

  for (const decl of decls.values()) resolve(decl);
  return table;
}

/** The primitive type a written type name stands for: a primitive, a resolved `.type`, null if broken, undefined if unknown. */
export function lookupType(table: TypeTable, name: string): PrimitiveType | null | undefined {
  if ((PRIMITIVE_TYPES as readonly string[]).includes(name)) return name as PrimitiveType;
  return table.get(name);
}

/** Shapes of record and ADT types, by type name (aliases and subtypes of one follow it). */
export function recordShapes(program: Program, table: TypeTable): (name: string) => FieldShape {
  const decls = new Map<string, TypeDecl>();
  for (const item of program.items) if (item.kind === "type" && !decls.has(item.name.name)) decls.set(item.name.name, item);
  const memo = new Map<string, RecordShape | null>();
  const shapeOf = (name: string, seen: Set<string> = new Set()): RecordShape | null => {
    if (memo.has(name)) return memo.get(name)!;
    const d = decls.get(name);
    if (d === undefined || seen.has(name)) return null;
    seen.add(name);
    let shape: RecordShape | null = null;
    if (d.form === "record") shape = { kind: "record", fields: (d.fields ?? []).map((f) => field(f.type.name)) };
    else if (d.form === "adt") shape = { kind: "adt", branches: new Map((d.branches ?? []).map((b) => [b.name.name, b.fields.map((f) => field(f.type.name))] as const)) };
    else if (d.bases.length === 1) shape = shapeOf(d.bases[0]!.name, seen);
    memo.set(name, shape);
    return shape;
  };
  const field = (name: string): FieldShape => ({ type: lookupType(table, name) ?? "symbol", shape: () => shapeOf(name) });
  return field;
}
