/**
 * `celeriac events [--follow]` (Celery's `celery events --dump`): the broker's log of the
 * worker's messages, one line per state change (sent, delivered, error, retry, acknowledged,
 * failed, cancelled), oldest first; `--follow` keeps reading new ones until Ctrl-C. Read through
 * the dashboard's JSON API, which reads QStash's events API (the local broker implements it).
 * @module
 */
import { setTimeout as sleep } from "node:timers/promises";
import { type CliCommand, parseCommandLine } from "./command-line.ts";
import { untilSignal } from "./until-signal.ts";
import { CONNECTION_OPTIONS, CONNECTION_USAGE, type OpsIo, processOpsIo, secondsValue, stamp, WorkerClient } from "./worker-client.ts";
import { UsageError } from "../../errors.ts";

/** `celeriac events`. */
export const eventsCommand: CliCommand = {
  usage: `Usage: celeriac events [--follow] [--count N] [--interval S]

Prints the broker's newest events (each message's state changes: CREATED, ACTIVE, ERROR, RETRY,
DELIVERED, FAILED, CANCELED), oldest first, one a line; --json prints one JSON object a line.

  --count <n>       how many of the newest events (default: 20, at most 1000)
  --follow          keep printing new events until Ctrl-C
  --interval <s>    with --follow: seconds between reads of the log (default: 1)

${CONNECTION_USAGE}`,
  run: (argv) => runEvents(argv, processOpsIo()),
};

/** An event as the dashboard's API answers it. */
export interface BrokerEvent {
  time: string;
  state: string;
  messageId: string;
  taskId: string | null;
  task: string | null;
  retries: number | null;
  url: string;
  queue?: string;
  responseStatus?: number;
  error?: string;
  nextDeliveryTime?: string;
}

const keyOf = (e: BrokerEvent) => `${e.messageId} ${e.state} ${e.time}`;

/** Runs `celeriac events`; with `--follow`, until `stop` resolves (default: Ctrl-C or SIGTERM). Resolves its exit code. */
export async function runEvents(argv: string[], io: OpsIo, stop?: Promise<void>): Promise<number> {
  const { values } = parseCommandLine({
    args: argv,
    options: { ...CONNECTION_OPTIONS, follow: { type: "boolean", default: false }, count: { type: "string", default: "20" }, interval: { type: "string", default: "1" } },
  });
  const count = /^\d+$/.test(values.count) ? Number(values.count) : NaN;
  if (!(count >= 1 && count <= 1000)) throw new UsageError(`--count must be a whole number from 1 to 1000, not "${values.count}"`);
  const intervalMs = Math.max(100, secondsValue(values.interval, "--interval") * 1000);
  const client = WorkerClient.from(values, io.env, io.fetch);
  const print = (e: BrokerEvent) => io.out(values.json ? `${JSON.stringify(e)}\n` : `${line(e)}\n`);
  const first = await client.dashboard<{ events: BrokerEvent[] }>("GET", `/events?count=${count}`);
  const events = first.events.slice().reverse();
  if (!values.follow) {
    if (!events.length && !values.json) io.out("No events in the broker's log.\n");
    events.forEach(print);
    return 0;
  }
  events.forEach(print);
  const stopping = stop ?? untilSignal();
  // Follow: read what is newer than the newest seen; entries of that same millisecond are told apart by key.
  let since = events.length ? Date.parse(events[events.length - 1]!.time) : 0;
  let seen = new Set(events.filter((e) => Date.parse(e.time) === since).map(keyOf));
  let stopped = false;
  void stopping.then(() => (stopped = true));
  while (!stopped) {
    await Promise.race([sleep(intervalMs), stopping]);
    if (stopped) break;
    const page = await client.dashboard<{ events: BrokerEvent[] }>("GET", `/events?count=1000${since ? `&fromDate=${since}` : ""}`);
    const fresh = page.events.filter((e) => !seen.has(keyOf(e))).reverse();
    fresh.forEach(print);
    if (fresh.length) {
      const newest = Math.max(...fresh.map((e) => Date.parse(e.time)));
      if (newest > since) seen = new Set();
      since = newest;
      for (const e of fresh) if (Date.parse(e.time) === since) seen.add(keyOf(e));
    }
  }
  return 0;
}

/** An event for a person: time, state, task[id] and what else the broker said. */
function line(e: BrokerEvent): string {
  const what = e.task ? `${e.task}[${e.taskId}]${e.retries ? ` retries=${e.retries}` : ""}` : e.url;
  const extra = [
    e.queue ? `queue=${e.queue}` : "",
    e.responseStatus ? `status=${e.responseStatus}` : "",
    e.nextDeliveryTime ? `next=${stamp(e.nextDeliveryTime)}` : "",
    e.error ? `error=${JSON.stringify(e.error.length > 100 ? `${e.error.slice(0, 99)}…` : e.error)}` : "",
  ].filter(Boolean).join(" ");
  return `${e.time.replace("T", " ").replace("Z", "")}  ${e.state.padEnd(16)}  ${what}${extra ? `  ${extra}` : ""}`;
}
