// Semantic checks between parsing and analysis: names, arities, types, groundedness, directives.
// It never throws on user input: every finding is a diagnostic, and the schema is always returned.
import type { Diagnostic } from "../diagnostics/diagnostic.js";
import { Diagnostics } from "../diagnostics/diagnostic.js";
import type { InvariantDirective, IoDirective, Program, RelationDecl, Rule } from "../syntax/ast.js";
import { PRIMITIVE_TYPES } from "../syntax/ast.js";
import { normalize } from "../syntax/normalize.js";
import type { Location, Span } from "../diagnostics/span.js";
import { checkGrounding } from "./ground.js";
import { checkInlining, inlineClauses } from "./inline.js";
import { checkExecutionPlans } from "./execution-plan.js";
import { checkAggregateDependencies } from "./aggregates.js";
import { BUILTIN_NAMES, builtin } from "../builtins/functors.js";
import { inferClause, type ColumnType } from "./infer.js";
import { didYouMean } from "./names.js";
import { lookupType, recordShapes, resolveTypes, type TypeTable } from "./typedecls.js";
import { checkRecordTerms } from "./records.js";
import { checkRecordIdentity } from "./record-identity.js";
import { checkSubtypes } from "./subtypes.js";
import { ANY, typeSet } from "./typeset.js";
import type { CheckedProgram, Column, RelationSchema } from "./types.js";
import { walkRule } from "../syntax/visit.js";

/** The IO parameters calmlog understands; others draw CL212. */
export const IO_PARAMS: readonly string[] = ["IO", "filename", "delimiter", "headers", "compress", "rfc4180"];

interface MutableSchema {
  name: string;
  decl: RelationDecl;
  columns: Column[];
  input: IoDirective | null;
  output: IoDirective | null;
  inputs: IoDirective[];
  outputs: IoDirective[];
  printsize: boolean;
  limitsize?: number;
  invariant: InvariantDirective | null;
  choice?: number[][];
}

