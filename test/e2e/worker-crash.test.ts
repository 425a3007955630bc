/**
 * Kill the worker process in the middle of a task while the broker keeps running (issue 4):
 * with ack early the body ran once and the result is FAILURE WorkerLostError; with acksLate the
 * redelivery runs it to SUCCESS. The worker runs in a child process on real Redis (through the
 * REST bridge); the broker runs here with an injected clock, so its redelivery delays are
 * advanced, not waited for. The attempt's lease (`lease: 2`) runs in real time.
 */
import { readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { RedisBackend } from "../../src/backend/redis/index.ts";
import { createLocalBroker, type LocalBroker } from "../../src/broker/local/index.ts";
import { QStashBroker } from "../../src/qstash.ts";
import { type Client, createClient } from "../../src/index.ts";
import { nodeBrokerOptions } from "../../src/adapters/node.ts";
import type { StartedRedisRestBridge } from "../../src/node/redis-bridge/index.ts";
import { connectDirect, deleteByPrefix, randomPrefix, requireRedis, startBridge, upstashClient } from "../backend/redis-env.ts";
import { brokerEvents, dlqFor, officialClient } from "../support/broker-view.ts";
import { readyView } from "../support/clocked-stack.ts";
import { CRASH_TIME_LIMIT_SEC, crashTasks } from "../support/crash-tasks.ts";
import { freePort, spawnWorkerProcess, type WorkerProcess } from "../support/spawn-worker.ts";
import { closeServer, serveOn } from "../support/stack.ts";

/** The broker's default delay before its first redelivery: QStash's e^2.5 s. */
const BROKER_FIRST_BACKOFF_MS = Math.round(Math.exp(2.5) * 1000);

const redisUp = await requireRedis();

describe.runIf(redisUp)("a worker process killed in the middle of a task (real Redis, the broker keeps running)", () => {
  const node = nodeBrokerOptions();
  const runFile = join(tmpdir(), `celeriac-crash-${crypto.randomUUID()}.log`);
  const prefix = randomPrefix("crash");
  const children: WorkerProcess[] = [];
  let broker: LocalBroker;
  let brokerServer: Awaited<ReturnType<typeof serveOn>>;
  let bridge: StartedRedisRestBridge;
  let client: Client;
  let env: Record<string, string>;
  let workerUrl: string;

  beforeAll(async () => {
    const start = Date.now();
    broker = createLocalBroker({ ...node, now: () => start, onError: () => {} });
    brokerServer = await serveOn(broker.fetch);
    bridge = await startBridge();
    const port = await freePort();
    workerUrl = `http://127.0.0.1:${port}`;
    writeFileSync(runFile, "");
    env = {
      CRASH_BROKER_URL: brokerServer.url, CRASH_BROKER_TOKEN: broker.token,
      CRASH_SIGNING_CURRENT: broker.keys.current, CRASH_SIGNING_NEXT: broker.keys.next,
      CRASH_BRIDGE_URL: bridge.url, CRASH_BRIDGE_TOKEN: bridge.token, CRASH_PREFIX: prefix,
      CRASH_PORT: String(port), CRASH_RUN_FILE: runFile, CRASH_LEASE_SEC: String(CRASH_TIME_LIMIT_SEC),
    };
    client = createClient({
      broker: new QStashBroker({ token: broker.token, baseUrl: brokerServer.url }),
      backend: new RedisBackend({ redis: upstashClient(bridge), prefix, resultExpiresMs: 3_600_000 }),
      workerUrl,
      tasks: crashTasks(runFile),
      setAsCurrent: false,
    });
    loadSpare();
    const [first] = await Promise.all([spawnWorkerProcess(env), spare]);
    children.push(first);
    serving = first;
    await first.listen();
  });

  afterAll(async () => {
    await spare?.catch(() => undefined); // never leave a loading child behind
    await Promise.all(children.map((c) => c.kill()));
    await broker?.close();
    node.deliver.close();
    if (brokerServer) await closeServer(brokerServer.server);
    if (bridge) {
      const direct = await connectDirect();
      await deleteByPrefix(direct, prefix);
      await direct.close();
      await bridge.close();
    }
    rmSync(runFile, { force: true });
  });

  const starts = (name: string) => readFileSync(runFile, "utf8").split("\n").filter((l) => l.startsWith(`${name} `));
  // One process serves the port; a spare is loaded ahead (loading takes seconds, the lease only 2 s).
  let serving: WorkerProcess | undefined;
  let spare: Promise<WorkerProcess> | undefined;
  let sparesWanted = 2; // one replacement per crash test
  const loadSpare = () => {
    if (sparesWanted-- <= 0) return (spare = undefined);
    spare = spawnWorkerProcess(env).then((child) => (children.push(child), child));
    spare.catch(() => {});
  };

  /** Send, wait for the body to start, SIGKILL the worker, bring up a replacement on the same port. */
  async function crashMidTask(name: string) {
    if (!serving) {
      serving = await spare!;
      loadSpare();
      await serving.listen();
    }
    const replacement = await spare!; // loaded before the task starts, so it can take the port while the lease is live
    const result = await client.send(name, {});
    await expect.poll(() => starts(name).length, { timeout: 10_000 }).toBe(1);
    await serving.kill();
    serving = undefined;
    await broker.idle(); // the delivery in flight fails: the broker schedules a retry
    const afterKill = (await brokerEvents(qstash(), `${workerUrl}/tasks/${name}`)).map((e) => e.state);
    expect(afterKill).toEqual(["CREATED", "ACTIVE", "ERROR", "RETRY"]);
    await replacement.listen();
    serving = replacement;
    loadSpare(); // for the next test, while this one waits out the lease
    // The redelivery finds the claim with its lease live: the worker waits for the holder until the lease ends, then 429.
    await broker.advance(BROKER_FIRST_BACKOFF_MS);
    // Retry-After was the lease left (none): the next delivery comes after the lease.
    await broker.advance(1_000);
    return result;
  }

  const qstash = () => officialClient(brokerServer.url, broker.token);
  const answers = async (name: string) =>
    (await brokerEvents(qstash(), `${workerUrl}/tasks/${name}`)).filter((e) => e.state !== "CREATED").map((e) => [e.state, e.responseStatus ?? null]);

  it("ack early: the body ran once; the redelivery gets 429 while the lease is live, then records FAILURE WorkerLostError (489, DLQ)", async () => {
    const result = await crashMidTask("crash_early");
    const view = await readyView(result);
    expect([view.state, view.error?.type]).toEqual(["FAILURE", "WorkerLostError"]);
    expect(starts("crash_early")).toEqual(["crash_early 0"]);
    expect(await answers("crash_early")).toEqual([
      ["ACTIVE", null], ["ERROR", null], ["RETRY", null],
      ["ACTIVE", null], ["ERROR", 429], ["RETRY", null],
      ["ACTIVE", null], ["ERROR", 489], ["FAILED", null],
    ]);
    expect((await dlqFor(qstash(), `${workerUrl}/tasks/crash_early`)).map((m) => m.messageId)).toEqual([result.messageId]);
  });

  it("acksLate: after the lease the redelivery takes the attempt over and runs it to SUCCESS (the body ran twice)", async () => {
    const result = await crashMidTask("crash_late");
    const view = await readyView(result);
    expect([view.state, view.result]).toEqual(["SUCCESS", "finished on redelivery"]);
    expect(starts("crash_late")).toEqual(["crash_late 0", "crash_late 2"]);
    expect(await answers("crash_late")).toEqual([
      ["ACTIVE", null], ["ERROR", null], ["RETRY", null],
      ["ACTIVE", null], ["ERROR", 429], ["RETRY", null],
      ["ACTIVE", null], ["DELIVERED", null],
    ]);
  });
});
