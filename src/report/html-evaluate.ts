// `calmlog evaluate --format html`: the replica report as one self-contained page: the rule graph,
// each replica's lower bounds, the merged view, the sealed results, what is withheld and why, the
// invariants and the data's diagnostics. A pure function of the report the text and JSON renderers read.
import { graphOfSource } from "../graph/model.js";
import type { RenderInput } from "./evaluate.js";
import type { Tuple } from "../replica/tuple-keys.js";
import { addedPreview } from "../replica/evaluate.js";
import type { SourceFile } from "../diagnostics/span.js";
import { diagnosticsHtml, esc, htmlPage, prose, table } from "./html-page.js";
import { graphSection } from "./html-lint.js";

/** Tuples shown per relation before "and N more". */
const SHOW = 20;

function tupleCells(tuples: readonly Tuple[], count = tuples.length): string {
  if (count === 0) return `<span class="muted">(empty)</span>`;
  const shown = tuples.slice(0, SHOW).map((t) => `<code>(${esc(t.map((v) => (typeof v === "string" ? JSON.stringify(v) : String(v))).join(", "))})</code>`);
  return shown.join("<br>") + (count > SHOW ? `<br><span class="muted">… and ${count - SHOW} more</span>` : "");
}

/** The evaluate report as one HTML page; `program` is the rule file's text, for the graph. */
export function renderEvaluateHtml(input: RenderInput, program: SourceFile): string {
  const { report } = input;
  const sealedText = report.sealedEpoch === 0 ? "no epoch sealed" : report.sealedEpoch === 1 ? "epoch 1 sealed" : `epochs 1..${report.sealedEpoch} sealed`;
  const openText = report.openEpochs.length === 0 ? "no open epoch" : `open: ${report.openEpochs.map((e) => `epoch ${e}`).join(", ")}`;
  const header = `<h1>calmlog evaluate <code>${esc(input.program)}</code></h1><div class="muted">${report.replicas.length} replica(s); ${sealedText}; ${openText}</div>`;
  const out: string[] = [];
  const graph = graphOfSource(program).graph;
  if (graph !== null) out.push(`<h2>Rule graph</h2>`, graphSection(graph, "eval"));

  out.push(`<h2>Per replica (lower bounds)</h2><p class="muted">Coordination-free relations on each replica's own facts: every tuple here is in the merged view too.</p>`);
  for (const r of report.replicas) {
    out.push(`<h3 id="replica-${esc(r.name)}">replica <code>${esc(r.name)}</code>: ${r.facts} fact(s), ${r.newFacts} new since the last run</h3>`);
    const rows = r.relations.filter((x) => x.size > 0 || addedPreview(x).count > 0).map((x) => {
      const added = addedPreview(x);
      return [`<code>${esc(x.relation)}</code>`, String(x.size), String(added.count), tupleCells(added.head(SHOW), added.count)];
    });
    out.push(rows.length === 0 ? `<p class="muted">(no facts)</p>` : table(["relation", "tuples", "new", "new tuples"], rows, [1, 2]));
  }

  out.push(`<h2>Merged view (lower bounds)</h2>`);
  const merged = report.merged.filter((m) => m.size > 0);
  out.push(merged.length === 0 ? `<p class="muted">(empty)</p>` : table(["relation", "tuples", "first tuples"], merged.map((m) => [`<code>${esc(m.relation)}</code>`, String(m.size), tupleCells(m.tuples)]), [1]));

  out.push(`<h2>Sealed results</h2>`);
  if (report.sealed === null) out.push(`<p class="muted">No epoch is sealed yet, so nothing that waits for a seal is final.</p>`);
  else {
    const s = report.sealed;
    if (s.epoch === 0) out.push(`<p>No epoch is sealed as a whole: only the keys released by key seals are final (see Keys).</p>`);
    else out.push(`<p>Final as of epoch ${s.epoch}, sealed ${esc(s.sealedAt)}${s.reason === null ? "" : `: ${prose(s.reason)}`}${(report.keys ?? []).some((k) => k.final.length > 0) ? "; with the keys released by key seals (see Keys)" : ""}.</p>`);
    out.push(s.relations.length === 0 ? `<p class="muted">(the program has no relation that waits for a seal)</p>` : table(["relation", "tuples", "first tuples"], s.relations.map((x) => [`<code>${esc(x.relation)}</code>`, String(x.size), tupleCells(x.tuples)]), [1]));
  }

  const keys = (report.keys ?? []).filter((k) => k.final.length > 0 || k.waiting.length > 0);
  if (keys.length > 0) {
    out.push(`<h2>Keys</h2><p class="muted">Per-key seals: the part of a relation decided per key is final for a released value before its epoch is sealed as a whole.</p>`);
    for (const k of keys) {
      out.push(`<h3>key <code>${esc(k.key)}</code></h3><p>Decides ${k.relations.map((r) => `<code>${esc(r)}</code>`).join(", ")}; covers ${k.columns.map((c) => `<code>${esc(c)}</code>`).join(", ")}.</p>`);
      const rows = [
        ...k.final.map((f) => [`<code>${esc(f.value)}</code>`, `<span class="badge holds">final</span>`, `sealed for the key through epoch ${f.epoch}`]),
        ...k.waiting.map((w) => [`<code>${esc(w.value)}</code>`, `<span class="badge withheld">waiting</span>`, `facts in epoch(s) ${w.epochs.join(", ")}${w.seal.length === 0 ? "" : `; seal epoch(s) ${w.seal.join(", ")} for the key`}`]),
      ];
      out.push(table(["value", "status", "detail"], rows));
    }
  }

  out.push(`<h2>Withheld</h2>`);
  if (report.withheld.length === 0) out.push(`<p class="muted">Nothing is withheld: every relation is final or coordination-free.</p>`);
  else
    out.push(
      table(
        ["relation", "waits on", "at", "via", "open facts", "release by sealing"],
        report.withheld.map((w) => [
          `<code>${esc(w.relation)}</code> <span class="badge withheld">withheld</span>`,
          `${w.kind} <code>${esc(w.literal)}</code><br><span class="muted">${prose(w.reason)}</span>`,
          `<code>${esc(w.at)}</code>`,
          `<code>${esc(w.via.join(" <- "))}</code>`,
          String(w.openFacts),
          w.release === null ? `<span class="muted">no open facts</span>` : w.release.from === w.release.to ? `epoch ${w.release.from}` : `epochs ${w.release.from}..${w.release.to}`,
        ]),
        [4],
      ),
    );

  if (report.invariants.length > 0) {
    out.push(`<h2>Invariants</h2>`);
    out.push(
      table(
        ["invariant", "status", "checked on", "breaking tuples"],
        report.invariants.map((i) => [`<code>${esc(i.relation)}</code>${i.description === null ? "" : ` ${esc(i.description)}`}`, `<span class="badge ${i.status}">${i.status}</span>`, i.where ?? "", i.status === "broken" ? tupleCells(i.tuples) : ""]),
      ),
    );
  }
  if (report.seals.length > 0) {
    out.push(`<h2>Seals</h2>`);
    out.push(table(["epoch", "sealed at", "replicas", "reason"], report.seals.map((s) => [String(s.epoch), esc(s.sealedAt), s.replicas.map((r) => `<code>${esc(r)}</code>`).join(", "), s.reason === null ? "" : prose(s.reason)]), [0]));
  }
  if ((report.unevaluated?.length ?? 0) > 0) {
    out.push(`<p class="muted">Not evaluated (no output, printed relation or invariant reads them, as in <code>calmlog run</code>): ${report.unevaluated!.map((r) => `<code>${esc(r)}</code>`).join(", ")}</p>`);
  }
  if (input.outputs.length > 0 || input.notWritten.length > 0) {
    out.push(`<h2>Output files</h2><ul class="tight">${input.outputs.map((o) => `<li><code>${esc(o)}</code></li>`).join("")}${input.notWritten.map((n) => `<li><code>${esc(n)}</code>: not written, withheld</li>`).join("")}</ul>`);
  }
  out.push(`<h2>Diagnostics</h2>`, diagnosticsHtml(input.diagnostics, new Map([[program.path, program.text]])));
  return htmlPage(`calmlog evaluate: ${(input.program.split("/").pop() ?? "").slice(0, 40)}`, header, out.join("\n"));
}
