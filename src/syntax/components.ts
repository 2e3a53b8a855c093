// Soufflé's components, expanded away before any check or analysis, as Soufflé's own
// ComponentInstantiation pass does: `.init g = Graph<N>` copies Graph's types, relations, rules and
// IO directives (its bases' first, nested `.init`s before them), substitutes type parameters, and
// prefixes every name declared in it with `g.`. Names a component does not declare keep referring to
// the enclosing scope. Items keep their spans in the component body; `instances` says which `.init`
// each generated relation comes from, for a note under any diagnostic about it.
import type { Atom, Attribute, Body, ExecutionPlan, Ident, IoDirective, Item, Literal, RelationDecl, Rule, Term, TypeDecl } from "./ast.js";
import type { Diagnostic, Related } from "../diagnostics/diagnostic.js";
import type { Location, Span } from "../diagnostics/span.js";

/** `Name<A, B>` as written after `.init x =` or after `:` in a component head. */
export interface ComponentType {
  readonly name: Ident;
  readonly args: readonly Ident[];
}

/** `.comp Name<T> : Base<T> { ... }`. */
export interface ComponentDecl {
  readonly kind: "component";
  readonly name: Ident;
  readonly params: readonly string[];
  readonly bases: readonly ComponentType[];
  readonly body: readonly SourceItem[];
  readonly span: Span;
}

/** `.init instance = Name<Args>`. */
export interface ComponentInit {
  readonly kind: "init";
  readonly instance: Ident;
  readonly type: ComponentType;
  readonly span: Span;
}

/** `.override rel` inside a component: the base components' rules for `rel` are dropped. */
export interface OverrideDirective {
  readonly kind: "override";
  readonly relation: Ident;
  readonly span: Span;
}

/** `.plan ...` as parsed: it belongs to the rule just before it (`parse` attaches it). */
export interface PlanItem {
  readonly kind: "plan";
  readonly plan: ExecutionPlan;
}

/** `.pragma "key" "value"`: kept on the program (`parse` takes it out of the items). */
export interface PragmaItem {
  readonly kind: "pragma";
  readonly key: string;
  readonly value: string | null;
  readonly span: Span;
}

/** An item as parsed, before components are expanded. */
export type SourceItem = Item | ComponentDecl | ComponentInit | OverrideDirective | PlanItem | PragmaItem;

/** A problem found while expanding, for `parse` to report. */
export interface ExpansionProblem {
  readonly code: "CL204" | "CL216" | "CL217";
  readonly span: Span;
  readonly message: string;
  readonly related?: readonly Related[];
  readonly help?: string;
}

/** A component body that an `.init` expanded: diagnostics inside it get a note naming the instantiation. */
export interface ComponentUse {
  /** The component's name and its declaration's span (the body's items lie inside it). */
  readonly component: string;
  readonly span: Span;
  /** The `.init`s that led to it, outermost first. */
  readonly chain: readonly ComponentInit[];
}

export interface Expansion {
  readonly items: readonly Item[];
  /** Every component body expanded, once per instantiation. */
  readonly uses: readonly ComponentUse[];
  /** Generated relation name -> the `.init` chain that made it (outermost first). */
  readonly instances: ReadonlyMap<string, readonly ComponentInit[]>;
  readonly problems: readonly ExpansionProblem[];
}

const MAX_DEPTH = 100;

interface Comp {
  readonly decl: ComponentDecl;
  readonly parent: Comp | null;
  readonly nested: Map<string, Comp>;
  readonly inits: ComponentInit[];
  readonly overrides: Set<string>;
  readonly overrideItems: OverrideDirective[];
  readonly types: TypeDecl[];
  readonly relations: RelationDecl[];
  readonly directives: IoDirective[];
  readonly clauses: Rule[];
}

interface Content {
  types: TypeDecl[];
  relations: RelationDecl[];
  directives: IoDirective[];
  clauses: Rule[];
}

type Binding = ReadonlyMap<string, string>;

function extend(binding: Binding, formal: readonly string[], actual: readonly Ident[]): Binding {
  const out = new Map(binding);
  formal.forEach((f, i) => {
    const a = actual[i];
    if (a !== undefined) out.set(f, binding.get(a.name) ?? a.name);
  });
  return out;
}

