/**
 * A message the broker gave up on (its failure callback, `POST /tasks/<name>/failed`): leave a
 * terminal state instead of PENDING for good. The attempt it carried was claimed and its holder is
 * gone → FAILURE `WorkerLostError` (Celery's, for either ack mode once the message is dead); it
 * never was → FAILURE `DeliveryFailedError`. Nothing is written when the attempt is settled or its
 * lease is still live (a running attempt: the broker is asked to call back after the lease).
 * @module
 */
import { DeliveryFailedError, WorkerLostError } from "../errors.ts";
import { FAILURE } from "../states.ts";
import type { Envelope } from "../task/envelope.ts";
import type { AnyTask } from "../task/task.ts";
import { Attempt } from "./attempt.ts";
import { errorMeta, storesOf } from "./meta.ts";
import type { Outcome } from "./outcome.ts";
import type { WorkerRuntime } from "./runtime.ts";

/** Settle the attempt `env` carried after the broker gave up on its message. `task` is undefined when this worker does not know it. */
export async function settleLostMessage(rt: WorkerRuntime, task: AnyTask | undefined, env: Envelope, reason: string): Promise<Outcome> {
  const now = rt.now();
  const stores = task ? storesOf(env, task).errors : true;
  const lostError = new WorkerLostError(`The broker gave up on this message (${reason}) after its attempt started, and the attempt never finished`);
  const lost = errorMeta(env, FAILURE, lostError, now);
  const unclaimed = errorMeta(env, FAILURE, new DeliveryFailedError(`The broker gave up delivering this task (${reason}) and no worker ever started it; replay it from the broker's DLQ`), now);
  const result = await rt.backend.markLost({
    id: env.id, retries: env.retries, now, lost: stores ? lost : null, unclaimed: stores ? unclaimed : null, ttlMs: rt.resultExpiresMs,
  });
  const where = `${env.task}[${env.id}]`;
  switch (result.status) {
    case "settled":
      return { kind: "ack", id: env.id, state: result.meta.status, note: "already settled" };
    case "live":
      return { kind: "redeliver", id: env.id, reason: "The attempt's lease is live: it may still be running", retryAfterSec: Math.max(1, Math.ceil(result.leaseRemainingMs / 1000)), busy: true };
    case "unclaimed":
      rt.logger.error(`${where}: the broker gave up delivering it (${reason}); no worker started it: FAILURE DeliveryFailedError`);
      return { kind: "ack", id: env.id, state: FAILURE, note: "never delivered" };
    case "claimed": {
      rt.logger.error(`${where}: ${lostError.message}: FAILURE WorkerLostError`);
      if (task) {
        const attempt = new Attempt(rt, task, env, env.input, { messageId: null, retried: 0 });
        await hooked(attempt, "onFailure", () => task.hooks.onFailure?.(lostError, attempt));
        await hooked(attempt, "afterReturn", () => task.hooks.afterReturn?.(FAILURE, lostError, attempt));
      }
      return { kind: "ack", id: env.id, state: FAILURE, note: "worker lost" };
    }
  }
}

async function hooked(attempt: Attempt, name: string, fn: () => unknown): Promise<void> {
  try {
    await fn();
  } catch (error) {
    attempt.log.error(`${name} hook failed: ${error instanceof Error ? error.message : String(error)}`);
  }
}
