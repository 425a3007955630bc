/**
 * The dev dashboard: the recent tasks with their state, retries, progress and result, refreshed
 * every second, and a form to send any task. Served by the dev server only (loopback, no token).
 * @module
 */
import { Hono } from "hono";
import type { Backend } from "../../backend/backend.ts";
import type { Broker, PublishRequest, PublishResult } from "../../broker/broker.ts";
import { toResultView } from "../../backend/result-view.ts";
import { FAILURE, RETRY, REVOKED, STARTED, SUCCESS } from "../../states.ts";
import type { Registry } from "../../task/registry.ts";

/** Remembers the ids of recently published tasks (first publish of each id). */
export class RecentTasks {
  readonly #ids: string[] = [];
  readonly #names = new Map<string, string>();
  constructor(readonly limit: number) {}

  /** A broker that records each publish's task id before passing it on. */
  wrap(broker: Broker): Broker {
    const record = (req: PublishRequest) => {
      try {
        const { id, task } = JSON.parse(req.body) as { id?: string; task?: string };
        if (id && task && !this.#names.has(id)) {
          this.#names.set(id, task);
          this.#ids.unshift(id);
          const dropped = this.#ids.splice(this.limit);
          for (const d of dropped) this.#names.delete(d);
        }
      } catch { /* not an envelope */ }
    };
    return new Proxy(broker, {
      get(target, prop, receiver) {
        if (prop !== "publish") {
          // Methods run on the broker itself: classes with private fields refuse a Proxy as `this`.
          const value = Reflect.get(target, prop, receiver);
          return typeof value === "function" ? value.bind(target) : value;
        }
        return async (req: PublishRequest): Promise<PublishResult> => {
          const result = await target.publish(req);
          record(req);
          return result;
        };
      },
    });
  }

  ids(): readonly string[] {
    return this.#ids;
  }
}

export function createDashboard(o: { recent: RecentTasks; backend: Backend; registry: Registry }): Hono {
  const app = new Hono();
  app.get("/", (c) => c.html(PAGE));
  app.get("/dev/api/recent", async (c) => {
    const ids = o.recent.ids().slice(0, 100);
    const views = await Promise.all(ids.map(async (id) => toResultView(id, await o.backend.getMeta(id))));
    return c.json({ tasks: views, registered: o.registry.names(), backend: o.backend.kind });
  });
  return app;
}

const PAGE = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>celeriac dev</title>
<style>
 body{font:14px/1.4 system-ui,sans-serif;margin:2rem;color:#222}
 h1{font-size:1.3rem} table{border-collapse:collapse;width:100%} td,th{border-bottom:1px solid #ddd;padding:.35rem .5rem;text-align:left;vertical-align:top}
 code{font-size:12px} .${SUCCESS}{color:#127a12}.${FAILURE}{color:#b00020}.${RETRY}{color:#b36b00}.PROGRESS,.${STARTED}{color:#0b5cad}.${REVOKED}{color:#666}
 progress{width:8rem} form{margin:1rem 0;display:flex;gap:.5rem;align-items:flex-start} textarea{width:28rem;height:3rem;font-family:monospace}
</style></head><body>
<h1>celeriac dev — recent tasks <small id="meta"></small></h1>
<form id="send"><select id="task"></select><textarea id="input">{}</textarea><input id="token" placeholder="CELERIAC_API_TOKEN" size="28"><button>Send</button><span id="sent"></span></form>
<table><thead><tr><th>task</th><th>id</th><th>state</th><th>retries</th><th>progress / result / error</th></tr></thead><tbody id="rows"></tbody></table>
<script>
const esc = (s) => String(s).replace(/[&<>"]/g, (c) => ({"&":"&amp;","<":"&lt;",">":"&gt;",'"':"&quot;"}[c]));
async function refresh() {
  const r = await fetch("/dev/api/recent"); const d = await r.json();
  document.getElementById("meta").textContent = "(" + d.backend + " backend)";
  const sel = document.getElementById("task");
  if (!sel.options.length) for (const n of d.registered) sel.add(new Option(n, n));
  document.getElementById("rows").innerHTML = d.tasks.map((t) => {
    let detail = "";
    if (t.state === ${JSON.stringify(SUCCESS)}) detail = "<code>" + esc(JSON.stringify(t.result)) + "</code>";
    else if (t.error) detail = "<b>" + esc(t.error.type) + "</b>: " + esc(t.error.message);
    else if (t.info && typeof t.info.current === "number") detail = '<progress max="' + t.info.total + '" value="' + t.info.current + '"></progress> ' + t.info.current + "/" + t.info.total;
    else if (t.info) detail = "<code>" + esc(JSON.stringify(t.info)) + "</code>";
    return "<tr><td>" + esc(t.name ?? "") + "</td><td><code>" + esc(t.id) + '</code></td><td class="' + esc(t.state) + '">' + esc(t.state) + "</td><td>" + t.retries + "</td><td>" + detail + "</td></tr>";
  }).join("");
}
document.getElementById("send").onsubmit = async (e) => {
  e.preventDefault();
  const name = document.getElementById("task").value, token = document.getElementById("token").value;
  const res = await fetch("/api/tasks/" + encodeURIComponent(name), { method: "POST", headers: { authorization: "Bearer " + token, "content-type": "application/json" }, body: JSON.stringify({ input: JSON.parse(document.getElementById("input").value || "{}") }) });
  document.getElementById("sent").textContent = res.status + " " + (await res.text()).slice(0, 120);
  refresh();
};
document.getElementById("token").value = new URLSearchParams(location.search).get("token") ?? "";
refresh(); setInterval(refresh, 1000);
</script></body></html>`;
