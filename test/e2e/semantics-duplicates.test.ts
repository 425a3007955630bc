/**
 * The same signed message delivered 50 times at once over real HTTP to two worker instances
 * sharing one real Redis (25 each): the handler runs once and every delivery is answered 200.
 * Two workers, each with its own Redis connection, so the dedup cannot come from one process's
 * in-flight map: the second worker only learns about the run through Redis.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { z } from "zod";
import { RedisBackend } from "../../src/backend/redis/index.ts";
import { createLocalBroker, type LocalBroker } from "../../src/broker/local/index.ts";
import { createQStashVerifier, QStashBroker, signQStashJwt } from "../../src/qstash.ts";
import { silentLogger } from "../../src/config/index.ts";
import { createWorker, task } from "../../src/index.ts";
import { ENVELOPE_VERSION, serializeEnvelope } from "../../src/testing/index.ts";
import type { StartedRedisRestBridge } from "../../src/node/redis-bridge/index.ts";
import { connectDirect, deleteByPrefix, randomPrefix, requireRedis, startBridge, upstashClient } from "../backend/redis-env.ts";
import { closeServer, serveOn } from "../support/stack.ts";
import { waitFor } from "../support/wait.ts";

const DELIVERIES = 50;
const redisUp = await requireRedis();

/** Resolve once `check()` is true; reject after `timeoutMs` (a condition with a deadline, not a sleep). */
async function until(check: () => boolean, timeoutMs: number): Promise<void> {
  await waitFor(check, { timeoutMs, intervalMs: 2 });
}

describe.runIf(redisUp)("the same message delivered 50 times concurrently over HTTP to two workers on one real Redis", () => {
  const prefix = randomPrefix("dups");
  let arrived = 0;
  let runs = 0;
  const once = task({ name: "sd_once", input: z.object({ order: z.string() }) }, async ({ order }) => {
    runs++;
    await until(() => arrived === DELIVERIES, 10_000); // every duplicate reached a worker while the body runs
    return `charged ${order}`;
  });

  let broker: LocalBroker;
  let brokerServer: Awaited<ReturnType<typeof serveOn>>;
  const bridges: StartedRedisRestBridge[] = [];
  const servers: Awaited<ReturnType<typeof serveOn>>[] = [];
  const backends: RedisBackend[] = [];

  beforeAll(async () => {
    broker = createLocalBroker({ onError: () => {} });
    brokerServer = await serveOn(broker.fetch);
    let publicUrl: string | undefined;
    for (let i = 0; i < 2; i++) {
      const bridge = await startBridge();
      bridges.push(bridge);
      const backend = new RedisBackend({ redis: upstashClient(bridge), prefix, resultExpiresMs: 3_600_000 });
      backends.push(backend);
      let fetchWorker: (req: Request) => Response | Promise<Response> = () => new Response(null, { status: 503 });
      const server = await serveOn((req) => {
        arrived++;
        return fetchWorker(req);
      });
      servers.push(server);
      publicUrl ??= server.url; // both workers answer for the same public URL (as behind a load balancer)
      fetchWorker = createWorker({
        tasks: [once], backend, publicUrl, logger: silentLogger,
        broker: new QStashBroker({ token: broker.token, baseUrl: brokerServer.url }),
        verifier: createQStashVerifier({ currentSigningKey: broker.keys.current, nextSigningKey: broker.keys.next }),
      }).fetch;
    }
  });

  afterAll(async () => {
    await Promise.all(servers.map((s) => closeServer(s.server)));
    await broker?.close();
    if (brokerServer) await closeServer(brokerServer.server);
    const direct = await connectDirect();
    await deleteByPrefix(direct, prefix);
    await direct.close();
    await Promise.all(bridges.map((b) => b.close()));
  });

  it("the handler runs once and all 50 deliveries are answered 200 (25 by each worker)", async () => {
    const id = crypto.randomUUID();
    const body = serializeEnvelope({
      v: ENVELOPE_VERSION, id, task: "sd_once", input: { order: "A-1" }, retries: 0, eta: null, expires: null,
      parentId: null, rootId: id, groupId: null, ignoreResult: false, argsrepr: null, idempotencyKey: null, sentAt: new Date().toISOString(),
    });
    const signature = await signQStashJwt({ key: broker.keys.current, url: `${servers[0].url}/tasks/sd_once`, body, nowSec: Date.now() / 1000 });
    // The headers of one QStash delivery, as the broker sends them.
    const headers = { "content-type": "application/json", "Upstash-Signature": signature, "Upstash-Message-Id": "msg_duplicated", "Upstash-Retried": "0" };

    const answers = await Promise.all(
      Array.from({ length: DELIVERIES }, async (_, i) => {
        const res = await fetch(`${servers[i % 2].url}/tasks/sd_once`, { method: "POST", headers, body });
        return { worker: i % 2, status: res.status, json: (await res.json()) as { state?: string; note?: string } };
      }),
    );

    expect(runs).toBe(1);
    expect(answers.map((a) => a.status)).toEqual(Array(DELIVERIES).fill(200));
    expect(answers.map((a) => a.json.state)).toEqual(Array(DELIVERIES).fill("SUCCESS"));
    expect(answers.filter((a) => a.json.note === undefined)).toHaveLength(1); // the one delivery that ran it
    for (const w of [0, 1]) expect(answers.filter((a) => a.worker === w)).toHaveLength(DELIVERIES / 2);
    for (const backend of backends) expect(await backend.getMeta(id)).toMatchObject({ status: "SUCCESS", result: "charged A-1" });
  });
});
