/**
 * `celeriac revoke ID` (Celery's `celery control revoke`) and `celeriac purge` (`celery purge`).
 * Revoke goes through the dashboard's action (tombstone + REVOKED, and the pending broker message
 * found in the log and cancelled); on a worker without the dashboard, through the core API
 * (tombstone + REVOKED: the message is refused when it arrives). Purge cancels the pending
 * messages of the worker's tasks, after a confirmation (`--yes` to skip it).
 * @module
 */
import type { ResultView } from "../../backend/result-view.ts";
import { UsageError } from "../../errors.ts";
import { type CliCommand, parseCommandLine } from "./command-line.ts";
import { CONNECTION_OPTIONS, CONNECTION_USAGE, isNoRoute, onePositional, type OpsIo, processOpsIo, table, WorkerClient } from "./worker-client.ts";

/** `celeriac revoke`. */
export const revokeCommand: CliCommand = {
  usage: `Usage: celeriac revoke ID

Revokes task ID: it will not run (REVOKED is stored, and a running attempt's ctx.signal aborts),
and its pending message at the broker is cancelled (found in the broker's log through the
worker's dashboard API; without it, the worker refuses the message when it arrives).

${CONNECTION_USAGE}`,
  run: (argv) => runRevoke(argv, processOpsIo()),
};

/** `celeriac purge`. */
export const purgeCommand: CliCommand = {
  usage: `Usage: celeriac purge [--queue NAME] [--yes]

Cancels every pending message of the worker's tasks at the broker (waiting for a countdown, an
eta or a redelivery), so they never run; deliveries under way are left alone. There is no undo:
it asks first.

  --queue <name>    only the messages of this queue (the one they were sent to, else their task's)
  --yes             do not ask (needed when not at a terminal)

${CONNECTION_USAGE}`,
  run: (argv) => runPurge(argv, processOpsIo()),
};

/** Runs `celeriac revoke`; resolves its exit code. */
export async function runRevoke(argv: string[], io: OpsIo): Promise<number> {
  const { values, positionals } = parseCommandLine({ args: argv, allowPositionals: true, options: CONNECTION_OPTIONS });
  const id = onePositional(positionals, "task ID", "the id celeriac call (or send) printed");
  const client = WorkerClient.from(values, io.env, io.fetch);
  let view: ResultView & { cancelledMessageId?: string | null };
  let viaDashboard = true;
  try {
    view = await client.dashboard("POST", `/tasks/${encodeURIComponent(id)}/revoke`);
  } catch (error) {
    if (!isNoRoute(error)) throw error;
    view = await client.api("POST", `/results/${encodeURIComponent(id)}/revoke`);
    viaDashboard = false;
  }
  if (values.json) {
    io.out(`${JSON.stringify(view)}\n`);
    return 0;
  }
  const message = view.cancelledMessageId
    ? `its pending message ${view.cancelledMessageId} was cancelled`
    : viaDashboard ? "no pending message at the broker" : "the worker refuses its message when it arrives; no dashboard API to find and cancel it";
  io.out(`${id}  ${view.state}  (${message})\n`);
  return 0;
}

interface Purged {
  cancelled: { id: string; name: string; messageId: string; retries: number }[];
  scanned: number;
  complete: boolean;
}

/** Runs `celeriac purge`; resolves its exit code. */
export async function runPurge(argv: string[], io: OpsIo): Promise<number> {
  const { values } = parseCommandLine({ args: argv, options: { ...CONNECTION_OPTIONS, queue: { type: "string" }, yes: { type: "boolean", default: false } } });
  const client = WorkerClient.from(values, io.env, io.fetch);
  const scope = values.queue === undefined ? "every pending message of its tasks" : `the pending messages of its tasks in queue ${values.queue}`;
  if (!values.yes) {
    if (!io.confirm) throw new UsageError("purge cancels messages for good and asks first; not at a terminal, pass --yes to confirm");
    if (!(await io.confirm(`Cancel ${scope} at ${client.url}? There is no undo.`))) {
      io.err("Nothing was cancelled.\n");
      return 1;
    }
  }
  const query = values.queue === undefined ? "" : `?queue=${encodeURIComponent(values.queue)}`;
  const purged = await client.dashboard<Purged>("POST", `/purge${query}`);
  if (values.json) {
    io.out(`${JSON.stringify(purged)}\n`);
    return 0;
  }
  const n = purged.cancelled.length;
  io.out(`Cancelled ${n} pending message${n === 1 ? "" : "s"}${values.queue === undefined ? "" : ` in queue ${values.queue}`} (from the broker's newest ${purged.scanned} log entries${purged.complete ? "" : "; older ones were not read"}).\n`);
  if (n) io.out(table(["TASK", "ID", "RETRIES", "MESSAGE"], purged.cancelled.map((c) => [c.name, c.id, String(c.retries), c.messageId])));
  return 0;
}