/** Checks a parsed program; reports CL201-CL215 into `diags` and returns the best-effort checked program. */
export function check(program: Program, diags: Diagnostics): CheckedProgram {
  const found = new Diagnostics();
  const types = resolveTypes(program, found);
  const { schemas, columnTypes } = declareRelations(program, types, found);
  checkDirectives(program, schemas, found);
  checkQualifiers(schemas, found);
  const clauses = normalize(program);

  const branches = new Map<string, number>();
  for (const item of program.items) if (item.kind === "type" && item.form === "adt") for (const b of item.branches ?? []) branches.set(b.name.name, b.fields.length);
  for (const item of program.items) if (item.kind === "rule") (checkRule(item, schemas, found, branches), checkAggregateDependencies(item, found));
  checkRecordTerms(clauses, (r) => schemas.get(r)?.columns, found);
  const beforeRecords = found.items.length;
  checkRecordIdentity(program, clauses, (r) => schemas.get(r)?.columns, found);
  const recordMismatches = found.items.slice(beforeRecords).map((d) => d.span);
  const inline = inlineRelations(program, schemas);
  const clauseTypes = clauses.map((clause) => {
    // An inline relation's head binds its variables: the atoms it replaces supply them (as in Soufflé).
    if (clause.rule.body !== null) checkGrounding(clause, found, inline.has(clause.head.relation.name));
    return inferClause(clause, columnTypes, found);
  });
  checkInlining(clauses, inline, found);
  let inlined = clauses;
  let inlinedTypes = clauseTypes;
  if (inline.size > 0 && !found.hasErrors()) {
    const result = inlineClauses(clauses, inline);
    inlined = result.clauses;
    // Soufflé checks groundedness again once the inline atoms are replaced.
    for (const [clause, read] of result.changed) {
      const after = new Diagnostics();
      checkGrounding(clause, after);
      const note = `The rule reads the inline relation${read.length === 1 ? "" : "s"} ${read.map((n) => `\`${n}\``).join(", ")}; the check applies once their rules are put in its place.`;
      for (const d of after.items) found.push({ ...d, notes: [...d.notes, note] });
    }
    // The program carries the types of the clauses it runs; the findings were reported on the clauses as written.
    inlinedTypes = inlined.map((clause) => inferClause(clause, columnTypes, new Diagnostics()));
  }
  checkExecutionPlans(inlined, found);
  // A rule whose record types already disagree (CL203) is not reported again as a subtype mismatch.
  const subtypes = new Diagnostics();
  checkSubtypes(program, clauses, schemas, subtypes);
  const ruleOf = (span: Location) => clauses.find((c) => c.rule.span.file === span.file && c.rule.span.start <= span.start && span.end <= c.rule.span.end)?.rule;
  const reported = new Set<Rule | undefined>(recordMismatches.map(ruleOf).filter((r) => r !== undefined));
  for (const d of subtypes.items) if (!reported.has(ruleOf(d.span))) found.push(d);
  // Items with syntax errors were left out of the program, so "never defined" would be a guess.
  const syntaxBroken = diags.items.some((d) => d.code.startsWith("CL1") && d.severity === "error" && d.span.file === program.file);
  if (!syntaxBroken) checkDefinitions(program, schemas, found);

  diags.push(...settle(found.items));
  const relations = new Map<string, RelationSchema>();
  for (const [name, s] of schemas) relations.set(name, { ...s });
  return { program, relations, clauses: inlined, types: inlinedTypes };
}

function declareRelations(program: Program, types: TypeTable, diags: Diagnostics) {
  const schemas = new Map<string, MutableSchema>();
  const columnTypes = new Map<string, ColumnType[]>();
  const typeNames = [...PRIMITIVE_TYPES, ...types.keys()];
  const shapes = recordShapes(program, types);
  // Types and relations share one namespace, as in Soufflé ("Name clash on relation").
  const typeSpans = new Map<string, Span>();
  for (const item of program.items) if (item.kind === "type") typeSpans.set(item.name.name, item.name.span);
  for (const item of program.items) {
    if (item.kind !== "decl") continue;
    const name = item.name.name;
    const sameType = typeSpans.get(name);
    if (sameType !== undefined) {
      diags.add("CL204", item.name.span, `relation \`${name}\` has the name of a type`, {
        related: [{ span: sameType, message: `type \`${name}\` is declared here` }],
        help: "Rename the relation or the type: types and relations share one namespace, as in Soufflé.",
      });
    }
    const first = schemas.get(name);
    if (first !== undefined) {
      diags.add("CL204", item.name.span, `relation \`${name}\` is declared twice`, {
        related: [{ span: first.decl.name.span, message: `\`${name}\` is first declared here` }],
      });
      continue;
    }
    const columns: Column[] = [];
    const sets: ColumnType[] = [];
    const seen = new Map<string, Span>();
    for (const attr of item.attributes) {
      const prior = seen.get(attr.name.name);
      if (prior !== undefined) {
        diags.add("CL204", attr.name.span, `\`${name}\` has two columns named \`${attr.name.name}\``, {
          related: [{ span: prior, message: `the first \`${attr.name.name}\` is here` }],
          help: "Give each column its own name.",
        });
      } else {
        seen.set(attr.name.name, attr.name.span);
      }
      const resolved = lookupType(types, attr.type.name);
      if (resolved === undefined) {
        diags.add("CL208", attr.type.span, `unknown type \`${attr.type.name}\` for column \`${attr.name.name}\` of \`${name}\``, {
          help: didYouMean(attr.type.name, typeNames, null),
        });
      }
      const shape = resolved === "symbol" ? shapes(attr.type.name) : undefined;
      columns.push({ name: attr.name.name, declaredType: attr.type.name, type: resolved ?? "symbol", ...(shape?.shape() ? { shape } : {}) });
      sets.push({ name: attr.name.name, set: resolved ? typeSet(resolved) : ANY });
    }
    const choice = choiceKeys(item, diags);
    schemas.set(name, { name, decl: item, columns, input: null, output: null, inputs: [], outputs: [], printsize: false, invariant: null, ...(choice.length > 0 ? { choice } : {}) });
    columnTypes.set(name, sets);
  }
  return { schemas, columnTypes };
}

