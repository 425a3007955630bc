/**
 * One task: state and progress, actions, input, result or exception with its traceback, the
 * timeline of attempts, parent and children. The whole body refreshes itself while it is open.
 * @module
 */
import { html } from "hono/html";
import { toResultView } from "../../backend/result-view.ts";
import { isReady } from "../../states.ts";
import type { TaskDetail } from "../model/source.ts";
import type { TaskAttempt } from "../model/timeline.ts";
import { badge, duration, href, type Html, pretty, progressBar, when } from "./format.ts";
import { inputText, taskRows } from "./tasks-view.ts";

function attemptView(a: TaskAttempt, now: number): Html {
  const label = a.retries === 0 ? "First attempt" : `Retry ${a.retries}`;
  const outcome = a.outcome ? html`<span class="tag ${a.outcome}">${a.outcome}</span>` : html`<span class="tag open">in progress</span>`;
  return html`<li class="attempt">
  <div class="attempt-head"><b>${label}</b> ${outcome} <span class="muted mono" title="broker message id">${a.messageId}</span></div>
  <ol class="steps">${a.steps.map((s, i) => html`<li class="step ${s.kind}"><span class="dot"></span><span class="what">${s.text}</span> ${when(s.time, now)}${i ? html` <span class="delta" title="since the previous step">+${duration(s.time - a.steps[i - 1].time)}</span>` : ""}${s.detail ? html`<pre class="detail">${s.detail}</pre>` : ""}</li>`)}</ol>
</li>`;
}

function actions(t: TaskDetail, base: string): Html {
  const path = `${base}/tasks/${encodeURIComponent(t.id)}`;
  const ready = isReady(t.state) && !t.running;
  return html`<div class="actions">
  ${!ready ? html`<form method="post" action="${path}/revoke"><button class="danger" title="Store REVOKED, refuse every later attempt, and cancel the pending broker message">Revoke</button></form>` : ""}
  ${t.trace ? html`<form method="post" action="${path}/resend"><button title="Send the same input again as a new task">Send again</button></form>` : ""}
  ${t.dlq.map((d) => html`<form method="post" action="${base}/dlq/${encodeURIComponent(d.dlqId)}/replay"><button class="primary" title="Publish the failed message again as the next attempt">Replay from the DLQ</button></form>`)}
</div>`;
}

/** The live body of a task's page. */
export function taskBody(t: TaskDetail, base: string, now: number): Html {
  const view = t.meta ? toResultView(t.id, t.meta) : undefined;
  const e = t.envelope;
  const parent = e?.parentId ?? t.meta?.parent_id;
  const input = inputText(t);
  return html`<section class="task-head">
  <div>
    <p class="crumbs"><a href="${href(base, "/tasks", { name: t.name })}">${t.name || "(unknown task)"}</a></p>
    <h1 class="mono id-title">${t.id}</h1>
  </div>
  <div class="state-big">${badge(t.state, t.running)} ${t.progress ? progressBar(t.progress) : ""}</div>
</section>
${actions(t, base)}
<dl class="facts-grid">
  <div><dt>Retries</dt><dd>${t.retries}</dd></div>
  <div><dt>Sent</dt><dd>${when(e?.sentAt, now)}</dd></div>
  ${e?.eta ? html`<div><dt>Not before</dt><dd>${when(e.eta, now)}</dd></div>` : ""}
  ${e?.expires ? html`<div><dt>Expires</dt><dd>${when(e.expires, now)}</dd></div>` : ""}
  <div><dt>Done</dt><dd>${when(t.meta?.date_done, now)}</dd></div>
  ${t.meta?.worker ? html`<div><dt>Worker</dt><dd>${t.meta.worker}</dd></div>` : ""}
  ${e?.schedule ? html`<div><dt>Schedule</dt><dd><a href="${base}/schedules">${e.schedule.name}</a> · tick ${when(e.schedule.tick, now)}</dd></div>` : ""}
  <div><dt>Parent</dt><dd>${parent ? html`<a class="mono" href="${base}/tasks/${encodeURIComponent(parent)}">${parent}</a>` : "–"}</dd></div>
  ${e?.rootId && e.rootId !== t.id && e.rootId !== parent ? html`<div><dt>Root</dt><dd><a class="mono" href="${base}/tasks/${encodeURIComponent(e.rootId)}">${e.rootId}</a></dd></div>` : ""}
</dl>
<div class="two">
  <section class="card">
    <h2>Input${e?.argsrepr ? html` <span class="muted small">(argsrepr)</span>` : ""}</h2>
    <pre class="code">${input || "–"}</pre>
  </section>
  <section class="card">
    ${view?.error
      ? html`<h2>Exception</h2><p class="err"><b>${view.error.type}</b>: ${view.error.message}</p>
        ${view.error.data !== undefined ? html`<pre class="code">${pretty(view.error.data)}</pre>` : ""}
        ${view.error.stack ? html`<h3>Traceback</h3><pre class="code traceback">${view.error.stack}</pre>` : ""}`
      : view && "result" in view
      ? html`<h2>Result</h2><pre class="code">${pretty(view.result)}</pre>`
      : view?.info !== undefined
      ? html`<h2>${t.state}</h2><pre class="code">${pretty(view.info)}</pre>`
      : html`<h2>Result</h2><p class="muted">${t.meta ? "–" : "Nothing stored yet."}</p>`}
  </section>
</div>
<section class="card">
  <h2>Timeline</h2>
  ${t.attempts.length
    ? html`<ol class="timeline">${t.attempts.map((a) => attemptView(a, now))}</ol>`
    : html`<p class="muted">The broker's log holds no message of this task any more (its result is shown above).</p>`}
</section>
${t.children.length
  ? html`<section class="card"><h2>Children</h2><table class="tasks"><tbody>${taskRows(t.children, base, now)}</tbody></table></section>`
  : ""}`;
}

/** The task page's content: the live body. */
export function taskView(t: TaskDetail, base: string, now: number, liveUrl: string, notice?: Html): Html {
  return html`${notice ?? ""}<div data-live="${liveUrl}">${taskBody(t, base, now)}</div>`;
}
