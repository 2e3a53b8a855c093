// ADT and record columns in `rfc4180=true` files, read and written as Soufflé 2.5 does.
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, test } from "vitest";
import { main } from "../../src/cli/main.js";

const PROGRAM = `.type Pair = P {a: symbol, b: symbol}
.decl inq(v: Pair, i: unsigned)
.input inq(rfc4180="true", delimiter=",")
.decl outq(v: Pair, i: unsigned)
.output outq(rfc4180="true", delimiter=",")
.decl outt(v: Pair, i: unsigned)
.output outt
outq(v, i) :- inq(v, i).
outt(v, i) :- inq(v, i).
`;

describe("rfc4180 fields holding an ADT", () => {
  test("a quoted field is unquoted, then read as the ADT; written back with its symbols quoted and every `\"` doubled", async () => {
    const dir = mkdtempSync(join(tmpdir(), "calmlog-rfc-"));
    mkdirSync(join(dir, "facts"));
    mkdirSync(join(dir, "out"));
    writeFileSync(join(dir, "p.dl"), PROGRAM);
    writeFileSync(join(dir, "facts", "inq.facts"), '"$P(  ""x"" ,  ""y"")",1\n"$P(""q:\\"""","""")",2\n');
    let err = "";
    const code = await main(["run", "-F", "facts", "-D", "out", "p.dl"], { stdout: { write: () => true }, stderr: { write: (t: string) => ((err += t), true) }, cwd: dir, env: { NO_COLOR: "1" } } as never);
    expect(err).toBe("");
    expect(code).toBe(0);
    expect(readFileSync(join(dir, "out", "outt.csv"), "utf8").split("\n").filter((l) => l !== "").sort()).toEqual(["$P(q:\", )\t2", "$P(x, y)\t1"]);
    expect(readFileSync(join(dir, "out", "outq.csv"), "utf8").split("\n").filter((l) => l !== "").sort()).toEqual(['"$P(""q:\\"""", """")",2', '"$P(""x"", ""y"")",1']);
  });
});
