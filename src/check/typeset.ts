// Sets of primitive types as bit masks: inference narrows a set by intersection, and an empty
// intersection is exactly a type mismatch.
import type { PrimitiveType } from "../syntax/ast.js";

/** A set of primitive types. */
export type TypeSet = number;

export const SYMBOL: TypeSet = 1;
export const NUMBER: TypeSet = 2;
export const UNSIGNED: TypeSet = 4;
export const FLOAT: TypeSet = 8;
/** Any type: nothing is known yet. */
export const ANY: TypeSet = SYMBOL | NUMBER | UNSIGNED | FLOAT;
/** The types arithmetic works on. */
export const NUMERIC: TypeSet = NUMBER | UNSIGNED | FLOAT;
/** The types bitwise and logical operators work on. */
export const INTEGER: TypeSet = NUMBER | UNSIGNED;
/** The types unary minus works on. */
export const SIGNED: TypeSet = NUMBER | FLOAT;

const ORDER: readonly [PrimitiveType, TypeSet][] = [
  ["symbol", SYMBOL],
  ["number", NUMBER],
  ["unsigned", UNSIGNED],
  ["float", FLOAT],
];

/** The one-element set of a primitive type. */
export function typeSet(t: PrimitiveType): TypeSet {
  return ORDER.find(([name]) => name === t)![1];
}

/** The primitive types in a set, in catalog order. */
export function typesOf(set: TypeSet): PrimitiveType[] {
  return ORDER.filter(([, bit]) => (set & bit) !== 0).map(([name]) => name);
}

/** A set in words, with the article a message needs: "a `symbol`", "a number type". */
export function describeSet(set: TypeSet): string {
  if (set === NUMERIC) return "a number (`number`, `unsigned` or `float`)";
  if (set === INTEGER) return "an integer (`number` or `unsigned`)";
  if (set === SIGNED) return "a signed number (`number` or `float`)";
  const names = typesOf(set).map((t) => `\`${t}\``);
  if (names.length === 0) return "no type";
  if (names.length === 1) return `${/^`[aeiou]/.test(names[0]!) ? "an" : "a"} ${names[0]}`;
  return `one of ${names.slice(0, -1).join(", ")} or ${names[names.length - 1]}`;
}
