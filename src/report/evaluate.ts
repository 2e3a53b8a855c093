// Renderers of a replica report: one for people (text) and one for programs (JSON, with the
// schema in `evaluate-schema.json`). Both read the same report data; neither writes anywhere.
import type { Diagnostic } from "../diagnostics/diagnostic.js";
import { diagnosticJson } from "./diagnostic-json.js";
import { shownPath } from "./text.js";
import type { Tuple } from "../replica/tuple-keys.js";
import { addedPreview, type ReplicaReport } from "../replica/evaluate.js";

/** Where the replicas came from. */
export type ReportSource =
  | { readonly kind: "directory"; readonly path: string }
  | { readonly kind: "replicas"; readonly sealed: boolean }
  | { readonly kind: "jetstream"; readonly url: string };

/** How a command names the source: a directory relative to `cwd`, a JetStream set by its URL. */
function sourceName(source: ReportSource, cwd: string): string | null {
  return source.kind === "directory" ? shownPath(source.path, cwd) : source.kind === "jetstream" ? source.url : null;
}

/** What the renderers need beyond the report. */
export interface RenderInput {
  readonly program: string;
  readonly source: ReportSource;
  readonly report: ReplicaReport;
  readonly diagnostics: readonly Diagnostic[];
  /** Files written by `-D`. */
  readonly outputs: readonly string[];
  /** Output relations not written because their results are withheld. */
  readonly notWritten: readonly string[];
  /** Paths are shown relative to this directory. */
  readonly cwd: string;
}

const SHOW_TUPLES = 5;
const SHOW_KEYS = 10;

