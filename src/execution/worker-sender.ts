/**
 * The worker's own sender: what `ctx.send()`, and `task.delay()` / `applyAsync()` inside a
 * handler, publish through. It refuses a task this worker does not serve (the broker would
 * deliver it here and get 404 until its retries run out), and its results read the worker's backend.
 * @module
 */
import type { Backend } from "../backend/backend.ts";
import type { Broker } from "../broker/broker.ts";
import { backendResultSource } from "../publish/backend-source.ts";
import type { Publisher } from "../publish/publisher.ts";
import { AsyncResult } from "../result/async-result.ts";
import { toResult } from "../result/group-result.ts";
import { isCanvas } from "../canvas/signature.ts";
import { sendCanvas } from "../publish/send-canvas.ts";
import { currentTask } from "../current.ts";
import type { Registry } from "../task/registry.ts";
import type { SendOptions } from "../task/send-options.ts";
import type { Sender } from "../task/sender.ts";

/** Build the sender of a worker. */
export function createWorkerSender(
  o: { publisher: Publisher; registry: Registry; backend: Backend; broker: Broker; resultExpiresMs: number; now: () => number },
): Sender {
  const source = backendResultSource(o.backend, o.broker, o.resultExpiresMs, o.now);
  return {
    async send(target: unknown, input?: unknown, options?: SendOptions) {
      const running = currentTask();
      if (isCanvas(target)) {
        const ids = await sendCanvas({ publisher: o.publisher, backend: o.backend, resultExpiresMs: o.resultExpiresMs, registry: o.registry }, target, input as SendOptions);
        running?.children?.add(ids);
        return toResult(ids, source, o.now) as AsyncResult<unknown>;
      }
      const name = typeof target === "string" ? target : (target as { name: string }).name;
      o.registry.get(name); // NotRegistered, naming the tasks this worker serves
      const sent = await o.publisher.send(name, input, options);
      running?.children?.add(sent.id);
      return new AsyncResult(sent.id, source, { messageId: sent.messageId, now: o.now, runsUntilMs: sent.runsUntilMs, sentAt: o.now() });
    },
  };
}
