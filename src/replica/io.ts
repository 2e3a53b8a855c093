// Fact files as the replica layer reads and writes them: the shared `io/` reader and writer,
// with the delimiter a relation's `.input` directive names.
import type { RelationSchema } from "../check/types.js";
import { readFactFile, type FactSchema } from "../io/facts.js";
import { writeRelationFile } from "../io/write.js";
import type { PrimitiveType } from "../syntax/ast.js";
import type { Tuple } from "./facts.js";

/** What reading a relation's fact file needs: its columns and its delimiter (given, or from its `.input` parameters). */
export type ReplicaSchema = FactSchema & { readonly input?: RelationSchema["input"]; readonly delimiter?: string };

/** Reads `<relation>.facts` (tab-separated, or the `.input` delimiter) or `<relation>.jsonl`; a bad line throws `UserError`. */
export function readFacts(path: string, schema: ReplicaSchema): Tuple[] {
  const delimiter = schema.delimiter ?? delimiterOf(schema);
  return readFactFile(path, schema, { format: path.endsWith(".jsonl") ? "jsonl" : "tsv", ...(delimiter === undefined ? {} : { delimiter }) });
}

/** Writes a relation as a Soufflé-style `.csv` (tab-separated), atomically. */
export function writeRelation(path: string, schema: FactSchema, tuples: readonly Tuple[]): void {
  writeRelationFile(path, schema, tuples, "tsv");
}

/** The column delimiter a relation's `.input` directive names, if any. */
export function delimiterOf(schema: Pick<ReplicaSchema, "input">): string | undefined {
  return schema.input?.params.find((p) => p.key.name === "delimiter")?.value;
}

/** A schema with only column types (and a delimiter), as the kept state records them: enough to read fact files. */
export function schemaFromTypes(name: string, types: readonly string[], delimiter?: string): ReplicaSchema {
  return { name, columns: types.map((t, i) => ({ name: `c${i}`, type: t as PrimitiveType })), ...(delimiter === undefined ? {} : { delimiter }) };
}