/** One rule per head: Soufflé's clauses have one head, and a component may take each apart. */
function splitHeads(r: Rule): Rule[] {
  return r.heads.length <= 1 ? [r] : r.heads.map((h) => ({ ...r, heads: [h] }));
}

function emptyContent(): Content {
  return { types: [], relations: [], directives: [], clauses: [] };
}

function addAll(into: Content, from: Content): void {
  into.types.push(...from.types);
  into.relations.push(...from.relations);
  into.directives.push(...from.directives);
  into.clauses.push(...from.clauses);
}

// ---- renaming --------------------------------------------------------------------------------

const renameIdent = (id: Ident, map: ReadonlyMap<string, string>): Ident => {
  const to = map.get(id.name);
  return to === undefined ? id : { ...id, name: to };
};

let branchMap: ReadonlyMap<string, string> = new Map();

function renameAtom(a: Atom, rel: ReadonlyMap<string, string>): Atom {
  return { ...a, relation: renameIdent(a.relation, rel), args: a.args.map((t) => renameTerm(t, rel)) };
}

function renameTerm(t: Term, rel: ReadonlyMap<string, string>): Term {
  switch (t.kind) {
    case "binary":
      return { ...t, left: renameTerm(t.left, rel), right: renameTerm(t.right, rel) };
    case "unary":
      return { ...t, operand: renameTerm(t.operand, rel) };
    case "call": {
      const branch = t.name.startsWith("$") ? branchMap.get(t.name.slice(1)) : undefined;
      return { ...t, ...(branch !== undefined ? { name: `$${branch}` as const } : {}), args: t.args.map((a) => renameTerm(a, rel)) };
    }
    case "aggregate":
      return { ...t, target: t.target === null ? null : renameTerm(t.target, rel), body: t.body.map((l) => renameLiteral(l, rel)) };
    default:
      return t;
  }
}

function renameLiteral(l: Literal, rel: ReadonlyMap<string, string>): Literal {
  switch (l.kind) {
    case "atom":
      return { ...l, atom: renameAtom(l.atom, rel) };
    case "cmp":
      return { ...l, left: renameTerm(l.left, rel), right: renameTerm(l.right, rel) };
    default:
      return l;
  }
}

function renameBody(b: Body, rel: ReadonlyMap<string, string>): Body {
  if (b.kind === "and" || b.kind === "or") return { ...b, items: b.items.map((x) => renameBody(x, rel)) };
  return renameLiteral(b, rel);
}

function renameRule(r: Rule, rel: ReadonlyMap<string, string>): Rule {
  const renamed: Rule = { ...r, heads: r.heads.map((h) => renameAtom(h, rel)), body: r.body === null ? null : renameBody(r.body, rel) };
  return r.dominator === undefined ? renamed : { ...renamed, dominator: renameAtom(r.dominator, rel) };
}

function renameDecl(d: RelationDecl, types: ReadonlyMap<string, string>): RelationDecl {
  return { ...d, attributes: d.attributes.map((a) => ({ ...a, type: renameIdent(a.type, types) })) };
}

function renameType(t: TypeDecl, types: ReadonlyMap<string, string>): TypeDecl {
  const fields = (fs: readonly Attribute[]): Attribute[] => fs.map((f) => ({ ...f, type: renameIdent(f.type, types) }));
  return {
    ...t,
    bases: t.bases.map((b) => renameIdent(b, types)),
    ...(t.fields ? { fields: fields(t.fields) } : {}),
    ...(t.branches ? { branches: t.branches.map((b) => ({ ...b, fields: fields(b.fields) })) } : {}),
  };
}

// ---- expansion -------------------------------------------------------------------------------

