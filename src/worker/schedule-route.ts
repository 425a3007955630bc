/**
 * `POST /schedules/:name`: where a broker schedule (QStash, or the local broker) delivers. Its
 * body is a fixed trigger `{"celeriac":"schedule","v":1,"name":…}`, never a task envelope, so no
 * task id is frozen into the broker: the worker verifies the signature, works out which tick the
 * firing stands for, and publishes that tick as a new task message with a fresh id (the same
 * tick twice → the same id, published once). This costs one extra broker message per run; in
 * exchange every run is an ordinary message (retries, rate limits, jitter, `overlap: "queue"`).
 * @module
 */
import type { Context } from "hono";
import type { Outcome } from "../execution/outcome.ts";
import type { Verifier } from "../verify/verifier.ts";
import { readVerifiedBody } from "./verified-body.ts";
import { NON_RETRYABLE_STATUS, toResponse } from "./to-response.ts";
import { type ScheduleRunner, triggerBody } from "../schedule/runner.ts";

export interface TriggerRouteOptions {
  runner: ScheduleRunner;
  verifier: Verifier;
  maxBodyBytes: number;
}

/** The handler of `POST /schedules/:name`. */
export function triggerHandler(o: TriggerRouteOptions) {
  return async (c: Context): Promise<Response> => toResponse(await trigger(o, c.req.param("name") ?? "", c.req.raw));
}

async function trigger(o: TriggerRouteOptions, name: string, req: Request): Promise<Outcome> {
  const body = await readVerifiedBody(req, { ...o, url: o.runner.triggerUrl(name), consequence: "Nothing was scheduled." });
  if (typeof body !== "string") return body;
  if (body !== triggerBody(name)) {
    // Signed, so the broker sends these bytes on every retry: it can never succeed (489, non-retryable).
    return { kind: "refuse", status: NON_RETRYABLE_STATUS, error: `Not a trigger for schedule "${name}": expected the body ${triggerBody(name)}. Run \`celeriac schedules sync\`.` };
  }
  if (!o.runner.get(name)) {
    return {
      kind: "refuse", status: 404,
      error: `Schedule "${name}" is not defined in this worker (defined: ${o.runner.list().map((s) => s.name).join(", ") || "none"}). Run \`celeriac schedules sync\` to delete stale broker schedules.`,
    };
  }
  try {
    const result = (await o.runner.fire(name))!;
    return { kind: "ack", id: "id" in result ? result.id : `schedule:${name}`, state: result.status, note: `${name} tick ${result.tick}` };
  } catch (error) {
    return { kind: "redeliver", reason: `Could not publish schedule "${name}": ${(error as Error)?.message ?? error}` };
  }
}
