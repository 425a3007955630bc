/**
 * `schedule()`: a cron schedule defined in code next to the tasks. Every engine (Cloudflare Cron
 * Triggers, QStash schedules, the dev server) reads the same definitions; each run is an
 * ordinary task message with `ctx.request.schedule = { name, tick }`.
 * @module
 */
import { type Duration, toMs } from "../duration.ts";
import { ConfigError } from "../errors.ts";
import type { AnyTask, Task } from "../task/task.ts";
import { isTask } from "../task/registry.ts";
import { compileCron, type CronClock, normalizeCron } from "../util/cron.ts";
import { triggerCron } from "./cloudflare-crons.ts";

/**
 * What happens when a tick comes while the previous run of the same schedule still runs:
 * - `"skip"`: a run that finds the schedule's lock held is stored REVOKED ("skipped") without
 *   running. The worker takes the lock when a run starts and releases it when the run ends; it
 *   expires after `lockTimeout` if the worker dies.
 * - `"queue"`: runs go through a broker queue of parallelism 1 (`celeriac.<name>`), so each
 *   starts after the previous delivery finished.
 * - `"allow"`: no guard; runs may overlap.
 */
export type OverlapPolicy = "allow" | "skip" | "queue";

/**
 * What happens to a tick fired later than `misfireGrace` (the engine was down, the broker retried):
 * - `"runOnce"`: run it once; several late firings of the same (latest) tick coalesce into one run.
 * - `"skip"`: drop it; the next tick runs on time.
 */
export type MisfirePolicy = "skip" | "runOnce";

type InputOf<T> = T extends Task<unknown, unknown, infer In> ? In : unknown;

/** Options of {@link schedule}. */
export interface ScheduleOptions<T extends AnyTask | string = AnyTask | string> {
  /** Unique name: letters, digits, `.`, `_`, `-` (it becomes the QStash schedule id `celeriac.<name>`). */
  name: string;
  /** Standard 5-field cron (`"0 8 * * 1-5"`) or `@hourly`, `@daily`, `@weekly`, `@monthly`, `@yearly`. */
  cron: string;
  /** The task to run: a task object, or its name (send by name, seed advice). */
  task: T;
  /** The task's input for every run. Default `{}`. */
  input?: InputOf<T> | undefined;
  /** IANA time zone the cron is read in (DST handled). Default `"UTC"`. */
  tz?: string | undefined;
  /** Overlapping runs. Default `"skip"`. */
  overlap?: OverlapPolicy | undefined;
  /** Late ticks. Default `"runOnce"`. */
  misfire?: MisfirePolicy | undefined;
  /** How late a firing may be and still count as on time. Default 5 minutes. */
  misfireGrace?: Duration | undefined;
  /** Delay each run by a random duration up to this (spreads load). Default 0. */
  jitter?: Duration | undefined;
  /** How long the `skip` lock lives if the worker dies without releasing it. Default the task's `timeLimit` + 30 s, else 15 min. */
  lockTimeout?: Duration | undefined;
  /** One line for listings. */
  description?: string | undefined;
}

/** A defined schedule (the result of {@link schedule}). */
export interface Schedule {
  readonly kind: "celeriac.schedule";
  readonly name: string;
  /** The 5-field pattern (aliases expanded). */
  readonly cron: string;
  readonly tz: string;
  readonly taskName: string;
  /** The task object when one was given (its options shape each run). */
  readonly task: AnyTask | undefined;
  readonly input: unknown;
  readonly overlap: OverlapPolicy;
  readonly misfire: MisfirePolicy;
  readonly misfireGraceMs: number;
  readonly jitterMs: number;
  readonly lockTimeoutMs: number | undefined;
  readonly description: string | undefined;
  /** The compiled pattern: ticks in `tz`. */
  readonly clock: CronClock;
  /** The UTC cron line that triggers it on Cloudflare (computed on first read). */
  readonly triggerCron: string;
}

const NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$/;
const OVERLAP: readonly OverlapPolicy[] = ["allow", "skip", "queue"];
const MISFIRE: readonly MisfirePolicy[] = ["skip", "runOnce"];

/**
 * Define a cron schedule.
 * @example
 * export const nightlyReport = schedule({
 *   name: "nightly_report", cron: "30 2 * * *", tz: "Europe/Berlin",
 *   task: prepareReport, input: { dataId: 42 }, overlap: "skip",
 * });
 */
export function schedule<T extends AnyTask | string>(options: ScheduleOptions<T>): Schedule {
  const name = options?.name;
  if (typeof name !== "string" || !NAME.test(name)) {
    throw new ConfigError(`schedule() needs a name of letters, digits, ".", "_" or "-" (got ${JSON.stringify(name)}), e.g. "main_report_every_10m".`);
  }
  const where = `schedule "${name}"`;
  const task = options.task;
  const taskName = typeof task === "string" ? task : isTask(task) ? task.name : undefined;
  if (!taskName) throw new ConfigError(`${where}: \`task\` must be a task made by task(), or a task name.`);
  const tz = options.tz ?? "UTC";
  const cron = normalizeCron(options.cron, where);
  const clock = compileCron(cron, tz, where);
  const overlap = options.overlap ?? "skip";
  if (!OVERLAP.includes(overlap)) throw new ConfigError(`${where}: overlap must be one of ${OVERLAP.join(", ")} (got ${JSON.stringify(overlap)}).`);
  const misfire = options.misfire ?? "runOnce";
  if (!MISFIRE.includes(misfire)) throw new ConfigError(`${where}: misfire must be one of ${MISFIRE.join(", ")} (got ${JSON.stringify(misfire)}).`);
  const input = options.input === undefined ? {} : options.input;
  if (typeof task !== "string") checkInput(where, task, input);
  return Object.freeze({
    kind: "celeriac.schedule",
    name,
    cron,
    tz,
    taskName,
    task: typeof task === "string" ? undefined : (task as AnyTask),
    input,
    overlap,
    misfire,
    misfireGraceMs: duration(where, "misfireGrace", options.misfireGrace ?? 300),
    jitterMs: duration(where, "jitter", options.jitter ?? 0),
    lockTimeoutMs: options.lockTimeout === undefined ? undefined : duration(where, "lockTimeout", options.lockTimeout),
    description: options.description,
    clock,
    get triggerCron(): string {
      return triggerCron(this as Schedule);
    },
  });
}

function duration(where: string, field: string, value: Duration): number {
  try {
    return toMs(value);
  } catch (error) {
    throw new ConfigError(`${where}: ${field}: ${(error as Error).message}`);
  }
}

/** Validate the input now when the schema answers synchronously, so a bad schedule fails at load, not at 3 a.m. */
function checkInput(where: string, task: AnyTask, input: unknown): void {
  const result = task.input["~standard"].validate(input);
  if (result instanceof Promise) {
    result.catch(() => {}); // asynchronous schemas are checked by the worker at each run
    return;
  }
  if (!result.issues) return;
  const detail = result.issues.slice(0, 5).map((i) => i.message).join("; ");
  throw new ConfigError(`${where}: input does not match task "${task.name}"'s schema: ${detail}.`);
}
