/**
 * `celeriac call NAME` (Celery's `celery call`) and `celeriac result ID` (`celery result`): send
 * a task through the worker's publish API, read a result; with `--wait`, poll the result until it
 * is ready, drawing a progress bar from the task's PROGRESS meta (`{ current, total }`) as it
 * changes: one line redrawn on a terminal, one line per change otherwise.
 * @module
 */
import { setTimeout as sleep } from "node:timers/promises";
import type { ResultView } from "../../backend/result-view.ts";
import { UsageError, WorkerApiError } from "../../errors.ts";
import { ALL_STATES, FAILURE, isReady, PENDING, REVOKED } from "../../states.ts";
import { type CliCommand, parseCommandLine } from "./command-line.ts";
import { brief, CONNECTION_OPTIONS, CONNECTION_USAGE, onePositional, type OpsIo, processOpsIo, secondsValue, stamp, WorkerClient } from "./worker-client.ts";

const WAIT_OPTIONS = {
  wait: { type: "boolean", default: false },
  timeout: { type: "string" },
  interval: { type: "string", default: "0.5" },
  traceback: { type: "boolean", default: false },
} as const;

const WAIT_USAGE = `  --wait                    wait for the result, drawing the task's progress (exit 1 if it ends FAILURE or REVOKED)
  --timeout <s>             with --wait: give up after this many seconds (default: wait until it is ready)
  --interval <s>            with --wait: seconds between reads of the result (default: 0.5)
  --traceback               print a failure's traceback`;

/** `celeriac call`. */
export const callCommand: CliCommand = {
  usage: `Usage: celeriac call NAME [--input JSON] [--countdown S] [--eta TIME] [--expires S|TIME] [--queue Q] [--idempotency-key K] [--wait]

Sends task NAME through the worker's publish API (POST /api/tasks/NAME) and prints its id.

  --input <json>            the task's input as JSON (default: {}), checked against its schema by the worker
  --countdown <s>           run no earlier than this many seconds from now
  --eta <time>              run no earlier than this time (ISO 8601, e.g. 2026-12-24T08:00:00Z)
  --expires <s|time>        revoke it unrun after this many seconds, or at this time
  --queue <name>            the queue to send it to
  --idempotency-key <k>     the same key returns the same task, published once
${WAIT_USAGE}

${CONNECTION_USAGE}`,
  run: (argv) => runCall(argv, processOpsIo()),
};

/** `celeriac result`. */
export const resultCommand: CliCommand = {
  usage: `Usage: celeriac result ID [--wait] [--traceback]

Prints the state and result (or error) of task ID (GET /api/results/ID).

${WAIT_USAGE}

${CONNECTION_USAGE}`,
  run: (argv) => runResult(argv, processOpsIo()),
};

/** Runs `celeriac call`; resolves its exit code. */
export async function runCall(argv: string[], io: OpsIo): Promise<number> {
  const { values, positionals } = parseCommandLine({
    args: argv,
    allowPositionals: true,
    options: {
      ...CONNECTION_OPTIONS, ...WAIT_OPTIONS,
      input: { type: "string" }, countdown: { type: "string" }, eta: { type: "string" }, expires: { type: "string" }, queue: { type: "string" },
      "idempotency-key": { type: "string" },
    },
  });
  const name = onePositional(positionals, "NAME", "the task's name, e.g. celeriac call main_add --input '{\"x\": 1, \"y\": 2}'");
  let input: unknown = {};
  if (values.input !== undefined) {
    try {
      input = JSON.parse(values.input);
    } catch (e) {
      throw new UsageError(`--input is not valid JSON (${(e as Error).message}): pass the task's input, e.g. --input '{"x": 1}'`);
    }
  }
  const options: Record<string, unknown> = {};
  if (values.countdown !== undefined) options.countdown = secondsValue(values.countdown, "--countdown");
  if (values.eta !== undefined) options.eta = timeValue(values.eta, "--eta");
  if (values.expires !== undefined) options.expires = /^\d+(\.\d+)?$/.test(values.expires.trim()) ? Number(values.expires) : timeValue(values.expires, "--expires");
  if (values.queue !== undefined) options.queue = values.queue;
  if (values["idempotency-key"] !== undefined) options.idempotencyKey = values["idempotency-key"];
  const wait = waitSettings(values);
  const client = WorkerClient.from(values, io.env, io.fetch);
  let sent: { id: string; state: string; url: string; deduplicated?: boolean };
  try {
    sent = await client.api("POST", `/tasks/${encodeURIComponent(name)}`, { input, options });
  } catch (error) {
    throw refusedInput(error, name);
  }
  if (!wait) {
    io.out(values.json ? `${JSON.stringify(sent)}\n` : `${sent.id}  ${sent.state}  ${name}${sent.deduplicated ? "  (deduplicated: the idempotency key's earlier task)" : ""}\n`);
    return 0;
  }
  if (!values.json) io.err(`sent ${name} ${sent.id}\n`);
  return await waitAndPrint(client, sent.id, wait, values, io);
}

