/**
 * The commands that operate a running worker, run as a user runs them (`node bin/celeriac.mjs …`,
 * a process each) against `celeriac dev` (a real process, real HTTP), with the worker's URL and
 * token in CELERIAC_URL / CELERIAC_API_TOKEN: each one's output and exit code, `--json`, `--help`,
 * and the one-line errors (unreachable worker, wrong token, unknown task, bad JSON, an input the
 * schema refuses, a worker without the dashboard's API). `call --wait` on the report task draws
 * its progress bar as the task advances.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runCall } from "../../../src/node/cli/call-command.ts";
import { runPurge } from "../../../src/node/cli/cancel-commands.ts";
import { waitFor } from "../../support/wait.ts";
import { type CliResult, freePort, killAll, type RunningCli, runCli, startCli } from "./run-cli.ts";

const TOKEN = "ops-test-token";
/** Each test runs the CLI as a process several times (about 1 s each, more on a busy machine). */
const SLOW = { timeout: 240_000 };
let dev: RunningCli;
let env: Record<string, string>;

beforeAll(async () => {
  dev = startCli(["dev", "--port", "0"], { env: { CELERIAC_API_TOKEN: TOKEN } });
  // The banner says how to point the CLI at it: the test uses exactly that.
  const [, url, token, call] = await dev.waitFor(/\n {2}export CELERIAC_URL=(\S+) CELERIAC_API_TOKEN=(\S+)\n {2}(npx celeriac call .*)\n/, { timeoutMs: 60_000 });
  expect(token).toBe(TOKEN);
  expect(call).toBe(`npx celeriac call math_add --input '{"a":1,"b":2}' --wait`);
  env = { CELERIAC_URL: url!, CELERIAC_API_TOKEN: token! };
});
afterAll(async () => {
  await dev?.stop();
  killAll();
});

/** `celeriac …args` against the dev server. */
const celeriac = (args: string[], extraEnv: Record<string, string | undefined> = {}, timeoutMs = 60_000) =>
  runCli(args, { env: { ...env, ...extraEnv }, timeoutMs });

/** One line on stderr, nothing on stdout, no stack frame, the exit code. */
function expectOneLineError(r: CliResult, code: number, line: RegExp): void {
  expect({ code: r.code, stdout: r.stdout }).toEqual({ code, stdout: "" });
  expect(r.stderr).not.toMatch(/^\s+at /m);
  expect(r.stderr.trimEnd().includes("\n"), `one line: ${r.stderr}`).toBe(false);
  expect(r.stderr.trimEnd()).toMatch(line);
}

const json = <T>(r: CliResult): T => {
  expect(r.code, r.stderr).toBe(0);
  return JSON.parse(r.stdout) as T;
};

/** Sends `name` with `input` (and more flags); resolves the task id `call` printed. */
async function call(name: string, input: unknown, flags: string[] = []): Promise<string> {
  const r = await celeriac(["call", name, "--input", JSON.stringify(input), ...flags]);
  expect(r.code, r.stderr).toBe(0);
  const m = /^(\S+)  PENDING  (\S+)\n$/.exec(r.stdout);
  expect(m?.[2], r.stdout).toBe(name);
  return m![1]!;
}

