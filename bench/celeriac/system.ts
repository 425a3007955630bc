/**
 * celeriac as a system under test: the real stack (`stack.ts`), driven through the direct-mode
 * client exactly as an application would.
 * @module
 */
import type { System } from "../lib/system.ts";
import { runPool, waitUntil } from "../lib/pool.ts";
import type { PartsName } from "./roles.ts";
import { type CeleriacStack, startCeleriacStack } from "./stack.ts";
import { chord } from "../../src/canvas/index.ts";
import { benchCollect, benchSquare } from "./tasks.ts";

/** Options of {@link startCeleriac}. */
export interface CeleriacOptions {
  topology: string;
  redisUrl: string;
  prefix: string;
  /** Sends (and result reads) in flight at once. */
  concurrency: number;
  /** Local broker deliveries in flight at once. */
  brokerConcurrency: number;
  /**
   * `"node"` (default): `NODE_PARTS`, what `serveNode` runs; `"official"`: `OFFICIAL_PARTS`, the
   * official clients on Node's fetch (system name `celeriac-official`); `"undici"`: `NODE_PARTS`
   * with undici's client under every part and the broker (`celeriac-undici`).
   */
  parts?: PartsName;
}

export async function startCeleriac(o: CeleriacOptions): Promise<System & { stack: CeleriacStack }> {
  const parts = o.parts ?? "node";
  const stack = await startCeleriacStack(o.topology, { redisUrl: o.redisUrl, prefix: o.prefix, resultExpiresMs: 3_600_000, brokerConcurrency: o.brokerConcurrency, parts });
  const { client } = stack;
  // Open the bridge's subscriber connection now, as Upstash's is always open: a get() that listens
  // mid-measurement must not count as a new connection (other traffic) in its window.
  (await stack.clientBackend.watch("celeriac-bench-warmup", () => {}))?.();
  return {
    name: parts === "node" ? "celeriac" : `celeriac-${parts}`,
    setup: `${stack.processes} Node process${stack.processes > 1 ? "es" : ""} (${stack.topology}), sends ${o.concurrency} in flight, broker ${o.brokerConcurrency} deliveries in flight, ` +
      (parts === "official"
        ? "OFFICIAL_PARTS: @upstash/redis and @upstash/qstash on Node's global fetch, the official Receiver (for comparison)"
        : parts === "undici"
        ? "NODE_PARTS with undici (Dispatcher.dispatch, bench/lib/undici-client.ts) in place of celeriac's socket client under the requester, the publisher and the broker's deliveries (for the A/B)"
        : "NODE_PARTS, the Node production path (what serveNode builds): @upstash/redis on the Node requester, all HTTP on celeriac's socket client"),
    stack,
    profiles: { start: () => stack.startProfiles(), stop: (dir) => stack.stopProfiles(dir) },
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
    async chord(n) {
      const t0 = performance.now();
      const sent = await client.send(chord(Array.from({ length: n }, (_, i) => benchSquare.si(i)), benchCollect.s()));
      const value = await sent.get({ timeoutMs: 600_000 });
      if (value !== n) throw new Error(`celeriac: the chord's callback answered ${JSON.stringify(value)}, expected ${n}`);
      return (performance.now() - t0) / 1000;
    },
    async latency(n, options = {}) {
      const out: number[] = [];
      for (let i = 0; i < n; i++) {
        const t0 = performance.now();
        const r = await client.send("math_add", { a: i, b: 2 });
        const value = await r.get({ timeoutMs: 30_000, ...(options.listen === false ? { listen: false } : {}) });
        out.push(performance.now() - t0);
        if (value !== i + 2) throw new Error(`celeriac: latency task ${i} answered ${JSON.stringify(value)}`);
      }
      return out;
    },
    async settle(pending) {
      // Each get() that listened sends UNSUBSCRIBE as it returns; let those reach Redis.
      await waitUntil(async () => (await pending(`${o.prefix}*`)) === 0, 5_000, "the listening get()s to unsubscribe");
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
    },
  };
}
