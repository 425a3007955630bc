/**
 * celeriac/schedules: what schedule engines use, beyond `schedule()` (in `celeriac`): find the
 * schedules a module exports (`collectSchedules`), compute the `[triggers] crons` a Cloudflare
 * Worker needs (`wranglerCrons`), and make a broker's schedules match the code
 * (`syncSchedules`, what `celeriac schedules sync` runs). A worker's own engine entry points are
 * `worker.schedules` (a `ScheduleRunner`). Queues declared with `queue()` are kept in step the same
 * way: `collectQueues`, `syncQueues` (what `celeriac queues sync` runs).
 *
 * @example
 * import { collectSchedules, syncSchedules, formatSyncReport } from "celeriac/schedules";
 * const report = await syncSchedules(broker, collectSchedules(await import("./functions/index.ts")), "https://tasks.example.com");
 * console.log(formatSyncReport(report));
 * @module
 */
export { collectSchedules, isSchedule } from "./collect.ts";
export { wranglerCrons } from "./cloudflare-crons.ts";
export { formatSyncReport, syncSchedules } from "./sync.ts";
export type { SyncChange, SyncOptions, SyncReport } from "./sync.ts";
export type { CronEvent, ScheduleRunner } from "./runner.ts";
export type { FireResult } from "./fire.ts";
export { collectQueues, formatQueueSyncReport, syncQueues } from "../publish/queue-sync.ts";
export type { QueueChange, QueueSyncReport } from "../publish/queue-sync.ts";
