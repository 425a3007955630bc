/**
 * The real stack for integration tests: the local broker served over HTTP, the worker served
 * over HTTP, results in memory or in real Redis (through the REST bridge and the unmodified
 * `@upstash/redis` client), and clients in direct mode (official QStash client → broker) and
 * HTTP mode (worker API).
 */
import { serve, type ServerType } from "@hono/node-server";
import { afterAll, beforeAll } from "vitest";
import { type AnyTask, type Backend, type Client, createClient, createWorker, type Worker, type WorkerOptions } from "../../src/index.ts";
import { MemoryBackend } from "../../src/testing/index.ts";
import { RedisBackend } from "../../src/backend/redis/index.ts";
import { createLocalBroker, type LocalBroker, type LocalBrokerOptions } from "../../src/broker/local/index.ts";
import { createQStashVerifier, QStashBroker } from "../../src/qstash.ts";
import { silentLogger } from "../../src/config/index.ts";
import { nodeBrokerOptions } from "../../src/adapters/node.ts";
import type { StartedRedisRestBridge } from "../../src/node/redis-bridge/index.ts";
import { connectDirect, deleteByPrefix, randomPrefix, startBridge, upstashClient } from "../backend/redis-env.ts";

export interface StackOptions {
  tasks: AnyTask[];
  backend?: "memory" | "redis";
  /** Options for the local broker (e.g. an injected `now`). */
  broker?: Partial<LocalBrokerOptions>;
  /** Extra worker options (clock, lease…). */
  worker?: Partial<WorkerOptions>;
}

export interface Stack {
  broker: LocalBroker;
  brokerUrl: string;
  workerUrl: string;
  worker: Worker;
  backend: Backend;
  /** Direct mode: publishes through the official QStash client to the local broker, reads the backend. */
  client: Client;
  /** HTTP mode: the worker's publish/results API. */
  httpClient: Client;
  apiToken: string;
  prefix: string;
  /** The REST bridge, with `backend: "redis"`. */
  bridge?: StartedRedisRestBridge;
  close(): Promise<void>;
}

/** Serve `fetch` on a random loopback port. */
export function serveOn(fetch: (req: Request) => Response | Promise<Response>): Promise<{ url: string; server: ServerType; port: number }> {
  return new Promise((resolve, reject) => {
    const server = serve({ fetch, hostname: "127.0.0.1", port: 0 }, (info) => resolve({ url: `http://127.0.0.1:${info.port}`, server, port: info.port }));
    server.once("error", reject);
  });
}

/**
 * `fetch` served on a loopback port for the enclosing describe block (from its beforeAll to its
 * afterAll); the returned function sends `path` to it over a real socket.
 */
export function servedForSuite(fetch: (req: Request) => Response | Promise<Response>): (path: string, init?: RequestInit) => Promise<Response> {
  let served: Awaited<ReturnType<typeof serveOn>> | undefined;
  beforeAll(async () => {
    served = await serveOn(fetch);
  });
  afterAll(() => (served ? closeServer(served.server) : undefined));
  return (path, init) => globalThis.fetch(`${served!.url}${path}`, init);
}

export function closeServer(server: ServerType): Promise<void> {
  return new Promise((resolve) => {
    (server as { closeAllConnections?: () => void }).closeAllConnections?.();
    server.close(() => resolve());
  });
}

export async function startStack(o: StackOptions): Promise<Stack> {
  const node = nodeBrokerOptions();
  const broker = createLocalBroker({ ...node, onError: () => {}, ...o.broker });
  const brokerServer = await serveOn(broker.fetch);
  const prefix = randomPrefix("stack");
  let bridge: StartedRedisRestBridge | undefined;
  let backend: Backend;
  if (o.backend === "redis") {
    bridge = await startBridge();
    backend = new RedisBackend({ redis: upstashClient(bridge), prefix, resultExpiresMs: 3_600_000 });
  } else {
    backend = new MemoryBackend();
  }
  let worker: Worker | undefined;
  const workerServer = await serveOn((req) => worker!.fetch(req));
  const publisherBroker = new QStashBroker({ token: broker.token, baseUrl: brokerServer.url });
  const apiToken = `test-${crypto.randomUUID()}`;
  worker = createWorker({
    tasks: o.tasks,
    backend,
    broker: publisherBroker,
    verifier: createQStashVerifier({ currentSigningKey: broker.keys.current, nextSigningKey: broker.keys.next }),
    publicUrl: workerServer.url,
    apiToken,
    logger: silentLogger,
    ...o.worker,
  });
  const client = createClient({ broker: publisherBroker, backend, workerUrl: workerServer.url, tasks: o.tasks, setAsCurrent: false, now: o.worker?.now });
  const httpClient = createClient({ url: workerServer.url, token: apiToken, setAsCurrent: false });
  return {
    broker, brokerUrl: brokerServer.url, workerUrl: workerServer.url, worker, backend, client, httpClient, apiToken, prefix, bridge,
    async close() {
      await broker.close();
      node.deliver.close();
      await closeServer(brokerServer.server);
      await closeServer(workerServer.server);
      if (bridge) {
        const direct = await connectDirect();
        await deleteByPrefix(direct, prefix);
        await direct.close();
        await bridge.close();
      }
    },
  };
}
