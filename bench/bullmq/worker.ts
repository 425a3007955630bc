/**
 * BullMQ's side of the benchmark: a `Worker` with concurrency 50 running the trivial `add` task,
 * either in its processor (plain BullMQ) or by calling an HTTP handler for it (a Hono app on
 * `@hono/node-server`, called over HTTP with one of the clients in `HttpClient`), which is
 * celeriac's architecture with BullMQ's queue in place of the push broker.
 * @module
 */
import { Agent as NodeHttpAgent, request as nodeHttpRequest } from "node:http";
import { Worker } from "bullmq";
import { Hono } from "hono";
import { z } from "zod";
import { createNodeDeliver } from "../../src/adapters/node.ts";
import { serveOn } from "../celeriac/roles.ts";
import type { HttpClient } from "../lib/args.ts";
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

export type { HttpClient };

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
    const viaResponse = (call: (body: string) => Promise<Response>) => async (data: { a: number; b: number }) => {
      const res = await call(JSON.stringify(data));
      if (res.status !== 200) throw new Error(`task handler answered ${res.status}: ${await res.text()}`);
      return ((await res.json()) as { result: number }).result;
    };
    const agent = new NodeHttpAgent({ keepAlive: true });
    processor = http === "request"
      ? viaResponse((body) => deliver(new Request(url, { method: "POST", headers: { "content-type": "application/json" }, body })))
      : http === "fetch"
      ? viaResponse((body) => fetch(url, { method: "POST", headers: { "content-type": "application/json" }, body }))
      : http === "node-http"
      ? (data) => postJson(url, agent, JSON.stringify(data))
      : async (data) => {
      const res = await send({ url, method: "POST", headers: { "content-type": "application/json" }, body: encoder.encode(JSON.stringify(data)), timeoutMs: 30_000 });
      const text = decoder.decode(res.body);
      if (res.status !== 200) throw new Error(`task handler answered ${res.status}: ${text}`);
      return (JSON.parse(text) as { result: number }).result;
    };
    closeHttp = async () => {
      deliver.close();
      agent.destroy();
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

/** `POST url` with a JSON body over `agent`; resolves the answer's `result`, rejects on a non-200 answer. */
function postJson(url: string, agent: NodeHttpAgent, body: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = nodeHttpRequest(url, { method: "POST", agent, headers: { "content-type": "application/json", "content-length": Buffer.byteLength(body) } }, (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (chunk: Buffer) => chunks.push(chunk));
      res.on("error", reject);
      res.on("end", () => {
        const text = Buffer.concat(chunks).toString("utf8");
        if (res.statusCode !== 200) reject(new Error(`task handler answered ${res.statusCode}: ${text}`));
        else resolve((JSON.parse(text) as { result: number }).result);
      });
    });
    req.on("error", reject);
    req.end(body);
  });
}
