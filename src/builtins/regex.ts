// Soufflé's `match` uses `std::regex` with the ECMAScript grammar, which also takes POSIX class names
// inside brackets (`[[:digit:]]`); JavaScript's RegExp does not, so they are spelled out here.

/** What each class name stands for inside a bracket expression (C++ `std::regex_traits::lookup_classname`). */
const CLASSES: Readonly<Record<string, string>> = {
  alnum: "0-9A-Za-z",
  alpha: "A-Za-z",
  blank: " \\t",
  cntrl: "\\x00-\\x1f\\x7f",
  digit: "0-9",
  d: "0-9",
  graph: "\\x21-\\x7e",
  lower: "a-z",
  print: "\\x20-\\x7e",
  punct: "!-\\/:-@\\[-`{-~",
  space: " \\t\\n\\v\\f\\r",
  s: " \\t\\n\\v\\f\\r",
  upper: "A-Z",
  w: "0-9A-Za-z_",
  xdigit: "0-9A-Fa-f",
};

/** The pattern with `[:name:]` inside brackets replaced by the characters it names; null for an unknown name (a bad pattern). */
export function ecmaPatternToJs(pattern: string): string | null {
  if (!pattern.includes("[:")) return pattern;
  let out = "";
  let inClass = false;
  for (let i = 0; i < pattern.length; i++) {
    const ch = pattern[i]!;
    if (ch === "\\") {
      out += pattern.slice(i, i + 2);
      i++;
      continue;
    }
    if (!inClass) {
      if (ch === "[") inClass = true;
      out += ch;
      continue;
    }
    if (ch === "[" && pattern[i + 1] === ":") {
      const end = pattern.indexOf(":]", i + 2);
      if (end < 0) return null;
      const name = pattern.slice(i + 2, end);
      const chars = CLASSES[name];
      if (chars === undefined) return null;
      out += chars;
      i = end + 1;
      continue;
    }
    if (ch === "]") inClass = false;
    out += ch;
  }
  return out;
}