describe("celeriac call and result", () => {
  it("call --wait on the report task draws the progress bar advancing, then prints the result", SLOW, async () => {
    const r = await celeriac(["call", "main_prepare_a_massive_report", "--input", '{"dataId": 9137, "steps": 12}', "--wait", "--interval", "0.05"]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^\S+  SUCCESS  main_prepare_a_massive_report .*\n\{\n {2}"dataId": 9137,\n {2}"rows": \d+\n\}\n$/);
    const percents = new Set([...r.stderr.matchAll(/PROGRESS \[[#-]{30}\] +(\d+)% \((\d+)\/12\)/g)].map((m) => Number(m[1])));
    expect(percents.size, r.stderr).toBeGreaterThanOrEqual(3);
    const shown = [...percents];
    expect(shown, "the bar only moves forward").toEqual([...shown].sort((a, b) => a - b));
  });

  it("on a terminal, the progress bar is one line redrawn in place", SLOW, async () => {
    let out = "";
    let err = "";
    const code = await runCall(["main_prepare_a_massive_report", "--input", '{"dataId": 9138, "steps": 8}', "--wait", "--interval", "0.05"], {
      env, out: (t) => (out += t), err: (t) => (err += t), tty: true,
    });
    expect(code).toBe(0);
    expect(out).toMatch(/^\S+  SUCCESS  main_prepare_a_massive_report /);
    const redraws = err.split("\r\x1b[2K").slice(1);
    expect(new Set(redraws.map((r) => /(\d+)%/.exec(r)?.[1]).filter(Boolean)).size, JSON.stringify(err)).toBeGreaterThanOrEqual(3);
    expect(redraws.slice(0, -1).every((r) => !r.includes("\n")), "no line break between redraws").toBe(true);
    expect(err.endsWith("\n")).toBe(true);
  });

  it("call prints the id; result prints the state and result, as text and as JSON", SLOW, async () => {
    const id = await call("math_add", { a: 20, b: 22 });
    const done = await waitFor(async () => {
      const view = json<{ state: string; result?: unknown }>(await celeriac(["result", id, "--json"]));
      return view.state === "SUCCESS" && view;
    }, { timeoutMs: 30_000, what: "math_add's result" });
    expect(done.result).toBe(42);
    const text = await celeriac(["result", id]);
    expect(text.code).toBe(0);
    expect(text.stdout).toMatch(new RegExp(`^${id}  SUCCESS  math_add  done \\S+ \\S+\\n42\\n$`));
    const waited = await celeriac(["result", id, "--wait"]);
    expect([waited.code, waited.stdout]).toEqual([0, text.stdout]);
  });

  it("call --wait on a failing task prints its error (the traceback on request) and exits 1; --json answers the result view", SLOW, async () => {
    const r = await celeriac(["call", "billing_charge_card", "--input", '{"orderId":"cli-1","amountCents":2000000,"currency":"EUR"}', "--wait", "--json"]);
    expect(r.code).toBe(1);
    const view = JSON.parse(r.stdout) as { id: string; state: string; error: { type: string; message: string; stack?: string } };
    expect(view).toMatchObject({ state: "FAILURE", error: { type: "CardDeclinedError", message: "card declined for order cli-1: amount over the limit" } });
    const traced = await celeriac(["result", view.id, "--traceback"]);
    expect(traced.code).toBe(0);
    expect(traced.stdout).toContain("CardDeclinedError: card declined for order cli-1: amount over the limit\n");
    expect(traced.stdout).toMatch(/^\s+at /m);
  });

  it("refuses what it cannot send with one line: unknown task, bad JSON, an input the schema refuses (each issue whole)", SLOW, async () => {
    expectOneLineError(await celeriac(["call", "math_ad", "--input", "{}"]), 1, /^celeriac call: Task "math_ad" is not registered \(registered: .*math_add.*\)\.$/);
    expectOneLineError(await celeriac(["call", "math_add", "--input", "{a: 1}"]), 2, /^celeriac call: --input is not valid JSON \(.+\): pass the task's input, e\.g\. --input '\{"x": 1\}'\. Run "celeriac call --help" for the options\.$/);
    expectOneLineError(await celeriac(["call", "math_add", "--input", '{"a": "one"}']), 1,
      /^celeriac call: the input of math_add does not match its schema, nothing was sent: a: .*expected number, received string; b: .*expected number, received undefined\.$/);
    expectOneLineError(await celeriac(["call"]), 2, /^celeriac call: name the NAME: .*Run "celeriac call --help" for the options\.$/);
    expectOneLineError(await celeriac(["call", "math_add", "--countdown", "soon"]), 2, /^celeriac call: --countdown must be a number of seconds/);
  });

  it("says in one line when the worker is unreachable, refuses the token, or is not set", SLOW, async () => {
    const port = await freePort();
    expectOneLineError(await celeriac(["result", "x"], { CELERIAC_URL: `http://127.0.0.1:${port}` }), 1,
      new RegExp(`^celeriac result: cannot reach the worker at http://127\\.0\\.0\\.1:${port} \\(ECONNREFUSED 127\\.0\\.0\\.1:${port}\\): is it running\\? Check CELERIAC_URL or --url\\.$`));
    expectOneLineError(await celeriac(["inspect", "registered", "--token", "wrong"]), 1,
      /^celeriac inspect: the worker refused the API token \(401: Wrong API token: use the worker's CELERIAC_API_TOKEN\)\. Set CELERIAC_API_TOKEN or pass --token with the worker's token\.$/);
    expectOneLineError(await celeriac(["result", "x"], { CELERIAC_API_TOKEN: undefined }), 1, /^celeriac result: the worker refused the API token \(401: Missing bearer token.*No token was given: set CELERIAC_API_TOKEN/);
    expectOneLineError(await celeriac(["result", "x"], { CELERIAC_API_TOKEN: "to abc123" }), 2,
      /^celeriac result: CELERIAC_API_TOKEN must be the worker's API token alone \(printable characters, no spaces\), as celeriac dev prints it\. Run "celeriac result --help"/);
    expectOneLineError(await celeriac(["result", "x"], { CELERIAC_URL: undefined }), 2, /^celeriac result: no worker to talk to: set CELERIAC_URL .* or pass --url\. Run "celeriac result --help"/);
    expectOneLineError(await celeriac(["dlq", "list", "--dashboard-path", "/elsewhere"]), 1,
      /^celeriac dlq: the worker at http:\S+ serves no dashboard API at \/elsewhere\/api: .*dashboard\(\).*--dashboard-path\.$/);
  });
});

describe("celeriac revoke, inspect, purge", () => {
  it("revoke cancels a waiting task's message and stores REVOKED; inspect scheduled lists waiting tasks and the schedules", SLOW, async () => {
    const id = await call("math_add", { a: 1, b: 1 }, ["--countdown", "600"]);
    const scheduled = await celeriac(["inspect", "scheduled"]);
    expect(scheduled.code, scheduled.stderr).toBe(0);
    expect(scheduled.stdout).toMatch(new RegExp(`^Waiting tasks:\\nRUNS AT +TASK +ID +STATE +RETRIES\\n.*math_add +${id} +PENDING +0\\n`, "m"));
    expect(scheduled.stdout).toMatch(/^Periodic schedules:\nSCHEDULE .*\nmain_prepare_a_massive_report_every_10m +main_prepare_a_massive_report +\*\/10 \* \* \* \* +UTC +\d{4}-\d\d-\d\d \d\d:\d0:00 /m);
    const asJson = json<{ waiting: { id: string; eta: string }[]; schedules: { name: string; next: string }[] }>(await celeriac(["inspect", "scheduled", "--json"]));
    expect(asJson.waiting.map((t) => t.id)).toContain(id);
    expect(asJson.schedules.map((s) => s.name)).toEqual(["main_prepare_a_massive_report_every_10m"]);

    const revoked = await celeriac(["revoke", id]);
    expect(revoked.code, revoked.stderr).toBe(0);
    expect(revoked.stdout).toMatch(new RegExp(`^${id}  REVOKED  \\(its pending message \\S+ was cancelled\\)\\n$`));
    expect((await celeriac(["result", id])).stdout).toMatch(new RegExp(`^${id}  REVOKED .*\\nTaskRevokedError: revoked\\n`));
    const after = json<{ waiting: { id: string }[] }>(await celeriac(["inspect", "scheduled", "--json"]));
    expect(after.waiting.map((t) => t.id)).not.toContain(id);
    // Without the dashboard's API, revoke goes through the core API: REVOKED, the message refused on arrival.
    const other = await call("math_add", { a: 1, b: 2 }, ["--countdown", "600"]);
    const core = await celeriac(["revoke", other, "--dashboard-path", "/elsewhere"]);
    expect([core.code, core.stdout]).toEqual([0, `${other}  REVOKED  (the worker refuses its message when it arrives; no dashboard API to find and cancel it)\n`]);
  });

  it("inspect registered lists the tasks with their options; inspect queues the task queues and the broker's", SLOW, async () => {
    const registered = await celeriac(["inspect", "registered"]);
    expect(registered.code).toBe(0);
    expect(registered.stdout).toMatch(/^TASK +QUEUE +RATE LIMIT +MAX RETRIES +DESCRIPTION\n/);
    expect(registered.stdout).toMatch(/^main_send_email +default +100\/m +3 +Send one email/m);
    expect(registered.stdout).toMatch(/^math_add +default +- +3 +Add two numbers\.$/m);
    const names = json<{ tasks: { name: string }[] }>(await celeriac(["inspect", "registered", "--json"])).tasks.map((t) => t.name);
    expect(names).toEqual(expect.arrayContaining(["api_check_availability", "billing_charge_card", "main_prepare_a_massive_report", "main_send_email", "math_add"]));
    expect(registered.stdout.trimEnd().split("\n").slice(1).map((l) => l.split(" ")[0])).toEqual(names); // one row per task, in the same order
    const queues = await celeriac(["inspect", "queues"]);
    expect(queues.code).toBe(0);
    expect(queues.stdout).toMatch(/^Task queues:\nQUEUE +TASKS\ndefault +.*math_add.*\n\nBroker queues:\n/);
    expectOneLineError(await celeriac(["inspect", "registerd"]), 2, /^celeriac inspect: cannot inspect "registerd" \(did you mean registered\?\); use registered, scheduled, queues\./);
  });

  it("purge asks first (refused without a terminal unless --yes), then cancels the waiting messages: the broker logs them CANCELED, no state is stored", SLOW, async () => {
    const ids = [await call("math_add", { a: 2, b: 2 }, ["--countdown", "600"]), await call("math_add", { a: 3, b: 3 }, ["--countdown", "600"])];
    // Sent to a broker queue: inspect queues shows its lag; purge --queue takes it alone.
    const queued = await call("math_add", { a: 9, b: 9 }, ["--countdown", "600", "--queue", "ops-q"]);
    const queues = json<{ brokerQueues: { name: string; lag: number }[] }>(await celeriac(["inspect", "queues", "--json"]));
    expect(queues.brokerQueues.find((q) => q.name === "ops-q")?.lag).toBeGreaterThanOrEqual(1);
    const fromQueue = json<{ cancelled: { id: string }[] }>(await celeriac(["purge", "--yes", "--queue", "ops-q", "--json"]));
    expect(fromQueue.cancelled.map((c) => c.id)).toEqual([queued]);
    expectOneLineError(await celeriac(["purge"]), 2, /^celeriac purge: purge cancels messages for good and asks first; not at a terminal, pass --yes to confirm\./);
    const other = json<{ cancelled: unknown[] }>(await celeriac(["purge", "--yes", "--queue", "no-such-queue", "--json"]));
    expect(other.cancelled).toEqual([]);
    // math_add's queue is "default" (its queue option).
    const purged = await celeriac(["purge", "--yes", "--queue", "default"]);
    expect(purged.code, purged.stderr).toBe(0);
    expect(purged.stdout).toMatch(/^Cancelled \d+ pending messages? in queue default \(from the broker's newest \d+ log entries\)\.\nTASK +ID +RETRIES +MESSAGE\n/);
    for (const id of ids) expect(purged.stdout).toMatch(new RegExp(`^math_add +${id} +0 +\\S+$`, "m"));
    const again = await celeriac(["purge", "--yes"]);
    expect([again.code, again.stdout]).toEqual([0, expect.stringMatching(/^Cancelled 0 pending messages \(from the broker's newest \d+ log entries\)\.\n$/)]);
    const events = await celeriac(["events", "--count", "1000", "--json"]);
    const cancelled = events.stdout.trim().split("\n").map((l) => JSON.parse(l) as { taskId: string; state: string }).filter((e) => e.state === "CANCELED").map((e) => e.taskId);
    for (const id of ids) expect(cancelled).toContain(id);
    for (const id of ids) expect(json<{ state: string; dateDone: string | null }>(await celeriac(["result", id, "--json"]))).toMatchObject({ state: "PENDING", dateDone: null });
  });

  it("purge at a terminal asks, and cancels nothing unless the answer is yes", SLOW, async () => {
    const id = await call("math_add", { a: 8, b: 8 }, ["--countdown", "600"]);
    const asked: string[] = [];
    let out = "";
    let err = "";
    const io = (answer: boolean) => ({ env, out: (t: string) => (out += t), err: (t: string) => (err += t), tty: true, confirm: async (q: string) => (asked.push(q), answer) });
    expect(await runPurge([], io(false))).toBe(1);
    expect(asked).toEqual([`Cancel every pending message of its tasks at ${env.CELERIAC_URL}? There is no undo.`]);
    expect([out, err]).toEqual(["", "Nothing was cancelled.\n"]);
    expect(json<{ waiting: { id: string }[] }>(await celeriac(["inspect", "scheduled", "--json"])).waiting.map((t) => t.id)).toContain(id);
    expect(await runPurge(["--json"], io(true))).toBe(0);
    expect((JSON.parse(out) as { cancelled: { id: string }[] }).cancelled.map((c) => c.id)).toContain(id);
  });
});

describe("celeriac dlq", () => {
  it("lists a failed task's message, replays it as the task's next attempt, and deletes an entry (a second delete exits 1)", SLOW, async () => {
    const sent = JSON.parse((await celeriac(["call", "billing_charge_card", "--input", '{"orderId":"dlq-1","amountCents":3000000,"currency":"EUR"}', "--json"])).stdout) as { id: string };
    type Page = { messages: { dlqId: string; task: { id: string; retries: number } | null }[] };
    const entryOf = async (retries: number) => waitFor(async () => json<Page>(await celeriac(["dlq", "list", "--json"])).messages.find((m) => m.task?.id === sent.id && m.task.retries === retries),
      { timeoutMs: 30_000, what: `the DLQ entry of attempt ${retries}` });
    const first = await entryOf(0);
    const listed = await celeriac(["dlq", "list"]);
    expect(listed.stdout).toMatch(/^DLQ ID +TASK +ID +RETRIES +FAILED WITH +SENT\n/);
    expect(listed.stdout).toMatch(new RegExp(`^${first.dlqId} +billing_charge_card +${sent.id} +0 +489 CardDeclinedError: card declined for order dlq-1`, "m"));

    const retried = await celeriac(["dlq", "retry", first.dlqId]);
    expect([retried.code, retried.stdout]).toEqual([0, `${first.dlqId}  replayed as task ${sent.id}'s next attempt\n`]);
    // The replay ran as attempt 1 (and, with the same input, was declined again).
    const second = await entryOf(1);
    expect((await celeriac(["result", sent.id])).stdout).toMatch(new RegExp(`^${sent.id}  FAILURE  billing_charge_card  retries=1 `));
    expectOneLineError(await celeriac(["dlq", "retry", first.dlqId]), 1, /^celeriac dlq: No DLQ entry \S+: it was retried or deleted already\.$/);

    const deleted = await celeriac(["dlq", "delete", second.dlqId]);
    expect([deleted.code, deleted.stdout]).toEqual([0, `${second.dlqId}  deleted\n`]);
    expect(json<Page>(await celeriac(["dlq", "list", "--json"])).messages.map((m) => m.dlqId)).not.toContain(second.dlqId);
    expectOneLineError(await celeriac(["dlq", "delete", second.dlqId]), 1, /^celeriac dlq: No DLQ entry \S+: it was retried or deleted already\.$/);
    expectOneLineError(await celeriac(["dlq", "replay"]), 2, /^celeriac dlq: unknown action "replay"; use list, retry, delete\./);
  });
});

describe("celeriac events", () => {
  it("prints the newest events oldest first, and --follow prints new ones as they happen until Ctrl-C", SLOW, async () => {
    const id = await call("math_add", { a: 4, b: 5 });
    await waitFor(async () => (await celeriac(["events", "--count", "50"])).stdout.includes(`DELIVERED         math_add[${id}]`), { timeoutMs: 30_000, what: "the DELIVERED event" });
    const listed = await celeriac(["events", "--count", "50"]);
    const lines = listed.stdout.trim().split("\n").filter((l) => l.includes(id));
    expect(lines.map((l) => l.split(/ +/)[2])).toEqual(["CREATED", "ACTIVE", "DELIVERED"]);

    const follow = startCli(["events", "--follow", "--count", "1", "--interval", "0.1"], { env });
    await follow.waitFor(/\n/, { timeoutMs: 30_000 });
    const from = follow.output().length;
    const next = await call("math_add", { a: 6, b: 7 });
    await follow.waitFor(new RegExp(`DELIVERED +math_add\\[${next}\\]`), { timeoutMs: 30_000, from });
    expect(follow.output().slice(from)).toMatch(new RegExp(`CREATED +math_add\\[${next}\\][\\s\\S]*ACTIVE +math_add\\[${next}\\]`));
    expect(await follow.stop()).toBe(0);
  });
});

describe("--help", () => {
  it.each(["call", "result", "revoke", "inspect", "dlq", "purge", "events"])("celeriac %s --help prints its usage and the connection options", async (command) => {
    const r = await runCli([command, "--help"]);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(new RegExp(`^Usage:\\s+celeriac ${command}`));
    expect(r.stdout).toContain("--url <url>");
    expect(r.stdout).toContain("--json");
  });
});
