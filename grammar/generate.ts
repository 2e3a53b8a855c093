// `npm run grammar`: writes the railroad diagrams and the typed CST from the parser's grammar.
import { writeFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { cstTypes, diagramsHtml } from "./artifacts.js";

const here = (p: string): string => fileURLToPath(new URL(p, import.meta.url));
writeFileSync(here("./diagrams.html"), diagramsHtml());
writeFileSync(here("../src/syntax/cst.ts"), cstTypes());
console.log("wrote grammar/diagrams.html and src/syntax/cst.ts");
