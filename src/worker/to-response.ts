/**
 * The one function that turns an outcome into the broker's HTTP answer:
 * 200 done · 503 redeliver · 429 + Retry-After while another delivery holds the lease ·
 * 489 + `Upstash-NonRetryable-Error` for final failures (the broker's DLQ) and for deliveries that can
 * never succeed · other 4xx for bad requests.
 * @module
 */
import { CELERIAC_OUTCOME, RETRY_AFTER, UPSTASH_NON_RETRYABLE_ERROR } from "../headers.ts";
import type { Outcome } from "../execution/outcome.ts";

/** QStash's "do not retry" status. */
export const NON_RETRYABLE_STATUS = 489;

export function toResponse(outcome: Outcome): Response {
  // A plain record, not `Headers`: adapters such as @hono/node-server then write it as it is.
  const headers: Record<string, string> = { "content-type": "application/json", [CELERIAC_OUTCOME]: outcome.kind };
  switch (outcome.kind) {
    case "ack":
      return new Response(JSON.stringify({ id: outcome.id, state: outcome.state, ...(outcome.note ? { note: outcome.note } : {}) }), { status: 200, headers });
    case "redeliver":
      if (outcome.retryAfterSec !== undefined) headers[RETRY_AFTER] = String(outcome.retryAfterSec);
      return new Response(JSON.stringify({ id: outcome.id, error: outcome.reason }), { status: outcome.busy ? 429 : 503, headers });
    case "final":
      if (!outcome.deadLetter) return new Response(JSON.stringify({ id: outcome.id, state: outcome.state, error: outcome.error }), { status: 200, headers });
      headers[UPSTASH_NON_RETRYABLE_ERROR] = "true";
      return new Response(JSON.stringify({ id: outcome.id, state: outcome.state, error: outcome.error }), { status: NON_RETRYABLE_STATUS, headers });
    case "refuse":
      if (outcome.status === NON_RETRYABLE_STATUS) headers[UPSTASH_NON_RETRYABLE_ERROR] = "true";
      return new Response(JSON.stringify({ ...(outcome.id ? { id: outcome.id } : {}), error: outcome.error }), { status: outcome.status, headers });
  }
}
