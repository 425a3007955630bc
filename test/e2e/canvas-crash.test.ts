/**
 * A chord of 1,000 acksLate header tasks whose worker process is SIGKILLed mid-header: every
 * fiftieth header task hangs on its first delivery, the process dies with 20 of them in flight, a
 * replacement takes the port, and the broker's redeliveries (after the dead holder's lease, 2 s)
 * run them again. The body runs exactly once, with 1,000 results in order. Real processes, real
 * Redis through the REST bridge, the local broker on its real clock.
 */
import { readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { RedisBackend } from "../../src/backend/redis/index.ts";
import { createLocalBroker, type LocalBroker } from "../../src/broker/local/index.ts";
import { QStashBroker } from "../../src/qstash.ts";
import { type Client, createClient } from "../../src/index.ts";
import { chord, signature } from "../../src/canvas/index.ts";
import { nodeBrokerOptions } from "../../src/adapters/node.ts";
import type { StartedRedisRestBridge } from "../../src/node/redis-bridge/index.ts";
import { connectDirect, deleteByPrefix, randomPrefix, requireRedis, startBridge, upstashClient } from "../backend/redis-env.ts";
import { crashTasks } from "../support/crash-tasks.ts";
import { freePort, spawnWorkerProcess, type WorkerProcess } from "../support/spawn-worker.ts";
import { closeServer, serveOn } from "../support/stack.ts";

const redisUp = await requireRedis();
const HEADER = 1000;

describe.runIf(redisUp)("a chord whose worker is killed mid-header (acksLate header tasks, real processes and Redis)", () => {
  const node = nodeBrokerOptions();
  const runFile = join(tmpdir(), `celeriac-chord-crash-${crypto.randomUUID()}.log`);
  const prefix = randomPrefix("chordcrash");
  const children: WorkerProcess[] = [];
  let broker: LocalBroker;
  let brokerServer: Awaited<ReturnType<typeof serveOn>>;
  let bridge: StartedRedisRestBridge;
  let client: Client;
  let env: Record<string, string>;

  beforeAll(async () => {
    broker = createLocalBroker({ ...node, onError: () => {} });
    brokerServer = await serveOn(broker.fetch);
    bridge = await startBridge();
    const port = await freePort();
    writeFileSync(runFile, "");
    env = {
      CRASH_BROKER_URL: brokerServer.url, CRASH_BROKER_TOKEN: broker.token,
      CRASH_SIGNING_CURRENT: broker.keys.current, CRASH_SIGNING_NEXT: broker.keys.next,
      CRASH_BRIDGE_URL: bridge.url, CRASH_BRIDGE_TOKEN: bridge.token, CRASH_PREFIX: prefix,
      CRASH_PORT: String(port), CRASH_RUN_FILE: runFile, CRASH_LEASE_SEC: "2",
    };
    client = createClient({
      broker: new QStashBroker({ token: broker.token, baseUrl: brokerServer.url }),
      backend: new RedisBackend({ redis: upstashClient(bridge), prefix, resultExpiresMs: 3_600_000 }),
      workerUrl: `http://127.0.0.1:${port}`,
      tasks: crashTasks(runFile),
      setAsCurrent: false,
    });
  });

  afterAll(async () => {
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

  const lines = (name: string) => readFileSync(runFile, "utf8").split("\n").filter((l) => l.startsWith(`${name} `));

  it(`the body runs once with ${HEADER} results in order after the worker died with header tasks in flight`, async () => {
    const [first, replacement] = await Promise.all([spawnWorkerProcess(env), spawnWorkerProcess(env)]);
    children.push(first, replacement);
    await first.listen();
    const result = await client.send(chord(Array.from({ length: HEADER }, (_, i) => signature("crash_square", i, { immutable: true })), signature("crash_collect")));
    // Every header task has started once, a fiftieth of them hang: kill the process under them.
    await expect.poll(() => new Set(lines("crash_square").map((l) => l.split(" ")[1])).size, { timeout: 120_000, interval: 200 }).toBe(HEADER);
    await first.kill();
    await replacement.listen();
    expect(await result.get({ timeoutMs: 120_000 })).toBe(HEADER);
    await broker.idle();
    expect(lines("crash_collect")).toEqual([`crash_collect ${HEADER} true`]);
    const reruns = lines("crash_square").filter((l) => l.endsWith(" 0") === false);
    expect(reruns.length).toBeGreaterThanOrEqual(HEADER / 50); // the hung ones ran again on the replacement
  }, 300_000);
});