/** Expands every top-level `.init`; components that are never instantiated contribute nothing. */
export function expandComponents(source: readonly SourceItem[]): Expansion {
  if (!source.some((i) => i.kind === "component" || i.kind === "init" || i.kind === "override" || i.kind === "plan" || i.kind === "pragma")) {
    return { items: source as readonly Item[], uses: [], instances: new Map(), problems: [] };
  }
  const problems: ExpansionProblem[] = [];
  const build = (decl: ComponentDecl, parent: Comp | null): Comp => {
    const c: Comp = { decl, parent, nested: new Map(), inits: [], overrides: new Set(), overrideItems: [], types: [], relations: [], directives: [], clauses: [] };
    for (const item of decl.body) {
      switch (item.kind) {
        case "component":
          c.nested.set(item.name.name, build(item, c));
          break;
        case "init":
          c.inits.push(item);
          break;
        case "override":
          c.overrides.add(item.relation.name);
          c.overrideItems.push(item);
          break;
        case "type":
          c.types.push(item);
          break;
        case "decl":
          c.relations.push(item);
          break;
        case "directive":
          c.directives.push(item);
          break;
        case "rule":
          c.clauses.push(...splitHeads(item));
          break;
        case "invariant":
        case "plan":
        case "pragma":
          break;
      }
    }
    return c;
  };
  const globals = new Map<string, Comp>();
  for (const item of source) if (item.kind === "component") globals.set(item.name.name, build(item, null));

  // Soufflé's ComponentLookup: each enclosing scope's own components, then those its bases declare, then globals.
  const lookup = (scope: Comp | null, name: string, binding: Binding, depth = 0): Comp | null => {
    const n = binding.get(name) ?? name;
    if (depth > MAX_DEPTH) return null;
    for (let s = scope; s !== null; s = s.parent) {
      const found = s.nested.get(n);
      if (found !== undefined) return found;
      for (const baseType of s.decl.bases) {
        const base = lookup(s.parent, baseType.name.name, binding, depth + 1);
        if (base === s) return null;
        if (base !== null) {
          const inBase = lookup(base, name, binding, depth + 1);
          if (inBase !== null) return inBase;
        }
      }
    }
    return globals.get(n) ?? null;
  };

  // Soufflé's ComponentChecker, on every component whether instantiated or not: `.override r` needs an
  // `r` that a base component declares `overridable`.
  const checkOverrides = (comp: Comp, enclosing: Comp | null, params: ReadonlySet<string>): void => {
    const name = comp.decl.name.name;
    const inScope = new Set([...params, ...comp.decl.params]);
    const parents = new Set<Comp>();
    const collectParents = (c: Comp): void => {
      for (const base of c.decl.bases) {
        if (inScope.has(base.name.name)) continue;
        const p = lookup(enclosing, base.name.name, new Map());
        if (p !== null && !parents.has(p)) (parents.add(p), collectParents(p));
      }
    };
    collectParents(comp);
    for (const o of comp.overrideItems) {
      const rel = o.relation.name;
      const own = comp.relations.find((r) => r.name.name === rel);
      if (own !== undefined) {
        problems.push({ code: "CL216", span: o.span, message: `\`.override ${rel}\` in component \`${name}\`: \`${rel}\` is declared in \`${name}\` itself, not inherited`, related: [{ span: own.name.span, message: `\`${rel}\` is declared here` }], help: "`.override` replaces the rules a base component gives a relation; remove it, or declare the relation in a base component." });
      }
      for (const p of parents) {
        const decl = p.relations.find((r) => r.name.name === rel);
        if (decl !== undefined && !decl.qualifiers.some((q) => q.name === "overridable")) {
          problems.push({ code: "CL216", span: o.span, message: `\`.override ${rel}\` in component \`${name}\`: \`${rel}\` of \`${p.decl.name.name}\` is not \`overridable\``, related: [{ span: decl.name.span, message: `\`${rel}\` is declared here` }], help: `Declare it \`.decl ${rel}(...) overridable\` in \`${p.decl.name.name}\`, or remove the \`.override\`.` });
        }
      }
    }
    for (const nested of comp.nested.values()) checkOverrides(nested, comp, inScope);
  };
  for (const c of globals.values()) checkOverrides(c, null, new Set());
  checkNamespaces(source, problems);

  const instances = new Map<string, readonly ComponentInit[]>();

  const uses: ComponentUse[] = [];
  const collect = (comp: Comp, binding: Binding, enclosing: Comp | null, res: Content, orphans: Rule[], overridden: ReadonlySet<string>, depth: number, chain: readonly ComponentInit[]): void => {
    uses.push({ component: comp.decl.name.name, span: comp.decl.span, chain });
    const superOverridden = new Set([...overridden, ...comp.overrides]);
    for (const base of comp.decl.bases) {
      const baseComp = lookup(enclosing, base.name.name, binding);
      if (baseComp === null) {
        problems.push({ code: "CL216", span: base.name.span, message: `component \`${base.name.name}\` is not declared` });
        continue;
      }
      const active = extend(binding, baseComp.decl.params, base.args);
      for (const nested of baseComp.inits) addAll(res, instantiate(nested, baseComp, orphans, new Set(), active, depth - 1, chain));
      collect(baseComp, active, baseComp.parent, res, orphans, superOverridden, depth, chain);
    }
    for (const t of comp.types) res.types.push(renameType({ ...t, name: renameIdent(t.name, binding) }, binding));
    for (const r of comp.relations) res.relations.push(renameDecl(r, binding));
    res.directives.push(...comp.directives);
    const declared = new Set(res.relations.map((r) => r.name.name));
    for (const clause of comp.clauses) {
      const head = clause.heads[0]!.relation.name;
      if (overridden.has(head.split(".")[0]!)) continue;
      if (declared.has(head)) res.clauses.push(clause);
      else orphans.push(clause);
    }
    for (let i = 0; i < orphans.length; ) {
      if (declared.has(orphans[i]!.heads[0]!.relation.name)) res.clauses.push(...orphans.splice(i, 1));
      else i++;
    }
  };

  const instantiate = (init: ComponentInit, enclosing: Comp | null, orphans: Rule[], overridden: ReadonlySet<string>, binding: Binding, depth: number, outer: readonly ComponentInit[]): Content => {
    const res = emptyContent();
    if (depth === 0) {
      problems.push({ code: "CL217", span: init.span, message: `components are instantiated more than ${MAX_DEPTH} levels deep here; a component probably instantiates itself` });
      return res;
    }
    const comp = lookup(enclosing, init.type.name.name, binding);
    if (comp === null) {
      problems.push({ code: "CL216", span: init.type.name.span, message: `component \`${init.type.name.name}\` is not declared` });
      return res;
    }
    if (comp.decl.params.length !== init.type.args.length) {
      problems.push({
        code: "CL216",
        span: init.type.name.span,
        message: `component \`${comp.decl.name.name}\` takes ${comp.decl.params.length} type parameter${comp.decl.params.length === 1 ? "" : "s"} but \`.init ${init.instance.name}\` gives ${init.type.args.length}`,
      });
      return res;
    }
    const chain = [...outer, init];
    const active = extend(binding, comp.decl.params, init.type.args);
    for (const nested of comp.inits) addAll(res, instantiate(nested, comp, orphans, overridden, active, depth - 1, chain));
    collect(comp, active, comp.parent, res, orphans, overridden, depth, chain);

    const prefix = `${init.instance.name}.`;
    const typeMap = new Map(res.types.map((t) => [t.name.name, prefix + t.name.name] as const));
    const relMap = new Map(res.relations.map((r) => [r.name.name, prefix + r.name.name] as const));
    // ADT branches belong to their type: `$b(1)` in `.init f = F` becomes `$f.b(1)`, as in Soufflé.
    const branches = new Map(res.types.flatMap((t) => (t.branches ?? []).map((b) => [b.name.name, prefix + b.name.name] as const)));
    branchMap = branches;
    res.types = res.types.map((t) => {
      const renamed = renameType({ ...t, name: renameIdent(t.name, typeMap) }, typeMap);
      return renamed.branches ? { ...renamed, branches: renamed.branches.map((b) => ({ ...b, name: renameIdent(b.name, branches) })) } : renamed;
    });
    res.relations = res.relations.map((r) => renameDecl({ ...r, name: renameIdent(r.name, relMap) }, typeMap));
    res.clauses = res.clauses.map((c) => renameRule(c, relMap));
    for (let i = 0; i < orphans.length; i++) orphans[i] = renameRule(orphans[i]!, relMap);
    branchMap = new Map();
    res.directives = res.directives.map((d) => ({ ...d, relations: d.relations.map((r) => renameIdent(r, relMap)) }));
    for (const r of res.relations) if (!instances.has(r.name.name) || instances.get(r.name.name)!.length < chain.length) instances.set(r.name.name, chain);
    return res;
  };

  const items: Item[] = [];
  for (const item of source) {
    if (item.kind === "component") continue;
    if (item.kind === "override") {
      problems.push({ code: "CL216", span: item.span, message: "`.override` belongs inside a component (`.comp`)" });
      continue;
    }
    if (item.kind === "plan" || item.kind === "pragma") continue;
    if (item.kind !== "init") {
      items.push(item);
      continue;
    }
    const orphans: Rule[] = [];
    const content = instantiate(item, null, orphans, new Set(), new Map(), MAX_DEPTH, []);
    items.push(...content.types, ...content.relations, ...content.clauses, ...orphans, ...content.directives);
  }
  return { items, uses, instances, problems };
}

