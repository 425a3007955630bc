/**
 * The send form: pick a task, edit its input (prefilled with an example built from the task's
 * JSON Schema), send. A refused input comes back with every issue, the input kept as typed.
 * @module
 */
import { html } from "hono/html";
import type { SendIssue } from "../model/actions.ts";
import { type Html, pretty } from "./format.ts";
import { notice } from "./layout.ts";

/** One task as the form offers it. */
export interface SendChoice {
  name: string;
  description?: string;
  schema: unknown;
}

/** The send page content. */
export function sendView(o: {
  base: string; choices: readonly SendChoice[]; selected?: SendChoice; input: string; error?: string; issues?: readonly SendIssue[];
}): Html {
  const s = o.selected;
  return html`<section class="head"><h1>Send a task</h1></section>
<div class="two send">
<section class="card">
  <form method="get" action="${o.base}/send" class="pick">
    <label>Task <select name="task" data-autosubmit>
      ${o.choices.map((c) => html`<option${c.name === s?.name ? html` selected` : ""}>${c.name}</option>`)}
    </select></label>
    <noscript><button>Choose</button></noscript>
  </form>
  ${s ? html`<form method="post" action="${o.base}/send" class="sendform">
    <input type="hidden" name="task" value="${s.name}">
    ${s.description ? html`<p class="muted">${s.description}</p>` : ""}
    <label for="input">Input (JSON)</label>
    <textarea id="input" name="input" rows="10" spellcheck="false">${o.input}</textarea>
    <label class="inline">Countdown <input name="countdown" type="number" min="0" step="1" placeholder="0" size="6"> seconds</label>
    ${o.error ? notice("error", html`<b>${o.error}</b>${o.issues?.length ? html`<ul class="issues">${o.issues.map((i) => html`<li><code>${i.path}</code>: ${i.message}</li>`)}</ul>` : ""}`) : ""}
    <button class="primary">Send</button>
  </form>` : html`<p class="muted">This worker has no tasks.</p>`}
</section>
<section class="card">
  <h2>Input schema</h2>
  <pre class="code">${s ? pretty(s.schema) || "(no JSON Schema)" : ""}</pre>
</section>
</div>`;
}
