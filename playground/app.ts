// The playground page: a program and replica facts side by side; Run lints, draws the graph and
// evaluates per replica; Seal closes the open epoch, and what waited for the seal is released.
import { renderSvg } from "../src/graph/svg.js";
import { renderDiagnostics } from "../src/report/text.js";
import type { Tuple } from "../src/replica/tuple-keys.js";
import { run, sealOpenEpoch, ReplicaSet, type ReplicaText, type Run } from "./session.js";

interface Example {
  readonly name: string;
  readonly title: string;
  readonly program: string;
  readonly replicas: readonly ReplicaText[];
}

declare const EXAMPLES: readonly Example[];

const $ = <T extends HTMLElement>(id: string): T => document.getElementById(id) as T;
const esc = (s: string): string => s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");
const code = (s: string): string => `<code>${esc(s)}</code>`;
const tuple = (t: Tuple): string => `(${t.map((v) => (typeof v === "string" ? JSON.stringify(v) : String(v))).join(", ")})`;

let base = ReplicaSet.empty();
let last: Run | null = null;

function replicaInputs(): ReplicaText[] {
  return [...document.querySelectorAll<HTMLElement>("#replicas .replica")].map((el) => ({
    name: (el.querySelector("input") as HTMLInputElement).value.trim() || "replica",
    facts: (el.querySelector("textarea") as HTMLTextAreaElement).value,
  }));
}

function addReplica(name: string, facts: string): void {
  const el = document.createElement("div");
  el.className = "replica";
  el.innerHTML = `<div class="replica-head"><label>replica <input type="text" value="${esc(name)}" aria-label="replica name"></label> <button type="button" class="remove" title="remove this replica">×</button></div><textarea spellcheck="false" aria-label="facts of replica ${esc(name)}"></textarea>`;
  (el.querySelector("textarea") as HTMLTextAreaElement).value = facts;
  el.querySelector(".remove")!.addEventListener("click", () => {
    el.remove();
  });
  $("replicas").appendChild(el);
}

function loadExample(name: string): void {
  const ex = EXAMPLES.find((e) => e.name === name) ?? EXAMPLES[0]!;
  ($("program") as HTMLTextAreaElement).value = ex.program;
  $("replicas").innerHTML = "";
  for (const r of ex.replicas) addReplica(r.name, r.facts);
  base = ReplicaSet.empty();
  refresh();
}

function table(head: string[], rows: string[][]): string {
  return `<table><thead><tr>${head.map((h) => `<th>${esc(h)}</th>`).join("")}</tr></thead><tbody>${rows.map((r) => `<tr>${r.map((c) => `<td>${c}</td>`).join("")}</tr>`).join("")}</tbody></table>`;
}

function tuples(list: readonly Tuple[], max = 12): string {
  if (list.length === 0) return `<span class="muted">(empty)</span>`;
  return list.slice(0, max).map((t) => code(tuple(t))).join("<br>") + (list.length > max ? `<br><span class="muted">… ${list.length - max} more</span>` : "");
}

