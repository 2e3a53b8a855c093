// The VS Code extension's manifest agrees with the server and the grammar it ships: the language,
// the grammar's scope, the language configuration, the engine its client library needs, and the
// command line it starts the server with.
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { DEFAULT_DEBOUNCE_MS } from "../../src/lsp/server.js";

const read = (p: string): string => readFileSync(fileURLToPath(new URL(`../../${p}`, import.meta.url)), "utf8");
const manifest = JSON.parse(read("editors/vscode/package.json")) as {
  main: string;
  engines: { vscode: string };
  scripts: Record<string, string>;
  dependencies: Record<string, string>;
  contributes: {
    languages: { id: string; extensions: string[]; configuration: string }[];
    grammars: { language: string; scopeName: string; path: string }[];
    configuration: { properties: Record<string, { default: unknown }> };
  };
};

describe("editors/vscode", () => {
  it("contributes the calmlog language for `.dl` files with the repository's grammar", () => {
    const [language] = manifest.contributes.languages;
    expect(language).toMatchObject({ id: "calmlog", extensions: [".dl"] });
    const [grammar] = manifest.contributes.grammars;
    const root = JSON.parse(read("grammar/calmlog.tmLanguage.json")) as { scopeName: string };
    expect(grammar).toEqual({ language: "calmlog", scopeName: root.scopeName, path: "./syntaxes/calmlog.tmLanguage.json" });
    // The build copies the grammar to where the manifest points.
    expect(read("editors/vscode/scripts/copy-grammar.mjs")).toContain('"../syntaxes/calmlog.tmLanguage.json"');
    expect(manifest.scripts["build"]).toMatch(/^npm run grammar && esbuild .*--outfile=dist\/extension\.js$/);
    expect(manifest.main).toBe("./dist/extension.js");
  });

  it("has a language configuration VS Code can read", () => {
    const config = JSON.parse(read(`editors/vscode/${manifest.contributes.languages[0]!.configuration}`)) as { comments: { lineComment: string; blockComment: string[] }; wordPattern: string };
    expect(config.comments).toEqual({ lineComment: "//", blockComment: ["/*", "*/"] });
    const word = new RegExp(config.wordPattern, "g");
    expect("open_blocker(r, _) :- x?1 = 12".match(word)).toEqual(["open_blocker", "r", "_", "x?1", "12"]);
  });

  it("asks for the VS Code version its language client needs, and packages offline into a .vsix", () => {
    const lock = JSON.parse(read("editors/vscode/package-lock.json")) as { packages: Record<string, { engines?: { vscode?: string; node?: string } }> };
    expect(manifest.engines.vscode).toBe(lock.packages["node_modules/vscode-languageclient"]!.engines!.vscode);
    expect(manifest.scripts["package"]).toBe("npm run build && vsce package --no-dependencies --skip-license --allow-missing-repository --out calmlog.vsix");
    // @vscode/vsce must run on the Node the project supports.
    expect(lock.packages["node_modules/@vscode/vsce"]!.engines!.node).toBe(">= 20");
  });

  it("starts `calmlog lsp --stdio` with the server's default debounce", () => {
    const source = read("editors/vscode/src/extension.ts");
    expect(source).toContain('args: ["lsp"], transport: TransportKind.stdio');
    expect(manifest.contributes.configuration.properties["calmlog.server.debounceMs"]!.default).toBe(DEFAULT_DEBOUNCE_MS);
  });
});