/** The report as text: per replica, merged, sealed, withheld. Diagnostics are rendered separately. */
export function renderText(input: RenderInput): string {
  const { report } = input;
  const out: string[] = [];
  const name = sourceName(input.source, input.cwd);
  const where = name === null ? "" : ` in \`${name}\``;
  const sealedText = report.sealedEpoch === 0 ? "no epoch sealed" : report.sealedEpoch === 1 ? "epoch 1 sealed" : `epochs 1..${report.sealedEpoch} sealed`;
  const openText = report.openEpochs.length === 0 ? "no open epoch" : `open: ${epochList(report.openEpochs)}`;
  out.push(`${report.replicas.length} replica(s)${where}; ${sealedText}; ${openText}`, "");

  const width = Math.max(0, ...report.replicas.flatMap((r) => r.relations.map((x) => x.relation.length)));
  for (const r of report.replicas) {
    out.push(`replica \`${r.name}\`: ${r.facts} fact(s), ${r.newFacts} new since the last run`);
    const rows = r.relations.filter((x) => x.size > 0 || addedPreview(x).count > 0);
    if (rows.length === 0) out.push("  (no facts)");
    for (const x of rows) {
      // Only the shown tuples are decoded.
      const added = addedPreview(x);
      out.push(`  ${x.relation.padEnd(width)}  ${String(x.size).padStart(6)}${added.count > 0 ? `  +${added.count} new` : ""}`);
      for (const t of added.head(SHOW_TUPLES)) out.push(`      + ${tupleText(t)}`);
      if (added.count > SHOW_TUPLES) out.push(`      ... and ${added.count - SHOW_TUPLES} more`);
    }
  }
  out.push("");

  out.push("merged view (lower bounds: the union of every replica's facts, sealed and open epochs)");
  const merged = report.merged.filter((m) => m.size > 0);
  if (merged.length === 0) out.push("  (empty)");
  const mw = Math.max(0, ...merged.map((m) => m.relation.length));
  for (const m of merged) out.push(`  ${m.relation.padEnd(mw)}  ${String(m.size).padStart(6)}`);
  out.push("");

  if (report.sealed !== null) {
    const s = report.sealed;
    const released = (report.keys ?? []).filter((k) => k.final.length > 0);
    const perKey = released.length === 0 ? "" : `; ${released.map((k) => `${k.final.length} value(s) of key \`${k.key}\` released by key seals`).join(", ")}`;
    if (s.epoch === 0) out.push(`sealed results (no epoch sealed as a whole; final per key only${perKey})`);
    else out.push(`sealed results (final as of epoch ${s.epoch}, sealed ${s.sealedAt}${s.reason === null ? "" : `: ${s.reason}`}${perKey})`);
    if (s.relations.length === 0) out.push("  (the program has no relation that waits for a seal)");
    const sw = Math.max(0, ...s.relations.map((x) => x.relation.length));
    for (const x of s.relations) {
      out.push(`  ${x.relation.padEnd(sw)}  ${String(x.size).padStart(6)}`);
      for (const t of x.tuples.slice(0, SHOW_TUPLES)) out.push(`      ${tupleText(t)}`);
      if (x.tuples.length > SHOW_TUPLES) out.push(`      ... and ${x.tuples.length - SHOW_TUPLES} more`);
    }
    out.push("");
  }

  const keys = (report.keys ?? []).filter((k) => k.final.length > 0 || k.waiting.length > 0);
  if (keys.length > 0) {
    out.push("keys (per-key seals: the released part of a relation decided per key is final before its epoch is sealed as a whole)");
    const target = sourceName(input.source, input.cwd) ?? "DIR";
    for (const k of keys) {
      out.push(`  key \`${k.key}\` decides ${k.relations.map((r) => `\`${r}\``).join(", ")}`);
      for (const f of k.final.slice(0, SHOW_KEYS)) out.push(`    final:   \`${f.value}\` (sealed for the key through epoch ${f.epoch})`);
      if (k.final.length > SHOW_KEYS) out.push(`    ... and ${k.final.length - SHOW_KEYS} more final`);
      for (const w of k.waiting.slice(0, SHOW_KEYS)) {
        const next = w.seal[0] === undefined ? "" : ` (next: \`calmlog seal ${target} --epoch ${w.seal[0]} --key ${k.key}=${w.value} --program ${shownPath(input.program, input.cwd)}\`)`;
        out.push(`    waiting: \`${w.value}\` has facts in ${epochList(w.epochs)}${next}`);
      }
      if (k.waiting.length > SHOW_KEYS) out.push(`    ... and ${k.waiting.length - SHOW_KEYS} more waiting`);
    }
    out.push("");
  }

  if (report.invariants.length > 0) {
    out.push("invariants (relations that must stay empty)");
    for (const inv of report.invariants) {
      const name = `invariant \`${inv.relation}\`${inv.description === null ? "" : ` (${JSON.stringify(inv.description)})`}`;
      const place = inv.where === "merged" ? "the merged view" : (report.sealed?.epoch ?? report.sealedEpoch) === 0 ? "the sealed results of the released keys" : `the sealed results as of epoch ${report.sealed?.epoch ?? report.sealedEpoch}`;
      if (inv.status === "withheld") out.push(`  ${name} is withheld: it reads absence or totals, and no epoch is sealed yet`);
      else if (inv.status === "holds") out.push(`  ${name} holds in ${place}${report.withheld.some((w) => w.relation === inv.relation) ? "; open epochs wait for a seal" : ""}`);
      else {
        out.push(`  ${name} is broken: ${inv.tuples.length} tuple${inv.tuples.length === 1 ? "" : "s"} in ${place}`);
        for (const t of inv.tuples.slice(0, SHOW_TUPLES)) out.push(`      ${tupleText(t)}`);
        if (inv.tuples.length > SHOW_TUPLES) out.push(`      ... and ${inv.tuples.length - SHOW_TUPLES} more`);
      }
    }
    out.push("");
  }

  if (report.withheld.length > 0) {
    out.push("withheld (these relations read absence or totals, so their results wait for a seal; they are never guessed)");
    for (const w of report.withheld) {
      const via = w.via.length > 1 ? ` through ${w.via.map((v) => `\`${v}\``).join(" <- ")}` : "";
      out.push(`  \`${w.relation}\` ${w.kind === "negation" ? "reads absence" : "reads a total"}: \`${w.literal}\`${w.at === "" ? "" : ` (${shownPath(w.at, input.cwd)})`}${via}`);
      if (w.openFacts > 0) out.push(`    ${w.openFacts} open fact(s) in ${epochList(w.openEpochs)} wait on it`);
      else out.push("    no epoch is sealed yet");
      if (w.perKey != null) out.push(`    decided per key \`${w.perKey.key}\`: ${w.perKey.final} value(s) final, ${w.perKey.waiting} waiting (see keys above)`);
      if (w.release !== null) {
        const target = sourceName(input.source, input.cwd) ?? "DIR";
        const cmd = `calmlog seal ${target} --epoch ${w.release.from}`;
        const range = w.release.from === w.release.to ? `epoch ${w.release.from}` : `epochs ${w.release.from}..${w.release.to}, in order,`;
        out.push(`    sealing ${range} would release it over those facts (next: \`${cmd}\`)`);
      }
    }
    out.push("");
  }

  if ((report.unevaluated?.length ?? 0) > 0) {
    out.push(`not evaluated (no output, printed relation or invariant reads them, as in \`calmlog run\`): ${report.unevaluated!.map((r) => `\`${r}\``).join(", ")}`, "");
  }

  if (input.outputs.length > 0) out.push(`wrote ${input.outputs.map((o) => `\`${shownPath(o, input.cwd)}\``).join(", ")}`);
  if (input.notWritten.length > 0) out.push(`not written (withheld, no sealed epoch yet): ${input.notWritten.map((o) => `\`${o}\``).join(", ")}`);
  while (out.length > 0 && out[out.length - 1] === "") out.pop();
  return out.join("\n") + "\n";
}

/** The report as JSON, following `evaluate-schema.json`. */
export function renderJson(input: RenderInput): string {
  const { report } = input;
  const doc = {
    format: "calmlog-evaluate/1",
    program: shownPath(input.program, input.cwd),
    source: input.source.kind === "directory" ? { kind: "directory", path: shownPath(input.source.path, input.cwd) } : input.source,
    sealedEpoch: report.sealedEpoch,
    openEpochs: report.openEpochs,
    seals: report.seals,
    replicas: report.replicas.map((r) => ({
      name: r.name,
      facts: r.facts,
      newFacts: r.newFacts,
      relations: r.relations.map((x) => ({ relation: x.relation, size: x.size, added: x.added })),
    })),
    merged: report.merged.map((m) => ({ relation: m.relation, size: m.size })),
    sealed: report.sealed === null ? null : { ...report.sealed, sealedAt: report.sealed.sealedAt === "" ? null : report.sealed.sealedAt },
    withheld: report.withheld.map((w) => ({ ...w, at: w.at === "" ? null : shownPath(w.at, input.cwd), perKey: w.perKey ?? null })),
    keys: report.keys ?? [],
    invariants: report.invariants,
    outputs: input.outputs.map((o) => shownPath(o, input.cwd)),
    notWritten: input.notWritten,
    unevaluated: report.unevaluated ?? [],
    diagnostics: input.diagnostics.map((d) => diagnosticJson(d, { cwd: input.cwd })),
    summary: {
      errors: input.diagnostics.filter((d) => d.severity === "error").length,
      warnings: input.diagnostics.filter((d) => d.severity === "warning").length,
      brokenInvariants: report.invariants.filter((i) => i.status === "broken").length,
    },
  };
  return JSON.stringify(doc, null, 2) + "\n";
}

function tupleText(t: Tuple): string {
  return t.map((v) => (typeof v === "string" ? JSON.stringify(v) : String(v))).join("\t");
}

function epochList(epochs: readonly number[]): string {
  return epochs.length === 1 ? `epoch ${epochs[0]}` : `epochs ${epochs.join(", ")}`;
}
