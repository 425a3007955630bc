/**
 * Schedules: cron and time zone, next and last run (and how the last run ended), overlap and
 * misfire policies, and whether the broker holds it.
 * @module
 */
import { html } from "hono/html";
import type { ScheduleRow } from "../model/source.ts";
import { badge, href, type Html, when } from "./format.ts";

/** `t` as a weekday and time in `tz` ("Thu 14:30"). */
function inZone(t: number, tz: string): string {
  try {
    return new Intl.DateTimeFormat("en-GB", { timeZone: tz, weekday: "short", hour: "2-digit", minute: "2-digit" }).format(t) + (tz === "UTC" ? " UTC" : ` ${tz}`);
  } catch {
    return new Date(t).toISOString();
  }
}

/** The schedules table body (live). */
export function scheduleRows(rows: readonly ScheduleRow[], base: string, now: number): Html {
  if (!rows.length) return html`<tr><td colspan="8" class="empty">No schedules: define them with schedule() beside the tasks.</td></tr>`;
  return html`${rows.map((r) => {
    const s = r.schedule;
    const cron = s ? s.cron : r.broker?.cron ?? "";
    return html`<tr data-schedule="${r.name}">
  <td><b>${r.name}</b>${s?.description ? html`<div class="muted small">${s.description}</div>` : ""}</td>
  <td>${s ? html`<a class="name" href="${href(base, "/tasks", { name: s.taskName })}">${s.taskName}</a>` : html`<span class="mono small">${r.broker?.url ?? ""}</span>`}</td>
  <td><code>${cron}</code>${s ? html` <span class="muted">${s.tz}</span>` : ""}</td>
  <td class="next-run">${r.broker?.isPaused ? html`<span class="badge warn">paused</span>` : html`${when(r.next, now)}${r.next && s ? html`<div class="muted small">${inZone(r.next, s.tz)}</div>` : ""}`}</td>
  <td>${r.last === undefined ? html`<span class="muted">not yet</span>` : html`${when(r.last, now)}${r.lastTaskId ? html` <a href="${base}/tasks/${encodeURIComponent(r.lastTaskId)}" title="the run of that tick">${r.lastState ? badge(r.lastState) : html`<span class="muted small">no result</span>`}</a>` : ""}`}</td>
  <td>${s ? s.overlap : "–"}</td>
  <td>${s ? s.misfire : "–"}</td>
  <td>${r.broker ? html`<span class="badge ok" title="${r.broker.scheduleId}">at the broker</span>` : s ? html`<span class="muted" title="Fired by Cloudflare cron triggers, or not synced yet (celeriac schedules sync)">in code</span>` : ""}</td>
</tr>`;
  })}`;
}

/** The schedules page content. */
export function schedulesView(o: { rows: readonly ScheduleRow[]; base: string; now: number; liveUrl: string; notice?: Html }): Html {
  return html`<section class="head"><h1>Schedules</h1><p class="muted">Cron is read in the schedule's time zone; hover a time for its exact UTC instant.</p></section>
${o.notice ?? ""}
<table class="tasks">
  <thead><tr><th>Schedule</th><th>Task</th><th>Cron</th><th>Next run</th><th>Last run</th><th>Overlap</th><th>Misfire</th><th>Engine</th></tr></thead>
  <tbody data-live="${o.liveUrl}">${scheduleRows(o.rows, o.base, o.now)}</tbody>
</table>`;
}
