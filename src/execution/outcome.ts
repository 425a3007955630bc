/**
 * The outcome of handling one delivery. `toResponse()` (src/worker/to-response.ts) is the one
 * place an outcome becomes an HTTP answer for the broker.
 * @module
 */
import type { ErrorView } from "../backend/result-view.ts";

export type Outcome =
  /** Done (acknowledged): 200. `state` is what is stored now (or IGNORED/DUPLICATE for no write). */
  | { kind: "ack"; id: string; state: string; note?: string }
  /** Could not finish; the broker should deliver again: 503, or 429 while another delivery holds the lease. */
  | { kind: "redeliver"; id?: string; reason: string; retryAfterSec?: number; busy?: boolean }
  /** Final failure: 489 + `Upstash-NonRetryable-Error` so the broker keeps it in its DLQ (or 200 when the task opts out). */
  | { kind: "final"; id: string; state: string; error: ErrorView; deadLetter: boolean }
  /**
   * The request itself is wrong (no run): 400, 401, 404, 413, 422; 489 (+ `Upstash-NonRetryable-Error`)
   * for a signed delivery that can never succeed (not a task envelope, the wrong task's route).
   */
  | { kind: "refuse"; status: 400 | 401 | 404 | 413 | 422 | 489; error: string; id?: string };
