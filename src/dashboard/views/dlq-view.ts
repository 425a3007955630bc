/**
 * The dead-letter queue: each failed message, the task it holds, the worker's last answer, and
 * replay and delete buttons.
 * @module
 */
import { html } from "hono/html";
import type { DlqRow } from "../model/source.ts";
import { clip, href, type Html, pretty, when } from "./format.ts";

/** The worker's last answer as one line: the error's type and message when it is celeriac's JSON. */
function lastAnswer(body: string | undefined): string {
  if (!body) return "";
  try {
    const j = JSON.parse(body) as { error?: { type?: string; message?: string } | string };
    if (j.error && typeof j.error === "object") return `${j.error.type}: ${j.error.message}`;
    if (typeof j.error === "string") return j.error;
  } catch {
    // not JSON
  }
  return body;
}

/** The DLQ rows (live). */
export function dlqRows(rows: readonly DlqRow[], base: string, now: number): Html {
  if (!rows.length) return html`<tr><td colspan="6" class="empty">The dead-letter queue is empty.</td></tr>`;
  return html`${rows.map(({ entry, envelope }) => {
    const answer = lastAnswer(entry.responseBody);
    const input = envelope ? envelope.argsrepr ?? pretty(envelope.input) : entry.body ?? "";
    return html`<tr data-dlq="${entry.dlqId}">
  <td>${envelope ? html`<a class="name" href="${href(base, "/tasks", { name: envelope.task })}">${envelope.task}</a>` : html`<span class="mono">${clip(entry.url, 60)}</span>`}</td>
  <td>${envelope ? html`<a class="id mono" href="${base}/tasks/${encodeURIComponent(envelope.id)}" title="${envelope.id}">${clip(envelope.id, 13)}</a> <span class="muted">retry ${envelope.retries}</span>` : html`<span class="muted mono">${entry.messageId}</span>`}</td>
  <td><code class="input" title="${clip(input, 2000)}">${clip(input.replace(/\s+/g, " "), 40)}</code></td>
  <td><span class="status">${entry.responseStatus ?? "–"}</span> <span class="err" title="${clip(answer, 2000)}">${clip(answer, 90)}</span></td>
  <td>${when(entry.createdAt, now)}</td>
  <td class="row-actions">
    <form method="post" action="${base}/dlq/${encodeURIComponent(entry.dlqId)}/replay"><button class="primary small">Replay</button></form>
    <form method="post" action="${base}/dlq/${encodeURIComponent(entry.dlqId)}/delete"><button class="ghost small">Delete</button></form>
  </td>
</tr>`;
  })}`;
}

/** The DLQ page content. */
export function dlqView(o: { rows: readonly DlqRow[]; base: string; now: number; cursor?: string; liveUrl: string; notice?: Html }): Html {
  return html`<section class="head"><h1>Dead letters</h1>
  <p class="muted">Messages whose task failed for good (or that the broker gave up on). Replay publishes a task's message again as its next attempt.</p></section>
${o.notice ?? ""}
<table class="tasks">
  <thead><tr><th>Task</th><th>Id</th><th>Input</th><th>Last answer</th><th>Sent</th><th></th></tr></thead>
  <tbody data-live="${o.liveUrl}">${dlqRows(o.rows, o.base, o.now)}</tbody>
</table>
${o.cursor ? html`<p><a href="${href(o.base, "/dlq", { cursor: o.cursor })}">More →</a></p>` : ""}`;
}
