/**
 * Small pieces every page uses: escaped HTML (Hono's `html`: every interpolated value is escaped
 * unless it is itself `html`), relative times, durations, state badges, JSON.
 * @module
 */
import { html } from "hono/html";

/** A piece of escaped HTML. */
export type Html = ReturnType<typeof html>;

/** "12 s ago", "in 3 min", "2 h ago". */
export function relative(t: number, now: number): string {
  const d = Math.round((t - now) / 1000);
  const a = Math.abs(d);
  const text = a < 5 ? "now" : a < 60 ? `${a} s` : a < 3600 ? `${Math.floor(a / 60)} min` : a < 86_400 ? `${Math.floor(a / 3600)} h` : `${Math.floor(a / 86_400)} d`;
  return text === "now" ? "just now" : d < 0 ? `${text} ago` : `in ${text}`;
}

/** 850 ms, 1.2 s, 3 min 4 s. */
export function duration(ms: number | undefined): string {
  if (ms === undefined || !Number.isFinite(ms)) return "–";
  if (ms < 1000) return `${Math.round(ms)} ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(ms < 10_000 ? 1 : 0)} s`;
  return `${Math.floor(ms / 60_000)} min ${Math.round((ms % 60_000) / 1000)} s`;
}

/** A `<time>` showing a relative time (kept current by the page's script), the exact time as its tooltip. */
export function when(t: number | string | null | undefined, now: number): Html | string {
  const ms = typeof t === "string" ? Date.parse(t) : t;
  if (ms === null || ms === undefined || !Number.isFinite(ms)) return "–";
  const iso = new Date(ms).toISOString();
  return html`<time datetime="${iso}" title="${iso.replace("T", " ").replace(/\.\d+Z$/, " UTC")}" data-rel>${relative(ms, now)}</time>`;
}

const STATE_CLASS: Record<string, string> = {
  SUCCESS: "ok", FAILURE: "bad", RETRY: "warn", STARTED: "run", RECEIVED: "run", PENDING: "idle", REVOKED: "off", DELIVERED: "done",
};

/** A state badge; a custom state (PROGRESS…) looks like a running one; `running` adds a pulse. */
export function badge(state: string, running = false): Html {
  return html`<span class="badge ${STATE_CLASS[state] ?? "run"}${running ? " pulse" : ""}" title="${running ? `${state}, being delivered now` : state}">${state}</span>`;
}

/** A value as indented JSON text (escaped where it is interpolated). */
export function pretty(value: unknown): string {
  if (value === undefined) return "";
  try {
    return JSON.stringify(value, null, 2) ?? String(value);
  } catch {
    return String(value);
  }
}

/** `text` cut to `max` characters with an ellipsis; the whole text is the tooltip where used. */
export function clip(text: string, max: number): string {
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}

/** A progress bar with its numbers. */
export function progressBar(p: { current: number; total: number }): Html {
  const pct = Math.max(0, Math.min(100, Math.round((p.current / p.total) * 100)));
  return html`<span class="progress" title="${p.current} of ${p.total}"><progress max="${p.total}" value="${p.current}">${pct}%</progress> <span class="num">${p.current}/${p.total}</span></span>`;
}

/** A link within the dashboard (`base` + `path`, query values encoded). */
export function href(base: string, path: string, query: Record<string, string | undefined> = {}): string {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(query)) if (v) q.set(k, v);
  const s = q.toString();
  return `${base}${path}${s ? `?${s}` : ""}`;
}
