/**
 * celeriac as a system under test: the real stack (`stack.ts`), driven through the direct-mode
 * client exactly as an application would.
 * @module
 */
import type { System } from "../lib/system.ts";
import { useGlobalFetch, useNodeHttpFetch } from "../lib/node-fetch.ts";
import { runPool, waitUntil } from "../lib/pool.ts";
import { type CeleriacStack, startCeleriacStack } from "./stack.ts";

/** Options of {@link startCeleriac}. */
export interface CeleriacOptions {
  topology: string;
  redisUrl: string;
  prefix: string;
  /** Sends (and result reads) in flight at once. */
  concurrency: number;
  /** Local broker deliveries in flight at once. */
  brokerConcurrency: number;
  /** `"node-http"`: the diagnostic variant, `@upstash/*` clients over node:http instead of Node's fetch (system name `celeriac-node-fetch`). */
  fetch?: "global" | "node-http";
}

export async function startCeleriac(o: CeleriacOptions): Promise<System & { stack: CeleriacStack }> {
  const transport = o.fetch ?? "global";
  if (transport === "node-http") useNodeHttpFetch();
  const stack = await startCeleriacStack(o.topology, { redisUrl: o.redisUrl, prefix: o.prefix, resultExpiresMs: 3_600_000, brokerConcurrency: o.brokerConcurrency, fetch: transport });
  const { client } = stack;
  return {
    name: transport === "node-http" ? "celeriac-node-fetch" : "celeriac",
    setup: `${stack.processes} Node process${stack.processes > 1 ? "es" : ""} (${stack.topology}), sends ${o.concurrency} in flight, broker ${o.brokerConcurrency} deliveries in flight, ` +
      (transport === "node-http"
        ? "DIAGNOSTIC: the @upstash/redis and @upstash/qstash clients' fetch replaced by node:http keep-alive (bench/lib/node-fetch.ts)"
        : "@upstash/redis and @upstash/qstash on Node's global fetch (the production path)"),
    stack,
    async throughput(n, ignoreResult) {
      const base = ignoreResult ? await stack.delivered() : 0;
      const t0 = performance.now();
      const sent = await runPool(n, o.concurrency, (i) => client.send("math_add", { a: i, b: 1 }, ignoreResult ? { ignoreResult: true } : undefined));
      if (ignoreResult) {
        await waitUntil(async () => (await stack.delivered()) >= base + n, 120_000, `${n} deliveries`);
      } else {
        await runPool(n, o.concurrency, async (i) => {
          const value = await sent[i].get({ timeoutMs: 120_000 });
          if (value !== i + 1) throw new Error(`celeriac: task ${i} answered ${JSON.stringify(value)}, expected ${i + 1}`);
        });
      }
      return (performance.now() - t0) / 1000;
    },
    async latency(n, options = {}) {
      const out: number[] = [];
      for (let i = 0; i < n; i++) {
        const t0 = performance.now();
        const r = await client.send("math_add", { a: i, b: 2 });
        const value = await r.get({ timeoutMs: 30_000, ...(options.pollMs !== undefined ? { intervalMs: options.pollMs } : {}) });
        out.push(performance.now() - t0);
        if (value !== i + 2) throw new Error(`celeriac: latency task ${i} answered ${JSON.stringify(value)}`);
      }
      return out;
    },
    counter: {
      async reset() {
        await stack.resetCommands();
      },
      async read() {
        const w = await stack.workerCommands();
        const c = stack.clientBackend.commands.snapshot();
        const byOperation: Record<string, number> = { ...w.byOperation };
        for (const [k, v] of Object.entries(c.byOperation)) byOperation[k] = (byOperation[k] ?? 0) + v;
        return { total: w.total + c.total, byOperation };
      },
    },
    async close() {
      await stack.close();
      if (transport === "node-http") useGlobalFetch();
    },
  };
}
