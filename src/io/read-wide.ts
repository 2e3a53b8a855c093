// Facts for a 64-bit run (`run --64`): integer columns are read as text by the ordinary readers
// (so delimiters, headers and RFC 4180 quoting behave as in a 32-bit run) and checked here against
// the 64-bit ranges; the engine's 64-bit value table interns them from their text, exactly.
import { makeDiagnostic, UserError } from "../diagnostics/diagnostic.js";
import { wholeFile } from "../diagnostics/span.js";
import { INT64_MAX, INT64_MIN, parseBigInteger, UINT64_MAX, type Tuple } from "../eval/values.js";
import type { FactSchema } from "./read-facts.js";

/** The schema that reads `number` and `unsigned` columns as their text. */
export function textSchema(schema: FactSchema): FactSchema {
  return { name: schema.name, columns: schema.columns.map((c) => (c.type === "number" || c.type === "unsigned" ? { ...c, type: "symbol" } : c)) };
}

/** Checks and normalises the integer columns of tuples read with `textSchema`; throws UserError CL402 at the first value outside its 64-bit type. */
export function checkWide(tuples: readonly Tuple[], schema: FactSchema, shown: string): Tuple[] {
  const ints = schema.columns.flatMap((c, i) => (c.type === "number" || c.type === "unsigned" ? [i] : []));
  if (ints.length === 0) return tuples as Tuple[];
  return tuples.map((t, row) => {
    const out = t.slice();
    for (const c of ints) {
      const col = schema.columns[c]!;
      const raw = String(t[c]);
      const b = parseBigInteger(raw);
      const unsigned = col.type === "unsigned";
      if (b === null || (unsigned ? b < 0n || b > UINT64_MAX : b < INT64_MIN || b > INT64_MAX)) {
        throw new UserError(
          makeDiagnostic("CL402", wholeFile(shown), `\`${raw}\` is not ${unsigned ? "an unsigned" : "a signed"} 64-bit integer (fact ${row + 1}, column ${c + 1}, \`${col.name}: ${col.type}\`, of \`${schema.name}\`)`, {
            help: unsigned ? "With `--64`, `unsigned` columns take integers from 0 to 18446744073709551615." : "With `--64`, `number` columns take integers from -9223372036854775808 to 9223372036854775807, decimal, `0x` hex or `0b` binary.",
          }),
        );
      }
      out[c] = b.toString();
    }
    return out;
  });
}
