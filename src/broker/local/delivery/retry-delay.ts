/**
 * When to retry a failed attempt: the destination's `Retry-After`-style headers, else the
 * message's `Upstash-Retry-Delay` expression, else QStash's default `min(86400, e^(2.5·n))` s.
 * @module
 */

import { evaluateRetryExpression } from "../message/retry-expression.ts";

const DAY_MS = 86_400_000;
/** Headers a destination may use to set the retry time, in the order checked. */
export const RETRY_TIME_HEADERS = ["retry-after", "x-ratelimit-reset", "x-ratelimit-reset-requests", "x-ratelimit-reset-tokens"] as const;

/** QStash's default backoff before retry `n` (1 = the first retry), in ms. */
export const defaultBackoffMs = (n: number): number => Math.round(Math.min(86_400, Math.exp(2.5 * n)) * 1000);

const GO_UNITS: Record<string, number> = { ns: 1e-6, us: 1e-3, "µs": 1e-3, "μs": 1e-3, ms: 1, s: 1000, m: 60_000, h: 3_600_000 };
const GO_PART = /(\d+(?:\.\d+)?)(ns|us|µs|μs|ms|s|m|h)/gy;

/** Parse one retry-time header value: seconds, an HTTP date, or a Go duration. Undefined when unusable. */
export function parseRetryTime(value: string, nowMs: number): number | undefined {
  const text = value.trim();
  if (text === "") return undefined;
  if (/^\d+(\.\d+)?$/.test(text)) return Number(text) * 1000;
  GO_PART.lastIndex = 0;
  let total = 0;
  let end = 0;
  for (let m = GO_PART.exec(text); m; m = GO_PART.exec(text)) {
    total += Number(m[1]) * GO_UNITS[m[2]];
    end = GO_PART.lastIndex;
  }
  if (end > 0 && end === text.length) return total;
  if (/[a-z]{3},/i.test(text)) {
    const at = Date.parse(text);
    if (!Number.isNaN(at)) return Math.max(0, at - nowMs);
  }
  return undefined;
}

/** The delay the destination asked for (≤ 1 day), or undefined. */
export function retryTimeFromHeaders(headers: { get(name: string): string | null }, nowMs: number): number | undefined {
  for (const name of RETRY_TIME_HEADERS) {
    const v = headers.get(name);
    if (v === null) continue;
    const ms = parseRetryTime(v, nowMs);
    if (ms !== undefined && ms <= DAY_MS) return ms;
  }
  return undefined;
}

/** The delay before the next attempt after `retried` attempts failed (so retried ≥ 1 here counts the failed ones). */
export function nextRetryDelayMs(options: { retriedBefore: number; expression?: string; fromResponse?: number }): number {
  if (options.fromResponse !== undefined) return options.fromResponse;
  if (options.expression) return evaluateRetryExpression(options.expression, options.retriedBefore);
  return defaultBackoffMs(options.retriedBefore + 1);
}
