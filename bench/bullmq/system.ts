/**
 * BullMQ as a system under test: a `Queue` and `QueueEvents` in this process (the producer, as an
 * application would hold them) and a `Worker` with concurrency 50, here or in a child process.
 * With results, jobs keep BullMQ's default (the completed job and its return value stay in
 * Redis) and are read back with `job.waitUntilFinished(queueEvents)`; ignoreResult is
 * `removeOnComplete: true`, completion counted by the worker's `completed` events.
 * @module
 */
import { fileURLToPath } from "node:url";
import { type Job, Queue, QueueEvents } from "bullmq";
import { type Child, startChild } from "../lib/child.ts";
import { startProfile, stopProfile } from "../lib/cpu-profile.ts";
import { runPool, waitUntil } from "../lib/pool.ts";
import type { System } from "../lib/system.ts";
import { QUEUE, useNodeRedis } from "./connection.ts";
import { type BullWorker, type HttpClient, startBullWorker } from "./worker.ts";

const HTTP_CLIENT_NAMES: Record<HttpClient, string> = {
  "sockets": "celeriac's delivery client (pooled sockets)",
  "node-http": "http.request with a keep-alive Agent",
  "request": "Request/Response over keep-alive node:http",
  "fetch": "Node's global fetch",
};

const WORKER_CHILD = fileURLToPath(new URL("./worker-child.ts", import.meta.url));

/** Options of {@link startBullmq}. */
export interface BullmqOptions {
  /** The system's name in the report (`bullmq`, `bullmq-http`, `bullmq-http-fetch`). */
  name: string;
  redisUrl: string;
  /** Run the task through an HTTP handler (celeriac's architecture), called with this client; false: call the function. */
  http: HttpClient | false;
  /** Worker concurrency (the issue's: 50). */
  workerConcurrency: number;
  /** Adds (and result waits) in flight at once. */
  concurrency: number;
  /** Run the worker in a child process. */
  workerInChild: boolean;
}

export async function startBullmq(o: BullmqOptions): Promise<System> {
  const connection = useNodeRedis(o.redisUrl);
  let child: Child | undefined;
  let local: BullWorker | undefined;
  if (o.workerInChild) {
    child = startChild(WORKER_CHILD, { redisUrl: o.redisUrl, concurrency: o.workerConcurrency, http: o.http });
    await child.call("ready");
  } else {
    local = await startBullWorker(o.redisUrl, o.workerConcurrency, o.http);
  }
  const completed = async () => (child ? await child.call<number>("completed") : local!.completed());
  const queue = new Queue(QUEUE, { connection });
  queue.setMaxListeners(0); // waitUntilFinished adds one 'closing' listener per waiting job
  const events = new QueueEvents(QUEUE, { connection });
  await queue.waitUntilReady();
  await events.waitUntilReady();
  const name = o.name;
  return {
    name,
    setup: `Queue + QueueEvents in the bench process, Worker (concurrency ${o.workerConcurrency}${o.http ? `, task behind a Hono HTTP handler called with ${HTTP_CLIENT_NAMES[o.http]}` : ""}) ${o.workerInChild ? "in a child process" : "in the same process"}; adds ${o.concurrency} in flight; node-redis client`,
    profiles: {
      async start() {
        await Promise.all([startProfile(), child?.call("profileStart")]);
      },
      async stop(dir) {
        const main = `${dir}/bench process (Queue, QueueEvents${child ? "" : ", Worker"}).cpuprofile`;
        const worker = `${dir}/worker child (Worker${o.http ? ", HTTP client, Hono handler" : ""}).cpuprofile`;
        await Promise.all([stopProfile(main), child?.call("profileStop", worker)]);
        return child ? [main, worker] : [main];
      },
    },
    async throughput(n, ignoreResult) {
      const base = ignoreResult ? await completed() : 0;
      const t0 = performance.now();
      const jobs: Job[] = await runPool(n, o.concurrency, (i) => queue.add("math_add", { a: i, b: 1 }, ignoreResult ? { removeOnComplete: true } : undefined));
      if (ignoreResult) {
        await waitUntil(async () => (await completed()) >= base + n, 120_000, `${n} completed jobs`);
      } else {
        await runPool(n, o.concurrency, async (i) => {
          const value = await jobs[i].waitUntilFinished(events, 120_000);
          if (value !== i + 1) throw new Error(`${name}: job ${i} returned ${JSON.stringify(value)}, expected ${i + 1}`);
        });
      }
      return (performance.now() - t0) / 1000;
    },
    async latency(n) {
      const out: number[] = [];
      for (let i = 0; i < n; i++) {
        const t0 = performance.now();
        const job = await queue.add("math_add", { a: i, b: 2 });
        const value = await job.waitUntilFinished(events, 30_000);
        out.push(performance.now() - t0);
        if (value !== i + 2) throw new Error(`${name}: latency job ${i} returned ${JSON.stringify(value)}`);
      }
      return out;
    },
    async close() {
      await events.close();
      await queue.close();
      if (child) await child.stop();
      else await local!.close();
    },
  };
}
