// The C preprocessor pass Soufflé runs before parsing (`#include`, `#define`, `#ifdef`): the same
// program Soufflé picks (`mcpp -e utf8 -W0`, else `gcc -x c -E`), run only on files that have a
// `#` line, so every other file keeps its exact spans. Line markers are dropped and the main
// file's lines are padded back to their numbers, so diagnostics point at the lines as written.
import { existsSync } from "node:fs";
import { delimiter, join } from "node:path";
import { nodeChildProcess } from "../util/node-builtins.js";

/** How to preprocess: `enabled: false` is Soufflé's `--no-preprocessor`. */
export interface PreprocessOptions {
  readonly enabled?: boolean;
  /** `-I DIR`, in order. */
  readonly includeDirs?: readonly string[];
  /** Soufflé's `-M "A=1 B"`: macro definitions, each passed as `-D`. */
  readonly macros?: readonly string[];
}

export type PreprocessResult = { readonly text: string; readonly tool: string | null; readonly parts?: readonly IncludedPart[] } | { readonly error: string };

/** Where an `.include`d file's own text lies in the expanded text, so a span there can name that file. */
export interface IncludedPart {
  /** The full path of the included file. */
  readonly path: string;
  /** Its text as appended (its own `.include` lines blanked; what it includes comes after, as parts of their own). */
  readonly text: string;
  /** Where that text starts in the expanded text. */
  readonly offset: number;
}

/** Whether the text has a line the C preprocessor would act on. */
export function needsPreprocessor(text: string): boolean {
  return /^[ \t]*#[ \t]*(?:include|define|undef|if|ifdef|ifndef|elif|else|endif|error|pragma|line)\b|\b__(?:LINE|FILE|INCLUDE_LEVEL)__\b/m.test(text);
}

function onPath(exe: string): boolean {
  for (const dir of (process.env["PATH"] ?? "").split(delimiter)) if (dir !== "" && existsSync(join(dir, exe))) return true;
  return false;
}

/** Runs the preprocessor over the file at `path` (its text is `text`); returns the text to parse. */
export function preprocess(path: string, displayPath: string, text: string, options: PreprocessOptions = {}): PreprocessResult {
  if (options.enabled === false || !needsPreprocessor(text)) return { text, tool: null };
  const tool = onPath("mcpp") ? { exe: "mcpp", args: ["-e", "utf8", "-W0"] } : onPath("gcc") ? { exe: "gcc", args: ["-x", "c", "-E"] } : null;
  if (tool === null) return { error: "the file has C-preprocessor lines (`#include`, `#define`, ...), but neither `mcpp` nor `gcc` is installed to expand them" };
  const args = [...tool.args];
  for (const d of options.includeDirs ?? []) args.push("-I", d);
  for (const m of options.macros ?? []) for (const def of m.split(/\s+/).filter((x) => x !== "")) args.push(`-D${def}`);
  args.push("-DRAM_DOMAIN_SIZE=32", path);
  const r = nodeChildProcess().spawnSync(tool.exe, args, { encoding: "utf8", maxBuffer: 1 << 30 });
  if (r.error !== undefined) return { error: `cannot run \`${tool.exe}\`: ${r.error.message}` };
  if (r.status !== 0) {
    const why = (r.stderr ?? "").split("\n").filter((l) => /error/i.test(l)).slice(0, 3).join("; ").replaceAll(path, displayPath);
    return { error: `\`${tool.exe}\` failed on the file${why ? `: ${why}` : ""}` };
  }
  const out: string[] = [];
  let inMain = true;
  for (const line of r.stdout.split("\n")) {
    const m = /^#(?:line)?[ \t]+(\d+)(?:[ \t]+"((?:[^"\\]|\\.)*)")?/.exec(line);
    if (m === null) {
      out.push(line);
      continue;
    }
    if (m[2] !== undefined) inMain = m[2] === path;
    const target = Number(m[1]) - 1;
    if (inMain) while (out.length < target) out.push("");
  }
  return { text: out.join("\n"), tool: tool.exe };
}

/** A file that `.include` names: found in the including file's folder, then in each `-I` folder. */
export interface IncludeReader {
  /** The full path and text of the file, or null when it is in none of the folders. */
  read(name: string, fromDir: string): { readonly path: string; readonly text: string } | null;
}

const INCLUDE = /^[ \t]*\.include[ \t]+"((?:[^"\\\n]|\\.)*)"[ \t]*(?:\/\/.*)?$/gm;
const ONCE = /^[ \t]*\.once\b.*$/m;

/**
 * Soufflé's own `.include "file"` and `.once`: each included file is preprocessed on its own (so
 * `__LINE__` counts its lines) and its text is appended after the including file, which keeps every
 * line of the including file where it was written; a file with `.once` is read at most once.
 */
export function expandIncludes(
  path: string,
  text: string,
  reader: IncludeReader,
  expand: (path: string, text: string) => PreprocessResult,
  dirname: (path: string) => string,
  seen: Set<string> = new Set([path]),
  depth = 0,
): PreprocessResult {
  // Soufflé's scanner knows `__LINE__` itself, so it counts lines with or without the preprocessor.
  if (text.includes("__LINE__")) text = text.split("\n").map((l, i) => l.replace(/\b__LINE__\b/g, String(i + 1))).join("\n");
  if (!text.includes(".include") && !text.includes(".once")) return { text, tool: null };
  const appended: { readonly path: string; readonly inner: Extract<PreprocessResult, { text: string }> }[] = [];
  let error: string | null = null;
  const own = text.replace(ONCE, (m) => " ".repeat(m.length)).replace(INCLUDE, (line, name: string) => {
    if (error !== null) return line;
    const found = reader.read(name, dirname(path));
    if (found === null) {
      error = `\`.include "${name}"\`: no such file next to the including file or in an \`-I\` folder`;
      return line;
    }
    const once = ONCE.test(found.text);
    if (once && seen.has(found.path)) return " ".repeat(line.length);
    if (depth >= 32) {
      error = `\`.include "${name}"\`: files include each other more than 32 levels deep; mark them \`.once\``;
      return line;
    }
    seen.add(found.path);
    const pre = expand(found.path, found.text);
    if ("error" in pre) {
      error = pre.error;
      return line;
    }
    const inner = expandIncludes(found.path, pre.text, reader, expand, dirname, seen, depth + 1);
    if ("error" in inner) {
      error = inner.error;
      return line;
    }
    appended.push({ path: found.path, inner });
    return " ".repeat(line.length);
  });
  if (error !== null) return { error };
  // Each appended file's own text is one part; the parts it holds follow it, shifted to where it is placed.
  const parts: IncludedPart[] = [];
  let offset = own.length;
  for (const a of appended) {
    offset += 1; // the joining newline
    const first = a.inner.parts?.[0];
    parts.push({ path: a.path, text: first === undefined ? a.inner.text : a.inner.text.slice(0, first.offset - 1), offset });
    for (const p of a.inner.parts ?? []) parts.push({ ...p, offset: offset + p.offset });
    offset += a.inner.text.length;
  }
  return { text: [own, ...appended.map((a) => a.inner.text)].join("\n"), tool: null, parts };
}
