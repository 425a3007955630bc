/**
 * The last hour per task: throughput, failures, retry rate and latency, as numbers and charts.
 * @module
 */
import { html } from "hono/html";
import type { Figures, TaskFigures } from "../model/figures.ts";
import { barChart, latencyChart } from "./charts.ts";
import { duration, href, type Html } from "./format.ts";

const rate = (x: number) => (x >= 10 ? x.toFixed(0) : x >= 0.1 ? x.toFixed(1) : x > 0 ? "< 0.1" : "0");
const pct = (x: number) => `${(x * 100).toFixed(x > 0 && x < 0.1 ? 1 : 0)}%`;

function numbers(f: TaskFigures, minutes: number): Html {
  return html`<dl class="kpis">
  <div><dt>Throughput</dt><dd><b>${f.acked}</b> acked <span class="muted">· ${rate(f.acked / minutes)}/min</span></dd></div>
  <div><dt>Failures</dt><dd class="${f.failed ? "bad-text" : ""}"><b>${f.failed}</b></dd></div>
  <div><dt>Retry rate</dt><dd class="${f.retryRate > 0.2 ? "warn-text" : ""}"><b>${pct(f.retryRate)}</b> <span class="muted">(${f.retries} of ${f.deliveries})</span></dd></div>
  <div><dt>Run time</dt><dd><b>${duration(f.runP50)}</b> median · ${duration(f.runP95)} p95</dd></div>
  <div><dt>Wait</dt><dd>${duration(f.waitP50)} median</dd></div>
</dl>`;
}

/** The live figures section. */
export function figuresBody(fig: Figures, base: string): Html {
  const minutes = (fig.to - fig.from) / 60_000;
  const legend = html`<p class="legend"><span class="key s-ok"></span>acked <span class="key s-warn"></span>retries <span class="key s-bad"></span>failed (into the DLQ) <span class="key lat"></span>median run time</p>`;
  return html`<section class="card wide">
  <h2>All tasks, last hour</h2>
  ${numbers(fig.all, minutes)}
  ${barChart(fig.all.buckets, fig.from, fig.bucketMs, { height: 90, label: "Deliveries per minute, all tasks" })}
  ${latencyChart(fig.all.buckets, fig.from, fig.bucketMs, { height: 36, label: "Median run time per minute, all tasks" })}
  <div class="axis-labels"><span>−60 min</span><span>−30 min</span><span>now</span></div>
  ${legend}
</section>
<div class="grid">
${fig.tasks.length ? fig.tasks.map((f) => html`<section class="card">
  <h2><a href="${href(base, "/tasks", { name: f.name })}">${f.name}</a></h2>
  ${numbers(f, minutes)}
  ${barChart(f.buckets, fig.from, fig.bucketMs, { height: 56, label: `Deliveries per minute of ${f.name}` })}
  ${latencyChart(f.buckets, fig.from, fig.bucketMs, { height: 28, label: `Median run time per minute of ${f.name}` })}
</section>`) : html`<p class="muted">Nothing was delivered in the last hour.</p>`}
</div>
<p class="muted small">From ${fig.entries} entries of the broker's log${fig.complete ? "" : " (the hour held more: raise figuresEntries to read them all)"}; no Redis command.</p>`;
}

/** The figures page content. */
export function figuresView(fig: Figures, base: string, liveUrl: string): Html {
  return html`<section class="head"><h1>Figures</h1><p class="muted">Per task, per minute, over the last hour.</p></section>
<div data-live="${liveUrl}" data-every="15000">${figuresBody(fig, base)}</div>`;
}
