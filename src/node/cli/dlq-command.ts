/**
 * `celeriac dlq list|retry|delete`: the broker's dead-letter queue through the worker's dashboard
 * API. `retry` replays a task message as the task's next attempt (as the dashboard's Replay
 * button does); `delete` drops the entry.
 * @module
 */
import { UsageError } from "../../errors.ts";
import { type CliCommand, closest, parseCommandLine } from "./command-line.ts";
import { CONNECTION_OPTIONS, CONNECTION_USAGE, isNoRoute, type OpsIo, processOpsIo, stamp, table, WorkerClient } from "./worker-client.ts";

const ACTIONS = ["list", "retry", "delete"];

/** `celeriac dlq`. */
export const dlqCommand: CliCommand = {
  usage: `Usage:
  celeriac dlq list [--cursor C]       the messages that failed for good, oldest first (100 a page)
  celeriac dlq retry DLQ_ID…           replay each: a task runs again as its next attempt
  celeriac dlq delete DLQ_ID…          drop each entry

${CONNECTION_USAGE}`,
  run: (argv) => runDlq(argv, processOpsIo()),
};

interface DlqPage {
  messages: { dlqId: string; messageId: string; createdAt?: number; responseStatus?: number; responseBody?: string; task: { id: string; name: string; retries: number } | null; url: string }[];
  cursor?: string;
}

/** Runs `celeriac dlq`; resolves its exit code (1 when an entry was not found). */
export async function runDlq(argv: string[], io: OpsIo): Promise<number> {
  const { values, positionals } = parseCommandLine({ args: argv, allowPositionals: true, options: { ...CONNECTION_OPTIONS, cursor: { type: "string" } } });
  const [action, ...ids] = positionals;
  if (!action) throw new UsageError(`name an action: ${ACTIONS.join(", ")}`);
  if (!ACTIONS.includes(action)) {
    const near = closest(action, ACTIONS);
    throw new UsageError(`unknown action "${action}"${near ? ` (did you mean ${near}?)` : ""}; use ${ACTIONS.join(", ")}`);
  }
  const client = WorkerClient.from(values, io.env, io.fetch);
  if (action === "list") {
    if (ids.length) throw new UsageError(`unexpected argument "${ids[0]}"`);
    const page = await client.dashboard<DlqPage>("GET", `/dlq${values.cursor ? `?cursor=${encodeURIComponent(values.cursor)}` : ""}`);
    if (values.json) return (io.out(`${JSON.stringify(page)}\n`), 0);
    if (!page.messages.length) return (io.out("The dead-letter queue is empty.\n"), 0);
    io.out(table(["DLQ ID", "TASK", "ID", "RETRIES", "FAILED WITH", "SENT"], page.messages.map((m) => [
      m.dlqId, m.task?.name ?? m.url, m.task?.id ?? "-", m.task ? String(m.task.retries) : "-", answer(m), stamp(m.createdAt),
    ])));
    if (page.cursor) io.out(`More: celeriac dlq list --cursor ${page.cursor}\n`);
    return 0;
  }
  if (!ids.length) throw new UsageError(`name the DLQ ids to ${action} (celeriac dlq list shows them)`);
  if (values.cursor !== undefined) throw new UsageError(`--cursor goes with dlq list`);
  let missing = 0;
  const results: unknown[] = [];
  for (const dlqId of ids) {
    try {
      const done = action === "retry"
        ? await client.dashboard<{ dlqId: string; taskId: string | null; messageId: string | null }>("POST", `/dlq/${encodeURIComponent(dlqId)}/retry`)
        : await client.dashboard<{ dlqId: string; deleted: boolean }>("DELETE", `/dlq/${encodeURIComponent(dlqId)}`);
      results.push(done);
      if (!values.json) {
        const taskId = (done as { taskId?: string | null }).taskId;
        io.out(action === "delete" ? `${dlqId}  deleted\n` : `${dlqId}  replayed${taskId ? ` as task ${taskId}'s next attempt` : ` as message ${(done as { messageId?: string }).messageId}`}\n`);
      }
    } catch (error) {
      if ((error as { status?: number }).status !== 404 || isNoRoute(error)) throw error;
      missing++;
      results.push({ dlqId, error: (error as Error).message });
      if (!values.json) io.err(`celeriac dlq: ${(error as Error).message}.\n`);
    }
  }
  if (values.json) io.out(`${JSON.stringify(results)}\n`);
  return missing ? 1 : 0;
}

/** What the worker answered the last time, in a few words. */
function answer(m: DlqPage["messages"][number]): string {
  let text = m.responseBody ?? "";
  try {
    const j = JSON.parse(text) as { error?: { type?: string; message?: string } | string };
    if (typeof j.error === "string") text = j.error;
    else if (j.error) text = `${j.error.type ?? "Error"}: ${j.error.message ?? ""}`;
  } catch {
    // not JSON: as it is
  }
  text = text.replace(/\s+/g, " ").trim();
  const status = m.responseStatus ? `${m.responseStatus}` : "";
  const both = [status, text].filter(Boolean).join(" ");
  return both.length > 60 ? `${both.slice(0, 59)}…` : both || "-";
}
