// CST -> AST, one top-level item at a time. A part that recovery left incomplete marks its item
// broken (it is dropped; the parse error explains why); literal and unsupported-construct problems are
// collected per item so that `parse` can keep or discard them together with the item.
import type { CstElement, CstNode, IToken } from "chevrotain";
import type {
  Aggregate,
  AggregateOp,
  Atom,
  AtomLiteral,
  Attribute,
  BinaryOp,
  Body,
  ComparisonOp,
  Disjunction,
  FunctorName,
  Ident,
  IoParam,
  Item,
  Literal,
  NumberLiteral,
  Rule,
  Term,
} from "./ast.js";
import { BINARY_PRECEDENCE, FUNCTOR_NAMES } from "./ast.js";
import type * as C from "./cst.js";
import { joinSpans, type LineIndex, type Span } from "../diagnostics/span.js";
import type { Code } from "../diagnostics/codes.js";
import { tokenEnd, UnterminatedString } from "./tokens.js";
import type { ComponentType, SourceItem } from "./components.js";

/** A problem found while building the AST, by offsets; `parse` turns it into a diagnostic. */
export interface Problem {
  readonly code: Code;
  readonly start: number;
  readonly end: number;
  readonly message: string;
  readonly help?: string;
  /** The item cannot be represented: leave it out of the program. */
  readonly dropsItem: boolean;
}

/** One top-level item as built: zero or more AST items (`.decl a, b(...)` gives two). */
export interface ItemResult {
  readonly start: number;
  readonly end: number;
  readonly items: readonly SourceItem[];
  readonly problems: readonly Problem[];
  /** Recovery left the item incomplete. */
  readonly broken: boolean;
  /** The item is a directive (directives do not end with `.`). */
  readonly directive: boolean;
}

/** The program as built: its items and the stray tokens the top level skipped, both in source order. */
export interface ProgramResult {
  readonly items: readonly ItemResult[];
  readonly strays: readonly IToken[];
}

/** Functors Soufflé has and calmlog does not. */
const SOUFFLE_ONLY_FUNCTORS = new Set(["match", "contains"]);

/** Binding strength of the infix operators other than `^`, which the grammar handles apart. */
const PRECEDENCE: Readonly<Record<string, number>> = BINARY_PRECEDENCE;

const IPV4_RE = /^(\d+)\.(\d+)\.(\d+)\.(\d+)$/;
const FLOAT_RE = /^(?:\d+\.\d+(?:[eE][+-]?\d+)?|\d+[eE][+-]?\d+)$/;
const INT_RE = /^(?:0[xX][0-9a-fA-F]+|0[bB][01]+|\d+)u?$/;
const ESCAPES: Readonly<Record<string, string>> = { '"': '"', "\\": "\\", n: "\n", t: "\t", r: "\r" };

