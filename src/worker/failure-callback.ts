/**
 * `POST /tasks/:name/failed`: the broker's failure callback (QStash `Upstash-Failure-Callback`,
 * set on every task message by the publisher). The broker calls it once when it gives up on a
 * message; the payload carries the message's body (`sourceBody`, base64) and its last answer.
 * A message the worker itself failed for good (489) is already settled: nothing to do, no Redis
 * command. Any other (delivery retries spent on a dead or busy worker, timeouts, 5xx) gets a
 * terminal state (`execution/lost-message.ts`) instead of PENDING for good.
 * @module
 */
import type { Context } from "hono";
import { EnvelopeError } from "../errors.ts";
import { IGNORED } from "../states.ts";
import { parseEnvelope } from "../task/envelope.ts";
import { settleLostMessage } from "../execution/lost-message.ts";
import type { Outcome } from "../execution/outcome.ts";
import { NON_RETRYABLE_STATUS, toResponse } from "./to-response.ts";
import { readVerifiedBody } from "./verified-body.ts";
import type { DeliverOptions } from "./deliver.ts";

/** The fields of QStash's failure-callback payload this route reads. */
interface FailurePayload {
  status?: number;
  error?: string;
  sourceBody?: string;
  retried?: number;
}

/** The handler of `POST /tasks/:name/failed`. */
export function failureCallbackHandler(o: DeliverOptions) {
  return async (c: Context): Promise<Response> => toResponse(await onFailureCallback(o, c.req.param("name") ?? "", c.req.raw));
}

async function onFailureCallback(o: DeliverOptions, name: string, req: Request): Promise<Outcome> {
  const body = await readVerifiedBody(req, { ...o, url: o.rt.publisher.failureCallbackUrl(name), consequence: "Nothing was recorded." });
  if (typeof body !== "string") return body;
  let payload: FailurePayload;
  let envelopeText: string;
  try {
    payload = JSON.parse(body) as FailurePayload;
    envelopeText = new TextDecoder().decode(Uint8Array.from(atob(String(payload.sourceBody ?? "")), (ch) => ch.charCodeAt(0)));
  } catch {
    return { kind: "refuse", status: NON_RETRYABLE_STATUS, error: "A failure callback needs QStash's JSON payload with the message's body in `sourceBody` (base64)." };
  }
  if (payload.status === NON_RETRYABLE_STATUS) return { kind: "ack", id: "", state: IGNORED, note: "failed for good by the worker itself" };
  let env;
  try {
    env = parseEnvelope(envelopeText);
  } catch (error) {
    if (!(error instanceof EnvelopeError)) throw error;
    o.rt.logger.warn(`failure callback for /tasks/${name}: its message is not a task envelope (${error.message}); nothing recorded`);
    return { kind: "ack", id: "", state: IGNORED, note: "not a task message" };
  }
  const reason = payload.status !== undefined ? `its last delivery answered ${payload.status}` : `its last delivery got no answer${payload.error ? `: ${payload.error}` : ""}`;
  return await settleLostMessage(o.rt, o.rt.registry.find(env.task), env, reason);
}
