/**
 * Queues (parallelism, lag, paused) and the tasks' rate limits (the broker's flow control).
 * @module
 */
import { html } from "hono/html";
import type { BrokerQueue } from "../../broker/broker.ts";
import type { AnyTask } from "../../task/task.ts";
import { href, type Html } from "./format.ts";

/** The queues table body (live). */
export function queueRows(queues: readonly BrokerQueue[]): Html {
  if (!queues.length) return html`<tr><td colspan="4" class="empty">No queues: tasks are delivered in parallel, without ordering.</td></tr>`;
  return html`${queues.map((q) => html`<tr>
  <td class="mono">${q.name}</td>
  <td class="num">${q.parallelism}</td>
  <td class="num"><b class="${q.lag > 0 ? "warn-text" : ""}">${q.lag}</b></td>
  <td>${q.paused ? html`<span class="badge warn">paused</span>` : html`<span class="badge ok">running</span>`}</td>
</tr>`)}`;
}

/** The queues page content. */
export function queuesView(o: { queues: readonly BrokerQueue[]; tasks: readonly AnyTask[]; base: string; liveUrl: string; notice?: Html }): Html {
  const limited = o.tasks.filter((t) => t.options.rateLimit || t.options.queue);
  return html`<section class="head"><h1>Queues</h1><p class="muted">Broker queues deliver in order, at most <i>parallelism</i> at once; <i>lag</i> is how many messages wait.</p></section>
${o.notice ?? ""}
<table class="tasks">
  <thead><tr><th>Queue</th><th class="num">Parallelism</th><th class="num">Lag</th><th>State</th></tr></thead>
  <tbody data-live="${o.liveUrl}">${queueRows(o.queues)}</tbody>
</table>
<section class="card"><h2>Rate limits</h2>
${limited.length
  ? html`<table class="tasks"><thead><tr><th>Task</th><th>Rate limit (global, broker flow control)</th><th>Queue option</th></tr></thead><tbody>
  ${limited.map((t) => html`<tr><td><a class="name" href="${href(o.base, "/tasks", { name: t.name })}">${t.name}</a></td><td>${t.options.rateLimit ?? "–"}</td><td>${t.options.queue ?? "–"}</td></tr>`)}
  </tbody></table>`
  : html`<p class="muted">No task sets a rate limit.</p>`}
</section>`;
}