/** Runs `celeriac result`; resolves its exit code. */
export async function runResult(argv: string[], io: OpsIo): Promise<number> {
  const { values, positionals } = parseCommandLine({ args: argv, allowPositionals: true, options: { ...CONNECTION_OPTIONS, ...WAIT_OPTIONS } });
  const id = onePositional(positionals, "ID", "the task id that celeriac call (or send) printed");
  const wait = waitSettings(values);
  const client = WorkerClient.from(values, io.env, io.fetch);
  if (wait) return await waitAndPrint(client, id, wait, values, io);
  const view = await client.api<ResultView>("GET", `/results/${encodeURIComponent(id)}`);
  io.out(values.json ? `${JSON.stringify(view)}\n` : describeResult(view, values.traceback));
  return 0;
}

interface WaitSettings {
  intervalMs: number;
  timeoutMs: number | undefined;
}

function waitSettings(values: { wait: boolean; timeout?: string | undefined; interval: string }): WaitSettings | undefined {
  if (!values.wait) {
    if (values.timeout !== undefined) throw new UsageError("--timeout goes with --wait");
    return undefined;
  }
  const intervalMs = Math.max(50, secondsValue(values.interval, "--interval") * 1000);
  return { intervalMs, timeoutMs: values.timeout === undefined ? undefined : secondsValue(values.timeout, "--timeout") * 1000 };
}

/** Polls the result until it is ready, drawing progress on stderr; prints it; exit 1 for FAILURE and REVOKED. */
async function waitAndPrint(client: WorkerClient, id: string, wait: WaitSettings, values: { json: boolean; traceback: boolean }, io: OpsIo): Promise<number> {
  const deadline = wait.timeoutMs === undefined ? Infinity : Date.now() + wait.timeoutMs;
  let drawn = "";
  let view: ResultView;
  for (;;) {
    view = await client.api<ResultView>("GET", `/results/${encodeURIComponent(id)}`);
    if (isReady(view.state)) break;
    const line = values.json ? "" : progressLine(view);
    if (line && line !== drawn) {
      io.err(io.tty ? `\r\x1b[2K${line}` : `${line}\n`);
      drawn = line;
    }
    if (Date.now() >= deadline) {
      if (drawn && io.tty) io.err("\n");
      throw new WorkerApiError(`task ${id} is still ${view.state} after ${wait.timeoutMs! / 1000} s; read it later with celeriac result ${id}`);
    }
    await sleep(wait.intervalMs);
  }
  if (drawn && io.tty) io.err("\n");
  io.out(values.json ? `${JSON.stringify(view)}\n` : describeResult(view, values.traceback));
  return view.state === FAILURE || view.state === REVOKED ? 1 : 0;
}

/** The progress bar of a custom state's `{ current, total }` meta, else the state alone. */
export function progressLine(view: ResultView): string {
  const info = view.info as { current?: unknown; total?: unknown } | undefined;
  if (!ALL_STATES.has(view.state) && info && typeof info.current === "number" && typeof info.total === "number" && info.total > 0) {
    const fraction = Math.min(1, Math.max(0, info.current / info.total));
    const width = 30;
    const full = Math.round(fraction * width);
    return `${view.state} [${"#".repeat(full)}${"-".repeat(width - full)}] ${String(Math.floor(fraction * 100)).padStart(3)}% (${info.current}/${info.total})`;
  }
  return ALL_STATES.has(view.state) || view.info === undefined ? view.state : `${view.state} ${brief(view.info)}`;
}

/** A result for a person: the state line, then the result, the progress or the error. */
export function describeResult(view: ResultView, traceback = false): string {
  const head = `${view.id}  ${view.state}${view.name ? `  ${view.name}` : ""}${view.retries ? `  retries=${view.retries}` : ""}${view.dateDone ? `  done ${stamp(view.dateDone)}` : ""}\n`;
  if ("result" in view) return `${head}${JSON.stringify(view.result, null, 2) ?? "null"}\n`;
  if (view.error) {
    const stack = traceback && view.error.stack ? `${view.error.stack}\n` : view.error.stack ? "(--traceback prints the traceback)\n" : "";
    return `${head}${view.error.type}: ${view.error.message}\n${stack}`;
  }
  if (view.info !== undefined) return `${head}${progressLine(view)}\n`;
  if (!view.dateDone && view.state === PENDING) return `${head}(no state stored yet: the task is waiting or unknown, or its result expired)\n`;
  return head;
}

/** A 422 from the publish API as one line: every schema issue, with its path. */
function refusedInput(error: unknown, name: string): unknown {
  if (!(error instanceof WorkerApiError) || error.status !== 422) return error;
  const issues = (error.body as { issues?: { message: string; path?: (string | number)[] }[] } | undefined)?.issues ?? [];
  const list = issues.map((i) => `${i.path?.length ? i.path.join(".") : "(input)"}: ${i.message}`).join("; ");
  return new WorkerApiError(`the input of ${name} does not match its schema, nothing was sent: ${list || error.message}`, { status: 422, body: error.body });
}

/** An ISO 8601 time, kept as given (the worker parses it). */
function timeValue(text: string, label: string): string {
  if (Number.isNaN(Date.parse(text))) throw new UsageError(`${label} must be a time such as 2026-12-24T08:00:00Z, not "${text}"`);
  return text;
}