/**
 * Soufflé's component namespaces: a top-level component may not share its name with a type, a
 * relation or an earlier component, nor an instance with any of those or an earlier instance (CL204).
 */
function checkNamespaces(source: readonly SourceItem[], problems: ExpansionProblem[]): void {
  const names = new Map<string, { span: Span; what: string }>();
  const first = (name: string, span: Span, what: string): void => {
    if (!names.has(name)) names.set(name, { span, what });
  };
  for (const i of source) if (i.kind === "type") first(i.name.name, i.name.span, "type");
  for (const i of source) if (i.kind === "decl") first(i.name.name, i.name.span, "relation");
  const clash = (name: string, span: Span, what: string): void => {
    const prior = names.get(name);
    if (prior === undefined) {
      names.set(name, { span, what });
      return;
    }
    problems.push({
      code: "CL204",
      span,
      message: `the ${what} \`${name}\` has the name of ${prior.what === "instance" ? "an" : "a"} ${prior.what}`,
      related: [{ span: prior.span, message: `the ${prior.what} \`${name}\` is declared here` }],
      help: `Types, relations, components and instances share one namespace: rename the ${what}.`,
    });
  };
  for (const i of source) if (i.kind === "component") clash(i.name.name, i.name.span, "component");
  for (const i of source) if (i.kind === "init") clash(i.instance.name, i.instance.span, "instance");
}

