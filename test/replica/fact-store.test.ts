// The replica fact store (src/replica/rows.ts): rows read as codes straight from a file and rows
// encoded from tuples are the same rows, and equal values (the empty symbol too) are one code.
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { readFactCodesOf, readFacts } from "../../src/replica/io.js";
import { FactStore, RowSet } from "../../src/replica/rows.js";
import { Engine } from "../../src/eval/engine.js";
import { compile } from "../../src/pipeline.js";
import { LOG_FORMAT, readLog, writeLog } from "../../src/replica/log.js";

const schema = { name: "r", columns: [{ name: "a", type: "symbol" as const }, { name: "b", type: "number" as const }, { name: "c", type: "float" as const }] };

describe("the replica fact store", () => {
  it("holds a file read as codes exactly as the same file read as tuples", () => {
    const dir = mkdtempSync(join(tmpdir(), "calmlog-store-"));
    const file = join(dir, "r.facts");
    writeFileSync(file, "x\t1\t0.5\n\t-2\t1e3\ny\\tz\t3\t-0\nx\t1\t0.5\n\t-2\t1000\né\u{1F600}\t2147483647\t2.25\n");
    const byCodes = new FactStore(new Map([["r", schema.columns.map((c) => c.type)]]));
    const byTuples = new FactStore(new Map([["r", schema.columns.map((c) => c.type)]]));
    const a = new RowSet();
    const b = new RowSet();
    const codes = readFactCodesOf(file, schema, byCodes.values);
    expect(codes).not.toBeNull();
    expect(byCodes.addCodes("r", codes!, a)).toBe(6);
    for (const t of readFacts(file, schema)) b.add(byTuples.encode("r", t));
    // Repeated lines are one row: six lines, four distinct facts.
    expect(a.size).toBe(4);
    expect(Array.from(a.view(), (id) => byCodes.tuple("r", id))).toEqual(Array.from(b.view(), (id) => byTuples.tuple("r", id)));
  });

  it("interns the empty symbol once, from text and from bytes", () => {
    const store = new FactStore(new Map([["r", ["symbol", "number"] as const]]));
    expect(store.encode("r", ["", 1])).toBe(store.encode("r", ["", 1]));
    const dir = mkdtempSync(join(tmpdir(), "calmlog-store-"));
    writeFileSync(join(dir, "r.facts"), "\t1\n\t1\n\t2\n");
    const rows = new RowSet();
    store.addCodes("r", readFactCodesOf(join(dir, "r.facts"), { name: "r", columns: [{ name: "a", type: "symbol" }, { name: "b", type: "number" }] }, store.values)!, rows);
    expect(rows.size).toBe(2);
    expect(store.values.symbols.length).toBe(1);
    const unit = compile({ path: "e.dl", text: ".decl r(a: symbol)\n.input r\n" });
    const engine = new Engine(unit.checked, unit.analysis!);
    engine.insert("r", [[""], [""]]);
    expect(engine.size("r")).toBe(1);
  });

  it("keeps every symbol through the log, written in parts from the table's bytes", () => {
    const store = new FactStore(new Map([["r", ["symbol", "number"] as const]]));
    const tricky = ["", "plain", 'quo"te', "back\\slash", "tab\there", "line\nbreak", "\u0001", "é", "\u{1F600}", "\uD800", "x\uDC00", "\u2028"];
    const symbols = [...tricky];
    // More than one frame's worth, so the table is split over frames.
    for (let i = 0; i < 70000; i++) symbols.push(`s${i}`);
    const m = store.membership("a", 1, "r");
    symbols.forEach((sym, i) => m.rows.add(store.encode("r", [sym, i])));
    const dir = mkdtempSync(join(tmpdir(), "calmlog-log-"));
    const path = join(dir, "state.log");
    writeLog(path, { format: LOG_FORMAT, schema: { r: ["symbol", "number"] }, formats: {} }, { store, symbols: 0, floats: 0, meta: { id: "c1", units: {}, digests: {}, inputs: null } });
    const back = readLog(path)!;
    const rows = back.store.peek("a", 1, "r")!;
    expect(rows.rows.size).toBe(symbols.length);
    expect(Array.from(rows.rows.view(), (id) => back.store.tuple("r", id)[0])).toEqual(symbols);
    expect(back.symbols).toBe(store.values.symbols.length);
  });
});
