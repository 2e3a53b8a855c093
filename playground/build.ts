// `npm run playground`: bundles the core and the page into playground/dist/index.html, one file
// with the script inline (a classic script, so it runs from file:// too) and the release and
// inventory examples, their replicas' facts written as Datalog facts.
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { build } from "esbuild";
import { compile } from "../src/index.js";

const ROOT = join(dirname(fileURLToPath(import.meta.url)), "..");
const OUT = join(ROOT, "playground", "dist");

const EXAMPLES = [
  { name: "release", title: "release: ship when approved and unblocked" },
  { name: "inventory", title: "inventory: never sell more than the stock" },
];

/** A replica folder's facts (every epoch) as Datalog facts the playground parses. */
function replicaFacts(program: string, folder: string): string {
  const compiled = compile({ path: "program.dl", text: program });
  const lines: string[] = [];
  for (const epoch of readdirSync(folder).filter((e) => /^epoch-\d+$/.test(e)).sort()) {
    lines.push(`// ${epoch} of the example`);
    for (const file of readdirSync(join(folder, epoch)).sort()) {
      const relation = file.replace(/\.facts$/, "");
      const schema = compiled.checked.relations.get(relation);
      if (schema === undefined || !file.endsWith(".facts")) continue;
      for (const row of readFileSync(join(folder, epoch, file), "utf8").split("\n")) {
        if (row.trim() === "") continue;
        const values = row.split("\t").map((v, i) => (schema.columns[i]?.type === "symbol" ? JSON.stringify(v) : v));
        lines.push(`${relation}(${values.join(", ")}).`);
      }
    }
  }
  return lines.join("\n") + "\n";
}

function examples(): unknown[] {
  return EXAMPLES.map((e) => {
    const dir = join(ROOT, "programs", e.name);
    const program = readFileSync(join(dir, `${e.name}.dl`), "utf8");
    const replicas = readdirSync(join(dir, "replicas"), { withFileTypes: true })
      .filter((d) => d.isDirectory() && !d.name.startsWith(".") && d.name !== "seals")
      .map((d) => ({ name: d.name, facts: replicaFacts(program, join(dir, "replicas", d.name)) }));
    return { ...e, program, replicas };
  });
}

export async function buildPlayground(outDir = OUT): Promise<string> {
  const result = await build({
    entryPoints: [join(ROOT, "playground", "app.ts")],
    bundle: true,
    write: false,
    format: "iife",
    platform: "browser",
    target: "es2022",
    minify: true,
    legalComments: "none",
    define: { EXAMPLES: JSON.stringify(examples()) },
    logLevel: "silent",
  });
  const script = result.outputFiles[0]!.text.replace(/<\/script/gi, "<\\/script");
  const page = readFileSync(join(ROOT, "playground", "index.html"), "utf8").replace("<!--APP-->", () => `<script>\n${script}</script>`);
  mkdirSync(outDir, { recursive: true });
  const path = join(outDir, "index.html");
  writeFileSync(path, page);
  return path;
}

if (process.argv[1] !== undefined && fileURLToPath(import.meta.url) === process.argv[1]) {
  const path = await buildPlayground();
  process.stdout.write(`playground: ${path} (${Math.round(readFileSync(path).length / 1024)} KiB); open it in a browser, file:// works\n`);
}
