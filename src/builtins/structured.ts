// How a record, `nil` or ADT value is told apart from text, and the number `ord` gives one. The
// encoding itself is built and taken apart in `eval/records.ts`; it lives here because the
// functor table's `ord` must recognise structured values too, and the table sits below `eval/`.

/** A stored record, `nil` or ADT value: "\u0000nil", "\u0000[...]" or "\u0001Branch[...]". */
const SHAPE = /^(?:\u0000nil|(?:\u0000|\u0001[A-Za-z_?][\w?.]*)\[[^]*\])$/;
const NIL = "\u0000nil";

/** Whether a stored symbol is a record, `nil` or an ADT value rather than text (text starting with U+0000 or U+0001 stays text). */
export function isStructured(s: string): boolean {
  const c = s.charCodeAt(0);
  return (c === 0 || c === 1) && SHAPE.test(s);
}

const ids = new Map<string, number>();

/**
 * `ord` of a record or ADT value: a number of its own, as Soufflé's `ord` gives a record's index in
 * its record table (`nil` is 0); distinct values have distinct numbers, numbered as first asked for.
 */
export function structuredOrd(s: string): number {
  if (s === NIL) return 0;
  let id = ids.get(s);
  if (id === undefined) ids.set(s, (id = ids.size + 1));
  return id;
}
