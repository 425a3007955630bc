/**
 * The task list: filters (state, task name, id), and a table whose body refreshes itself.
 * @module
 */
import { html } from "hono/html";
import { toResultView } from "../../backend/result-view.ts";
import { MESSAGE_DELIVERED } from "../../broker/local/message/message.ts";
import { FAILURE, isReady, PENDING, RETRY, REVOKED, STARTED, SUCCESS } from "../../states.ts";
import type { TaskRow } from "../model/source.ts";
import { badge, clip, href, type Html, pretty, progressBar, when } from "./format.ts";

/** The states offered by the filter. */
export const FILTER_STATES = [PENDING, STARTED, "PROGRESS", RETRY, SUCCESS, FAILURE, REVOKED, MESSAGE_DELIVERED];

/** What shows as the task's input: its `argsrepr`, else its input as JSON (indented, or on one line). */
export function inputText(row: TaskRow, oneLine = false): string {
  const e = row.trace?.envelope;
  const json = (v: unknown) => (oneLine ? JSON.stringify(v) ?? "" : pretty(v));
  if (e) return e.argsrepr ?? json(e.input);
  return row.meta?.input === undefined ? "" : typeof row.meta.input === "string" ? row.meta.input : json(row.meta.input);
}

/** The result column: progress, result, or the error's first line; when the next attempt is due, for tasks waiting. */
function outcome(row: TaskRow, now: number): Html | string {
  if (row.progress) return progressBar(row.progress);
  const eta = row.trace?.messages[row.trace.messages.length - 1].envelope.eta;
  const due = eta && Date.parse(eta) > now && !row.running && !isReady(row.state) ? html`<span class="due">next run ${when(eta, now)}</span>` : "";
  if (!row.meta) return due;
  const view = toResultView(row.id, row.meta);
  if (view.error) return html`${due}<span class="err" title="${view.error.message}">${view.error.type}: ${clip(view.error.message, 80)}</span>`;
  if ("result" in view) {
    const text = JSON.stringify(view.result) ?? "null";
    return html`<code title="${clip(text, 2000)}">${clip(text, 60)}</code>`;
  }
  return view.info !== undefined ? html`${due}<code>${clip(JSON.stringify(view.info) ?? "", 60)}</code>` : due;
}

/** The table rows (the live part of the list). */
export function taskRows(rows: readonly TaskRow[], base: string, now: number): Html {
  if (!rows.length) return html`<tr><td colspan="8" class="empty">No tasks in the broker's recent log match.</td></tr>`;
  return html`${rows.map((r) => {
    const input = inputText(r, true);
    const sent = r.trace?.envelope.sentAt ?? r.trace?.messages[0].entries[0].time;
    return html`<tr data-id="${r.id}">
  <td>${badge(r.state, r.running)}</td>
  <td><a href="${href(base, "/tasks", { name: r.name })}" class="name">${r.name}</a></td>
  <td><a class="id mono" href="${href(base, `/tasks/${encodeURIComponent(r.id)}`)}" title="${r.id}">${clip(r.id, 13)}</a></td>
  <td><code class="input" title="${clip(input, 2000)}">${clip(input, 64)}</code></td>
  <td class="num">${r.retries || ""}</td>
  <td>${when(sent, now)}</td>
  <td>${when(r.trace?.lastAt, now)}</td>
  <td class="outcome">${outcome(r, now)}</td>
</tr>`;
  })}`;
}

/** Counts per state of the rows shown, each a link to that state's filter. */
export function stateCounts(rows: readonly TaskRow[], base: string, filter: { name?: string }): Html {
  const counts = new Map<string, number>();
  for (const r of rows) counts.set(r.state, (counts.get(r.state) ?? 0) + 1);
  const running = rows.filter((r) => r.running).length;
  return html`<p class="counts">${[...counts].sort((a, b) => b[1] - a[1]).map(([state, n]) => html`<a href="${href(base, "/tasks", { ...filter, state })}">${badge(state)} <b>${n}</b></a>`)}${running ? html`<span class="muted">· ${running} being delivered now</span>` : ""}</p>`;
}

/** The live part of the list: the counts and the rows. */
export function taskList(rows: readonly TaskRow[], base: string, now: number, filter: { name?: string }): Html {
  return html`${stateCounts(rows, base, filter)}
<table class="tasks">
  <thead><tr><th>State</th><th>Task</th><th>Id</th><th>Input</th><th class="num">Retries</th><th>Sent</th><th>Updated</th><th>Progress · result</th></tr></thead>
  <tbody>${taskRows(rows, base, now)}</tbody>
</table>`;
}

/** The whole list section. */
export function tasksView(o: {
  base: string; rows: readonly TaskRow[]; names: readonly string[]; now: number; scanned: number;
  filter: { state?: string; name?: string; q?: string }; cursor?: string; liveUrl: string; notice?: Html;
}): Html {
  const { base, filter } = o;
  return html`<section class="head">
  <h1>Tasks</h1>
  <form class="filters" method="get" action="${base}/tasks" role="search">
    <label>State <select name="state" data-autosubmit>
      <option value="">any</option>
      ${FILTER_STATES.map((s) => html`<option${s === filter.state ? html` selected` : ""}>${s}</option>`)}
    </select></label>
    <label>Task <select name="name" data-autosubmit>
      <option value="">any</option>
      ${o.names.map((n) => html`<option${n === filter.name ? html` selected` : ""}>${n}</option>`)}
    </select></label>
    <label>Id <input name="q" value="${filter.q ?? ""}" placeholder="task id or its start" size="24" autocomplete="off" spellcheck="false"></label>
    <button>Filter</button>
    ${filter.state || filter.name || filter.q ? html`<a href="${base}/tasks">clear</a>` : ""}
  </form>
</section>
${o.notice ?? ""}
<div data-live="${o.liveUrl}">${taskList(o.rows, base, o.now, filter)}</div>
<p class="muted small">From the broker's log: the newest ${o.scanned} entries${filter.name ? html` of <b>${filter.name}</b>` : ""}.
${o.cursor ? html`<a href="${href(base, "/tasks", { ...filter, cursor: o.cursor })}">Older →</a>` : ""}</p>`;
}
