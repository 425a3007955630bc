/**
 * What the dashboard costs in Redis, read from Redis itself (`INFO commandstats` of a private
 * redis-server behind the REST bridge): with the dashboard enabled and nobody watching, a task
 * costs exactly what it costs without it (no command per task); each page refresh costs one
 * MGET at most (the results of the rows shown), and the pages read from the broker cost none;
 * so do the JSON routes the CLI reads (`celeriac events`, `celeriac inspect scheduled`).
 * Prints one JSON line with the figures (`npx vitest run test/dashboard/cost.test.ts`).
 */
import { z } from "zod";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { RedisBackend } from "../../src/backend/redis/redis-backend.ts";
import { createLocalBroker, type LocalBroker } from "../../src/broker/local/create-local-broker.ts";
import { QStashBroker } from "../../src/broker/qstash.ts";
import { dashboard } from "../../src/dashboard/index.ts";
import { nodeBrokerOptions } from "../../src/node/broker/node-options.ts";
import { Publisher } from "../../src/publish/publisher.ts";
import type { StartedRedisRestBridge } from "../../src/node/redis-bridge/server.ts";
import { schedule } from "../../src/schedule/schedule.ts";
import { task } from "../../src/task/task.ts";
import { silentLogger } from "../../src/util/logger.ts";
import { createQStashVerifier } from "../../src/verify/qstash-verifier.ts";
import { createWorker } from "../../src/worker/create-worker.ts";
import { connectDirect, IN_CI, type NodeRedis, type PrivateRedis, REDIS_SERVER_BIN, startBridge, startPrivateRedis, upstashClient } from "../backend/redis-env.ts";
import { closeServer, serveOn } from "../support/stack.ts";
import { waitFor } from "../support/wait.ts";

if (!REDIS_SERVER_BIN && IN_CI) throw new Error("CI is set but redis-server is not installed: apt-get install redis-server.");

const N = 100;
type Counts = Record<string, number>;

async function commandStats(client: NodeRedis): Promise<Counts> {
  const counts: Counts = {};
  for (const m of (await client.info("commandstats")).matchAll(/^cmdstat_([^:]+):calls=(\d+).*?rejected_calls=(\d+)/gm)) counts[m[1]] = Number(m[2]) + Number(m[3]);
  return counts;
}

