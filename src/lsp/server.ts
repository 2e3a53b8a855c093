// `calmlog lsp`: the language server. Each open document is re-checked after a quiet moment
// (debounced), and its diagnostics are exactly `calmlog lint`'s; the features read the last check.
import { fileURLToPath, pathToFileURL } from "node:url";
import {
  CodeActionKind,
  CompletionItemKind,
  DiagnosticSeverity,
  MarkupKind,
  SymbolKind,
  TextDocuments,
  TextDocumentSyncKind,
  createConnection,
  type CodeAction,
  type Connection,
  type Diagnostic as LspDiagnostic,
  type InitializeResult,
  type Location,
} from "vscode-languageserver/node";
import { TextDocument } from "vscode-languageserver-textdocument";
import type { Diagnostic } from "../diagnostics/diagnostic.js";
import { LineIndex } from "../diagnostics/span.js";
import { checkDocument, PartCache, type DocumentCheck } from "./check.js";
import { completions, coordinationHover, documentSymbols, fixesFor, occurrenceAt, occurrencesOf, offsetRange, relationHover, spanRange, type Completion, type SymbolInfo } from "./features.js";
import { scanItems, type Scan } from "../syntax/items.js";

/** Server settings, from the client's `initializationOptions`. */
export interface ServerOptions {
  /** Quiet time after an edit before the re-check, in milliseconds (default 30). */
  readonly debounceMs?: number;
  /** Files at least this long are checked part by part. */
  readonly splitThreshold?: number;
}

export const DEFAULT_DEBOUNCE_MS = 30;

/** The file path a URI names, as `calmlog lint` would be given it. */
export function uriPath(uri: string): string {
  return uri.startsWith("file:") ? fileURLToPath(uri) : uri;
}

/** An LSP diagnostic from a calmlog one: same code, range, message and related locations. */
export function toLsp(d: Diagnostic, uri: string, path: string): LspDiagnostic {
  const severity = d.severity === "error" ? DiagnosticSeverity.Error : d.severity === "warning" ? DiagnosticSeverity.Warning : DiagnosticSeverity.Information;
  return {
    range: spanRange(d.span),
    severity,
    code: d.code,
    source: "calmlog",
    message: d.message,
    relatedInformation: d.related.map((r) => ({
      location: { uri: r.span.file === path ? uri : pathToFileURL(r.span.file).href, range: spanRange(r.span) },
      message: r.message,
    })),
    data: { help: d.help, notes: d.notes },
  };
}

interface DocState {
  check: DocumentCheck | null;
  timer: NodeJS.Timeout | null;
  readonly cache: PartCache;
}

