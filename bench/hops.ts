/**
 * The cost of each hop of a celeriac task, one at a time, on the default topology: sequential
 * latency (p50, p90 over `--latency-n` calls) and, for the HTTP clients, CPU per request under
 * load (64 in flight), and the CPU of one signature check per verifier. Explains the round-trip
 * latency and the per-task CPU in bench/README.md.
 *
 *   node --import tsx bench/hops.ts [--latency-n 1000]
 * @module
 */
import { createHash, createHmac } from "node:crypto";
import { Redis } from "@upstash/redis";
import { createClient } from "redis";
import { DEV_CURRENT_SIGNING_KEY, DEV_NEXT_SIGNING_KEY } from "../src/broker/local/index.ts";
import { createNodeSigner, createNodeVerifier } from "../src/adapters/node.ts";
import { createJwtVerifier, createQStashVerifier } from "../src/qstash.ts";
import type { Verifier } from "../src/index.ts";
import { startCeleriacStack } from "./celeriac/stack.ts";
import { parseArgs } from "./lib/args.ts";
import { nodeHttpFetch } from "./lib/node-fetch.ts";
import { runPool } from "./lib/pool.ts";
import { claimDatabase, connectStats, releaseDatabase } from "./lib/redis-stats.ts";
import { percentile } from "./lib/stats.ts";

const argv = process.argv.slice(2);
const args = parseArgs(argv);
const n = argv.includes("--latency-n") ? args.latencyN : 1000;

async function latency(label: string, call: () => Promise<unknown>): Promise<void> {
  for (let i = 0; i < 50; i++) await call();
  const ms: number[] = [];
  for (let i = 0; i < n; i++) {
    const t0 = performance.now();
    await call();
    ms.push(performance.now() - t0);
  }
  console.log(`${label.padEnd(62)} p50 ${percentile(ms, 50).toFixed(3)} ms   p90 ${percentile(ms, 90).toFixed(3)} ms`);
}

async function cpu(label: string, call: () => Promise<unknown>, count = 4000): Promise<void> {
  await runPool(500, 64, call);
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  await runPool(count, 64, async () => {
    await call();
    await new Promise((r) => setImmediate(r)); // one request per event-loop turn: no auto-pipelining across calls
  });
  const used = process.cpuUsage(c0);
  console.log(`${label.padEnd(62)} ${((used.user + used.system) / count).toFixed(0).padStart(4)} µs CPU per request in this process (${Math.round(count / ((performance.now() - t0) / 1000))} req/s)`);
}

/** CPU per `verify()` of a real delivery token (64 in flight), and a synchronous node:crypto reference doing the same hashing. */
async function verifiers(): Promise<void> {
  const keys = { currentSigningKey: DEV_CURRENT_SIGNING_KEY, nextSigningKey: DEV_NEXT_SIGNING_KEY };
  const url = "http://127.0.0.1:1/tasks/math_add";
  const body = JSON.stringify({ v: 1, id: crypto.randomUUID(), task: "math_add", input: { a: 1, b: 2 }, retries: 0, eta: null, expires: null, sentAt: new Date().toISOString() });
  const signer = createNodeSigner(DEV_CURRENT_SIGNING_KEY);
  const signature = await signer.sign({ url, bodyHash: await signer.bodyHash(new TextEncoder().encode(body)), nowSec: Date.now() / 1000 });
  const count = 20_000;
  const list: [string, Verifier][] = [
    ["official Receiver (createQStashVerifier)", createQStashVerifier(keys)],
    ["Web Crypto (createJwtVerifier)", createJwtVerifier(keys)],
    ["node:crypto (createNodeVerifier, NODE_PARTS)", createNodeVerifier(keys)],
  ];
  for (const [label, v] of list) {
    await runPool(2000, 64, () => v.verify({ signature, body, url }));
    const c0 = process.cpuUsage();
    await runPool(count, 64, () => v.verify({ signature, body, url }));
    const used = process.cpuUsage(c0);
    console.log(`${`signature check: ${label}`.padEnd(62)} ${((used.user + used.system) / count).toFixed(1).padStart(5)} µs CPU per verify`);
  }
  const key = Buffer.from(DEV_CURRENT_SIGNING_KEY);
  const [header, payload] = signature.split(".");
  const c0 = process.cpuUsage();
  for (let i = 0; i < count; i++) {
    createHmac("sha256", key).update(`${header}.${payload}`).digest("base64url");
    JSON.parse(Buffer.from(payload, "base64url").toString());
    createHash("sha256").update(body).digest("base64url");
  }
  const used = process.cpuUsage(c0);
  console.log(`${"signature check: node:crypto HMAC + SHA-256 (reference)".padEnd(62)} ${((used.user + used.system) / count).toFixed(1).padStart(5)} µs CPU per verify`);
}

const stats = await connectStats(args.redisUrl);
await claimDatabase(stats, args.db);
const stack = await startCeleriacStack(args.topology, { redisUrl: args.redisUrl, prefix: args.prefix, resultExpiresMs: 3_600_000, brokerConcurrency: args.brokerConcurrency, parts: "node" });
const direct = createClient({ url: args.redisUrl, RESP: 2 });
await direct.connect();
try {
  const bridgeUrl = stack.endpoints.bridgeUrl!;
  const bridgeToken = stack.endpoints.bridgeToken!;
  const upstash = new Redis({ url: bridgeUrl, token: bridgeToken, enableTelemetry: false });
  const post = (f: typeof fetch) => () => f(bridgeUrl, { method: "POST", headers: { authorization: `Bearer ${bridgeToken}` }, body: '["GET","celeriac-bench:hop"]' }).then((r) => r.text());
  console.log(`celeriac hops on ${stack.topology} (sequential latency over ${n} calls; the bridge runs in another process)`);
  await latency("redis-server GET, node-redis direct (reference)", () => direct.get("celeriac-bench:hop"));
  await latency("bridge: POST / GET over createNodeFetch (socket client)", post(nodeHttpFetch));
  await latency("bridge: POST / GET over Node's fetch", post(fetch));
  await latency("bridge: @upstash/redis get() (Node's fetch)", () => upstash.get("celeriac-bench:hop"));
  let last: Awaited<ReturnType<typeof stack.client.send>> | undefined;
  await latency("publish: client.send() → local broker (202)", async () => {
    last = await stack.client.send("math_add", { a: 1, b: 2 });
  });
  await latency("result: AsyncResult.get() of a ready result (1 GET)", () => last!.get());
  await latency("round trip: send → get({ intervalMs: 0.2 }) (transport floor)", async () => {
    const r = await stack.client.send("math_add", { a: 1, b: 2 });
    await r.get({ intervalMs: 0.2 });
  });
  console.log("");
  await cpu("bridge: POST / GET over createNodeFetch (socket client)", post(nodeHttpFetch));
  await cpu("bridge: POST / GET over Node's fetch", post(fetch));
  console.log("");
  await verifiers();
} finally {
  await direct.close();
  await stack.close();
  await releaseDatabase(stats);
  await stats.close();
}
process.exit(0);
