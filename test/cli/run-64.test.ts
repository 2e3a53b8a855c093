// `run --64`: `number` and `unsigned` as Soufflé built with RAM_DOMAIN_SIZE=64 — two's-complement
// wrap-around at 64 bits, facts read and outputs written as 64-bit integers, and what is not
// evaluated at 64 bits refused (CL118), never computed at 32.
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import fc from "fast-check";
import { describe, expect, test } from "vitest";
import { cli } from "./in-process.js";

/** A folder with `p.dl` and the facts in `facts/`. */
function setup(program: string, facts: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), "calmlog-64-"));
  writeFileSync(join(dir, "p.dl"), program);
  mkdirSync(join(dir, "facts"));
  for (const [name, text] of Object.entries(facts)) writeFileSync(join(dir, "facts", name), text);
  return dir;
}

/** Runs `run --64 p.dl -F facts -D out` and returns each output file by relation name. */
async function run64(program: string, facts: Record<string, string>, outputs: readonly string[]): Promise<Record<string, string>> {
  const dir = setup(program, facts);
  const r = await cli(["run", "--64", "p.dl", "-F", "facts", "-D", "out"], dir);
  expect(r.code, r.stderr).toBe(0);
  return Object.fromEntries(outputs.map((o) => [o, readFileSync(join(dir, "out", `${o}.csv`), "utf8")]));
}

const lines = (...xs: (string | number | bigint)[]): string => xs.map((x) => `${x}\n`).join("");

describe("64-bit arithmetic wraps around as two's complement", () => {
  test("signed addition, subtraction, negation and multiplication", async () => {
    const out = await run64(
      `.decl n(x: number)
.input n
.decl inc(x: number)
.output inc
inc(x + 1) :- n(x).
.decl dec(x: number)
.output dec
dec(x - 1) :- n(x).
.decl neg(x: number)
.output neg
neg(-x) :- n(x).
.decl sq(x: number)
.output sq
sq(x * x) :- n(x).
`,
      { "n.facts": lines("9223372036854775807", "-9223372036854775808", "4294967296", "3037000500") },
      ["inc", "dec", "neg", "sq"],
    );
    expect(out.inc).toBe(lines("-9223372036854775808", "-9223372036854775807", "3037000501", "4294967297"));
    expect(out.dec).toBe(lines("3037000499", "4294967295", "9223372036854775806", "9223372036854775807"));
    expect(out.neg).toBe(lines("-9223372036854775808", "-9223372036854775807", "-4294967296", "-3037000500"));
    // 2^32 * 2^32 = 2^64 wraps to 0; 3037000500^2 = 9223372037000250000 wraps past 2^63; MIN^2 = 0; MAX^2 = 1.
    expect(out.sq).toBe(lines("-9223372036709301616", "0", "1"));
  });

  test("unsigned wraps at 2^64", async () => {
    const out = await run64(
      `.decl u(x: unsigned)
.input u
.decl inc(x: unsigned)
.output inc
inc(x + 1) :- u(x).
.decl dec(x: unsigned)
.output dec
dec(x - 1) :- u(x).
.decl dbl(x: unsigned)
.output dbl
dbl(x * 2) :- u(x).
`,
      { "u.facts": lines("18446744073709551615", "0", "9223372036854775808") },
      ["inc", "dec", "dbl"],
    );
    expect(out.inc).toBe(lines(0, 1, "9223372036854775809"));
    expect(out.dec).toBe(lines("9223372036854775807", "18446744073709551614", "18446744073709551615"));
    expect(out.dbl).toBe(lines(0, "18446744073709551614"));
  });

  test("division and modulo of negatives truncate toward zero, as C++ does", async () => {
    const out = await run64(
      `.decl p(x: number, y: number)
.input p
.decl q(x: number, y: number, d: number, m: number)
.output q
q(x, y, x / y, x % y) :- p(x, y).
`,
      { "p.facts": "-7\t2\n7\t-2\n-7\t-2\n-9223372036854775807\t10\n9223372036854775807\t-4294967296\n" },
      ["q"],
    );
    expect(out.q).toBe(
      [
        "-9223372036854775807\t10\t-922337203685477580\t-7",
        "-7\t-2\t3\t-1",
        "-7\t2\t-3\t-1",
        "7\t-2\t-3\t1",
        "9223372036854775807\t-4294967296\t-2147483647\t4294967295",
      ].map((l) => `${l}\n`).join(""),
    );
  });

  test("powers and shifts wrap at 64 bits", async () => {
    const out = await run64(
      `.decl n(x: number)
.input n
.decl r(x: number, p: number, l: number, s: number, z: number)
.output r
r(x, x ^ 63, x bshl 62, x bshr 1, x bshru 62) :- n(x).
`,
      { "n.facts": lines(2, -2, 3) },
      ["r"],
    );
    // 2^63 wraps to MIN; (-2)^63 = MIN; 3^63 mod 2^64 as signed.
    const p3 = BigInt.asIntN(64, 3n ** 63n);
    const sh3 = BigInt.asIntN(64, 3n << 62n);
    expect(out.r).toBe(
      [
        `-2\t-9223372036854775808\t-9223372036854775808\t-1\t3`,
        `2\t-9223372036854775808\t-9223372036854775808\t1\t0`,
        `3\t${p3}\t${sh3}\t1\t0`,
      ].map((l) => `${l}\n`).join(""),
    );
  });

  test("comparisons, equality joins and sorting use 64-bit values", async () => {
    const out = await run64(
      `.decl n(x: number)
.input n
.decl m(x: number)
.input m
.decl big(x: number)
.output big
big(x) :- n(x), x > 2147483647.
.decl both(x: number)
.output both
both(x) :- n(x), m(x).
.decl lt(x: number, y: number)
.output lt
lt(x, y) :- n(x), n(y), x < y, y - x = 1.
`,
      {
        "n.facts": lines("9007199254740993", "9007199254740992", "-9223372036854775808", "4294967297", "5"),
        "m.facts": lines("9007199254740993", "9007199254740994", "5"),
      },
      ["big", "both", "lt"],
    );
    expect(out.big).toBe(lines("4294967297", "9007199254740992", "9007199254740993"));
    expect(out.both).toBe(lines(5, "9007199254740993"));
    expect(out.lt).toBe("9007199254740992\t9007199254740993\n");
  });

  test("count, sum, min and max at 64 bits", async () => {
    const out = await run64(
      `.decl n(x: number)
.input n
.decl s(c: number, t: number, lo: number, hi: number)
.output s
s(c, t, lo, hi) :- c = count : { n(_) }, t = sum x : { n(x) }, lo = min x : { n(x) }, hi = max x : { n(x) }.
`,
      { "n.facts": lines("9223372036854775807", "1", "4611686018427387904") },
      ["s"],
    );
    // The sum wraps: MAX + 1 + 2^62 = MIN + 2^62.
    expect(out.s).toBe(`3\t${-(2n ** 63n) + 2n ** 62n}\t1\t9223372036854775807\n`);
  });

  test("facts beyond 2^31 and 2^53 are read and written verbatim, hex and binary read", async () => {
    const out = await run64(
      `.decl n(x: number, u: unsigned)
.input n
.output n
`,
      { "n.facts": "2147483648\t4294967296\n9007199254740993\t18446744073709551615\n0x7fffffffffffffff\t0b101\n-9223372036854775808\t0\n" },
      ["n"],
    );
    expect(out.n).toBe("-9223372036854775808\t0\n2147483648\t4294967296\n9007199254740993\t18446744073709551615\n9223372036854775807\t5\n");
  });
});