/** Serves the language server protocol on `input`/`output` until the client says `exit`. */
export function startServer(input: NodeJS.ReadableStream, output: NodeJS.WritableStream): Connection {
  const connection = createConnection(input, output);
  const documents = new TextDocuments(TextDocument);
  const states = new Map<string, DocState>();
  let options: ServerOptions = {};

  const state = (uri: string): DocState => {
    let s = states.get(uri);
    if (s === undefined) states.set(uri, (s = { check: null, timer: null, cache: new PartCache() }));
    return s;
  };

  const recheck = (uri: string): void => {
    const doc = documents.get(uri);
    const s = states.get(uri);
    if (doc === undefined || s === undefined) return;
    s.timer = null;
    const path = uriPath(uri);
    try {
      const check = checkDocument(path, doc.getText(), s.cache, { previous: s.check, ...(options.splitThreshold === undefined ? {} : { splitThreshold: options.splitThreshold }) });
      s.check = check;
      void connection.sendDiagnostics({ uri, version: doc.version, diagnostics: check.diagnostics.map((d) => toLsp(d, uri, path)) });
    } catch (err) {
      // A bug in calmlog, not in the file: say so in the editor's log and keep serving the other documents.
      connection.console.error(`calmlog: internal error while checking ${path} (this is a bug in calmlog, not in your file)\n${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
    }
  };

  const schedule = (uri: string, delay: number): void => {
    const s = state(uri);
    if (s.timer !== null) clearTimeout(s.timer);
    s.timer = setTimeout(() => recheck(uri), delay);
  };

  /** The document's text with a scan of exactly that text, and the last check (which may be older). */
  const view = (uri: string): { doc: TextDocument; text: string; scan: Scan; lines: LineIndex; check: DocumentCheck } | null => {
    const doc = documents.get(uri);
    if (doc === undefined) return null;
    const s = state(uri);
    if (s.check === null) recheck(uri);
    const check = s.check;
    if (check === null) return null;
    const text = doc.getText();
    if (check.text === text) return { doc, text, scan: check.scan, lines: check.lines, check };
    return { doc, text, scan: scanItems(text), lines: new LineIndex(text), check };
  };

  connection.onInitialize((params): InitializeResult => {
    const init = (params.initializationOptions ?? {}) as ServerOptions;
    options = {
      ...(typeof init.debounceMs === "number" ? { debounceMs: init.debounceMs } : {}),
      ...(typeof init.splitThreshold === "number" ? { splitThreshold: init.splitThreshold } : {}),
    };
    return {
      capabilities: {
        textDocumentSync: { openClose: true, change: TextDocumentSyncKind.Incremental },
        hoverProvider: true,
        definitionProvider: true,
        referencesProvider: true,
        documentSymbolProvider: true,
        completionProvider: { triggerCharacters: ["."] },
        codeActionProvider: { codeActionKinds: [CodeActionKind.QuickFix] },
      },
      serverInfo: { name: "calmlog" },
    };
  });

  documents.onDidOpen((e) => {
    // A document just opened is checked at once; edits wait for a quiet moment.
    state(e.document.uri);
    schedule(e.document.uri, 0);
  });
  documents.onDidChangeContent((e) => {
    if (state(e.document.uri).check === null) return;
    schedule(e.document.uri, options.debounceMs ?? DEFAULT_DEBOUNCE_MS);
  });
  documents.onDidClose((e) => {
    const s = states.get(e.document.uri);
    if (s?.timer) clearTimeout(s.timer);
    states.delete(e.document.uri);
    void connection.sendDiagnostics({ uri: e.document.uri, diagnostics: [] });
  });

  connection.onHover((p) => {
    const v = view(p.textDocument.uri);
    if (v === null) return null;
    const offset = v.doc.offsetAt(p.position);
    const o = occurrenceAt(v.scan, offset);
    if (o !== null) return { contents: { kind: MarkupKind.Markdown, value: relationHover(v.check, v.text, v.scan, o.name) }, range: offsetRange(v.lines, o.start, o.end) };
    if (v.check.text !== v.text) return null;
    const c = coordinationHover(v.check, offset);
    return c === null ? null : { contents: { kind: MarkupKind.Markdown, value: c } };
  });

  connection.onDefinition((p): Location[] | null => {
    const v = view(p.textDocument.uri);
    if (v === null) return null;
    const o = occurrenceAt(v.scan, v.doc.offsetAt(p.position));
    if (o === null) return null;
    const decls = occurrencesOf(v.scan, o.name).filter((x) => x.role === "decl");
    return decls.length === 0 ? null : decls.map((d) => ({ uri: p.textDocument.uri, range: offsetRange(v.lines, d.start, d.end) }));
  });

  connection.onReferences((p): Location[] | null => {
    const v = view(p.textDocument.uri);
    if (v === null) return null;
    const o = occurrenceAt(v.scan, v.doc.offsetAt(p.position));
    if (o === null) return null;
    return occurrencesOf(v.scan, o.name)
      .filter((x) => p.context.includeDeclaration || x.role !== "decl")
      .map((x) => ({ uri: p.textDocument.uri, range: offsetRange(v.lines, x.start, x.end) }));
  });

  connection.onDocumentSymbol((p) => {
    const v = view(p.textDocument.uri);
    if (v === null) return null;
    const kind: Record<SymbolInfo["kind"], SymbolKind> = { relation: SymbolKind.Struct, type: SymbolKind.TypeParameter, invariant: SymbolKind.Event, rule: SymbolKind.Function, directive: SymbolKind.Key };
    return documentSymbols(v.check, v.scan, v.text, v.lines).map((s) => ({ name: s.name, kind: kind[s.kind], detail: s.detail, range: s.range, selectionRange: s.selection }));
  });

  connection.onCompletion((p) => {
    const v = view(p.textDocument.uri);
    if (v === null) return null;
    const kind: Record<Completion["kind"], CompletionItemKind> = { relation: CompletionItemKind.Class, directive: CompletionItemKind.Keyword, functor: CompletionItemKind.Function, keyword: CompletionItemKind.Keyword, type: CompletionItemKind.TypeParameter };
    return completions(v.scan, v.text, v.lines, v.doc.offsetAt(p.position)).map((c) => ({ label: c.label, kind: kind[c.kind], detail: c.detail, textEdit: { range: c.range, newText: c.label } }));
  });

  connection.onCodeAction((p): CodeAction[] | null => {
    const v = view(p.textDocument.uri);
    if (v === null || v.check.text !== v.text) return null;
    const start = v.doc.offsetAt(p.range.start);
    const end = v.doc.offsetAt(p.range.end);
    const out: CodeAction[] = [];
    for (const d of v.check.diagnostics) {
      if (d.span.end < start || d.span.start > end) continue;
      const lsp = toLsp(d, p.textDocument.uri, uriPath(p.textDocument.uri));
      for (const f of fixesFor(d, v.check, v.text, v.lines)) {
        out.push({ title: f.title, kind: CodeActionKind.QuickFix, diagnostics: [lsp], isPreferred: f.preferred, edit: { changes: { [p.textDocument.uri]: f.edits.map((e) => ({ range: e.range, newText: e.newText })) } } });
      }
    }
    return out;
  });

  documents.listen(connection);
  connection.listen();
  return connection;
}
