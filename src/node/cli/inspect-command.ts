/**
 * `celeriac inspect registered|scheduled|queues` (Celery's `celery inspect registered`,
 * `scheduled`, `active_queues`): what the worker serves, what waits at the broker, and the queues.
 * `registered` reads the worker's core API; `scheduled` and `queues` read the broker through the
 * dashboard's JSON API (the model the dashboard's pages show).
 * @module
 */
import { UsageError } from "../../errors.ts";
import { type CliCommand, closest, parseCommandLine } from "./command-line.ts";
import { CONNECTION_OPTIONS, CONNECTION_USAGE, onePositional, type OpsIo, processOpsIo, stamp, table, WorkerClient } from "./worker-client.ts";

const WHAT = ["registered", "scheduled", "queues"];

/** `celeriac inspect`. */
export const inspectCommand: CliCommand = {
  usage: `Usage: celeriac inspect registered|scheduled|queues

  registered   the tasks the worker serves, with their queue, rate limit and retry policy
  scheduled    tasks waiting at the broker for their eta, countdown or next retry; and the periodic schedules
  queues       the worker's task queues, and the broker's queues with their parallelism and lag

${CONNECTION_USAGE}`,
  run: (argv) => runInspect(argv, processOpsIo()),
};

interface Registered {
  tasks: { name: string; description?: string; options: { queue: string; rateLimit: string | number | null; maxRetries: number | null; acksLate: boolean } }[];
}
interface Waiting {
  tasks: { id: string; name: string; state: string; retries: number; eta: string | null }[];
  scanned: number;
}
interface Schedules {
  schedules: { name: string; task: string | null; cron: string | null; tz: string | null; overlap: string | null; paused: boolean; next: string | null; last: string | null; lastState: string | null }[];
}
interface Queues {
  queues: { name: string; parallelism: number; lag: number; paused: boolean }[];
}

/** Runs `celeriac inspect`; resolves its exit code. */
export async function runInspect(argv: string[], io: OpsIo): Promise<number> {
  const { values, positionals } = parseCommandLine({ args: argv, allowPositionals: true, options: CONNECTION_OPTIONS });
  const what = onePositional(positionals, "thing to inspect", WHAT.join(", "));
  if (!WHAT.includes(what)) {
    const near = closest(what, WHAT);
    throw new UsageError(`cannot inspect "${what}"${near ? ` (did you mean ${near}?)` : ""}; use ${WHAT.join(", ")}`);
  }
  const client = WorkerClient.from(values, io.env, io.fetch);
  const print = (json: unknown, text: string) => io.out(values.json ? `${JSON.stringify(json)}\n` : text);
  if (what === "registered") {
    const r = await client.api<Registered>("GET", "/tasks");
    print(r, r.tasks.length
      ? table(["TASK", "QUEUE", "RATE LIMIT", "MAX RETRIES", "DESCRIPTION"], r.tasks.map((t) => [
        t.name, t.options.queue, t.options.rateLimit === null ? "-" : String(t.options.rateLimit), t.options.maxRetries === null ? "-" : String(t.options.maxRetries), t.description ?? "",
      ]))
      : "The worker serves no tasks.\n");
    return 0;
  }
  if (what === "scheduled") {
    const [waiting, schedules] = await Promise.all([client.dashboard<Waiting>("GET", "/waiting"), client.dashboard<Schedules>("GET", "/schedules")]);
    const tasks = waiting.tasks.length
      ? table(["RUNS AT", "TASK", "ID", "STATE", "RETRIES"], waiting.tasks.map((t) => [stamp(t.eta), t.name, t.id, t.state, String(t.retries)]))
      : `No task waits for an eta, countdown or retry (in the broker's newest ${waiting.scanned} log entries).\n`;
    const periodic = schedules.schedules.length
      ? table(["SCHEDULE", "TASK", "CRON", "TZ", "NEXT RUN", "LAST RUN", "LAST STATE", "OVERLAP"], schedules.schedules.map((s) => [
        s.name, s.task ?? "-", s.cron ?? "-", s.tz ?? "-", s.paused ? "paused" : stamp(s.next), stamp(s.last), s.lastState ?? "-", s.overlap ?? "-",
      ]))
      : "No periodic schedules.\n";
    print({ waiting: waiting.tasks, schedules: schedules.schedules }, `Waiting tasks:\n${tasks}\nPeriodic schedules:\n${periodic}`);
    return 0;
  }
  const [registered, queues] = await Promise.all([client.api<Registered>("GET", "/tasks"), client.dashboard<Queues>("GET", "/queues")]);
  const byQueue = new Map<string, string[]>();
  for (const t of registered.tasks) byQueue.set(t.options.queue, [...(byQueue.get(t.options.queue) ?? []), t.name]);
  const broker = queues.queues.length
    ? table(["QUEUE", "PARALLELISM", "LAG", "PAUSED"], queues.queues.map((q) => [q.name, String(q.parallelism), String(q.lag), q.paused ? "yes" : "no"]))
    : "No queues at the broker.\n";
  print(
    { taskQueues: Object.fromEntries(byQueue), brokerQueues: queues.queues },
    `Task queues:\n${table(["QUEUE", "TASKS"], [...byQueue].map(([q, names]) => [q, names.join(", ")]))}\nBroker queues:\n${broker}`,
  );
  return 0;
}
