/**
 * The real stack (local broker over HTTP + worker over HTTP + memory or real Redis) with one
 * virtual clock injected into the broker and the worker (clock and timers): time moves only when
 * a test calls `advance(ms)`, which then delivers whatever became due.
 */
import type { Client as QStashClient } from "@upstash/qstash";
import type { AnyTask, AsyncResult, Logger, WorkerOptions } from "../../src/index.ts";
import { officialClient } from "./broker-view.ts";
import { type Stack, startStack } from "./stack.ts";
import { VirtualClock } from "./virtual-clock.ts";
import { waitFor } from "./wait.ts";

export interface ClockedStack {
  stack: Stack;
  clock: VirtualClock;
  /** The official QStash client pointed at the local broker. */
  qstash: QStashClient;
  /** Lines the worker logged, as `level message`. */
  lines: string[];
  /** Move both clocks forward by `ms` (firing worker timers) and deliver what became due; settles when delivered. */
  advance(ms: number): Promise<void>;
  /** Deliver what is due now; settles when the broker has nothing in flight. */
  settle(): Promise<void>;
  /** The URL the broker delivers task `name` to. */
  url(name: string): string;
  close(): Promise<void>;
}

export interface ClockedStackOptions {
  tasks: AnyTask[];
  backend: "memory" | "redis";
  worker?: Partial<WorkerOptions>;
}

/** Start the stack with a shared virtual clock. */
export async function startClockedStack(o: ClockedStackOptions): Promise<ClockedStack> {
  const clock = new VirtualClock();
  const lines: string[] = [];
  const logger: Logger = {
    debug: (m) => void lines.push(`debug ${m}`),
    info: (m) => void lines.push(`info ${m}`),
    warn: (m) => void lines.push(`warn ${m}`),
    error: (m) => void lines.push(`error ${m}`),
  };
  const stack = await startStack({
    tasks: o.tasks,
    backend: o.backend,
    broker: { now: clock.now },
    worker: { now: clock.now, timers: clock.timers, logger, ...o.worker },
  });
  const qstash = officialClient(stack.brokerUrl, stack.broker.token);
  return {
    stack,
    clock,
    qstash,
    lines,
    async advance(ms) {
      clock.advance(ms);
      await stack.broker.runDue();
    },
    settle: () => stack.broker.runDue(),
    url: (name) => `${stack.workerUrl}/tasks/${name}`,
    close: () => stack.close(),
  };
}

/** Wait (real time, with a deadline) until `result` is READY, and return its view. */
export async function readyView(result: AsyncResult, timeoutMs = 10_000) {
  return await waitFor(async () => {
    const view = await result.view();
    return ["SUCCESS", "FAILURE", "REVOKED"].includes(view.state) ? view : undefined;
  }, { timeoutMs, what: `task ${result.id} to finish` });
}
