// Words for messages: short renderings of terms and near-miss name suggestions.
import type { Term } from "../syntax/ast.js";
import { printTerm } from "../syntax/printer.js";

/** Source-like text of a term, cut short so messages stay on one line. */
export function termText(t: Term, max = 40): string {
  const s = render(t);
  return s.length > max ? `${s.slice(0, max - 1)}…` : s;
}

/** The term as the syntax printer writes it, with an aggregate's body left out. */
function render(t: Term): string {
  if (t.kind === "aggregate") return `${t.op}${t.target ? ` ${printTerm(t.target)}` : ""} : { … }`;
  return printTerm(t);
}

/** The name nearest to `word` when it is close enough to be a typo, else null. */
export function nearest(word: string, names: Iterable<string>): string | null {
  const limit = word.length <= 3 ? 1 : word.length <= 6 ? 2 : 3;
  let best: string | null = null;
  let bestD = limit + 1;
  for (const n of names) {
    if (n === word) continue;
    const d = editDistance(word.toLowerCase(), n.toLowerCase());
    if (d < bestD) {
      bestD = d;
      best = n;
    }
  }
  return best;
}

/** A "did you mean" help line, or the fallback when nothing is close. */
export function didYouMean(word: string, names: Iterable<string>, fallback: string | null): string | null {
  const n = nearest(word, names);
  return n === null ? fallback : `did you mean \`${n}\`?`;
}

function editDistance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    let prev = row[0]!;
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const tmp = row[j]!;
      row[j] = Math.min(row[j]! + 1, row[j - 1]! + 1, prev + (a[i - 1] === b[j - 1] ? 0 : 1));
      prev = tmp;
    }
  }
  return row[b.length]!;
}
