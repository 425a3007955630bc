/**
 * A worker in its own process, as a user runs it on Node: `fromEnv` with `NODE_PARTS` (results
 * through the Redis REST bridge, retries published to the broker, signatures checked on
 * node:crypto), served with `@hono/node-server`. Run with `node --import tsx`.
 *
 * Env: the worker's own variables (UPSTASH_REDIS_REST_URL/TOKEN, CELERIAC_KEY_PREFIX, QSTASH_URL,
 * QSTASH_TOKEN, QSTASH_CURRENT/NEXT_SIGNING_KEY, CELERIAC_URL), plus FAULT_PORT, FAULT_RUN_LOG (the
 * run log, see fault-tasks.ts), FAULT_WORKER_LOG (the worker's log lines) and
 * FAULT_CLOCK_OFFSET_MS (the worker's clock minus the real one; default 0), FAULT_LEASE_SEC (the
 * worker's `lease`; default the worker's own).
 * With FAULT_MEMORY_SAMPLE_MS, reports its memory (memory-report.ts).
 * Prints `loaded` once its modules are loaded, waits for `listen` on stdin (so a replacement can
 * load while the process it replaces still holds the port), then prints `ready` once listening.
 * @module
 */
import { appendFileSync } from "node:fs";
import { createInterface } from "node:readline";
import { serve } from "@hono/node-server";
import { createWorker, fromEnv, type Logger } from "../../../src/index.ts";
import { createNodeVerifier, NODE_PARTS } from "../../../src/adapters/node.ts";
import { faultTasks } from "./fault-tasks.ts";
import "./memory-report.ts";

function need(name: string): string {
  const value = process.env[name];
  if (!value) throw new Error(`fault worker: ${name} is not set`);
  return value;
}

const offsetMs = Number(process.env.FAULT_CLOCK_OFFSET_MS ?? 0);
const now = () => Date.now() + offsetMs;
const workerLog = need("FAULT_WORKER_LOG");
const line = (level: string) => (message: string) => appendFileSync(workerLog, `${level} ${message.replace(/\n/g, "\\n")}\n`);
const logger: Logger = { debug() {}, info() {}, warn: line("WARN"), error: line("ERROR") };

const config = fromEnv(process.env, { envParts: NODE_PARTS });
const worker = createWorker({
  ...config,
  tasks: faultTasks(need("FAULT_RUN_LOG")),
  logger,
  now,
  ...(process.env.FAULT_LEASE_SEC ? { lease: Number(process.env.FAULT_LEASE_SEC) } : {}),
  verifier: createNodeVerifier({ currentSigningKey: need("QSTASH_CURRENT_SIGNING_KEY"), nextSigningKey: need("QSTASH_NEXT_SIGNING_KEY"), now }),
});

const port = Number(need("FAULT_PORT"));
process.stdout.write("loaded\n");
const lines = createInterface({ input: process.stdin });
lines.on("line", (text) => {
  if (text.trim() !== "listen") return;
  lines.close();
  const server = serve({ fetch: worker.fetch, hostname: "127.0.0.1", port }, () => process.stdout.write("ready\n"));
  server.once("error", (error) => {
    process.stderr.write(`fault worker: cannot listen on ${port}: ${error.message}\n`);
    process.exit(1);
  });
});
