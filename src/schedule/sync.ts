/**
 * Reconcile broker schedules (QStash, or the local broker) with the schedules in code,
 * idempotently, through the Broker port's schedule methods.
 *
 * Each schedule becomes the broker schedule `celeriac.<name>`: its cron (with a `CRON_TZ=<tz> `
 * prefix outside UTC), delivering the fixed trigger body to `<workerUrl>/schedules/<name>`,
 * where the worker publishes each tick as a fresh task message (see `trigger-route.ts`). Only
 * schedules whose id starts with `celeriac.` and whose destination is under this worker's URL
 * are ever updated or deleted; anything else in the account is left alone.
 * @module
 */
import type { Broker, BrokerSchedule } from "../broker/broker.ts";
import { ConfigError } from "../errors.ts";
import type { Schedule } from "./schedule.ts";
import { triggerBody } from "./runner.ts";

/** The id prefix of every broker schedule celeriac manages. */
export const SCHEDULE_ID_PREFIX = "celeriac.";

/** Per-delivery timeout of a trigger (it only publishes a message). */
const TRIGGER_TIMEOUT_SEC = 30;

/** The broker schedule id of `s`. */
export function brokerScheduleId(s: Schedule): string {
  return `${SCHEDULE_ID_PREFIX}${s.name}`;
}

/** The cron as QStash reads it: `CRON_TZ=<tz> <cron>` outside UTC. */
export function qstashCron(s: Schedule): string {
  return s.tz === "UTC" ? s.cron : `CRON_TZ=${s.tz} ${s.cron}`;
}

/** The broker schedule that fires `s` at `workerUrl`. */
export function brokerScheduleFor(s: Schedule, workerUrl: string): BrokerSchedule {
  return {
    scheduleId: brokerScheduleId(s),
    cron: qstashCron(s),
    url: `${workerUrl.replace(/\/+$/, "")}/schedules/${encodeURIComponent(s.name)}`,
    body: triggerBody(s.name),
    timeoutSec: TRIGGER_TIMEOUT_SEC,
  };
}

/** One line of the diff. */
export interface SyncChange {
  scheduleId: string;
  action: "created" | "updated" | "deleted" | "unchanged";
  /** For `updated`: what differed, e.g. `cron: "0 * * * *" → "0 8 * * *"`. */
  changes?: string[];
  cron?: string;
}

/** What `syncSchedules` did (or would do with `dryRun`). */
export interface SyncReport {
  changes: SyncChange[];
  /** `celeriac.*` schedules pointing at another worker URL: left alone. */
  foreign: string[];
}

export interface SyncOptions {
  /** Compute and report the diff without changing anything. Default false. */
  dryRun?: boolean | undefined;
}

/** Make the broker's `celeriac.*` schedules for `workerUrl` match `schedules`. */
export async function syncSchedules(broker: Broker, schedules: readonly Schedule[], workerUrl: string, options: SyncOptions = {}): Promise<SyncReport> {
  if (!broker.upsertSchedule || !broker.listSchedules || !broker.deleteSchedule) {
    throw new ConfigError("This broker has no schedules API: `celeriac schedules sync` needs QStash (QStashBroker) or the local broker.");
  }
  if (!/^https?:\/\//.test(workerUrl)) throw new ConfigError(`CELERIAC_URL must be the worker's public http(s) URL, got ${JSON.stringify(workerUrl)}.`);
  const triggerBase = `${workerUrl.replace(/\/+$/, "")}/schedules/`;
  const existing = new Map<string, BrokerSchedule>();
  const foreign: string[] = [];
  for (const s of await broker.listSchedules()) {
    if (!s.scheduleId.startsWith(SCHEDULE_ID_PREFIX)) continue;
    if (s.url.startsWith(triggerBase)) existing.set(s.scheduleId, s);
    else foreign.push(s.scheduleId);
  }
  const changes: SyncChange[] = [];
  for (const s of schedules) {
    const want = brokerScheduleFor(s, workerUrl);
    const have = existing.get(want.scheduleId);
    existing.delete(want.scheduleId);
    const diff = have ? differences(have, want) : [];
    const action = !have ? "created" : diff.length ? "updated" : "unchanged";
    if (action !== "unchanged" && !options.dryRun) await broker.upsertSchedule(want);
    changes.push({ scheduleId: want.scheduleId, action, cron: want.cron, ...(diff.length ? { changes: diff } : {}) });
  }
  for (const stale of existing.values()) {
    if (!options.dryRun) await broker.deleteSchedule(stale.scheduleId);
    changes.push({ scheduleId: stale.scheduleId, action: "deleted", cron: stale.cron });
  }
  return { changes, foreign: foreign.filter((id) => !schedules.some((s) => brokerScheduleId(s) === id)) };
}

function differences(have: BrokerSchedule, want: BrokerSchedule): string[] {
  const out: string[] = [];
  if (have.cron.trim() !== want.cron) out.push(`cron: ${JSON.stringify(have.cron)} → ${JSON.stringify(want.cron)}`);
  if (have.url !== want.url) out.push(`url: ${have.url} → ${want.url}`);
  if ((have.body ?? "") !== want.body) out.push("body: → the celeriac trigger");
  return out;
}

/** The diff as text, one line per schedule, then a summary line. */
export function formatSyncReport(report: SyncReport, dryRun = false): string {
  const sign = { created: "+", updated: "~", deleted: "-", unchanged: "=" } as const;
  const lines = report.changes.map((c) => `${sign[c.action]} ${c.action.padEnd(9)} ${c.scheduleId}${c.cron ? `  (${c.cron})` : ""}${c.changes ? `: ${c.changes.join("; ")}` : ""}`);
  for (const id of report.foreign) lines.push(`! left alone ${id}: it delivers to another worker URL`);
  const count = (a: SyncChange["action"]) => report.changes.filter((c) => c.action === a).length;
  const summary = `${dryRun ? "would have " : ""}created ${count("created")}, updated ${count("updated")}, deleted ${count("deleted")}, unchanged ${count("unchanged")}`;
  const noChange = count("created") + count("updated") + count("deleted") === 0;
  return `${lines.join("\n")}${lines.length ? "\n" : ""}${summary}${noChange ? " (no changes)" : ""}\n`;
}