test("conversion functors, substr and range at 64 bits", async () => {
  const out = await run64(
    `.decl n(x: number)
.input n
.decl conv(x: number, u: unsigned, f: float, back: number, s: symbol, p: number)
.output conv
conv(x, itou(x), itof(x), ftoi(itof(x)), to_string(x), to_number(to_string(x))) :- n(x).
.decl sub(s: symbol)
.output sub
sub(substr("abcdef", 2, x)) :- n(x), x < 10.
.decl r(x: number)
.output r
r(y) :- n(x), x > 2147483647, y = range(x, x + 3).
.decl str(u: number)
.output str
str(to_number("9223372036854775807") + 1).
`,
    { "n.facts": lines(-1, 2, "9007199254740993") },
    ["conv", "sub", "r", "str"],
  );
  expect(out.conv).toBe(
    [
      "-1\t18446744073709551615\t-1\t-1\t-1\t-1",
      "2\t2\t2\t2\t2\t2",
      // 2^53 + 1 is not a double: itof rounds it to 2^53, as a C++ cast does.
      "9007199254740993\t9007199254740993\t9007199254740992\t9007199254740992\t9007199254740993\t9007199254740993",
    ].map((l) => `${l}\n`).join(""),
  );
  expect(out.sub).toBe(lines("", "cd"));
  expect(out.r).toBe(lines("9007199254740993", "9007199254740994", "9007199254740995"));
  expect(out.str).toBe(lines("-9223372036854775808"));
  const mean = await run64(".decl n(x: number)\n.input n\n.decl m(x: float)\n.output m\nm(y) :- y = mean x : { n(x) }.\n", { "n.facts": lines("4611686018427387904", "4611686018427387906", 1) }, ["m"]);
  // Each value is added as a double, in row order, as Soufflé's mean does.
  expect(mean.m).toBe(lines(String((2 ** 62 + Number(4611686018427387906n) + 1) / 3)));
});