/** A declaration's `choice-domain` keys as column indexes; unknown or repeated columns are CL220. */
function choiceKeys(decl: RelationDecl, diags: Diagnostics): number[][] {
  const keys: number[][] = [];
  const seen = new Set<string>();
  for (const key of decl.choice ?? []) {
    const cols: number[] = [];
    for (const id of key) {
      const i = decl.attributes.findIndex((a) => a.name.name === id.name);
      if (i < 0) {
        diags.add("CL220", id.span, `\`choice-domain\` names \`${id.name}\`, which is no column of \`${decl.name.name}\``, {
          help: didYouMean(id.name, decl.attributes.map((a) => a.name.name), null),
        });
      } else if (cols.includes(i)) {
        // Soufflé warns and reads the key once.
        diags.add("CL220", id.span, `\`${id.name}\` is named twice in one \`choice-domain\` key; it counts once`, { severity: "warning" });
      } else cols.push(i);
    }
    const sig = [...cols].sort((a, b) => a - b).join(",");
    if (seen.has(sig)) diags.add("CL220", key[0]!.span, `the \`choice-domain\` key \`${key.map((k) => k.name).join(", ")}\` is given twice; it counts once`, { severity: "warning" });
    seen.add(sig);
    if (cols.length > 0 && !keys.some((k) => k.join(",") === cols.join(","))) keys.push(cols);
  }
  return keys;
}

