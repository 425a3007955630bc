/**
 * BullMQ's side of the benchmark: a `Worker` with concurrency 50 running the trivial `add` task,
 * either in its processor (plain BullMQ) or by calling an HTTP handler for it (a Hono app on
 * `@hono/node-server`, called with the same keep-alive node:http delivery celeriac's broker
 * uses), which is celeriac's architecture with BullMQ's queue in place of the push broker.
 * @module
 */
import { Worker } from "bullmq";
import { Hono } from "hono";
import { z } from "zod";
import { createNodeDeliver } from "../../src/node/http-deliver.ts";
import { serveOn } from "../celeriac/roles.ts";
import { QUEUE, useNodeRedis } from "./connection.ts";

/** A running BullMQ worker (and its HTTP handler, in HTTP mode). */
export interface BullWorker {
  /** Jobs completed since start. */
  completed(): number;
  close(): Promise<void>;
}

const input = z.object({ a: z.number(), b: z.number() });

/** The task as an HTTP function: `POST /tasks/math_add` with `{a, b}` answers `{result}`. */
export function taskApp(): Hono {
  const app = new Hono();
  app.post("/tasks/math_add", async (c) => {
    const { a, b } = input.parse(await c.req.json());
    return c.json({ result: a + b });
  });
  return app;
}

/**
 * How the BullMQ worker calls the task's HTTP handler: `sockets` with the client celeriac's broker
 * delivers with (`createNodeDeliver().raw`: pooled sockets, one write per request), `request` with
 * fetch-style `Request`/`Response` objects over keep-alive node:http (what an application would write).
 */
export type HttpClient = "sockets" | "request";

/** Start a worker on `redisUrl` with `concurrency`; `http` runs the task through its HTTP handler with that client. */
export async function startBullWorker(redisUrl: string, concurrency: number, http: HttpClient | false): Promise<BullWorker> {
  const connection = useNodeRedis(redisUrl);
  let processor: (data: { a: number; b: number }) => Promise<number>;
  let closeHttp = async () => {};
  if (http) {
    const served = await serveOn(taskApp().fetch);
    const deliver = createNodeDeliver();
    const url = `${served.url}/tasks/math_add`;
    // The same HTTP client as celeriac's broker deliveries (pooled sockets, one write per request),
    // so the comparison is of the two designs, not of two HTTP clients.
    const send = deliver.raw!;
    const encoder = new TextEncoder();
    const decoder = new TextDecoder();
    processor = http === "request" ? async (data) => {
      const res = await deliver(new Request(url, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(data) }));
      if (res.status !== 200) throw new Error(`task handler answered ${res.status}: ${await res.text()}`);
      return ((await res.json()) as { result: number }).result;
    } : async (data) => {
      const res = await send({ url, method: "POST", headers: { "content-type": "application/json" }, body: encoder.encode(JSON.stringify(data)), timeoutMs: 30_000 });
      const text = decoder.decode(res.body);
      if (res.status !== 200) throw new Error(`task handler answered ${res.status}: ${text}`);
      return (JSON.parse(text) as { result: number }).result;
    };
    closeHttp = async () => {
      deliver.close();
      await new Promise<void>((r) => {
        (served.server as { closeAllConnections?: () => void }).closeAllConnections?.();
        served.server.close(() => r());
      });
    };
  } else {
    processor = async ({ a, b }) => a + b;
  }
  let completed = 0;
  const worker = new Worker(QUEUE, (job) => processor(job.data), { connection, concurrency });
  worker.on("completed", () => completed++);
  worker.on("error", () => {});
  await worker.waitUntilReady();
  return {
    completed: () => completed,
    async close() {
      await worker.close();
      await closeHttp();
    },
  };
}