describe("what --64 refuses", () => {
  test("a fact outside the 64-bit range is CL402 naming the file, exit 1", async () => {
    const dir = setup(".decl n(x: number)\n.input n\n.output n\n", { "n.facts": "1\n9223372036854775808\n" });
    const r = await cli(["run", "--64", "p.dl", "-F", "facts", "-D", "out"], dir);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain("CL402");
    expect(r.stderr).toContain("9223372036854775808");
    expect(r.stderr).toContain("n.facts");
  });

  test("a negative unsigned fact is CL402", async () => {
    const dir = setup(".decl n(x: unsigned)\n.input n\n.output n\n", { "n.facts": "-1\n" });
    const r = await cli(["run", "--64", "p.dl", "-F", "facts", "-D", "out"], dir);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain("unsigned 64-bit");
  });

  test.each([
    ["ADTs", ".type T = C { v: number }\n.decl r(x: T)\nr($C(x)) :- a(x).\nb(y) :- r($C(y))."],
    ["records", ".type R = [v: number]\n.decl r(x: R)\nr([x]) :- a(x).\nb(y) :- r([y])."],
  ])("%s is CL118, not computed at 32 bits", async (_name, rule) => {
    const dir = setup(`.decl a(x: number)\n.input a\n.decl b(x: number)\n.output b\n${rule}\n`, { "a.facts": "3\n" });
    const r = await cli(["run", "--64", "p.dl", "-F", "facts", "-D", "out"], dir);
    expect(r.stderr).toContain("CL118");
    expect(r.code).toBe(1);
  });

  test("JSON Lines facts and outputs are CL118", async () => {
    const dir = setup(".decl n(x: number)\n.input n\n.output n\n", { "n.jsonl": "[1]\n" });
    const facts = await cli(["run", "--64", "p.dl", "-F", "facts", "-D", "out"], dir);
    expect(facts.stderr).toContain("CL118");
    expect(facts.code).toBe(1);
    const dir2 = setup(".decl n(x: number)\n.input n\n.output n\n", { "n.facts": "1\n" });
    const out = await cli(["run", "--64", "p.dl", "-F", "facts", "-D", "out", "--format", "jsonl"], dir2);
    expect(out.stderr).toContain("CL118");
    expect(out.code).toBe(1);
  });
});

test("an integer literal in the program stays within 32 bits (facts carry larger values)", async () => {
  const dir = setup(".decl n(x: number)\n.decl m(x: number)\n.output m\nm(x) :- n(x), x > 4294967296.\n", {});
  const r = await cli(["run", "--64", "p.dl", "-F", "facts", "-D", "out"], dir);
  expect(r.code).toBe(1);
  expect(r.stderr).toMatch(/CL103|CL203/);
});

test("without --64 the same program wraps at 32 bits", async () => {
  const dir = setup(".decl n(x: number)\n.input n\n.decl m(x: number)\n.output m\nm(x + 1) :- n(x).\n", { "n.facts": "2147483647\n" });
  const r = await cli(["run", "p.dl", "-F", "facts", "-D", "-"], dir);
  expect(r.code, r.stderr).toBe(0);
  expect(r.stdout).toContain("-2147483648");
  const w = await cli(["run", "--64", "p.dl", "-F", "facts", "-D", "-"], dir);
  expect(w.code, w.stderr).toBe(0);
  expect(w.stdout).toContain("2147483648");
  expect(w.stdout).not.toContain("-2147483648");
});

const SMALL = `.decl p(x: number, y: number)
.input p
.decl u(x: unsigned)
.input u
.decl ar(a: number, b: number, c: number, d: number, e: number)
.output ar
ar(x + y, x - y, x * y, x / y, x % y) :- p(x, y), y != 0.
.decl cmp(x: number, y: number)
.output cmp
cmp(x, y) :- p(x, y), x <= y, x != y.
.decl bits(a: number, b: number, c: number, d: number)
.output bits
bits(x band y, x bor y, x bxor y, bnot x) :- p(x, y).
.decl agg(c: number, s: number, lo: number, hi: number)
.output agg
agg(c, s, lo, hi) :- c = count : { p(_, _) }, s = sum x : { p(x, _) }, lo = min y : { p(_, y) }, hi = max y : { p(_, y) }.
.decl uu(a: unsigned, b: unsigned, c: unsigned)
.output uu
uu(x + 1, x * 3, x / 2) :- u(x).
.decl mn(m: float)
.output mn
mn(m) :- m = mean x : { p(x, _) }.
.decl txt(s: symbol, n: number)
.output txt
txt(to_string(x), strlen(to_string(x))) :- p(x, _).
`;

test("for small values --64 gives the outputs of the 32-bit run", async () => {
  const small = fc.integer({ min: -1000, max: 1000 });
  await fc.assert(
    fc.asyncProperty(fc.array(fc.tuple(small, small), { maxLength: 8 }), fc.array(fc.nat(1000), { maxLength: 5 }), async (pairs, us) => {
      const dir = setup(SMALL, { "p.facts": pairs.map(([x, y]) => `${x}\t${y}\n`).join(""), "u.facts": us.map((u) => `${u}\n`).join("") });
      const narrow = await cli(["run", "p.dl", "-F", "facts", "-D", "-"], dir);
      const wide = await cli(["run", "--64", "p.dl", "-F", "facts", "-D", "-"], dir);
      expect(narrow.code, narrow.stderr).toBe(0);
      expect(wide.code, wide.stderr).toBe(0);
      expect(wide.stdout).toBe(narrow.stdout);
    }),
    { numRuns: 25 },
  );
});
