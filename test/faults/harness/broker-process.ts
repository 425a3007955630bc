/**
 * The Redis-backed local broker in its own process: `startBrokerServer` (what `celeriac broker
 * --redis` runs) with the token and signing keys the harness chose, so brokers started one after
 * another (or side by side) on the same Redis sign alike. Run with `node --import tsx`.
 *
 * Env: FAULT_PORT, FAULT_REDIS_URL, FAULT_BROKER_PREFIX, QSTASH_TOKEN, QSTASH_CURRENT_SIGNING_KEY,
 * QSTASH_NEXT_SIGNING_KEY, optional FAULT_RETRY_DELAY_SCALE (multiplies QStash's retry delays; default 1).
 * With FAULT_MEMORY_SAMPLE_MS, reports its memory (memory-report.ts). Prints `ready` once listening; errors of its own go to stderr.
 * @module
 */
import { startBrokerServer } from "../../../src/adapters/node.ts";
import "./memory-report.ts";

function need(name: string): string {
  const value = process.env[name];
  if (!value) throw new Error(`fault broker: ${name} is not set`);
  return value;
}

await startBrokerServer({
  port: Number(need("FAULT_PORT")),
  host: "127.0.0.1",
  redis: need("FAULT_REDIS_URL"),
  redisPrefix: need("FAULT_BROKER_PREFIX"),
  token: need("QSTASH_TOKEN"),
  currentSigningKey: need("QSTASH_CURRENT_SIGNING_KEY"),
  nextSigningKey: need("QSTASH_NEXT_SIGNING_KEY"),
  retryDelayScale: Number(process.env.FAULT_RETRY_DELAY_SCALE ?? 1),
  onError: (err) => process.stderr.write(`fault broker: ${err instanceof Error ? err.message : String(err)}\n`),
});
process.stdout.write("ready\n");