function refresh(): void {
  const program = ($("program") as HTMLTextAreaElement).value;
  const started = performance.now();
  const r = run(program, replicaInputs(), base);
  last = r;
  const ms = Math.round(performance.now() - started);
  const lint = r.lint;
  const errors = lint.diagnostics.filter((d) => d.severity === "error");

  // Lint: the coordination points, then every diagnostic as the CLI prints it.
  const points = lint.coordination.map(
    (p, i) =>
      `<li class="point" data-heads="${esc(p.heads.join(" "))}"><strong>${i + 1}.</strong> ${code(`${p.use.kind === "negation" ? "CL302" : "CL303"} ${p.use.text}`)} at line ${p.use.span.line}: rule for ${p.heads.map(code).join(", ")} waits for a sealed epoch; withheld with it: ${p.withheld.map(code).join(", ")}</li>`,
  );
  $("lint").innerHTML =
    `<p class="summary">${lint.summary.rules} rule(s), ${lint.summary.monotonicRules} monotonic; <strong id="coordination-count">${lint.coordination.length}</strong> coordination point(s); ${errors.length} error(s)</p>` +
    (points.length === 0 ? `<p class="free">${errors.length === 0 ? "Coordination-free: every rule may run on every replica at any time." : ""}</p>` : `<ol class="points">${points.join("")}</ol>`) +
    (lint.invariants.length === 0 ? "" : `<ul class="invariants">${lint.invariants.map((i) => `<li>${code(i.relation)}: <span class="badge ${i.verdict}">${i.verdict}</span> ${esc(i.reason)}</li>`).join("")}</ul>`) +
    (lint.diagnostics.length === 0 ? "" : `<details ${errors.length > 0 ? "open" : ""}><summary>${lint.diagnostics.length} diagnostic(s)</summary><pre class="diagnostics">${esc(renderDiagnostics(lint.diagnostics, [{ path: "program.dl", text: program }], { color: false }))}</pre></details>`);

  $("graph").innerHTML = r.graph === null ? `<p class="muted">No graph: the program has errors.</p>` : renderSvg(r.graph, { idPrefix: "pg" });

  const report = r.report;
  const sealed = base.sealedEpoch;
  ($("seal") as HTMLButtonElement).textContent = `Seal epoch ${sealed + 1}`;
  ($("seal") as HTMLButtonElement).disabled = report === null || r.factErrors.length > 0;
  $("epoch").textContent = sealed === 0 ? `No epoch sealed; new facts go into epoch 1.` : `${sealed === 1 ? "Epoch 1" : `Epochs 1..${sealed}`} sealed; new facts go into epoch ${sealed + 1}.`;
  $("fact-errors").innerHTML = r.factErrors.map((e) => `<li>${esc(e)}</li>`).join("");
  if (report === null) {
    for (const id of ["per-replica", "merged", "sealed", "withheld"]) $(id).innerHTML = `<p class="muted">Fix the program's errors to evaluate.</p>`;
    $("status").textContent = `ran in ${ms} ms`;
    return;
  }
  $("per-replica").innerHTML = report.replicas
    .map((rep) => {
      const rows = rep.relations.filter((x) => x.size > 0).map((x) => [code(x.relation), String(x.size), tuples(x.added)]);
      return `<div class="replica-result" data-replica="${esc(rep.name)}"><h4>${code(rep.name)}: ${rep.facts} fact(s)</h4>${rows.length === 0 ? `<p class="muted">(no facts)</p>` : table(["relation", "size", "tuples derived or held here"], rows)}</div>`;
    })
    .join("");
  const merged = report.merged.filter((m) => m.size > 0);
  $("merged").innerHTML = merged.length === 0 ? `<p class="muted">(empty)</p>` : table(["relation", "size", "tuples"], merged.map((m) => [code(m.relation), String(m.size), tuples(m.tuples)]));
  $("sealed").innerHTML =
    report.sealed === null
      ? `<p class="muted">Nothing sealed yet: relations that read absence or totals are withheld.</p>`
      : `<p>Final as of epoch ${report.sealed.epoch}.</p>` + table(["relation", "size", "tuples"], report.sealed.relations.map((x) => [`<span class="sealed-relation" data-relation="${esc(x.relation)}">${code(x.relation)}</span>`, String(x.size), tuples(x.tuples)]));
  $("withheld").innerHTML =
    report.withheld.length === 0
      ? `<p class="released">Nothing withheld: every relation is final or coordination-free.</p>`
      : table(
          ["relation", "waits on", "open facts", "released by sealing"],
          report.withheld.map((w) => [`<span class="withheld-relation" data-relation="${esc(w.relation)}">${code(w.relation)}</span>`, `${esc(w.kind)} ${code(w.literal)}`, String(w.openFacts), w.release === null ? "—" : `epoch ${w.release.to}`]),
        );
  $("status").textContent = `ran in ${ms} ms${report.invariants.length === 0 ? "" : `; invariants: ${report.invariants.map((i) => `${i.relation} ${i.status}`).join(", ")}`}`;
}

function seal(): void {
  if (last === null || last.set === null) return;
  const result = sealOpenEpoch(last.set, new Date().toISOString());
  if ("error" in result) {
    $("status").textContent = result.error;
    return;
  }
  base = result.base;
  refresh();
  $("status").textContent = `epoch ${result.epoch} sealed; ${$("status").textContent ?? ""}`;
}

function start(): void {
  const menu = $("example") as HTMLSelectElement;
  for (const ex of EXAMPLES) {
    const opt = document.createElement("option");
    opt.value = ex.name;
    opt.textContent = ex.title;
    menu.appendChild(opt);
  }
  menu.addEventListener("change", () => loadExample(menu.value));
  $("run").addEventListener("click", refresh);
  $("seal").addEventListener("click", seal);
  $("reset").addEventListener("click", () => {
    base = ReplicaSet.empty();
    refresh();
  });
  $("add-replica").addEventListener("click", () => addReplica(`replica${document.querySelectorAll("#replicas .replica").length + 1}`, ""));
  loadExample(EXAMPLES[0]!.name);
  document.body.dataset["ready"] = "true";
}

start();
