// Fact files as the replica layer reads and writes them: the shared `io/` reader and writer,
// with the delimiter and header line a relation's `.input` directive names.
import type { RelationSchema } from "../check/types.js";
import { parseFacts, readFactCodes, readFactFile, type FactSchema, type ReadOptions } from "../io/read-facts.js";
import type { ValueTable } from "../eval/values.js";
import { formatRelation } from "../io/write.js";
import { writeFileAtomic } from "../util/atomic-write.js";
import type { PrimitiveType } from "../syntax/ast.js";
import type { Tuple } from "./tuple-keys.js";
import { formatOf, type FileFormat } from "./store.js";

/** What reading a relation's fact file needs: its columns and its file format (given, or from its `.input` parameters). */
export type ReplicaSchema = FactSchema & { readonly input?: RelationSchema["input"]; readonly format?: FileFormat };

/**
 * Reads `<relation>.facts` (tab-separated, or the `.input` delimiter; after a header line when the
 * `.input` says `headers=true`) or `<relation>.jsonl`; a bad line throws `UserError`.
 */
export function readFacts(path: string, schema: ReplicaSchema): Tuple[] {
  return readFactFile(path, schema, readOptions(path, schema));
}

/**
 * Parses text read from `path` as `readFacts` would read the file. With `continued`, the text is
 * what follows whole lines already read, so no header line is skipped.
 */
export function parseFactText(text: string, path: string, schema: ReplicaSchema, continued = false): Tuple[] {
  const opts = readOptions(path, schema);
  return parseFacts(text, path, schema, continued ? { ...opts, headers: false } : opts);
}

function readOptions(path: string, schema: ReplicaSchema): ReadOptions {
  const { delimiter, headers } = schema.format ?? formatOf(schema);
  return {
    format: path.endsWith(".jsonl") ? "jsonl" : "tsv",
    ...(delimiter === undefined ? {} : { delimiter }),
    ...(headers === true ? { headers } : {}),
  };
}

/** A schema with only column types (and a file format), as the kept state records them: enough to read fact files. */
export function schemaFromTypes(name: string, types: readonly string[], format: FileFormat = {}): ReplicaSchema {
  return { name, columns: types.map((t, i) => ({ name: `c${i}`, type: t as PrimitiveType })), format };
}

/** Writes a replica's fact file in its own format (JSON Lines for `.jsonl`, else the `.input` delimiter and header line), atomically. */
export function writeUnitFile(path: string, schema: ReplicaSchema, tuples: readonly Tuple[]): void {
  if (path.endsWith(".jsonl")) {
    writeFileAtomic(path, formatRelation(schema, tuples, "jsonl"));
    return;
  }
  const { delimiter, headers } = schema.format ?? formatOf(schema);
  const header = headers === true ? schema.columns.map((c) => c.name).join(delimiter ?? "\t") + "\n" : "";
  writeFileAtomic(path, header + formatRelation(schema, tuples, "tsv", delimiter ?? "\t"));
}

/**
 * Reads a fact file as `readFacts` does, straight into codes of `values` (`arity` per row, in file
 * order) with no tuple or string per fact. Null when the file cannot be read that way (JSON Lines,
 * no columns); errors throw as `readFacts` throws them.
 */
export function readFactCodesOf(path: string, schema: ReplicaSchema, values: ValueTable, bytes?: Uint8Array, continued = false): Int32Array | null {
  const { delimiter, headers } = schema.format ?? formatOf(schema);
  // Lines appended after a mark (`continued`) have no header line.
  const options = { format: path.endsWith(".jsonl") ? "jsonl" : "tsv", ...(delimiter === undefined ? {} : { delimiter }), ...(headers === true && !continued ? { headers } : {}), ...(bytes === undefined ? {} : { bytes }) } as const;
  return readFactCodes(path, schema, options, values);
}
