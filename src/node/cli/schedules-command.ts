/**
 * `celeriac schedules <sync|wrangler|list>`: the schedules defined in code, on each engine.
 * - `sync [--dry-run]`: make QStash's (or the local broker's) `celeriac.*` schedules match the
 *   code, from `QSTASH_URL` / `QSTASH_TOKEN` / `CELERIAC_URL`; prints the diff.
 * - `wrangler [--check|--write] [--config wrangler.toml]`: the `[triggers] crons` lines for
 *   Cloudflare; `--check` exits 1 when the file is out of date, `--write` updates it.
 * - `list`: each schedule with its next ticks.
 * @module
 */
import { readFile, writeFile } from "node:fs/promises";
import { QStashBroker } from "../../broker/qstash.ts";
import { ConfigError, UsageError } from "../../errors.ts";
import type { Schedule } from "../../schedule/schedule.ts";
import { collectSchedules } from "../../schedule/collect.ts";
import { formatSyncReport, syncSchedules } from "../../schedule/sync.ts";
import { cronsMatch, formatCrons, renderTriggers, writeCrons } from "../../schedule/wrangler-toml.ts";
import type { Broker } from "../../broker/broker.ts";
import { importFunctions } from "../dev/load-functions.ts";
import { type CliCommand, closest, nonEmptyValue, parseCommandLine } from "./command-line.ts";

const SUBCOMMANDS = ["sync", "wrangler", "list"];

const SCHEDULES_USAGE = `Usage:
  celeriac schedules sync [--dry-run] [--functions functions/index.ts]
      Create, update and delete QStash schedules (ids celeriac.<name>) to match the code.
      Reads QSTASH_TOKEN, CELERIAC_URL and QSTASH_URL (default https://qstash.upstash.io).
  celeriac schedules wrangler [--check | --write] [--config wrangler.toml] [--functions …]
      Print the [triggers] crons Cloudflare needs; --check exits 1 when wrangler.toml differs.
  celeriac schedules list [--functions …]
      Show each schedule and its next ticks.
`;

/** What the command reads and writes, injectable for tests. */
export interface SchedulesIo {
  env: Record<string, string | undefined>;
  out: (text: string) => void;
  err: (text: string) => void;
  /** Builds the broker for `sync`. Default: `QStashBroker` from the environment. */
  broker?: (env: Record<string, string | undefined>) => Broker;
  now?: () => number;
}

/** `celeriac schedules …`. */
export const schedulesCommand: CliCommand = {
  usage: SCHEDULES_USAGE.trimEnd(),
  run: (argv) =>
    runSchedules(argv, {
      env: process.env,
      out: (t) => process.stdout.write(t),
      err: (t) => process.stderr.write(t),
    }),
};

/** Run the command; resolves the exit code. Throws a `UsageError` for a bad command line. */
export async function runSchedules(argv: string[], io: SchedulesIo): Promise<number> {
  const { values, positionals } = parseCommandLine({
    args: argv,
    allowPositionals: true,
    options: {
      functions: { type: "string", default: "functions/index.ts" },
      config: { type: "string", default: "wrangler.toml" },
      check: { type: "boolean", default: false },
      write: { type: "boolean", default: false },
      "dry-run": { type: "boolean", default: false },
    },
  });
  const [sub, ...extra] = positionals;
  if (!sub) throw new UsageError(`name a subcommand: ${SUBCOMMANDS.join(", ")}`);
  if (!SUBCOMMANDS.includes(sub)) {
    const near = closest(sub, SUBCOMMANDS);
    throw new UsageError(`unknown subcommand "${sub}"${near ? ` (did you mean ${near}?)` : ""}; use ${SUBCOMMANDS.join(", ")}`);
  }
  if (extra.length) throw new UsageError(`unexpected argument "${extra[0]}"`);
  if (values.check && values.write) throw new UsageError("pass --check or --write, not both");
  const now = io.now ?? Date.now;
  const schedules = collectSchedules(await importFunctions(nonEmptyValue(values.functions, "--functions")));
  switch (sub) {
    case "sync": {
      const env = io.env;
      const missing = ["QSTASH_TOKEN", "CELERIAC_URL"].filter((k) => !env[k]);
      if (missing.length) {
        throw new ConfigError(`set ${missing.join(" and ")}: QSTASH_TOKEN (and QSTASH_URL for the local broker) says where schedules live, CELERIAC_URL is the worker's public URL they deliver to.`);
      }
      const broker = io.broker ? io.broker(env) : new QStashBroker({ token: env.QSTASH_TOKEN!, baseUrl: env.QSTASH_URL || undefined });
      const dryRun = values["dry-run"];
      const report = await syncSchedules(broker, schedules, env.CELERIAC_URL!, { dryRun });
      io.out(formatSyncReport(report, dryRun));
      return 0;
    }
    case "wrangler":
      return await wrangler(schedules, values.config, values, io, now());
    default:
      io.out(listing(schedules, now()));
      return 0;
  }
}

async function wrangler(schedules: Schedule[], config: string, flags: { check: boolean; write: boolean }, io: SchedulesIo, now: number): Promise<number> {
  if (!flags.check && !flags.write) {
    io.out(renderTriggers(schedules, now));
    return 0;
  }
  let toml: string;
  try {
    toml = await readFile(config, "utf8");
  } catch (cause) {
    throw new ConfigError(`cannot read ${config} (${(cause as Error).message}); pass --config <path to wrangler.toml>.`);
  }
  const { ok, expected, found } = cronsMatch(toml, schedules, now);
  if (flags.write) {
    if (!ok) await writeFile(config, writeCrons(toml, expected));
    io.out(ok ? `${config} is up to date.\n` : `${config}: [triggers] crons = ${formatCrons(expected)}\n`);
    return 0;
  }
  if (ok) {
    io.out(`${config}: [triggers] crons is up to date (${expected.length} line${expected.length === 1 ? "" : "s"}).\n`);
    return 0;
  }
  io.err(
    `${config} is out of date: [triggers] crons is ${found ? formatCrons(found) : "missing"}, the schedules need ${formatCrons(expected)}.\n` +
      `Run \`celeriac schedules wrangler --write\` (or paste the output of \`celeriac schedules wrangler\`).\n`,
  );
  return 1;
}

function listing(schedules: Schedule[], now: number): string {
  if (!schedules.length) return "No schedules defined.\n";
  return schedules.map((s) => {
    const next: string[] = [];
    let t: number | undefined = now;
    for (let i = 0; i < 3 && t !== undefined; i++) if ((t = s.clock.next(t)) !== undefined) next.push(new Date(t).toISOString());
    return `${s.name}: ${s.cron}${s.tz === "UTC" ? " (UTC)" : ` (${s.tz})`} → ${s.taskName}  overlap=${s.overlap} misfire=${s.misfire}\n  next: ${next.join(", ")}\n`;
  }).join("");
}
