/**
 * The example schedules: seed 001's scheduled report. It runs every 10 minutes; a run can take
 * longer than that, so `overlap: "skip"` makes a tick that finds the previous run still going
 * skip itself (stored REVOKED, no exception in your error tracker). The guard is a lock the
 * worker takes for the run, expiring after the task's time limit + 30 s if the worker dies
 * without releasing it, the seed's "lock that expires eventually".
 *
 * Engines: `celeriac dev` fires it; on Cloudflare, `celeriac schedules wrangler --write` adds its
 * cron trigger to wrangler.toml; on QStash, `celeriac schedules sync` creates `celeriac.<name>`.
 */
import { schedule } from "../src/index.ts";
import { prepareReport } from "./tasks/reports.ts";

export const reportEvery10Minutes = schedule({
  name: "main_prepare_a_massive_report_every_10m",
  description: "Seed 001: the massive report for data 42, every 10 minutes, never two at once.",
  cron: "*/10 * * * *",
  task: prepareReport,
  input: { dataId: 42, steps: 5 },
  overlap: "skip",
  misfire: "skip",
});
