/**
 * The real stack of the crash tests: a local broker served over HTTP, the Redis REST bridge, a
 * client on both, and the environment a worker process (test/support/spawn-worker.ts) needs to
 * serve `crashTasks` on a free port. Each body appends a line to `runFile`; `runs(name)` reads
 * them. `close()` kills the spawned workers (push them on `children`) and removes what it made.
 */
import { readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { RedisBackend } from "../../src/backend/redis/index.ts";
import { createLocalBroker, type LocalBroker } from "../../src/broker/local/index.ts";
import { QStashBroker } from "../../src/qstash.ts";
import { type Client, createClient } from "../../src/index.ts";
import { nodeBrokerOptions } from "../../src/adapters/node.ts";
import type { StartedRedisRestBridge } from "../../src/node/redis-bridge/index.ts";
import { connectDirect, deleteByPrefix, randomPrefix, startBridge, upstashClient } from "../backend/redis-env.ts";
import { crashTasks } from "./crash-tasks.ts";
import { freePort, type WorkerProcess } from "./spawn-worker.ts";
import { closeServer, serveOn } from "./stack.ts";

export interface CrashStack {
  broker: LocalBroker;
  brokerServer: Awaited<ReturnType<typeof serveOn>>;
  bridge: StartedRedisRestBridge;
  client: Client;
  /** The environment of a worker process serving the crash tasks. */
  env: Record<string, string>;
  workerUrl: string;
  /** Worker processes to kill on close. */
  children: WorkerProcess[];
  /** The lines the bodies of task `name` appended, in order. */
  runs(name: string): string[];
  close(): Promise<void>;
}

/** Starts the stack; `leaseSec` is the workers' lease, `now` the broker's clock. */
export async function startCrashStack(o: { name: string; leaseSec: number; now?: () => number }): Promise<CrashStack> {
  const node = nodeBrokerOptions();
  const runFile = join(tmpdir(), `celeriac-${o.name}-${crypto.randomUUID()}.log`);
  const prefix = randomPrefix(o.name.replace(/-/g, ""));
  const broker = createLocalBroker({ ...node, ...(o.now ? { now: o.now } : {}), onError: () => {} });
  const brokerServer = await serveOn(broker.fetch);
  const bridge = await startBridge();
  const port = await freePort();
  const workerUrl = `http://127.0.0.1:${port}`;
  writeFileSync(runFile, "");
  const env = {
    CRASH_BROKER_URL: brokerServer.url, CRASH_BROKER_TOKEN: broker.token,
    CRASH_SIGNING_CURRENT: broker.keys.current, CRASH_SIGNING_NEXT: broker.keys.next,
    CRASH_BRIDGE_URL: bridge.url, CRASH_BRIDGE_TOKEN: bridge.token, CRASH_PREFIX: prefix,
    CRASH_PORT: String(port), CRASH_RUN_FILE: runFile, CRASH_LEASE_SEC: String(o.leaseSec),
  };
  const client = createClient({
    broker: new QStashBroker({ token: broker.token, baseUrl: brokerServer.url }),
    backend: new RedisBackend({ redis: upstashClient(bridge), prefix, resultExpiresMs: 3_600_000 }),
    workerUrl,
    tasks: crashTasks(runFile),
    setAsCurrent: false,
  });
  const children: WorkerProcess[] = [];
  return {
    broker, brokerServer, bridge, client, env, workerUrl, children,
    runs: (name) => readFileSync(runFile, "utf8").split("\n").filter((l) => l.startsWith(`${name} `)),
    async close() {
      await Promise.all(children.map((c) => c.kill()));
      await broker.close();
      node.deliver.close();
      await closeServer(brokerServer.server);
      const direct = await connectDirect();
      await deleteByPrefix(direct, prefix);
      await direct.close();
      await bridge.close();
      rmSync(runFile, { force: true });
    },
  };
}
