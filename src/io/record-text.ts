// Reads a record or ADT value from a fact file field as Soufflé's reader does (`readRecord`,
// `readADT`): `nil`, `[f1, f2]` or `$Branch(a, b)`, whitespace allowed before each part, numbers
// in decimal, symbols bare (up to the next `,`, `]` or `)`) or double-quoted with backslash escapes,
// nested values by their field's type. The whole field must be the value.
import type { FieldShape, RecordShape } from "../check/types.js";
import { makeBranch, makeRecord, NIL } from "../eval/records.js";
import type { Value } from "../eval/values.js";

/** A field that is not a value of its record or ADT type: what was expected, and where (an offset into the field). */
export class RecordTextError extends Error {
  constructor(
    message: string,
    readonly at: number,
  ) {
    super(message);
    this.name = "RecordTextError";
  }
}

/** Reads `text` (one whole field) as a value of the record or ADT type `shape`; throws RecordTextError. */
export function readStructured(text: string, shape: RecordShape): string {
  const r = new Reader(text);
  const v = r.structured(shape);
  if (r.pos !== text.length) throw new RecordTextError(`expected the field to end after the value, but found \`${text.slice(r.pos, r.pos + 10)}\``, r.pos);
  return v;
}

class Reader {
  pos = 0;
  constructor(private readonly s: string) {}

  private white(): void {
    while (this.pos < this.s.length && /\s/.test(this.s[this.pos]!)) this.pos++;
  }

  private expect(c: string): void {
    this.white();
    if (this.pos >= this.s.length) throw new RecordTextError(`expected \`${c}\` but the field ended`, this.pos);
    if (this.s[this.pos] !== c) throw new RecordTextError(`expected \`${c}\` but found \`${this.s[this.pos]}\``, this.pos);
    this.pos++;
  }

  structured(shape: RecordShape): string {
    this.white();
    if (shape.kind === "record") {
      if (this.s.startsWith("nil", this.pos)) {
        this.pos += 3;
        return NIL;
      }
      this.expect("[");
      const fields = shape.fields.map((f, i) => {
        if (i > 0) this.expect(",");
        return this.field(f, ",]");
      });
      this.expect("]");
      return makeRecord(fields);
    }
    this.expect("$");
    const start = this.pos;
    while (this.pos < this.s.length && /[\w?.]/.test(this.s[this.pos]!)) this.pos++;
    const name = this.s.slice(start, this.pos);
    const fields = shape.branches.get(name);
    if (fields === undefined) throw new RecordTextError(`\`$${name}\` is no branch of this type (branches: ${[...shape.branches.keys()].map((b) => `\`$${b}\``).join(", ")})`, start - 1);
    if (fields.length === 0) return makeBranch(name, []);
    this.expect("(");
    const args = fields.map((f, i) => {
      if (i > 0) this.expect(",");
      return this.field(f, ",)");
    });
    this.expect(")");
    return makeBranch(name, args);
  }

  private field(f: FieldShape, stops: string): Value {
    this.white();
    const nested = f.shape();
    if (nested !== null) return this.structured(nested);
    if (f.type === "symbol") return this.symbol(stops);
    const start = this.pos;
    const m = (f.type === "float" ? /^[+-]?(?:\d+\.?\d*(?:[eE][+-]?\d+)?|\.\d+(?:[eE][+-]?\d+)?|inf|nan)/i : /^[+-]?\d+/).exec(this.s.slice(this.pos));
    if (m === null) throw new RecordTextError(`expected a \`${f.type}\` but found \`${this.s.slice(start, start + 10)}\``, start);
    this.pos += m[0].length;
    const v = Number(m[0]);
    const ok = f.type === "float" ? !Number.isNaN(v) || /nan/i.test(m[0]) : f.type === "number" ? v >= -2147483648 && v <= 2147483647 : v >= 0 && v <= 4294967295;
    if (!ok) throw new RecordTextError(`\`${m[0]}\` is not a \`${f.type}\``, start);
    return v === 0 ? 0 : v;
  }

  /** A bare symbol runs to the next stop character; a quoted one to its closing quote, escapes undone. */
  private symbol(stops: string): string {
    const start = this.pos;
    if (this.s[this.pos] === '"') {
      let out = "";
      for (this.pos++; this.pos < this.s.length; this.pos++) {
        const c = this.s[this.pos]!;
        if (c === '"') {
          this.pos++;
          return out;
        }
        if (c === "\\" && this.pos + 1 < this.s.length) this.pos++;
        out += this.s[this.pos];
      }
      throw new RecordTextError("a quoted symbol is not closed", start);
    }
    while (this.pos < this.s.length && !stops.includes(this.s[this.pos]!)) this.pos++;
    if (this.pos >= this.s.length) throw new RecordTextError(`expected \`${stops[1]}\` but the field ended`, this.pos);
    return this.s.slice(start, this.pos);
  }
}
