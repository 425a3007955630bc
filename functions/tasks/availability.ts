/**
 * `api_check_availability`: an idempotent read from an external API (seed 001's cache pattern).
 * Reading twice is harmless, so it runs with `acksLate` (redelivered if the worker dies) and
 * autoretries upstream errors with exponential backoff and jitter. The result is also cached
 * for five minutes per server, so a burst of identical requests calls the API once.
 */
import { z } from "zod";
import { task } from "../../src/index.ts";

/** An upstream HTTP error worth retrying. */
export class UpstreamError extends Error {
  constructor(readonly status: number, message: string) {
    super(message);
    this.name = "UpstreamError";
  }
}

/** The external API. In development, a simulated service that fails the first `failTimes` calls of each request. */
export interface AvailabilityApi {
  check(serverId: string, attempt: number, failTimes: number): Promise<{ available: boolean; region: string }>;
}

export const simulatedApi: AvailabilityApi = {
  async check(serverId, attempt, failTimes) {
    if (attempt < failTimes) throw new UpstreamError(503, `availability API answered 503 for ${serverId} (simulated outage ${attempt + 1}/${failTimes})`);
    return { available: !serverId.endsWith("0"), region: "eu-central-1" };
  },
};

let api: AvailabilityApi = simulatedApi;

/** Replace the API client (production wiring, or tests). */
export function setAvailabilityApi(next: AvailabilityApi): void {
  api = next;
}

export const checkAvailability = task({
  name: "api_check_availability",
  description: "Read a server's availability from an external API, retrying upstream errors with backoff.",
  input: z.object({
    serverId: z.string().min(1).meta({ examples: ["srv-42"] }),
    /** Development knob: how many times the simulated API fails first. */
    failTimes: z.number().int().min(0).max(10).default(0),
  }),
  acksLate: true,
  autoretryFor: [UpstreamError],
  retryBackoff: true,
  retryBackoffMax: 60,
  retryJitter: true,
  maxRetries: 5,
  timeLimit: 30,
  softTimeLimit: 25,
  cache: { key: ({ serverId, failTimes }) => `${serverId}:${failTimes}`, ttl: "5m" },
}, async ({ serverId, failTimes }, ctx) => {
  ctx.log.info(`checking ${serverId} (attempt ${ctx.request.retries + 1})`);
  return await api.check(serverId, ctx.request.retries, failTimes);
});