describe.skipIf(!REDIS_SERVER_BIN)("dashboard Redis cost (INFO commandstats)", () => {
  let server: PrivateRedis;
  let bridge: StartedRedisRestBridge;
  let direct: NodeRedis;
  let broker: LocalBroker;
  const node = nodeBrokerOptions();
  const closers: (() => Promise<void>)[] = [];
  const workers: Record<"plain" | "dashboard", { url: string; token: string }> = {} as never;
  const add = task({ name: "cost_add", input: z.object({ a: z.number(), b: z.number() }) }, ({ a, b }) => a + b);
  const nightly = schedule({ name: "cost_nightly", cron: "0 3 * * *", task: add, input: { a: 1, b: 2 } });

  /** Billed commands (every command Redis executed, but our own INFO) while `work` runs. */
  async function billed(work: () => Promise<unknown>): Promise<Counts> {
    const before = await commandStats(direct);
    await work();
    const after = await commandStats(direct);
    const d: Counts = {};
    for (const [cmd, n] of Object.entries(after)) if (cmd !== "info" && n > (before[cmd] ?? 0)) d[cmd] = n - (before[cmd] ?? 0);
    return d;
  }
  const sum = (c: Counts) => Object.values(c).reduce((a, b) => a + b, 0);

  beforeAll(async () => {
    server = await startPrivateRedis();
    bridge = await startBridge(server.url);
    direct = await connectDirect(server.url);
    broker = createLocalBroker({ ...node, onError: () => {} });
    const brokerServer = await serveOn(broker.fetch);
    closers.push(() => closeServer(brokerServer.server));
    for (const kind of ["plain", "dashboard"] as const) {
      let worker: ReturnType<typeof createWorker> | undefined;
      const served = await serveOn((req) => worker!.fetch(req));
      closers.push(() => closeServer(served.server));
      const token = `cost-${kind}`;
      worker = createWorker({
        tasks: [add], schedules: [nightly], logger: silentLogger, apiToken: token, publicUrl: served.url,
        backend: new RedisBackend({ redis: upstashClient(bridge), prefix: `cost-${kind}`, resultExpiresMs: 3_600_000 }),
        broker: new QStashBroker({ token: broker.token, baseUrl: brokerServer.url }),
        verifier: createQStashVerifier({ currentSigningKey: broker.keys.current, nextSigningKey: broker.keys.next }),
        ...(kind === "dashboard" ? { dashboard: dashboard() } : {}),
      });
      workers[kind] = { url: served.url, token };
    }
    // Warm up: scripts loaded, connections open (one-time costs are not per task).
    for (const kind of ["plain", "dashboard"] as const) await runTasks(kind, 5);
  });
  afterAll(async () => {
    await broker?.close();
    node.deliver.close();
    for (const close of closers) await close();
    await direct?.close();
    await bridge?.close();
    await server?.stop();
  });

  /** Send `n` tasks to worker `kind` and wait until the broker logged them all DELIVERED (reading nothing from Redis). */
  async function runTasks(kind: "plain" | "dashboard", n: number): Promise<void> {
    const url = `${workers[kind].url}/tasks/cost_add`;
    const delivered = async () => (await broker.direct.listLogs({ url, state: "DELIVERED", count: 1000 })).items.length;
    const before = await delivered();
    // The real publisher, without a backend: publishing costs no Redis command either.
    const publisher = new Publisher({ broker: broker.direct, workerUrl: workers[kind].url });
    await Promise.all(Array.from({ length: n }, (_, i) => publisher.send("cost_add", { a: i, b: 1 })));
    await waitFor(async () => (await delivered()) >= before + n, { timeoutMs: 30_000, what: `${n} deliveries`, intervalMs: 20 });
    await broker.idle();
  }

  it("costs no Redis command per task with the dashboard enabled and nobody watching, and one MGET per page refresh", async () => {
    const plain = await billed(() => runTasks("plain", N));
    const withDashboard = await billed(() => runTasks("dashboard", N));
    expect(sum(plain) / N).toBe(7); // claim 3 + fenced result 4 (src/backend/redis/command-counter.ts)
    expect(withDashboard).toEqual(plain);

    const { url, token } = workers.dashboard;
    const origin = new URL(url).origin;
    const signIn = await billed(async () => {
      const res = await fetch(`${url}/dashboard/sign-in`, {
        method: "POST", redirect: "manual", headers: { origin, "content-type": "application/x-www-form-urlencoded" }, body: new URLSearchParams({ token }),
      });
      expect(res.status).toBe(303);
      workers.dashboard.token = res.headers.get("set-cookie")!.split(";")[0];
    });
    const cookie = workers.dashboard.token;
    const refresh = async (path: string) => {
      const counts = await billed(async () => expect((await fetch(`${url}/dashboard${path}`, { headers: { cookie } })).status).toBe(200));
      return counts;
    };
    const list = (await (await fetch(`${url}/dashboard/api/tasks?limit=100`, { headers: { cookie } })).json()) as { tasks: { id: string }[] };
    expect(list.tasks.length).toBe(100);
    const perRefresh: Record<string, Counts> = {
      "tasks (100 rows)": await refresh("/tasks"),
      "tasks live part": await refresh("/tasks?live=1"),
      "task detail": await refresh(`/tasks/${list.tasks[0].id}?live=1`),
      schedules: await refresh("/schedules?live=1"),
      "dead letters": await refresh("/dlq?live=1"),
      queues: await refresh("/queues?live=1"),
      figures: await refresh("/figures?live=1"),
      "events (celeriac events)": await refresh("/api/events?count=100"),
      "waiting tasks (celeriac inspect scheduled)": await refresh("/api/waiting"),
    };
    expect(signIn).toEqual({});
    expect(perRefresh["tasks (100 rows)"]).toEqual({ mget: 1 });
    expect(perRefresh["tasks live part"]).toEqual({ mget: 1 });
    expect(perRefresh["task detail"]).toEqual({ mget: 1 });
    expect(perRefresh.schedules).toEqual({ mget: 1 });
    expect(perRefresh["waiting tasks (celeriac inspect scheduled)"]).toEqual({ mget: 1 });
    for (const page of ["dead letters", "queues", "figures", "events (celeriac events)"]) expect(perRefresh[page]).toEqual({});
    console.log(JSON.stringify({
      name: "dashboard Redis cost", tasks: N,
      perTaskWithoutDashboard: sum(plain) / N, perTaskWithDashboardIdle: sum(withDashboard) / N,
      perRefresh: Object.fromEntries(Object.entries(perRefresh).map(([k, v]) => [k, sum(v)])),
    }));
  });
});