function checkDirectives(program: Program, schemas: Map<string, MutableSchema>, diags: Diagnostics): void {
  // `.limitsize r(n=N)`: one parameter `n`, a non-negative integer, once per relation.
  const limitsize = (item: IoDirective, rel: { name: string; span: Span }, s: MutableSchema): void => {
    const n = item.params.find((p) => p.key.name === "n");
    for (const p of item.params) if (p.key.name !== "n") diags.add("CL237", p.key.span, `\`.limitsize\` takes only \`n\`, not \`${p.key.name}\``, { help: `Write \`.limitsize ${rel.name}(n=100)\`.` });
    if (n === undefined) {
      diags.add("CL237", item.span, `\`.limitsize ${rel.name}\` needs the limit \`n\``, { help: `Write \`.limitsize ${rel.name}(n=100)\`: the relation's recursive stratum stops once it holds that many tuples.` });
      return;
    }
    if (!/^\d+$/.test(n.value) || Number(n.value) > 2147483647) {
      diags.add("CL237", n.valueSpan, `the limit \`n=${n.value}\` of \`.limitsize\` must be a whole number from 0 to 2147483647`);
      return;
    }
    if (s.limitsize !== undefined) diags.add("CL237", rel.span, `\`.limitsize\` is given twice for \`${rel.name}\``, { severity: "warning", help: "Keep one; the last one given counts." });
    s.limitsize = Number(n.value);
  };
  const undeclared = (ident: { name: string; span: Span }, what: string): void => {
    diags.add("CL207", ident.span, `\`${what}\` names \`${ident.name}\`, which is not declared`, {
      help: didYouMean(ident.name, schemas.keys(), null) ?? `Declare it with \`.decl ${ident.name}(...)\` or fix the name.`,
    });
  };
  for (const item of program.items) {
    if (item.kind === "directive") {
      for (const rel of item.relations) {
        const s = schemas.get(rel.name);
        if (s === undefined) undeclared(rel, `.${item.directive}`);
        else if (item.directive === "input") (s.input ??= item, s.inputs.push(item));
        else if (item.directive === "output") (s.output ??= item, s.outputs.push(item));
        else if (item.directive === "limitsize") limitsize(item, rel, s);
        else {
          if (s.printsize) diags.add("CL219", rel.span, `\`.printsize\` is given twice for \`${rel.name}\``);
          s.printsize = true;
        }
      }
      if (item.directive === "limitsize") continue;
      for (const p of item.params) {
        const key = p.key.name;
        // Reading these as a plain file would give wrong facts without a word: refuse them.
        if (key === "IO" && (p.value === "sqlite" || (p.value === "stdin" && item.directive !== "input"))) {
          const why = p.value === "sqlite" ? "SQLite needs a native binding (`better-sqlite3`) that installs only by downloading a prebuilt binary" : "only `.input` reads standard input";
          diags.add("CL212", p.span, `\`${key}=${p.value}\` is not supported: ${why}`, {
            severity: "error",
            help: "Convert the data to a tab-separated `.facts` file and leave the parameter out.",
          });
          continue;
        }
        if (!IO_PARAMS.includes(key)) {
          diags.add("CL212", p.key.span, `unknown IO parameter \`${key}\`; it is ignored`, {
            help: didYouMean(key, IO_PARAMS, null),
          });
        } else if (key === "IO" && p.value !== "file" && !(p.value === "stdout" && item.directive === "output") && !(p.value === "stdin" && item.directive === "input")) {
          diags.add("CL212", p.valueSpan, `\`IO=${p.value}\` is not supported; calmlog reads and writes files${item.directive === "output" ? " (and prints with `IO=stdout`)" : ""}`, {
            help: item.directive === "output" ? "Use `IO=file` (the default), `IO=stdout`, or leave the parameter out." : "Use `IO=file` (the default) or leave the parameter out.",
          });
        } else if ((key === "headers" || key === "rfc4180" || key === "compress") && p.value !== "true" && p.value !== "false") {
          diags.add("CL212", p.valueSpan, `\`${key}\` must be \`true\` or \`false\`, not \`${p.value}\``);
        } else if (key === "delimiter" && p.value.includes('"') && item.params.some((q) => q.key.name === "rfc4180" && q.value === "true")) {
          diags.add("CL212", p.valueSpan, "a delimiter cannot contain `\"` when `rfc4180=true`", { severity: "error", help: "Quoted fields start with `\"`: choose another delimiter." });
        }
      }
    } else if (item.kind === "invariant") {
      const s = schemas.get(item.relation.name);
      if (s === undefined) undeclared(item.relation, ".invariant");
      else s.invariant ??= item;
    }
  }
}

/**
 * Qualifiers: each at most once; Soufflé's deprecated `input`, `output` and `printsize` qualifiers
 * act as the directives; an `inline` relation cannot be read or written.
 */
function checkQualifiers(schemas: Map<string, MutableSchema>, diags: Diagnostics): void {
  for (const s of schemas.values()) {
    const seen = new Set<string>();
    for (const q of s.decl.qualifiers) {
      if (seen.has(q.name)) diags.add("CL219", q.span, `the qualifier \`${q.name}\` is given twice`, { help: "Write each qualifier once." });
      seen.add(q.name);
      if (q.name === "input" || q.name === "output" || q.name === "printsize") {
        const directive: IoDirective = { kind: "directive", directive: q.name, relations: [s.decl.name], params: [], span: q.span };
        if (q.name === "input") (s.input ??= directive, s.inputs.push(directive));
        else if (q.name === "output") (s.output ??= directive, s.outputs.push(directive));
        else s.printsize = true;
      }
    }
    if (seen.has("inline") && (s.input !== null || s.output !== null || s.printsize)) {
      diags.add("CL219", s.decl.name.span, `\`${s.name}\` is read or written, so it cannot be \`inline\``, { help: "Drop `inline`, or the IO directive." });
    }
  }
}

/**
 * The relations to inline: declared `inline`, unless also `no_inline` or `no_magic`, or named by
 * `.pragma "inline-exclude"` or `"magic-transform-exclude"` (Soufflé's InlineUnmarkExcluded).
 */
