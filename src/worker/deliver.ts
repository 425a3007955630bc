/**
 * `POST /tasks/:name`: a broker delivery. Verify the signature against the exact body, parse the
 * envelope, find the task, execute, answer through `toResponse`.
 * @module
 */
import type { Context } from "hono";
import { EnvelopeError } from "../errors.ts";
import { UPSTASH_MESSAGE_ID, UPSTASH_RETRIED } from "../headers.ts";
import { parseEnvelope } from "../task/envelope.ts";
import { execute } from "../execution/execute.ts";
import { settleLostMessage } from "../execution/lost-message.ts";
import type { Outcome } from "../execution/outcome.ts";
import type { WorkerRuntime } from "../execution/runtime.ts";
import type { Verifier } from "../verify/verifier.ts";
import { NON_RETRYABLE_STATUS, toResponse } from "./to-response.ts";
import { needsShape, reshape } from "./reshape.ts";
import { readVerifiedBody } from "./verified-body.ts";

export interface DeliverOptions {
  rt: WorkerRuntime;
  verifier: Verifier;
  maxBodyBytes: number;
}

/** The handler of `POST /tasks/:name`. */
export function deliverHandler(o: DeliverOptions) {
  return async (c: Context): Promise<Response> => toResponse(await deliver(o, c.req.param("name") ?? "", c.req.raw));
}

async function deliver(o: DeliverOptions, name: string, req: Request): Promise<Outcome> {
  const body = await readVerifiedBody(req, { ...o, url: o.rt.publisher.destination(name), consequence: "The task did not run." });
  if (typeof body !== "string") {
    if (body.status === 401) o.rt.logger.warn(`POST /tasks/${name} refused: ${body.error}`);
    return body;
  }
  let env;
  try {
    env = parseEnvelope(body);
  } catch (error) {
    if (!(error instanceof EnvelopeError)) throw error;
    // Signed, so the broker sent it: redelivering the same bytes cannot succeed unless a newer worker reads them.
    return { kind: "refuse", status: error.readableLater ? 400 : NON_RETRYABLE_STATUS, error: error.message };
  }
  if (env.task !== name) {
    // It can never succeed here: settle the task as the broker's failure callback would once it gave up
    // (FAILURE, not PENDING for good; nothing when its attempt is running or done elsewhere), then 489.
    const settled = await settleLostMessage(o.rt, o.rt.registry.find(env.task), env, `delivered to /tasks/${name}, not its task's route`);
    if (settled.kind === "redeliver") return settled;
    return { kind: "refuse", status: NON_RETRYABLE_STATUS, id: env.id, error: `Envelope names task "${env.task}" but was delivered to /tasks/${name}; publish to /tasks/${env.task}.` };
  }
  const task = o.rt.registry.find(name);
  if (!task) {
    return {
      kind: "refuse", status: 404, id: env.id,
      error: `Task "${name}" is not registered with this worker (registered: ${o.rt.registry.names().join(", ") || "none"}). The broker will retry; deploy a worker that has it.`,
    };
  }
  if (needsShape(task, env)) return await reshape(o.rt, task, env);
  return await execute(o.rt, task, env, {
    messageId: req.headers.get(UPSTASH_MESSAGE_ID),
    retried: Number(req.headers.get(UPSTASH_RETRIED) ?? 0) || 0,
  });
}
