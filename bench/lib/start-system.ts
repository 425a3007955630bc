/**
 * Starts one system under test by name, configured as the issue specifies it (shared by
 * `run.ts` and `cpu.ts`, so both measure the same setups).
 * @module
 */
import { startBullmq } from "../bullmq/system.ts";
import { startCeleriac } from "../celeriac/system.ts";
import { startCelery } from "../celery/system.ts";
import { type BenchArgs, BULLMQ_CONCURRENCY, CELERIAC_CONCURRENCY } from "./args.ts";
import type { System } from "./system.ts";

/** Start `name` (one of `SYSTEMS`) with the run's flags. */
export function startSystem(name: string, a: BenchArgs): Promise<System> {
  switch (name) {
    case "celeriac":
    case "celeriac-official":
    case "celeriac-undici":
      return startCeleriac({
        topology: a.topology, redisUrl: a.redisUrl, prefix: a.prefix, concurrency: a.concurrency ?? CELERIAC_CONCURRENCY, brokerConcurrency: a.brokerConcurrency,
        parts: name === "celeriac" ? "node" : name === "celeriac-official" ? "official" : "undici",
      });
    case "celery":
      return startCelery({ redisUrl: a.redisUrl, concurrency: 2 });
    case "bullmq":
    case "bullmq-http":
    case "bullmq-http-fetch": {
      // Each BullMQ variant in its faster measured layout (README): plain in one process, the HTTP variants with worker + handler in a child.
      const http = name === "bullmq" ? false : name === "bullmq-http" ? a.bullmqHttpClient : "fetch";
      return startBullmq({ name, redisUrl: a.redisUrl, http, workerConcurrency: 50, concurrency: a.concurrency ?? BULLMQ_CONCURRENCY, workerInChild: http !== false });
    }
    default:
      throw new Error(`unknown system ${name}`);
  }
}