function inlineRelations(program: Program, schemas: ReadonlyMap<string, MutableSchema>): Map<string, Span> {
  const excluded = new Set((program.pragmas ?? []).filter((p) => p.key === "inline-exclude" || p.key === "magic-transform-exclude").flatMap((p) => (p.value ?? "").split(",").map((n) => n.trim())));
  const inline = new Map<string, Span>();
  for (const s of schemas.values()) {
    const q = new Set(s.decl.qualifiers.map((x) => x.name));
    if (q.has("inline") && !q.has("no_inline") && !q.has("no_magic") && !excluded.has(s.name)) inline.set(s.name, s.decl.name.span);
  }
  return inline;
}

/** Soufflé's string constraints, written like atoms (`match("a.*", s)`); calmlog has no regular expressions. */
const SOUFFLE_CONSTRAINTS: ReadonlySet<string> = new Set(["match", "contains"]);

/** Checks that look at a rule as written: names, arities, functors, heads, facts, single-use variables. */
function checkRule(rule: Rule, schemas: ReadonlyMap<string, MutableSchema>, diags: Diagnostics, branches: ReadonlyMap<string, number>): void {
  const { atoms, terms } = walkRule(rule);
  for (const { atom } of atoms) {
    const name = atom.relation.name;
    const s = schemas.get(name);
    if (s === undefined && SOUFFLE_CONSTRAINTS.has(name)) {
      diags.add("CL104", atom.span, `the \`${name}\` constraint is Soufflé syntax that calmlog does not support`, {
        help: "Compare symbols with `=`, `!=` or `<`, or derive the pairs that match into a relation of their own.",
      });
    } else if (s === undefined) {
      diags.add("CL201", atom.relation.span, `relation \`${name}\` is not declared`, {
        help: didYouMean(name, schemas.keys(), null) ?? `Add \`.decl ${name}(...)\` or fix the spelling.`,
      });
    } else if (s.columns.length !== atom.args.length) {
      const n = s.columns.length;
      diags.add("CL202", atom.span, `\`${name}\` has ${n} column${n === 1 ? "" : "s"} but this atom gives ${atom.args.length}`, {
        related: [{ span: s.decl.name.span, message: `\`${name}\` is declared here` }],
      });
    }
  }

  for (const { term, inHead, depth } of terms) {
    if (term.kind === "call" && term.name.startsWith("$")) {
      const branch = term.name.slice(1);
      const arity = branches.get(branch);
      if (arity === undefined) {
        diags.add("CL218", term.span, `\`${term.name}\` is no branch of a declared ADT`, { help: didYouMean(branch, branches.keys(), null) ?? "Declare it in a type: `.type T = Branch {x: number} | Other {}`." });
      } else if (arity !== term.args.length) {
        diags.add("CL218", term.span, `the branch \`${term.name}\` has ${arity} field${arity === 1 ? "" : "s"} but is given ${term.args.length}`);
      }
    } else if (term.kind === "call" && (term.name === "record" || term.name === "nil")) {
      continue;
    } else if (term.kind === "call") {
      const sig = builtin(term.name);
      if (sig === undefined) {
        diags.add("CL211", term.nameSpan, `unknown functor \`${term.name}\``, {
          help: didYouMean(term.name, BUILTIN_NAMES, null),
        });
      } else if (term.args.length < sig.min || term.args.length > sig.max) {
        const expected = sig.max === Infinity ? `at least ${sig.min}` : `${sig.min}`;
        diags.add("CL211", term.span, `\`${term.name}\` takes ${expected} argument${sig.min === 1 && sig.max === 1 ? "" : "s"} but is given ${term.args.length}`);
      }
    } else if (term.kind === "wildcard" && inHead && depth === 0) {
      diags.add("CL210", term.span, "`_` cannot appear in a head");
    }
  }

  if (rule.body === null) {
    for (const head of rule.heads) {
      head.args.forEach((arg, i) => {
        // An aggregate is allowed: such a fact is evaluated as a rule (see `normalize`); its variables are its own.
        const bad = terms.find((t) => t.inHead && t.depth === 0 && t.term.span.start >= arg.span.start && t.term.span.end <= arg.span.end && t.term.kind === "var");
        if (bad === undefined) return;
        const what = bad.term.kind === "var" ? `the variable \`${bad.term.name}\`` : "an aggregate";
        diags.add("CL209", arg.span, `argument ${i + 1} of the fact \`${head.relation.name}\` is not a constant: it contains ${what}`);
      });
    }
    return;
  }

  const uses = new Map<string, Span[]>();
  for (const { term } of terms) {
    if (term.kind !== "var") continue;
    const list = uses.get(term.name);
    if (list) list.push(term.span);
    else uses.set(term.name, [term.span]);
  }
  for (const [name, spans] of uses) {
    if (spans.length !== 1 || name.startsWith("_")) continue;
    diags.add("CL206", spans[0]!, `variable \`${name}\` occurs only once in this rule`, {
      help: `Write \`_\` if any value will do, or \`_${name}\` to keep the name; otherwise correct the spelling.`,
    });
  }
}