/**
 * Adds to each diagnostic inside a component body a note at the `.init` that instantiated it (the
 * chain of them, for nested components); the same finding made once per instance is reported once,
 * with a note for each.
 */
export function noteInstantiations(diagnostics: readonly Diagnostic[], uses: readonly ComponentUse[]): Diagnostic[] {
  if (uses.length === 0) return [...diagnostics];
  const inside = (at: Location, body: Span): boolean => !("wholeFile" in at) && at.file === body.file && at.start >= body.start && at.end <= body.end;
  const out: Diagnostic[] = [];
  const seen = new Map<string, number>();
  for (const d of diagnostics) {
    const notes: Related[] = [];
    const around = uses.filter((u) => inside(d.span, u.span));
    // A message that names an instance's relation (`g.edge`) is about that instance alone.
    const named = around.filter((u) => d.message.includes(`\`${u.chain.map((c) => c.instance.name).join(".")}.`));
    for (const u of named.length > 0 ? named : around) {
      const init = u.chain[u.chain.length - 1];
      if (init === undefined) continue;
      const via = u.chain.length > 1 ? ` (inside ${u.chain.slice(0, -1).map((c) => `\`${c.instance.name}\``).join(", ")})` : "";
      const message = `in component \`${u.component}\`, instantiated here as \`${u.chain.map((c) => c.instance.name).join(".")}\`${via}`;
      if (!notes.some((n) => n.message === message) && !d.related.some((n) => n.message === message)) notes.push({ span: init.span, message });
    }
    if (notes.length === 0) {
      out.push(d);
      continue;
    }
    const key = `${d.code}\u0000${d.message}\u0000${d.span.file}\u0000${d.span.start}\u0000${d.span.end}`;
    const earlier = seen.get(key);
    if (earlier !== undefined) {
      const prev = out[earlier]!;
      out[earlier] = { ...prev, related: [...prev.related, ...notes.filter((n) => !prev.related.some((p) => p.message === n.message))] };
      continue;
    }
    seen.set(key, out.length);
    out.push({ ...d, related: [...d.related, ...notes] });
  }
  return out;
}
