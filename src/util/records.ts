// Records keyed by names users choose (replica directories, relations): a name such as `__proto__`
// must be an entry like any other. On a plain object, writing that key sets the prototype instead,
// and reading an absent one finds Object.prototype; these records have no prototype, both as
// written and as read back from JSON.

/** An empty record with no prototype. */
export function record<T>(): Record<string, T> {
  return Object.create(null) as Record<string, T>;
}

/** `JSON.parse` whose objects have no prototype: a key `__proto__` reads back as an entry, and an absent key as undefined. */
export function parseRecords(text: string): unknown {
  return JSON.parse(text, (_key, value: unknown) => (value !== null && typeof value === "object" && !Array.isArray(value) ? Object.assign(Object.create(null) as object, value) : value));
}
