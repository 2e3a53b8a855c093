// Fact files in and relation files out, shared by `calmlog run` and the replica layer.
export { parseFacts, readFactCodes, readFactFile, type FactFormat, type FactSchema, type ReadOptions } from "./read-facts.js";
export { escapeSymbol, formatRelation, stdoutBlock, writeRelationFile } from "./write.js";