/** Index of the first token that starts at or after `offset` (`tokens.length` when none does). */
export function tokenIndexAt(tokens: readonly IToken[], offset: number): number {
  let lo = 0;
  let hi = tokens.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (tokens[mid]!.startOffset < offset) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** The first (or last) token under a CST node, by offset. The parser keeps no node locations: they cost memory. */
export function edgeToken(node: CstNode, last: boolean): IToken | undefined {
  let best: IToken | undefined;
  const children = node.children as Record<string, CstElement[] | undefined>;
  for (const key in children) {
    const list = children[key];
    if (list === undefined || list.length === 0) continue;
    const el = last ? list[list.length - 1]! : list[0]!;
    const t = "image" in el ? el : edgeToken(el, last);
    if (t === undefined || !Number.isFinite(t.startOffset)) continue;
    if (best === undefined || (last ? tokenEnd(t) > tokenEnd(best) : t.startOffset < best.startOffset)) best = t;
  }
  return best;
}

/** First and last token of an item; a clause's are its first head's name and its `.` (the common case, kept cheap). */
function itemEdges(node: C.ItemCstNode): { first: IToken | undefined; last: IToken | undefined } {
  const clause = node.children.clause?.[0];
  const name = clause?.children.atom?.[0]?.children.Ident?.[0];
  const dot = clause?.children.Dot?.[0];
  if (name !== undefined && dot !== undefined && !dot.isInsertedInRecovery && !clause!.recoveredNode) return { first: name, last: dot };
  return { first: edgeToken(node, false), last: edgeToken(node, true) };
}

/** Thrown when recovery left a node incomplete; caught per item. */
class Broken extends Error {}

function req<T>(xs: readonly T[] | undefined, i = 0): T {
  const x = xs?.[i];
  if (x === undefined) throw new Broken();
  return x;
}

/** Builds the AST of a parsed program. */
export class AstBuilder {
  private problems: Problem[] = [];
  /** Where the first `;` of a disjunction is, to point at it when a disjunction is not allowed. */
  private readonly semicolons = new WeakMap<Disjunction, Span>();

  constructor(
    private readonly file: string,
    private readonly index: LineIndex,
    private readonly tokens: readonly IToken[],
    private readonly text: string,
  ) {}

  private readonly built: ItemResult[] = [];

  /** Builds one top-level item as the parser finishes it, then lets go of its parse tree. */
  collect(node: C.ItemCstNode): void {
    this.built.push(this.item(node));
    (node as { children: unknown }).children = {};
  }

  /** The items collected so far and the program's stray tokens. */
  program(cst: C.ProgramCstNode): ProgramResult {
    if (this.built.length === 0) for (const node of cst.children.item ?? []) this.built.push(this.item(node));
    return { items: this.built, strays: cst.children.Stray ?? [] };
  }

  // ---- helpers -------------------------------------------------------------------------------

  private span(start: number, end: number): Span {
    return this.index.span(this.file, start, end);
  }

  private tok(t: IToken | undefined): IToken {
    if (t === undefined || !Number.isFinite(t.startOffset)) throw new Broken();
    if (t.isInsertedInRecovery) throw new Broken();
    return t;
  }

  private tokSpan(t: IToken): Span {
    return this.span(t.startOffset, tokenEnd(t));
  }

  private ident(t: IToken | undefined): Ident {
    const k = this.tok(t);
    return { name: k.image, span: this.tokSpan(k) };
  }

  private node<N extends { recoveredNode?: boolean }>(n: N | undefined): N {
    if (n === undefined || n.recoveredNode === true) throw new Broken();
    return n;
  }

  private problem(code: Code, start: number, end: number, message: string, dropsItem: boolean, help?: string): void {
    this.problems.push(help === undefined ? { code, start, end, message, dropsItem } : { code, start, end, message, dropsItem, help });
  }

  private unsupported(span: Span, what: string): void {
    this.problem("CL104", span.start, span.end, `${what} Soufflé syntax that calmlog does not support`, true);
  }

  // ---- items ---------------------------------------------------------------------------------

  private item(node: C.ItemCstNode): ItemResult {
    const { first, last } = itemEdges(node);
    const start = first === undefined ? NaN : first.startOffset;
    const end = last === undefined ? NaN : tokenEnd(last);
    const c = node.children;
    const directive = c.clause === undefined;
    this.problems = [];
    try {
      this.node(node);
      const items = this.itemBody(c);
      return { start, end, items, problems: this.problems, broken: false, directive };
    } catch (err) {
      if (!(err instanceof Broken)) throw err;
      return { start, end, items: [], problems: [], broken: true, directive };
    }
  }

  private componentType(node: C.ComponentTypeCstNode): ComponentType {
    const [name, ...args] = node.children.Ident.map((t) => this.ident(t));
    if (name === undefined) throw new Broken();
    return { name, args };
  }

  private itemBody(c: C.ItemCstChildren): SourceItem[] {
    if (c.componentDecl) {
      const node = this.node(c.componentDecl[0]);
      const kw = this.tok(req(node.children.Comp));
      const [head, ...bases] = node.children.componentType.map((t) => this.componentType(this.node(t)));
      if (head === undefined) throw new Broken();
      this.tok(req(node.children.RBrace));
      const body = (node.children.item ?? []).flatMap((i) => this.itemBody(this.node(i).children));
      return [{ kind: "component", name: head.name, params: head.args.map((a) => a.name), bases, body, span: this.span(kw.startOffset, this.lastTokenEnd(node)) }];
    }
    if (c.componentInit) {
      const node = this.node(c.componentInit[0]);
      const kw = this.tok(req(node.children.Init));
      const instance = this.ident(req(node.children.Ident));
      const type = this.componentType(this.node(req(node.children.componentType)));
      return [{ kind: "init", instance, type, span: this.span(kw.startOffset, this.lastTokenEnd(node)) }];
    }
    if (c.overrideDirective) {
      const node = this.node(c.overrideDirective[0]);
      const kw = this.tok(req(node.children.Override));
      return [{ kind: "override", relation: this.ident(req(node.children.Ident)), span: this.span(kw.startOffset, this.lastTokenEnd(node)) }];
    }
    if (c.clause) return [this.clause(this.node(c.clause[0]))];
    if (c.relationDecl) return this.relationDecl(this.node(c.relationDecl[0]));
    if (c.typeDecl) return this.typeDecl(this.node(c.typeDecl[0]));
    if (c.ioDirective) return this.ioDirective(this.node(c.ioDirective[0]));
    if (c.invariantDirective) return [this.invariant(this.node(c.invariantDirective[0]))];
    if (c.pragmaDirective) {
      const p = this.node(c.pragmaDirective[0]).children;
      const kw = this.tok(req(p.Pragma));
      const strings = (p.StringLit ?? []).map((t) => this.string(this.tok(t)));
      const shown = strings.map((s) => JSON.stringify(s)).join(" ");
      const end = this.lastTokenEnd(c.pragmaDirective[0]!);
      const excludes = strings[0] === "inline-exclude" || strings[0] === "magic-transform-exclude";
      const what =
        strings[0] === "magic-transform"
          ? "`run` computes the relations it names on demand, with the same results"
          : excludes
            ? `the relations it names are stored, not inlined${strings[0] === "magic-transform-exclude" ? " or computed on demand" : ""}`
            : "it does not change what calmlog computes";
      this.problem("CL106", kw.startOffset, end, `\`.pragma ${shown}\` is accepted; ${what}`, false);
      return [{ kind: "pragma", key: strings[0] ?? "", value: strings[1] ?? null, span: this.span(kw.startOffset, end) }];
    }
    if (c.planDirective) {
      const node = this.node(c.planDirective[0]);
      const kw = this.tok(req(node.children.Plan));
      const orders = node.children.planEntry.map((e) => {
        const entry = this.node(e).children;
        const [version, ...order] = entry.NumberLit.map((t) => this.tok(t));
        const open = this.tok(req(entry.LParen));
        const close = this.tok(req(entry.RParen));
        const num = (t: IToken | undefined): number => {
          const k = this.tok(t);
          if (!/^\d+$/.test(k.image)) {
            this.problem("CL101", k.startOffset, tokenEnd(k), `\`.plan\` numbers versions and atoms with plain decimal numbers, not \`${k.image}\``, true);
            return 0;
          }
          return Number(k.image);
        };
        return { version: num(version), order: order.map(num), span: this.span(open.startOffset, tokenEnd(close)) };
      });
      return [{ kind: "plan", plan: { orders, span: this.span(kw.startOffset, this.lastTokenEnd(node)) } }];
    }
    if (c.functorDecl) {
      const node = this.node(c.functorDecl[0]);
      const kw = this.tok(req(node.children.Functor));
      const name = this.ident(req(node.children.Ident));
      this.problem("CL119", kw.startOffset, this.lastTokenEnd(node), `the functor declaration \`${name.name}\` is accepted; calling it (\`@${name.name}(...)\`) is not supported`, false);
      return [];
    }
    if (c.latticeDecl) {
      const t = this.tok(req(this.node(c.latticeDecl[0]).children.LatticeDecl));
      const name = /^\.lattice\s+([\w?.]+)/.exec(t.image)?.[1] ?? "";
      this.problem("CL119", t.startOffset, tokenEnd(t), `the lattice declaration \`${name}\` is accepted; a relation with a lattice column (\`x: ${name}<>\`) is not supported`, false);
      return [];
    }
    throw new Broken();
  }

  private lastTokenEnd(node: CstNode): number {
    const t = edgeToken(node, true);
    if (t === undefined || !Number.isFinite(t.startOffset)) throw new Broken();
    return tokenEnd(t);
  }

  private relationDecl(node: C.RelationDeclCstNode): Item[] {
    const c = node.children;
    const kw = this.tok(req(c.Decl));
    const rparen = this.tok(req(c.RParen));
    const idents = c.Ident.map((t) => this.tok(t));
    const names = idents.filter((t) => t.startOffset < rparen.startOffset);
    const qualifiers = idents.filter((t) => t.startOffset > rparen.startOffset).map((t) => this.ident(t));
    const attributes = (c.attribute ?? []).map((a) => this.attribute(this.node(a)));
    const choice: Ident[][] = [];
    const choiceAt = c.choiceDomain?.[0] !== undefined ? edgeToken(c.choiceDomain[0], false)?.startOffset ?? Infinity : Infinity;
    const late = qualifiers.find((q) => q.span.start > choiceAt);
    // As in Soufflé's grammar, `choice-domain` comes after the other qualifiers.
    if (late !== undefined) this.problem("CL101", late.span.start, late.span.end, `the qualifier \`${late.name}\` must come before \`choice-domain\``, true);
    for (const cd of c.choiceDomain ?? []) {
      for (const key of this.node(cd).children.choiceKey) choice.push((this.node(key).children.Ident ?? []).map((t) => this.ident(t)));
    }
    const span = this.span(kw.startOffset, this.lastTokenEnd(node));
    return names.map((n) => ({ kind: "decl", name: this.ident(n), attributes, qualifiers, ...(choice.length > 0 ? { choice } : {}), span }));
  }

  private attribute(node: C.AttributeCstNode): Attribute {
    const name = this.ident(req(node.children.Ident, 0));
    const type = this.ident(req(node.children.Ident, 1));
    return { name, type, span: joinSpans(name.span, type.span) };
  }

  private typeDecl(node: C.TypeDeclCstNode): Item[] {
    const c = node.children;
    const kw = this.tok(c.TypeKw?.[0] ?? c.NumberType?.[0] ?? c.SymbolType?.[0]);
    const name = this.ident(req(c.Ident, 0));
    const span = this.span(kw.startOffset, this.lastTokenEnd(node));
    if (!c.TypeKw && (c.Subtype || c.Eq)) {
      this.problem("CL101", kw.startOffset, this.lastTokenEnd(node), `\`${kw.image}\` takes a name only`, true, `Write \`${kw.image} ${name.name}\`, or \`.type ${name.name} ...\` for a definition.`);
      return [];
    }
    if (!c.Subtype && !c.Eq) {
      // Soufflé's deprecated forms: `.type A` and `.symbol_type A` are `.type A <: symbol`.
      const base = c.NumberType ? "number" : "symbol";
      this.problem("CL109", kw.startOffset, this.lastTokenEnd(node), `\`${kw.image} ${name.name}\` is a deprecated type declaration`, false, `Write \`.type ${name.name} <: ${base}\`.`);
      return [{ kind: "type", name, form: "subtype", bases: [{ ...name, name: base }], span }];
    }
    if (c.Subtype) return [{ kind: "type", name, form: "subtype", bases: [this.ident(req(c.Ident, 1))], span }];
    const def = this.node(req(c.typeDefinition)).children;
    if (def.recordType) {
      const r = this.node(def.recordType[0]);
      const fields = (r.children.attribute ?? []).map((a) => this.attribute(this.node(a)));
      return [{ kind: "type", name, form: "record", bases: [], fields, span }];
    }
    const branches = (def.typeBranch ?? []).map((b) => this.node(b));
    if (branches.length === 0) throw new Broken();
    const bases: Ident[] = [];
    if (branches.some((b) => b.children.LBrace)) {
      const adt = branches.map((b) => ({ name: this.ident(req(b.children.Ident)), fields: (b.children.attribute ?? []).map((a) => this.attribute(this.node(a))) }));
      return [{ kind: "type", name, form: "adt", bases: [], branches: adt, span }];
    }
    for (const b of branches) bases.push(this.ident(req(b.children.Ident)));
    return [{ kind: "type", name, form: bases.length === 1 ? "alias" : "union", bases, span }];
  }

  private ioDirective(node: C.IoDirectiveCstNode): Item[] {
    const c = node.children;
    const kwTok = c.Input?.[0] ?? c.Output?.[0] ?? c.Printsize?.[0] ?? c.Limitsize?.[0];
    const kw = this.tok(kwTok);
    const directive = c.Input ? "input" : c.Output ? "output" : c.Limitsize ? "limitsize" : "printsize";
    const relations = c.Ident.map((t) => this.ident(t));
    const params = (c.ioParam ?? []).map((p) => this.ioParam(this.node(p)));
    const span = this.span(kw.startOffset, this.lastTokenEnd(node));
    return [{ kind: "directive", directive, relations, params, span }];
  }

  private ioParam(node: C.IoParamCstNode): IoParam {
    const c = node.children;
    const key = this.ident(req(c.Ident, 0));
    let valueTok: IToken;
    let value: string;
    if (c.StringLit) {
      valueTok = this.tok(c.StringLit[0]);
      value = this.string(valueTok);
    } else {
      valueTok = this.tok(c.Ident[1] ?? c.NumberLit?.[0] ?? c.True?.[0] ?? c.False?.[0]);
      value = valueTok.image;
    }
    const valueSpan = this.tokSpan(valueTok);
    return { key, value, valueSpan, span: joinSpans(key.span, valueSpan) };
  }

  private invariant(node: C.InvariantDirectiveCstNode): Item {
    const c = node.children;
    const kw = this.tok(req(c.Invariant));
    const relation = this.ident(req(c.Ident));
    const description = c.StringLit ? this.string(this.tok(c.StringLit[0])) : null;
    return { kind: "invariant", relation, description, span: this.span(kw.startOffset, this.lastTokenEnd(node)) };
  }

  // ---- clauses -------------------------------------------------------------------------------

  private clause(node: C.ClauseCstNode): Rule {
    const c = node.children;
    const dot = req(c.Dot);
    this.checkDot(dot);
    const le = c.Le?.[0];
    const heads = c.atom.filter((a) => le === undefined || (edgeToken(a, false)?.startOffset ?? 0) < le.startOffset).map((a) => this.atom(this.node(a)));
    let dominator: Atom | undefined;
    if (le !== undefined) {
      const after = c.atom.filter((a) => (edgeToken(a, false)?.startOffset ?? 0) > le.startOffset);
      dominator = this.atom(this.node(after[0]));
      const dominated = heads[0];
      if (heads.length !== 1 || dominated === undefined || !c.If) {
        this.problem("CL101", this.tok(le).startOffset, tokenEnd(this.tok(le)), "a subsumption clause is `a(x) <= a(y) :- body.`: one dominated atom, one dominating atom and a body", true);
      } else if (dominated.relation.name !== dominator.relation.name) {
        this.problem("CL101", dominator.span.start, dominator.span.end, `both sides of \`<=\` must name one relation, here \`${dominated.relation.name}\``, true);
      }
    }
    const first = heads[0];
    if (first === undefined) throw new Broken();
    const end = dot.isInsertedInRecovery ? this.lastTokenEnd(node) : tokenEnd(dot);
    const span = this.span(first.span.start, end);
    if (!c.If) {
      const second = heads[1];
      if (second !== undefined) {
        this.problem("CL101", second.span.start, second.span.end, "a fact has exactly one head; write each fact as its own clause ending in `.`", true);
      }
      return { kind: "rule", heads, body: null, span };
    }
    const body = this.disjunction(this.node(req(c.disjunction)));
    return dominator === undefined ? { kind: "rule", heads, body, span } : { kind: "rule", heads, body, dominator, span };
  }

  /**
   * A `.` inserted by recovery is kept only when the clause ended at a line break (or the end of
   * the file): the usual forgotten `.`. Anywhere else the clause is too damaged to trust.
   */
  private checkDot(dot: IToken): void {
    if (!dot.isInsertedInRecovery) return;
    const at = dot.startOffset;
    const next = this.tokens[tokenIndexAt(this.tokens, at)];
    if (next === undefined) return;
    if (!/[\n\r]/.test(this.text.slice(at, next.startOffset))) throw new Broken();
  }

  private atom(node: C.AtomCstNode): Atom {
    const c = node.children;
    const relation = this.ident(req(c.Ident));
    const rparen = this.tok(req(c.RParen));
    const args = (c.expression ?? []).map((e) => this.expression(this.node(e)));
    return { relation, args, span: this.span(relation.span.start, tokenEnd(rparen)) };
  }

  private args(node: C.ArgumentListCstNode): Term[] {
    return node.children.expression.map((e) => this.expression(this.node(e)));
  }

  private disjunction(node: C.DisjunctionCstNode): Body {
    const parts = node.children.conjunction.map((c) => this.conjunction(this.node(c)));
    if (parts.length === 1) return parts[0]!;
    const first = parts[0]!;
    const last = parts[parts.length - 1]!;
    const or: Disjunction = { kind: "or", items: parts, span: joinSpans(first.span, last.span) };
    const semi = node.children.Semicolon?.[0];
    if (semi !== undefined && !semi.isInsertedInRecovery) this.semicolons.set(or, this.tokSpan(semi));
    return or;
  }

  private conjunction(node: C.ConjunctionCstNode): Body {
    const parts = node.children.bodyUnit.map((u) => this.bodyUnit(this.node(u)));
    if (parts.length === 1) return parts[0]!;
    return { kind: "and", items: parts, span: joinSpans(parts[0]!.span, parts[parts.length - 1]!.span) };
  }

  private bodyUnit(node: C.BodyUnitCstNode): Body {
    const c = node.children;
    if (c.Bang) {
      const bang = this.tok(c.Bang[0]);
      return this.negate(this.bodyUnit(this.node(req(c.bodyUnit))), bang.startOffset);
    }
    if (c.disjunction) return this.disjunction(this.node(c.disjunction[0]));
    if (c.True) return { kind: "bool", value: true, span: this.tokSpan(this.tok(c.True[0])) };
    if (c.False) return { kind: "bool", value: false, span: this.tokSpan(this.tok(c.False[0])) };
    if (c.atom) {
      const atom = this.atom(this.node(c.atom[0]));
      const name = atom.relation.name;
      // Soufflé's string constraints look like atoms; they are comparisons on two symbols.
      if ((name === "match" || name === "contains") && atom.args.length === 2) {
        return { kind: "cmp", op: name, left: atom.args[0]!, right: atom.args[1]!, negated: false, span: atom.span };
      }
      return { kind: "atom", negated: false, atom, span: atom.span };
    }
    const cmp = this.node(req(c.comparison)).children;
    const left = this.expression(this.node(req(cmp.expression, 0)));
    const op = this.tok(req(cmp.CompareOp)).image as ComparisonOp;
    const right = this.expression(this.node(req(cmp.expression, 1)));
    return { kind: "cmp", op, left, right, negated: false, span: joinSpans(left.span, right.span) };
  }

  /** `!` over a body, as Soufflé reads it: De Morgan over groups, flipped literals. */
  private negate(body: Body, from: number): Body {
    const span = this.span(from, body.span.end);
    switch (body.kind) {
      case "atom":
      case "cmp":
        return { ...body, negated: !body.negated, span };
      case "bool":
        return { ...body, value: !body.value, span };
      case "and":
        return { kind: "or", items: body.items.map((b) => this.negate(b, b.span.start)), span };
      case "or":
        return { kind: "and", items: body.items.map((b) => this.negate(b, b.span.start)), span };
    }
  }

  // ---- terms ---------------------------------------------------------------------------------

  private expression(node: C.ExpressionCstNode): Term {
    const c = node.children;
    const operands = c.operand.map((u) => this.operand(this.node(u)));
    const ops = (c.BinaryOp ?? []).map((t) => this.tok(t).image as BinaryOp);
    if (operands.length !== ops.length + 1) throw new Broken();
    if (ops.length === 0) return operands[0]!;
    // Operator precedence: reduce while the stacked operator binds at least as tightly (left-assoc).
    const terms: Term[] = [operands[0]!];
    const stack: BinaryOp[] = [];
    const reduce = (): void => {
      const right = terms.pop()!;
      const left = terms.pop()!;
      const op = stack.pop()!;
      terms.push({ kind: "binary", op, left, right, span: joinSpans(left.span, right.span) });
    };
    ops.forEach((op, i) => {
      while (stack.length > 0 && PRECEDENCE[stack[stack.length - 1]!]! >= PRECEDENCE[op]!) reduce();
      stack.push(op);
      terms.push(operands[i + 1]!);
    });
    while (stack.length > 0) reduce();
    return terms[0]!;
  }

  /** Prefix operators over `primary ^ exponent`; the exponent binds tighter than the prefixes. */
  private operand(node: C.OperandCstNode): Term {
    const c = node.children;
    const prefixes = (c.PrefixOp ?? []).map((t) => this.tok(t));
    let term: Term;
    const lit = c.NumberLit?.[0];
    const innermost = prefixes[prefixes.length - 1];
    // Soufflé folds a `-` directly before a number literal into it: `-5` is a constant, not an operation.
    if (lit !== undefined && !c.Caret && innermost?.image === "-" && !lit.image.endsWith("u")) {
      term = this.number(this.tok(lit), innermost.startOffset);
      prefixes.pop();
    } else {
      term = this.primary(c);
      if (c.Caret) {
        const exponent = this.operand(this.node(req(c.operand)));
        term = { kind: "binary", op: "^", left: term, right: exponent, span: joinSpans(term.span, exponent.span) };
      }
    }
    for (let i = prefixes.length - 1; i >= 0; i--) {
      const p = prefixes[i]!;
      term = { kind: "unary", op: p.image as "-" | "bnot" | "lnot", operand: term, span: this.span(p.startOffset, term.span.end) };
    }
    return term;
  }

  private primary(c: C.OperandCstChildren): Term {
    if (c.NumberLit) return this.number(this.tok(c.NumberLit[0]), null);
    if (c.StringLit) {
      const t = this.tok(c.StringLit[0]);
      return { kind: "string", value: this.string(t), span: this.tokSpan(t) };
    }
    if (c.Wildcard) return { kind: "wildcard", span: this.tokSpan(this.tok(c.Wildcard[0])) };
    if (c.expression) {
      // A parenthesised term's span holds its parentheses, so a frame underlines what was written.
      const inner = this.expression(this.node(c.expression[0]));
      const open = c.LParen?.[0];
      const close = c.RParen?.[0];
      return open !== undefined && close !== undefined ? { ...inner, span: this.span(this.tok(open).startOffset, tokenEnd(this.tok(close))) } : inner;
    }
    if (c.Ident) {
      const name = this.tok(c.Ident[0]);
      if (!c.LParen && name.image === "nil") return { kind: "call", name: "nil", nameSpan: this.tokSpan(name), args: [], span: this.tokSpan(name) };
      if (!c.LParen) return { kind: "var", name: name.image, span: this.tokSpan(name) };
      const rparen = this.tok(req(c.RParen));
      const args = c.argumentList ? this.args(this.node(c.argumentList[0])) : [];
      return this.call(name, args, rparen);
    }
    if (c.minMaxCall) {
      const m = this.node(c.minMaxCall[0]).children;
      const name = this.tok(m.Min?.[0] ?? m.Max?.[0]);
      const args = m.argumentList ? this.args(this.node(m.argumentList[0])) : [];
      return this.call(name, args, this.tok(req(m.RParen)));
    }
    if (c.aggregate) return this.aggregate(this.node(c.aggregate[0]));
    const placeholder = (s: Span): Term => ({ kind: "wildcard", span: s });
    if (c.recordInit) {
      const r = this.node(c.recordInit[0]);
      const s = this.span(this.tok(req(r.children.LBracket)).startOffset, this.lastTokenEnd(r));
      const args = r.children.argumentList ? this.args(this.node(r.children.argumentList[0])) : [];
      return { kind: "call", name: "record", nameSpan: this.tokSpan(this.tok(req(r.children.LBracket))), args, span: s };
    }
    if (c.branchInit) {
      const b = this.node(c.branchInit[0]);
      const s = this.span(this.tok(req(b.children.Dollar)).startOffset, this.lastTokenEnd(b));
      const branch = b.children.Ident?.[0];
      // `$` alone is Soufflé's counter, the same as `autoinc()`.
      if (branch === undefined) return { kind: "call", name: "autoinc", nameSpan: s, args: [], span: s };
      const args = b.children.argumentList ? this.args(this.node(b.children.argumentList[0])) : [];
      return { kind: "call", name: `$${this.tok(branch).image}`, nameSpan: s, args, span: s };
    }
    if (c.userFunctorCall) {
      const u = this.node(c.userFunctorCall[0]);
      const s = this.span(this.tok(req(u.children.At)).startOffset, this.lastTokenEnd(u));
      this.unsupported(s, "user-defined functors `@f(...)` are");
      return placeholder(s);
    }
    throw new Broken();
  }

  private call(nameTok: IToken, args: Term[], rparen: IToken): Term {
    const nameSpan = this.tokSpan(nameTok);
    const span = this.span(nameTok.startOffset, tokenEnd(rparen));
    const name = nameTok.image;
    // `as(x, T)` changes only the static type of `x`: values keep their representation.
    if (name === "as" && args.length === 2 && args[1]!.kind === "var") {
      const x = args[0]!;
      const t = args[1] as { readonly name: string };
      // A literal takes the type it is cast to, as a Soufflé literal is typed by its context: `as(2, float)` is `2.0`.
      if (x.kind === "number" && t.name === "float" && x.type !== "float") return { ...x, type: "float", span };
      return { ...x, span };
    }
    if ((FUNCTOR_NAMES as readonly string[]).includes(name)) {
      return { kind: "call", name: name as FunctorName, nameSpan, args, span };
    }
    if (SOUFFLE_ONLY_FUNCTORS.has(name)) {
      this.unsupported(nameSpan, `the functor \`${name}\` is`);
    } else {
      this.problem(
        "CL211",
        nameSpan.start,
        nameSpan.end,
        `unknown functor \`${name}\`: the built-in functors are ${FUNCTOR_NAMES.map((f) => `\`${f}\``).join(", ")}`,
        true,
        "An atom cannot be used as a term; to test a relation, write the atom as its own literal in the body.",
      );
    }
    return { kind: "wildcard", span };
  }

  private aggregate(node: C.AggregateCstNode): Aggregate {
    const c = node.children;
    const opTok = this.tok(req(c.AggregateFn));
    const op = opTok.image as AggregateOp;
    const opSpan = this.tokSpan(opTok);
    const target = c.expression ? this.expression(this.node(c.expression[0])) : null;
    if (op === "count" && target !== null) {
      this.problem("CL101", target.span.start, target.span.end, "`count` takes no expression: write `count : { ... }`", true);
    }
    if (op !== "count" && target === null) {
      this.problem("CL101", opSpan.start, opSpan.end, `\`${op}\` needs an expression to aggregate, as in \`${op} x : { p(x) }\``, true);
    }
    let body: Literal[];
    if (c.disjunction) {
      body = [];
      this.flattenAggregateBody(this.disjunction(this.node(c.disjunction[0])), body);
      this.tok(req(c.RBrace));
    } else {
      const atom = this.atom(this.node(req(c.atom)));
      const lit: AtomLiteral = { kind: "atom", negated: false, atom, span: atom.span };
      body = [lit];
    }
    return { kind: "aggregate", op, opSpan, target: op === "count" ? null : target, body, span: this.span(opSpan.start, this.lastTokenEnd(node)) };
  }

  /** Soufflé allows only a conjunction inside an aggregate. */
  private flattenAggregateBody(body: Body, out: Literal[]): void {
    if (body.kind === "and") {
      for (const b of body.items) this.flattenAggregateBody(b, out);
    } else if (body.kind === "or") {
      const at = this.semicolons.get(body) ?? body.span;
      this.problem(
        "CL101",
        at.start,
        at.end,
        "an aggregate body is a conjunction: a disjunction (`;`, or `!` over a group) is not allowed inside `{ }`",
        true,
        "Move the alternatives into a relation of their own (one rule per alternative) and aggregate over it.",
      );
    } else {
      out.push(body);
    }
  }

  // ---- literals ------------------------------------------------------------------------------

  /** A number token, negated when `minusAt` is the offset of a `-` written directly before it. */
  private number(t: IToken, minusAt: number | null): NumberLiteral {
    const image = t.image;
    const negative = minusAt !== null;
    const start = minusAt ?? t.startOffset;
    const end = tokenEnd(t);
    const span = this.span(start, end);
    const text = negative ? `-${image}` : image;
    const ip = IPV4_RE.exec(image);
    if (ip !== null) {
      // Soufflé's scanner reads `a.b.c.d` as the 32-bit number (a<<24)+(b<<16)+(c<<8)+d, wrapping.
      const parts = ip.slice(1).map(Number);
      if (parts.some((p) => p > 255)) this.problem("CL103", start, end, `\`${image}\` is not an IPv4 address: each part must be 0 to 255`, false);
      const value = parts.every((p) => p <= 255) ? ((parts[0]! << 24) + (parts[1]! << 16) + (parts[2]! << 8) + parts[3]!) | 0 : 0;
      return { kind: "number", value: negative ? -value | 0 : value, type: "number", text, span };
    }
    if (FLOAT_RE.test(image)) {
      const value = Number(image) * (negative ? -1 : 1);
      if (!Number.isFinite(value)) this.problem("CL103", start, end, `the float \`${text}\` is out of range`, false);
      return { kind: "number", value, type: "float", text, span };
    }
    if (INT_RE.test(image)) {
      const unsigned = image.endsWith("u");
      let big = BigInt(unsigned ? image.slice(0, -1) : image);
      if (negative) big = -big;
      if (unsigned && (big < 0n || big > 0xffffffffn)) {
        this.problem("CL103", start, end, `\`${text}\` does not fit in an \`unsigned\` (0 to 4294967295)`, false);
      } else if (!unsigned && (big < -2147483648n || big > 0xffffffffn)) {
        this.problem(
          "CL103",
          start,
          end,
          `\`${text}\` does not fit in a \`number\` (a signed 32-bit integer, -2147483648 to 2147483647)`,
          false,
          "Write it with a `u` suffix for an `unsigned` (up to 4294967295) or with a decimal point for a `float`.",
        );
      }
      return { kind: "number", value: Number(big), type: unsigned ? "unsigned" : "number", text, span };
    }
    this.problem("CL103", t.startOffset, end, `\`${image}\` is not a valid number literal`, false, "Numbers are written `42`, `0x2A`, `0b101010`, `42u` (unsigned), `4.2` or `4.2e1` (float).");
    return { kind: "number", value: 0, type: "number", text, span };
  }

  /** Decodes a string token's escapes, reporting unknown ones (CL103) at their exact position. */
  private string(t: IToken): string {
    const image = t.image;
    const raw = t.tokenType === UnterminatedString ? image.slice(1) : image.slice(1, -1);
    if (!raw.includes("\\")) return raw;
    let out = "";
    for (let i = 0; i < raw.length; i++) {
      const ch = raw[i]!;
      if (ch !== "\\") {
        out += ch;
        continue;
      }
      const next = raw[i + 1];
      const decoded = next === undefined ? undefined : ESCAPES[next];
      if (decoded === undefined) {
        const at = t.startOffset + 1 + i;
        const shown = next === undefined ? "\\" : `\\${next}`;
        this.problem("CL103", at, at + shown.length, `unknown escape sequence \`${shown}\` in a string`, false);
        out += next ?? "";
      } else {
        out += decoded;
      }
      i++;
    }
    return out;
  }
}