/** CL213 (read but never defined) and CL215 (invariant on a relation without rules). */
function checkDefinitions(program: Program, schemas: ReadonlyMap<string, MutableSchema>, diags: Diagnostics): void {
  const defined = new Set<string>();
  const derived = new Set<string>();
  const firstRead = new Map<string, Span>();
  const read = (name: string, span: Span): void => {
    const prior = firstRead.get(name);
    if (prior === undefined || span.start < prior.start) firstRead.set(name, span);
  };
  for (const item of program.items) {
    if (item.kind === "rule") {
      for (const h of item.heads) {
        defined.add(h.relation.name);
        if (item.body !== null) derived.add(h.relation.name);
      }
      for (const { atom, role } of walkRule(item).atoms) if (role !== "head") read(atom.relation.name, atom.relation.span);
    } else if (item.kind === "directive") {
      for (const r of item.relations) {
        if (item.directive === "input") defined.add(r.name);
        else read(r.name, r.span);
      }
    }
  }
  for (const s of schemas.values()) {
    const at = firstRead.get(s.name);
    if (at !== undefined && !defined.has(s.name)) {
      diags.add("CL213", at, `\`${s.name}\` is read here but has no rules, facts or \`.input\`, so it is always empty`, {
        related: [{ span: s.decl.name.span, message: `\`${s.name}\` is declared here` }],
        help: `Add \`.input ${s.name}\`, a fact, or a rule that derives \`${s.name}\`.`,
      });
    }
    if (s.invariant !== null && !derived.has(s.name)) {
      diags.add("CL215", s.invariant.relation.span, `the invariant names \`${s.name}\`, which no rule derives`, {
        related: [{ span: s.decl.name.span, message: `\`${s.name}\` is declared here` }],
        notes: ["An invariant holds when its relation is empty; the rules that derive it describe a violation."],
      });
    }
  }
}

/** Drops repeats (a rule expands to several clauses) and single-use warnings on variables already in error. */
function settle(ds: readonly Diagnostic[]): Diagnostic[] {
  const keys = new Set<string>();
  const erroredVars = new Set<string>();
  for (const d of ds) if (d.code === "CL205" || d.code === "CL214") erroredVars.add(`${d.span.file}:${d.span.start}:${d.span.end}`);
  const out: Diagnostic[] = [];
  for (const d of ds) {
    const where = `${d.span.file}:${d.span.start}:${d.span.end}`;
    if (d.code === "CL206" && erroredVars.has(where)) continue;
    const key = `${d.code}|${where}|${d.message}`;
    if (keys.has(key)) continue;
    keys.add(key);
    out.push(d);
  }
  return out;
}
