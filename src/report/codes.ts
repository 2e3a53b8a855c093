// The one catalog of diagnostic codes. Codes are stable: tests, JSON and SARIF rules refer to them.
// Ranges: CL1xx syntax, CL2xx semantic checks, CL3xx monotonicity and strata, CL4xx facts and
// evaluation, CL5xx replicas and epochs, CL6xx invariants.

export interface CodeInfo {
  readonly id: string;
  /** A kebab-case name, used as the SARIF rule name. */
  readonly name: string;
  readonly severity: "error" | "warning" | "note";
  /** One line. */
  readonly short: string;
  /** A paragraph: what it means and why it matters. */
  readonly full: string;
  /** The usual fix. */
  readonly help: string | null;
}

function code<const Id extends string>(id: Id, name: string, severity: CodeInfo["severity"], short: string, full: string, help: string | null) {
  return { id, name, severity, short, full, help } as const satisfies CodeInfo;
}

const LIST = [
  // ---- CL1xx: syntax -------------------------------------------------------------------
  code("CL101", "syntax-error", "error", "Syntax error",
    "The parser expected something else at this point of the rule file.",
    "Compare the line with the grammar in `grammar/calmlog.ebnf`; a missing `.` at the end of the previous clause is the most common cause."),
  code("CL102", "lexical-error", "error", "Unrecognised or unterminated text",
    "A character that starts no token, an unterminated string or an unterminated block comment.",
    "Close the string with `\"` or the comment with `*/`, or remove the character."),
  code("CL103", "invalid-literal", "error", "Invalid literal",
    "A number that does not fit its type, or a string with an unknown escape sequence.",
    "`number` is a signed 32-bit integer and `unsigned` an unsigned one; valid escapes are \\\" \\\\ \\n \\t \\r."),
  code("CL104", "unsupported-construct", "error", "Soufflé construct that calmlog does not support",
    "The construct is valid Soufflé but outside the dialect calmlog implements: user-defined functors, the `$` counter and `autoinc`, subsumption, choice domains, `.limitsize`.",
    "Rewrite the program without it; the README's language reference lists what is supported."),
  code("CL106", "pragma-noted", "note", "`.pragma` accepted",
    "Soufflé's `.pragma \"key\" \"value\"` sets a command-line option from the program. calmlog accepts every pragma; those that change results (none of Soufflé's do) would be honoured, the rest (optimisation switches such as `magic-transform`) have no effect here.",
    null),
  code("CL107", "plan-ignored", "note", "`.plan` accepted and ignored",
    "Soufflé's `.plan` fixes the join order of the clause before it. calmlog orders joins by its own planner (README: How evaluation works), so the plan has no effect on results.",
    null),
  code("CL108", "preprocessor-failed", "error", "The C preprocessor could not expand the file",
    "Soufflé runs the C preprocessor (`mcpp`, else `gcc -E`) over a program before parsing it; calmlog does the same for files with `#` lines. The preprocessor is missing or reported an error.",
    "Install `mcpp`, or fix the `#include` / `#define` line it reports."),

  // ---- CL2xx: semantic checks ------------------------------------------------------------
  code("CL201", "undeclared-relation", "error", "Relation is not declared",
    "Every relation used in a fact, rule or directive needs a `.decl`.",
    "Add `.decl name(a: symbol, ...)` or fix the spelling."),
  code("CL202", "arity-mismatch", "error", "Wrong number of arguments",
    "An atom has a different number of arguments than its relation's declaration.",
    "Match the number of columns in the `.decl`."),
  code("CL203", "type-mismatch", "error", "Type mismatch",
    "A variable or constant is used as a symbol in one place and as a number in another, or a value does not match its column's type.",
    "Use one type consistently; convert with `to_number(s)` or `to_string(n)`."),
  code("CL204", "duplicate-declaration", "error", "Declared twice",
    "A relation or type is declared more than once.",
    "Remove or rename one of the declarations."),
  code("CL205", "ungrounded-variable", "error", "Ungrounded variable",
    "A variable in a head, a negated atom, a comparison or an aggregate result is not bound by any positive body atom, so the rule could produce infinitely many tuples.",
    "Bind the variable in a positive atom of the body, or replace it with `_` where it is only a placeholder."),
  code("CL206", "single-use-variable", "warning", "Variable used only once",
    "A named variable that occurs once matches anything; it is usually a typo for another variable.",
    "Use `_` if any value is meant, or correct the name."),
  code("CL207", "directive-undeclared", "error", "Directive names an undeclared relation",
    "`.input`, `.output`, `.printsize` and `.invariant` must name a declared relation.",
    "Declare the relation with `.decl` or fix the name."),
  code("CL208", "unknown-type", "error", "Unknown type",
    "A type used in a declaration is neither primitive (`symbol`, `number`, `unsigned`, `float`) nor declared with `.type`.",
    "Declare it with `.type Name <: symbol` or use a primitive type."),
  code("CL209", "fact-not-constant", "error", "Fact argument is not a constant",
    "A fact must list constants only; variables, wildcards and aggregates belong in rules.",
    "Write a rule with a body, or replace the argument with a constant."),
  code("CL210", "wildcard-in-head", "error", "Wildcard in head",
    "A head must produce definite values; `_` has none.",
    "Use a variable bound in the body, or a constant."),
  code("CL211", "bad-functor", "error", "Unknown functor or wrong number of arguments",
    "The built-in functors are `cat`, `strlen`, `substr`, `ord`, `to_number`, `to_string`, `min`, `max`, the conversions `to_float`, `to_unsigned`, `itof`, `itou`, `utof`, `utoi`, `ftoi`, `ftou`, and `range`.",
    "Check the functor's name and arguments in the README's language reference."),
  code("CL212", "bad-io-parameter", "warning", "Unknown or unsupported IO parameter",
    "calmlog reads and writes files; parameters it does not understand are ignored.",
    "Supported parameters: `IO=file`, `filename`, `delimiter`, `headers`."),
  code("CL213", "relation-never-defined", "warning", "Relation has no rules, facts or input",
    "The relation is declared and read, but nothing can ever add a tuple to it, so it is always empty.",
    "Add `.input name`, a fact, or a rule that derives it."),
  code("CL214", "aggregate-misuse", "error", "Aggregate used where it cannot be evaluated",
    "Nested aggregates, aggregates over a relation of the same recursive cycle, or a variable bound only inside an aggregate used outside it (Soufflé's witness problem).",
    "Move the inner aggregate to a rule of its own, and bind outside variables in the body."),
  code("CL215", "invalid-invariant", "error", "Invariant cannot be used",
    "An invariant must name a declared relation that is derived by rules (it holds when the relation is empty).",
    "Point `.invariant` at a relation defined by the rules that detect a violation."),
  code("CL216", "bad-component", "error", "Component cannot be instantiated",
    "A `.init` or a base component names a component that is not declared (in this scope or an enclosing one), or gives the wrong number of type parameters; or `.override` stands outside a component.",
    "Declare the component with `.comp Name<T> { ... }` or fix the name and parameters."),
  code("CL217", "component-recursion", "error", "Components instantiate each other without end",
    "Instantiating a component instantiates it again (directly or through others); Soufflé stops at 100 levels, as calmlog does.",
    "Remove the `.init` that makes the cycle."),
  code("CL218", "bad-adt-branch", "error", "Unknown ADT branch or wrong number of fields",
    "`$Branch(a, b)` builds a value of an algebraic data type; the branch must be declared in a `.type` with that many fields.",
    "Check the branch name and its fields in the `.type` declaration."),
  code("CL219", "bad-qualifier", "error", "Qualifier or IO directive given twice or in conflict",
    "A relation's qualifiers (`btree`, `brie`, `eqrel`, `inline`, ...) and its `.printsize` are each given once (as in Soufflé), and an `inline` relation is replaced by its rules, so it cannot be an input or output.",
    "Remove the repeated qualifier, or `inline` from an IO relation."),

  // ---- CL3xx: strata and monotonicity ------------------------------------------------------
  code("CL301", "unstratifiable", "error", "Negation or aggregation inside a recursive cycle",
    "A relation depends on its own absence or total through a cycle of rules, so the program has no stratified meaning.",
    "Break the cycle: compute the negated or aggregated relation in a separate relation that does not depend on the rule's head."),
  code("CL302", "coordination-negation", "warning", "Rule depends on absence (negation): needs a sealed epoch",
    "A negated atom can turn false when more facts arrive, so the rule's conclusions are not lower bounds. On replicated data the rule runs only over a sealed epoch.",
    "Seal an epoch before reading the result, rewrite the rule with positive facts (e.g. a tombstone or an explicit `done` fact), or route all writes for the key to one authority."),
  code("CL303", "coordination-aggregation", "warning", "Rule depends on a total (aggregation): needs a sealed epoch",
    "An aggregate's value can change in either direction as facts arrive (or is exposed in a head), so the rule's conclusions are not lower bounds. On replicated data the rule runs only over a sealed epoch.",
    "Seal an epoch before reading the result; if only a bound matters, rewrite as a monotone threshold (`c >= k` on a growing count); or allocate rights per replica (escrow)."),
  code("CL304", "monotone-threshold", "note", "Aggregate read as a monotone threshold",
    "The aggregate can only grow as facts arrive and is compared only in the growing direction against a constant or a value read from a relation only the program's facts define, so once true the comparison stays true: the rule is monotonic.",
    null),
  code("CL305", "reads-non-monotonic", "note", "Relation waits for a sealed epoch because it reads one that does",
    "The relation's rules are monotonic, but they read a relation whose value is only final after a seal, so it is withheld with it.",
    null),

  // ---- CL4xx: facts and evaluation ----------------------------------------------------------
  code("CL401", "fact-column-count", "error", "Wrong number of columns in a fact file",
    "A line of a fact file has more or fewer columns than the relation's declaration.",
    "Separate columns with the relation's delimiter (a tab by default) and give one value per column."),
  code("CL402", "fact-bad-value", "error", "Value does not fit its column",
    "A value in a fact file is not a valid literal of its column's type, or is out of range.",
    "`number` columns take signed 32-bit integers, `unsigned` unsigned 32-bit integers, `float` decimal numbers."),
  code("CL403", "fact-bad-format", "error", "Malformed fact file",
    "A line of a fact file cannot be read (bad escape, bad JSON, unterminated quote).",
    "Fix the line; JSON Lines files hold one JSON array or object per line."),
  code("CL404", "fact-file-missing", "error", "Input file not found",
    "A relation marked `.input` has no fact file where calmlog looks for it.",
    "Create the file (it may be empty) or pass the right directory with `-F`."),
  code("CL405", "arithmetic-error", "error", "Arithmetic error during evaluation",
    "Division by zero, overflow of a 32-bit `number`, or a functor applied outside its domain.",
    "Guard the rule with a comparison (e.g. `d != 0`) or use a wider type."),
  code("CL406", "output-error", "error", "Cannot write output",
    "An output file or directory could not be written.",
    "Check that the directory exists and is writable."),

  // ---- CL5xx: replicas, epochs and seals -------------------------------------------------------
  code("CL501", "replica-lost-facts", "warning", "Replica's files lack facts it held before",
    "Replica state is grow-only: facts once merged are kept. Deleting lines from a fact file does not remove facts.",
    "Record a removal as a tombstone fact (e.g. `removed(item)`) and let a rule subtract it."),
  code("CL502", "late-fact", "error", "Fact added to a sealed epoch",
    "An epoch's facts are fixed when it is sealed; a fact that appears later would change results already declared final.",
    "Put the fact in an open (unsealed) epoch."),
  code("CL503", "sealed-epoch-changed", "error", "Sealed epoch's files changed",
    "The digest of a replica's facts in a sealed epoch no longer matches its seal record.",
    "Restore the sealed files (the kept state holds them) and add new facts to an open epoch."),
  code("CL504", "replica-layout", "error", "Replica directory is not laid out as expected",
    "Replica data lives in `DIR/<replica>/epoch-<n>/<relation>.facts`.",
    "Rename the folders or files to match the layout in the README."),
  code("CL505", "seal-error", "error", "Cannot seal this epoch",
    "Epochs are sealed in order, once each, and a seal covers every replica's facts of that epoch.",
    "Seal the earlier epochs first, or pick an epoch that is not sealed yet."),

  // ---- CL6xx: invariants -----------------------------------------------------------------
  code("CL601", "invariant-confluent", "note", "Invariant survives merging (proved)",
    "Independently valid replica states always merge into a valid state, so the invariant needs no coordination.",
    null),
  code("CL602", "invariant-needs-coordination", "warning", "Invariant can break when valid replica states merge",
    "Two replicas can each make a valid update whose merge violates the invariant; a counterexample is shown.",
    "Coordinate the updates that can conflict: seal an epoch, or route writes for the key to one authority."),
  code("CL603", "invariant-escrow", "warning", "Invariant bound can be kept by allocating rights per replica",
    "The invariant bounds a count or sum of replicated facts. Merging breaks it, but splitting the bound into per-replica rights (escrow) keeps it without coordinating each update.",
    "Give each replica its share of the bound and check each replica's own facts against its share."),
  code("CL604", "invariant-unknown", "warning", "Invariant neither proved nor refuted",
    "No sufficient condition for confluence applies and the bounded search found no counterexample. This is not a proof.",
    "Raise `--trials` or `--max-size`, or simplify the invariant's rules."),
  code("CL605", "invariant-check-non-monotonic", "note", "Invariant check itself needs a sealed epoch",
    "The invariant relation is non-monotonic, so a replica can only check it over a sealed epoch.",
    null),
] as const;

/** Every diagnostic code. */
export type Code = (typeof LIST)[number]["id"
];

export const CODES: Readonly<Record<Code, CodeInfo>> = Object.fromEntries(LIST.map((c) => [c.id, c])) as Record<Code, CodeInfo>;

/** The catalog in code order, for SARIF rules and the README table. */
export const CODE_LIST: readonly CodeInfo[] = LIST;
