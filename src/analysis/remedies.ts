// The honest options for a rule that needs coordination, in the user's words. Each option says
// what it costs; which ones apply depends on the literal (a threshold rewrite only helps aggregates).
import type { NonMonotonicUse, Remedy } from "./types.js";

/** One line per remedy, for a literal reading `relation`. */
export function describeRemedy(remedy: Remedy, use: NonMonotonicUse): string {
  switch (remedy) {
    case "seal":
      return `seal an epoch: the rule runs once every replica's facts for the epoch are in, and its result is final`;
    case "threshold":
      return `rewrite as a monotone threshold if only a bound matters: \`count\`/\`max\`/\`sum\` over \`unsigned\` compared with \`>=\` or \`>\` against a constant or a value only the program's facts define (or \`min\` with \`<=\`/\`<\`) stays monotonic`;
    case "escrow":
      return `allocate rights per replica (escrow): split the bound between replicas so each can accept \`${use.relation}\` facts alone up to its share`;
    case "authority":
      return `route every write of \`${use.relation}\` for the key to one authority replica, which then decides alone`;
  }
}

/** The remedies that apply to `use` (every non-monotonic literal can at least be sealed). */
export function remediesOf(use: NonMonotonicUse): readonly Remedy[] {
  return use.remedies ?? ["seal", "authority"];
}

/** The `help` line of a CL302/CL303 diagnostic: the options, joined. */
export function remedyHelp(use: NonMonotonicUse): string {
  return `options: ${remediesOf(use).map((r) => describeRemedy(r, use)).join("; or ")}`;
}
