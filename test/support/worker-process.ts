/**
 * A worker in its own process, for tests that kill it: `node --import tsx test/support/worker-process.ts`.
 * Results live in real Redis through the REST bridge, so they survive the process.
 *
 * Env: CRASH_BROKER_URL, CRASH_BROKER_TOKEN, CRASH_SIGNING_CURRENT, CRASH_SIGNING_NEXT,
 * CRASH_BRIDGE_URL, CRASH_BRIDGE_TOKEN, CRASH_PREFIX, CRASH_PORT, CRASH_RUN_FILE; CRASH_LEASE_SEC (optional: the worker's
 * `lease`, default the worker's own).
 * Prints `loaded` once its modules are loaded, then waits for a `listen` line on stdin before it
 * binds 127.0.0.1:CRASH_PORT (so a replacement can be loaded while the old process still holds
 * the port), and prints `ready` when it listens.
 */
import { createInterface } from "node:readline";
import { serve } from "@hono/node-server";
import { Redis } from "@upstash/redis";
import { RedisBackend } from "../../src/backend/redis/index.ts";
import { createQStashVerifier, QStashBroker } from "../../src/qstash.ts";
import { silentLogger } from "../../src/config/index.ts";
import { createWorker } from "../../src/index.ts";
import { crashTasks } from "./crash-tasks.ts";

function need(name: string): string {
  const value = process.env[name];
  if (!value) throw new Error(`worker-process: ${name} is not set`);
  return value;
}

const port = Number(need("CRASH_PORT"));
const publicUrl = `http://127.0.0.1:${port}`;
const worker = createWorker({
  tasks: crashTasks(need("CRASH_RUN_FILE")),
  backend: new RedisBackend({
    redis: new Redis({ url: need("CRASH_BRIDGE_URL"), token: need("CRASH_BRIDGE_TOKEN"), enableTelemetry: false, retry: { retries: 0 } }),
    prefix: need("CRASH_PREFIX"),
    resultExpiresMs: 3_600_000,
  }),
  broker: new QStashBroker({ token: need("CRASH_BROKER_TOKEN"), baseUrl: need("CRASH_BROKER_URL") }),
  verifier: createQStashVerifier({ currentSigningKey: need("CRASH_SIGNING_CURRENT"), nextSigningKey: need("CRASH_SIGNING_NEXT") }),
  publicUrl,
  ...(process.env.CRASH_LEASE_SEC ? { lease: Number(process.env.CRASH_LEASE_SEC) } : {}),
  logger: silentLogger,
});

process.stdout.write("loaded\n");
const lines = createInterface({ input: process.stdin });
lines.on("line", (line) => {
  if (line.trim() !== "listen") return;
  lines.close();
  const server = serve({ fetch: worker.fetch, hostname: "127.0.0.1", port }, () => process.stdout.write("ready\n"));
  server.once("error", (error) => {
    process.stderr.write(`worker-process: cannot listen on ${port}: ${error.message}\n`);
    process.exit(1);
  });
});
