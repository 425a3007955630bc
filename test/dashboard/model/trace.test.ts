/**
 * From broker log entries to what the dashboard shows, on hand-written logs: grouping by task
 * id, attempts with the broker's own redeliveries, the state shown, and the last hour's figures.
 */
import { describe, expect, it } from "vitest";
import type { TaskMeta } from "../../../src/backend/backend.ts";
import type { BrokerLogEntry } from "../../../src/broker/broker.ts";
import { figuresOf } from "../../../src/dashboard/model/figures.ts";
import { displayState, progressOf, traceTasks } from "../../../src/dashboard/model/tasks.ts";
import { attemptsOf } from "../../../src/dashboard/model/timeline.ts";

const T0 = Date.UTC(2030, 0, 1, 12, 0, 0);
const envelope = (id: string, retries: number, task = "t_report") => JSON.stringify({ v: 1, id, task, input: { n: 1 }, retries, sentAt: new Date(T0).toISOString(), parentId: null });
const entry = (messageId: string, state: string, at: number, body: string, extra: Partial<BrokerLogEntry> = {}): BrokerLogEntry =>
  ({ messageId, state, time: T0 + at, url: "https://w.example/tasks/t_report", body, ...extra });

// Task A: the first attempt is answered 503 once (the broker redelivers), then retried by the
// worker; the retry is refused for good (489) and lands in the DLQ. Task B succeeds at once.
const a0 = envelope("A", 0);
const a1 = envelope("A", 1);
const b0 = envelope("B", 0, "t_other");
const LOG: BrokerLogEntry[] = [
  entry("m1", "CREATED", 0, a0),
  entry("m1", "ACTIVE", 1_000, a0),
  entry("m1", "ERROR", 1_200, a0, { responseStatus: 503, responseBody: '{"id":"A","error":"Infrastructure error: redis down"}' }),
  entry("m1", "RETRY", 1_200, a0, { nextDeliveryTime: T0 + 13_000 }),
  entry("m1", "ACTIVE", 13_000, a0),
  entry("m1", "DELIVERED", 13_400, a0),
  entry("m2", "CREATED", 13_300, a1),
  entry("m2", "ACTIVE", 73_300, a1),
  entry("m2", "ERROR", 73_900, a1, { responseStatus: 489, responseBody: '{"id":"A","state":"FAILURE","error":{"type":"TypeError","message":"boom"}}' }),
  entry("m2", "FAILED", 73_900, a1),
  entry("m3", "CREATED", 5_000, b0, { url: "https://w.example/tasks/t_other" }),
  entry("m3", "ACTIVE", 5_010, b0, { url: "https://w.example/tasks/t_other" }),
  entry("m3", "DELIVERED", 5_030, b0, { url: "https://w.example/tasks/t_other" }),
  entry("s1", "DELIVERED", 6_000, '{"celeriac":"schedule","v":1,"name":"x"}', { url: "https://w.example/schedules/x" }),
].reverse(); // the broker lists newest first

const meta = (status: string, retries: number, result: unknown = null): TaskMeta => ({ task_id: "A", status, result, traceback: null, children: [], date_done: null, retries });

describe("traceTasks, attemptsOf, displayState", () => {
  it("groups entries by task id, one attempt per message, the broker's redeliveries inside it", () => {
    const traces = traceTasks(LOG);
    expect(traces.map((t) => [t.id, t.name, t.messages.length])).toEqual([["A", "t_report", 2], ["B", "t_other", 1]]);
    const attempts = attemptsOf(traces[0], meta("FAILURE", 1));
    expect(attempts.map((x) => [x.retries, x.messageId, x.outcome])).toEqual([[0, "m1", "retried"], [1, "m2", "failed"]]);
    expect(attempts[0].steps.map((s) => s.kind)).toEqual(["sent", "delivered", "error", "redelivery", "delivered", "retried"]);
    expect(attempts[0].steps[2]).toMatchObject({ text: "Worker answered 503", detail: "Infrastructure error: redis down" });
    expect(attempts[0].steps[4].text).toBe("Delivered again (delivery 2)");
    expect(attempts[1].steps.map((s) => s.kind)).toEqual(["queued", "delivered", "error", "failed"]);
    expect(attempts[1].steps[2].detail).toBe("TypeError: boom");
  });

  it("shows the stored state, the broker's without one, and the broker's for a replay of a stored FAILURE", () => {
    const [a] = traceTasks(LOG);
    expect(displayState(a, meta("FAILURE", 1))).toBe("FAILURE");
    expect(displayState(a, null)).toBe("FAILURE");
    const replayed = traceTasks([...LOG, entry("m4", "CREATED", 90_000, envelope("A", 2))])[0];
    expect(displayState(replayed, meta("FAILURE", 1))).toBe("PENDING");
    expect(displayState(traceTasks([entry("m9", "ACTIVE", 0, envelope("C", 0)), entry("m9", "CREATED", 0, envelope("C", 0))])[0], null)).toBe("STARTED");
    expect(progressOf({ ...meta("PROGRESS", 0), result: { current: 2, total: 5 } })).toEqual({ current: 2, total: 5 });
    expect(progressOf(meta("SUCCESS", 0, { current: 2, total: 5 }))).toBeUndefined();
  });
});

describe("figuresOf", () => {
  it("counts acked, failed and retries per task and minute, with run time and wait", () => {
    const fig = figuresOf(LOG, T0 + 3_600_000);
    const a = fig.tasks.find((t) => t.name === "t_report")!;
    expect(a).toMatchObject({ deliveries: 3, acked: 1, failed: 1, retries: 2, retryRate: 2 / 3, waitP50: 60_000 });
    expect(a.runP50).toBe(400);
    expect(a.runP95).toBe(600);
    expect(a.buckets[0]).toMatchObject({ acked: 1, retries: 2, failed: 0 });
    expect(a.buckets[1]).toMatchObject({ acked: 0, retries: 0, failed: 1, runP50: 600 });
    expect(fig.all).toMatchObject({ deliveries: 4, acked: 2, failed: 1 });
    expect(fig.tasks.map((t) => t.name)).toEqual(["t_report", "t_other"]);
  });
});
